"""Steps that need someone or something outside the build: input, build, mail."""
from __future__ import annotations

import sys
from typing import Any, Optional

from orchestrator.errors import FlowInterrupted, StepFailed

from . import step


def _parameter_defaults(engine, ctx, parameters) -> list[tuple[str, Any]]:
    """(name, default) of declarative `parameters {}` (a.Parameters) or step-style parameter maps."""
    out = []
    if parameters is None:
        return out
    from orchestrator.engine.parameters import definition_default
    items = getattr(parameters, "parameters", parameters)
    for item in items:
        if hasattr(item, "named_args"):
            out.append(definition_default(item, lambda e: engine.evaluate(e, ctx)))
        elif isinstance(item, dict):
            out.append((str(item.get("name")), item.get("value", item.get("defaultValue"))))
    return out


def input_id(message: str, given: Optional[str] = None) -> str:
    """Jenkins' input id: the given `id`, else the MD5 of the message; first letter upper-cased."""
    import hashlib
    raw = given or hashlib.md5(message.encode("utf-8")).hexdigest()
    return raw[:1].upper() + raw[1:]


def ask(engine, ctx, message: str, ok: Optional[str] = None, parameters=None,
        submitter_parameter: Optional[str] = None, id: Optional[str] = None,  # noqa: A002
        submitter: Optional[str] = None) -> Any:
    """Pause for an answer: under the server, from the web (the build's `input_waiter`); in
    `orchestrator run`, a terminal prompt or the --input answer. `submitter` (user ids and groups,
    comma-separated) limits who may answer on the web; the terminal's user is trusted."""
    console = ctx.build.console
    console.line(message)
    console.line(f"{ok or 'Proceed'} or Abort")
    if ctx.build.input_waiter is not None:
        answer, who = ctx.build.input_waiter(ctx, input_id(message, id), message, ok or "Proceed",
                                             submitter)
    else:
        answer, who = _terminal_answer(ctx, message, ok), "cli"
    if answer is None:
        raise FlowInterrupted("Rejected: no answer to input (orchestrator run --input proceed answers it)", "ABORTED")
    if answer.lower() in ("abort", "no", "n", "reject"):
        console.line(f"Rejected by {who}")
        raise FlowInterrupted(f"Rejected by {who}", "ABORTED")
    console.line(f"Approved by {who}")
    values = dict(_parameter_defaults(engine, ctx, parameters))
    if submitter_parameter:
        values[submitter_parameter] = who
    if not values:
        return None
    if len(values) == 1:
        return next(iter(values.values())) if not submitter_parameter else values
    return values


def _terminal_answer(ctx, message: str, ok: Optional[str]) -> Optional[str]:
    answer = ctx.build.input_answer
    if answer is None and sys.stdin is not None and sys.stdin.isatty():
        try:
            answer = input(f"{message} [{ok or 'Proceed'}/abort]: ").strip() or "proceed"
        except EOFError:
            answer = "abort"
    return answer


@step("input")
def input_step(call, message, id=None, ok=None, parameters=None, submitter=None,  # noqa: A002
               submitterParameter=None):
    return ask(call.engine, call.ctx, str(message), ok, parameters, submitterParameter,
               id=None if id is None else str(id), submitter=None if submitter is None else str(submitter))


@step("build")
def build(call, job, parameters=None, propagate=True, wait=True, quietPeriod=None, waitForStart=False):
    if call.ctx.build.cli_mode:
        raise StepFailed(f"build(job: '{job}') triggers another job; `orchestrator run` runs a single Jenkinsfile "
                         "with no other jobs. Run it under `orchestrator serve`, or remove the step for local runs.",
                         call.line)
    raise StepFailed("the build step needs the server scheduler", call.line)


@step("mail")
def mail(call, subject, body, to=None, cc=None, bcc=None, replyTo=None, mimeType=None, charset=None, **rest):
    call.console.line(f"mail not sent (no mail server configured): to={to} subject={subject}")


@step("emailext")
def emailext(call, **options):
    call.console.line(f"emailext not sent (no mail server configured): to={options.get('to')} "
                      f"subject={options.get('subject')}")
