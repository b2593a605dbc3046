"""The Generic Webhook Trigger: variables from the request, the regexp filter, the cause.

A job opts in with `triggers { GenericTrigger(token: '...', genericVariables: [[key: 'ref',
value: '$.ref']], ...) }`. Variables come from the JSON body by JSONPath (jsonpath-ng),
from query parameters (`genericRequestVariables`) and headers (`genericHeaderVariables`); the
build gets them all as environment variables and as the values of the job's parameters of the
same name. `regexpFilterText` is rendered with `$name`/`${name}` and must `find` a match of
`regexpFilterExpression`, or the job is not triggered. Like the plugin, a value that is an object or a
list also gives flattened variables (`changes_0_id`).
"""
from __future__ import annotations

import functools
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from orchestrator.errors import UsageError

from .declared import NotLiteral, declared_trigger


class BadTrigger(UsageError):
    """A GenericTrigger this orchestrator cannot evaluate (e.g. an XPath variable)."""


@dataclass(frozen=True)
class Variable:
    key: str
    expression: str = ""
    regexp_filter: str = ""
    default: str = ""


@dataclass(frozen=True)
class GenericTrigger:
    token: str = ""
    token_credential_id: str = ""
    variables: tuple[Variable, ...] = ()
    request_variables: tuple[Variable, ...] = ()
    header_variables: tuple[Variable, ...] = ()
    cause_string: str = ""
    filter_text: str = ""
    filter_expression: str = ""
    silent_response: bool = False
    print_variables: bool = False
    print_post_content: bool = False


@dataclass
class Outcome:
    variables: dict[str, str] = field(default_factory=dict)
    filter_text: str = ""
    triggered: bool = True
    cause: dict = field(default_factory=dict)


def trigger_of(script: str) -> Optional[GenericTrigger]:
    """The job's GenericTrigger, None when it declares none; BadTrigger when it cannot be used."""
    try:
        args = declared_trigger(script, "GenericTrigger")
    except NotLiteral as e:
        raise BadTrigger(str(e)) from None
    if args is None:
        return None
    return GenericTrigger(
        token=str(args.get("token") or ""), token_credential_id=str(args.get("tokenCredentialId") or ""),
        variables=_variables(args.get("genericVariables"), "genericVariables", body=True),
        request_variables=_variables(args.get("genericRequestVariables"), "genericRequestVariables"),
        header_variables=_variables(args.get("genericHeaderVariables"), "genericHeaderVariables"),
        cause_string=str(args.get("causeString") or ""), filter_text=str(args.get("regexpFilterText") or ""),
        filter_expression=str(args.get("regexpFilterExpression") or ""),
        silent_response=bool(args.get("silentResponse")), print_variables=bool(args.get("printContributedVariables")),
        print_post_content=bool(args.get("printPostContent")))


def _variables(raw: Any, what: str, body: bool = False) -> tuple[Variable, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, dict) and v.get("key") for v in raw):
        raise BadTrigger(f"{what} must be a list of maps with a 'key', like [[key: 'ref', value: '$.ref']]")
    out = []
    for v in raw:
        if body and str(v.get("expressionType") or "JSONPath") != "JSONPath":
            raise BadTrigger(f"{what}: variable '{v['key']}' uses {v['expressionType']}; only JSONPath is supported")
        out.append(Variable(key=str(v["key"]), expression=str(v.get("value") or ""),
                            regexp_filter=str(v.get("regexpFilter") or ""), default=str(v.get("defaultValue") or "")))
    return tuple(out)


def token_matches(given: Optional[str], expected: str) -> bool:
    """Constant-time: the time taken says nothing about how much of the token was right."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- evaluating a request
def evaluate(trigger: GenericTrigger, body: Any, query: Mapping[str, list[str]],
             headers: Mapping[str, list[str]]) -> Outcome:
    variables: dict[str, str] = {}
    for v in trigger.variables:
        variables.update(_from_body(v, body))
    for v in trigger.request_variables:
        values = query.get(v.key) or []
        variables.update(_flatten(_name(v.key), values if len(values) != 1 else values[0], v.regexp_filter))
    for v in trigger.header_variables:
        values = headers.get(v.key.lower()) or []
        name = _name(v.key.lower())
        for i, value in enumerate(values):
            variables[f"{name}_{i}"] = _filtered(value, v.regexp_filter)
        if values:
            variables[name] = _filtered(values[0], v.regexp_filter)
    text = render(trigger.filter_text, variables)
    triggered = filter_matches(text, trigger.filter_expression)
    cause = {"_class": "org.jenkinsci.plugins.gwt.GenericCause",
             "shortDescription": render(trigger.cause_string, variables) or "Generic Cause"}
    return Outcome(variables=variables, filter_text=text, triggered=triggered, cause=cause)


def _from_body(v: Variable, body: Any) -> dict[str, str]:
    if not v.expression:
        return {}
    found = [m.value for m in _compiled(v.expression).find(body)]
    if not found or (len(found) == 1 and found[0] is None):
        return {_name(v.key): v.default} if v.default else {}
    value = found[0] if len(found) == 1 and not _is_wildcard(v.expression) else found
    return _flatten(_name(v.key), value, v.regexp_filter)


@functools.lru_cache(maxsize=256)
def _compiled(expression: str):
    from jsonpath_ng.ext import parse as jsonpath
    try:
        return jsonpath(expression)
    except Exception as e:  # noqa: BLE001 - jsonpath-ng raises several unrelated types for a bad path
        raise BadTrigger(f"genericVariables: {expression!r} is not a JSONPath expression: {e}") from None


def _is_wildcard(expression: str) -> bool:
    return any(c in expression for c in ("*", "..", "?(", ",", ":"))


def _flatten(key: str, value: Any, regexp_filter: str) -> dict[str, str]:
    """`key` gets the value (objects and lists as JSON text); objects and lists also give `key_sub`."""
    out: dict[str, str] = {}
    if isinstance(value, (dict, list)):
        out[key] = _filtered(json.dumps(value, separators=(",", ":")), regexp_filter)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for sub, item in items:
            out.update(_flatten(f"{key}_{_name(str(sub))}", item, regexp_filter))
    elif value is not None:
        out[key] = _filtered(_text(value), regexp_filter)
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _filtered(text: str, regexp_filter: str) -> str:
    """The variable's `regexpFilter` removes what it matches (Java's replaceAll(filter, ""))."""
    if not regexp_filter:
        return text
    try:
        return re.sub(regexp_filter, "", text)
    except re.error as e:
        raise BadTrigger(f"regexpFilter {regexp_filter!r} is not a valid regular expression: {e}") from None


def _name(key: str) -> str:
    return re.sub(r"\s", "_", key).replace("-", "_")


def render(text: str, variables: Mapping[str, str]) -> str:
    """`$name` and `${name}` replaced, longest names first (so `$ref_name` is not `$ref` + `_name`)."""
    if not text:
        return ""
    for name in sorted(variables, key=lambda n: (-len(n), n)):
        text = text.replace("${" + name + "}", variables[name]).replace("$" + name, variables[name])
    return text


def filter_matches(text: str, expression: str) -> bool:
    """No filter matches everything; otherwise the expression must be found in the rendered text."""
    if not text and not expression:
        return True
    try:
        return re.search(expression or "", text or "") is not None
    except re.error as e:
        raise BadTrigger(f"regexpFilterExpression {expression!r} is not a valid regular expression: {e}") from None


def parameter_values(params: list[dict], variables: Mapping[str, str]) -> dict[str, Any]:
    """The job's parameters: a non-empty variable of the same name, else the default (as the plugin)."""
    values: dict[str, Any] = {}
    for p in params:
        given = variables.get(p["name"])
        default = p.get("default", "")
        if not given:
            values[p["name"]] = default
        elif p["type"] == "BooleanParameterDefinition":
            values[p["name"]] = given.strip().lower() == "true"
        else:
            values[p["name"]] = given
    return values
