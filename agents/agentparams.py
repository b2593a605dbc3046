"""Declarative agent parameters as plain Python values, for the pure pod builder.

The declarative model keeps agent settings as Groovy expressions (`grammar.ast.Agent.params`),
because Jenkins evaluates them at run time (`yaml "${POD}"`). Before a build runs (the `pod`
command, the checks) only constants are known: `literal_params()` turns literals, lists, maps,
nested blocks and describable calls such as `onFailure()` or `dynamicPVC(requestsSize: '1Gi')`
into values, and reports every other expression as a warning, leaving it out. The engine, which
can evaluate anything, passes its own plain dict to `build_pod` instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from orchestrator.grammar import ast as a
from orchestrator.grammar import groovy as g
from orchestrator.grammar.errors import Diagnostic


@dataclass(frozen=True)
class Symbol:
    """A describable written as a call: `onFailure()`, `envVar(key: 'K', value: 'V')`,
    `emptyDirWorkspaceVolume(true)`. `name` is the symbol; named and positional arguments kept."""
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    positional: tuple[Any, ...] = ()


class _NotLiteral(Exception):
    def __init__(self, node: g.Node) -> None:
        self.node = node


def _value(expr: Any) -> Any:
    if isinstance(expr, a.AgentParams):
        return {k: _value(v) for k, v in expr.params}
    if isinstance(expr, g.Literal):
        return expr.value
    if isinstance(expr, g.GString) and all(isinstance(p, str) for p in expr.parts):
        return "".join(expr.parts)  # type: ignore[arg-type]
    if isinstance(expr, g.ListLit):
        return [_value(i) for i in expr.items]
    if isinstance(expr, g.MapLit):
        return {_value(e.key): _value(e.value) for e in expr.entries}
    if isinstance(expr, g.Call) and expr.receiver is None:
        named = {a.literal_key(arg.key): _value(arg.value) for arg in expr.named_args}
        return Symbol(expr.name, named, tuple(_value(p) for p in expr.positional_args))
    raise _NotLiteral(expr)


def literal_params(agent: a.Agent) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The agent's parameters that are constants, plus one warning per parameter computed at run time.

    The single-value forms become one key: `docker 'maven:3'` -> `{"image": "maven:3"}`,
    `dockerfile true` -> `{}`, `dockerfile 'Dockerfile.ci'`? -> `{"filename": ...}` is not Jenkins
    syntax, so only booleans are accepted there, as in Jenkins."""
    params: dict[str, Any] = {}
    warnings: list[Diagnostic] = []
    items: list[tuple[str, Any]] = list(agent.params)
    if agent.value is not None and agent.type == "docker":
        items.insert(0, ("image", agent.value))
    for key, expr in items:
        try:
            params[key] = _value(expr)
        except _NotLiteral as e:
            node = e.node
            warnings.append(Diagnostic(node.line, node.column,
                                       f"{agent.type} agent: the value of '{key}' is computed when the build runs; "
                                       "it is left out here", "warning"))
    return params, warnings


def symbol_name(value: Any) -> Optional[str]:
    """`onFailure()`, `'onFailure'`, `'onFailure()'` or Symbol -> `onFailure`."""
    if isinstance(value, Symbol):
        return value.name
    if isinstance(value, str):
        return value.strip().removesuffix("()") or None
    return None
