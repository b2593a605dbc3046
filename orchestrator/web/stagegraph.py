"""Stage rows -> the stage graph: stages in order, each with its parallel branches or matrix cells
and nested stages, as pipeline-graph-view's `pipeline-graph/tree` JSON shapes them.

Pure: the store's rows in, plain dicts out. The build page draws this; it refreshes it every second
while the build runs.
"""
from __future__ import annotations

from typing import Any, Optional

# store status -> the graph's state (pipeline-graph-view's lower-case states)
_STATES = {"SUCCESS": "success", "FAILED": "failure", "FAILURE": "failure", "UNSTABLE": "unstable",
           "ABORTED": "aborted", "IN_PROGRESS": "running", "NOT_EXECUTED": "not_built", "NOT_BUILT": "not_built"}


def stage_state(status: str) -> str:
    if status.startswith("SKIPPED"):
        return "skipped"
    return _STATES.get(status, "not_built")


def stage_tree(rows: list[dict], now_ms: int) -> list[dict]:
    """Top-level stages, each with `children`: parallel branches / matrix cells (`type: PARALLEL`) or
    nested sequential stages (`type: STAGE`). Durations of running stages count up to `now_ms`."""
    nodes: dict[int, dict] = {}
    top: list[dict] = []
    for row in rows:
        state = stage_state(row["status"])
        duration = row["duration_ms"]
        if state == "running":
            duration = max(duration, now_ms - row["start_ms"])
        node = {"id": str(row["seq"] + 1), "name": row["name"], "title": row["name"], "state": state,
                "type": "PARALLEL" if row.get("kind") in ("branch", "cell") else "STAGE",
                "kind": row.get("kind") or "stage", "startTimeMillis": row["start_ms"],
                "totalDurationMillis": duration, "children": []}
        nodes[row["seq"]] = node
        parent: Optional[dict] = nodes.get(row["parent"]) if row["parent"] is not None else None
        (parent["children"] if parent is not None else top).append(node)
    return top


def tree_response(rows: list[dict], running: bool, now_ms: int) -> dict[str, Any]:
    return {"status": "ok", "data": {"complete": not running, "stages": stage_tree(rows, now_ms)}}
