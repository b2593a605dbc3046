"""The `triggers { }` a job's Jenkinsfile declares, with their literal arguments.

Jenkins registers a pipeline's triggers when it runs; reading them from the job's script up front
means the first webhook already finds the job. Only literal arguments count (strings, numbers,
booleans, lists and maps of them): `token: env.TOKEN` cannot be known before a build, so such a
trigger is reported as unusable rather than guessed.
"""
from __future__ import annotations

from typing import Any, Optional

from orchestrator.grammar import groovy as g


class NotLiteral(Exception):
    """An argument that is an expression, not a value."""


def declared_trigger(script: str, name: str) -> Optional[dict[str, Any]]:
    """The named arguments of `triggers { name(...) }` in a valid Declarative script, or None.
    Raises NotLiteral (with the argument's name) when an argument is not a literal."""
    if not script or name not in script:   # cheap: most jobs declare no such trigger
        return None
    from orchestrator.grammar.cache import cached_check
    checked = cached_check(script)
    pipeline = checked.pipeline if checked.valid else None
    if pipeline is None or pipeline.triggers is None:
        return None
    for trigger in pipeline.triggers.triggers:
        if trigger.name == name:
            values = {}
            for key, expr in trigger.named_args.items():
                try:
                    values[key] = literal(expr)
                except NotLiteral:
                    raise NotLiteral(f"{name}({key}: ...) is not a literal value (line {expr.line})") from None
            return values
    return None


def literal(expr: g.Expr) -> Any:
    if isinstance(expr, g.Literal):
        return expr.value
    if isinstance(expr, g.ListLit):
        return [literal(item) for item in expr.items]
    if isinstance(expr, g.MapLit):
        return {str(literal(entry.key)): literal(entry.value) for entry in expr.entries}
    raise NotLiteral(type(expr).__name__)
