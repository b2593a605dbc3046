"""Build parameters: the values `parameters {}` definitions give, with a build's own values.

Used for a build's `params` and for the `input` directive's parameters.
"""
from __future__ import annotations

from typing import Callable, Iterable

from orchestrator.grammar import ast as a


def definition_default(definition: a.Describable, evaluate: Callable) -> tuple[str, object]:
    """(name, default) of one definition: booleanParam -> bool, choice -> its first choice."""
    named = {k: evaluate(v) for k, v in definition.named_args.items()}
    name = str(named.get("name"))
    if definition.name == "booleanParam":
        return name, bool(named.get("defaultValue", False))
    if definition.name == "choice":
        choices = named.get("choices") or []
        choices = choices.split("\n") if isinstance(choices, str) else list(choices)
        return name, choices[0] if choices else ""
    default = named.get("defaultValue", "")
    return name, "" if default is None else default


def parameter_values(definitions: Iterable[a.Describable], overrides: dict[str, str],
                     evaluate: Callable) -> dict[str, object]:
    """Defaults of the definitions, with overrides (text, as given on the command line or in a
    request) converted to each parameter's type."""
    values: dict[str, object] = {}
    types: dict[str, str] = {}
    for definition in definitions:
        name, default = definition_default(definition, evaluate)
        values[name] = default
        types[name] = definition.name
    for name, raw in overrides.items():
        if types.get(name) == "booleanParam" and isinstance(raw, str):
            values[name] = raw.strip().lower() in ("true", "1", "yes", "on")
        else:
            values[name] = raw
    return values


def password_parameters(definitions: Iterable[a.Describable], evaluate: Callable) -> set[str]:
    """Names of the `password(...)` definitions: their values are masked in the console."""
    return {str(evaluate(d.named_args["name"])) for d in definitions if d.name == "password" and "name" in d.named_args}
