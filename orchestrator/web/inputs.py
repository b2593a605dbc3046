"""The `input` step over HTTP, as Jenkins' pipeline-input-step serves it.

`wfapi/pendingInputActions` lists what a running build waits on; `input/ID/proceedEmpty` (or
`proceed`, `wfapi/inputSubmit?inputId=ID`) and `input/ID/abort` answer it. The web worker only writes
the answer to the store; the scheduler's build thread, polling for it, goes on or aborts.
"""
from __future__ import annotations

from typing import Callable, Optional

from orchestrator.errors import OrchestratorError, UsageError
from orchestrator.store import NotFound, Store

#: (the input's submitter list or None) -> why the current user may not answer it, or None
Refusal = Callable[[Optional[str]], Optional[str]]


class InputForbidden(OrchestratorError):
    status = 403

# rest of the URL after /job/x/N/ -> the answer it gives
_ANSWERS = {"proceedEmpty": "proceed", "proceed": "proceed", "submit": "proceed", "abort": "abort"}


def pending_actions(store: Store, build: dict, build_path: str, refusal: Refusal) -> list[dict]:
    """`build_path` is the build's URL path (`/job/x/7/`), as Jenkins' stage view links are. A build
    that is over waits on nothing (even if the controller died while it was waiting). `refusal` says,
    per input, why the current user may not answer it (the build page disables its buttons then)."""
    if build["state"] != "running":
        return []
    return [_action(row, build_path, refusal) for row in store.pending_inputs(build["id"])]


def _action(row: dict, build_path: str, refusal: Refusal) -> dict:
    action = {"id": row["input_id"], "proceedText": row["ok"] or "Proceed", "message": row["message"],
              "inputs": [], "proceedUrl": f"{build_path}wfapi/inputSubmit?inputId={row['input_id']}",
              "abortUrl": f"{build_path}input/{row['input_id']}/abort",
              "redirectApprovalUrl": f"{build_path}input/"}
    if row.get("submitter"):   # Jenkins' InputStep exports its submitter; why this user may not answer
        action.update(submitter=row["submitter"], refusal=refusal(row["submitter"]) or "")
    return action


def answer_for(rest: list[str], input_id_arg: Optional[str]) -> Optional[tuple[str, str]]:
    """(input id, "proceed"/"abort") when the URL answers an input, else None."""
    if len(rest) == 3 and rest[0] == "input" and rest[2] in _ANSWERS:
        return rest[1], _ANSWERS[rest[2]]
    if rest == ["wfapi", "inputSubmit"]:
        if not input_id_arg:
            raise UsageError("Query parameter 'inputId' is required")
        return input_id_arg, "proceed"
    return None


def answer(store: Store, build: dict, input_id: str, verdict: str, user: str, refusal: Refusal) -> None:
    """Write the answer, if the user may give it (Job/Build and the input's `submitter` list)."""
    if build["state"] != "running":
        raise NotFound(f"{build['job']} #{build['number']} is not running; it waits on no input")
    row = store.input_state(build["id"], input_id)
    if row is not None and row["state"] == "pending":
        why = refusal(row.get("submitter"))
        if why:
            raise InputForbidden(why)
    store.answer_input(build["id"], input_id, verdict, user)
