"""What the model builder modules share: section tables, Jenkins' fixed texts, and small
helpers over Groovy calls."""
from __future__ import annotations

from typing import Optional

from . import groovy as g
from .errors import Diagnostic
from .printer import render

POST_CONDITIONS = ("always", "changed", "fixed", "regression", "aborted", "success", "unsuccessful",
                   "unstable", "failure", "notBuilt", "cleanup")
PIPELINE_SECTIONS = ("agent", "stages", "environment", "options", "parameters", "triggers", "tools",
                     "libraries", "post")
STAGE_SECTIONS = ("agent", "when", "steps", "post", "options", "input", "tools", "environment",
                  "parallel", "matrix", "failFast", "stages")
MATRIX_SECTIONS = ("axes", "excludes", "agent", "when", "post", "options", "input", "tools",
                   "environment", "stages")
INPUT_FIELDS = ("message", "id", "ok", "submitter", "submitterParameter", "parameters")
RENAMED_SECTIONS = {
    "properties": "The ‘properties’ section has been renamed as of version 0.8. Use ‘options’ instead.",
    "wrappers": "The 'wrappers' section has been removed as of version 0.8. Use 'options' instead.",
    "jobProperties": "The ‘jobProperties’ section has been renamed as of version 0.7. Use ‘properties’ instead.",
    "notifications": "The ‘notifications’ section has been removed as of version 0.6. Use ‘post’ for all "
                     "post-build actions.",
    "postBuild": "The ‘postBuild’ section has been renamed as of version 0.6. Use ‘post’ for all post-build actions.",
}
BLOCKED_STEPS = {
    "stage": "The stage step cannot be used in Declarative Pipelines",
    "properties": "The properties step cannot be used in Declarative Pipelines",
}
_LONG_MIN, _LONG_MAX = -(2 ** 63), 2 ** 63 - 1
BIG_INTEGER = ("BigIntegers cannot be used as constants in Declarative. The maximum value for an integer is "
               "9,223,372,036,854,775,807 and the minimum value for an integer is -9,223,372,036,854,775,808.")


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, node, message: str) -> None:
        line = getattr(node, "line", 1) or 1
        column = getattr(node, "column", 1) or 1
        self.diagnostics.append(Diagnostic(line, column, message))


def _call_of(stmt) -> Optional[g.Call]:
    if isinstance(stmt, g.ExprStmt) and isinstance(stmt.expr, g.Call):
        return stmt.expr
    return None


def _block_of(call: g.Call) -> Optional[g.Closure]:
    """The closure a section or step is written with: its last argument."""
    if call.args and isinstance(call.args[-1], g.Closure):
        return call.args[-1]
    return None


def _args_without_block(call: g.Call) -> tuple[g.Arg, ...]:
    if _block_of(call) is not None:
        return call.args[:-1]
    return call.args


def _statement_text(stmt) -> str:
    return render(stmt.expr if isinstance(stmt, g.ExprStmt) else stmt) if isinstance(
        stmt, (g.ExprStmt, g.Expr)) else type(stmt).__name__


def is_pipeline_call(stmt) -> bool:
    call = _call_of(stmt)
    return call is not None and call.receiver is None and call.name == "pipeline"


def literal_string(expr) -> Optional[str]:
    if isinstance(expr, g.Literal) and isinstance(expr.value, str):
        return expr.value
    return None
