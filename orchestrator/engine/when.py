"""`when { }` evaluation: every top-level condition must hold; combinators short-circuit."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from orchestrator.grammar import ast as a

from .conditions import compare
from .context import ExecContext

if TYPE_CHECKING:
    from .runner import Engine

# changeRequest fields and the environment variables they are compared with
CHANGE_FIELDS = {"id": "CHANGE_ID", "target": "CHANGE_TARGET", "branch": "CHANGE_BRANCH", "fork": "CHANGE_FORK",
                 "url": "CHANGE_URL", "title": "CHANGE_TITLE", "author": "CHANGE_AUTHOR",
                 "authorDisplayName": "CHANGE_AUTHOR_DISPLAY_NAME", "authorEmail": "CHANGE_AUTHOR_EMAIL"}


def evaluate_when(engine: "Engine", ctx: ExecContext, when: a.When) -> bool:
    return all(_condition(engine, ctx, c) for c in when.conditions)


def _args(engine: "Engine", ctx: ExecContext, c: a.WhenCondition, single: str) -> dict[str, Any]:
    values = {k: engine.evaluate(v, ctx) for k, v in c.named_args.items()}
    if c.positional_args:
        values[single] = engine.evaluate(c.positional_args[0], ctx)
    return values


def _condition(engine: "Engine", ctx: ExecContext, c: a.WhenCondition) -> bool:
    from orchestrator.script import truthy
    name = c.name
    if name == "allOf":
        return all(_condition(engine, ctx, x) for x in c.children)
    if name == "anyOf":
        return any(_condition(engine, ctx, x) for x in c.children)
    if name == "not":
        return not _condition(engine, ctx, c.children[0])
    if name == "expression":
        return truthy(engine.run_body(c.script, ctx))
    env = ctx.env_get
    if name == "branch":
        args = _args(engine, ctx, c, "pattern")
        branch = env("BRANCH_NAME") or env("GIT_LOCAL_BRANCH")
        return compare(str(args.get("pattern") or ""), branch, str(args.get("comparator") or "GLOB"))
    if name == "buildingTag":
        return bool(env("TAG_NAME"))
    if name == "tag":
        args = _args(engine, ctx, c, "pattern")
        tag = env("TAG_NAME")
        if not tag:
            return False
        pattern = str(args.get("pattern") or "")
        return not pattern or compare(pattern, tag, str(args.get("comparator") or "GLOB"))
    if name == "changeRequest":
        if not env("CHANGE_ID"):
            return False
        args = _args(engine, ctx, c, "id")
        comparator = str(args.pop("comparator", None) or "EQUALS")
        return all(compare(str(v), env(CHANGE_FIELDS[k]), comparator, case_sensitive=True)
                   for k, v in args.items() if k in CHANGE_FIELDS)
    if name == "environment":
        args = _args(engine, ctx, c, "name")
        actual = env(str(args.get("name"))) or ""
        expected = "" if args.get("value") is None else str(args.get("value"))
        if args.get("ignoreCase"):
            return actual.lower() == expected.lower()
        return actual == expected
    if name == "equals":
        from orchestrator.script import values as groovy_values
        args = _args(engine, ctx, c, "expected")
        return groovy_values.groovy_equals(args.get("expected"), args.get("actual"))
    if name == "changelog":
        pattern = str(_args(engine, ctx, c, "pattern").get("pattern") or "")
        messages = [entry.get("message", "") for entry in ctx.build.job_properties.get("changesets", [])]
        if not messages:
            engine.console.line("Warning, empty changelog. Have you run checkout?")
            return False
        regex = re.compile(pattern)
        return any(regex.fullmatch(m) or regex.fullmatch(m.split("\n")[0]) or regex.search(m) and
                   re.compile(pattern, re.MULTILINE | re.DOTALL).fullmatch(m) for m in messages)
    if name == "changeset":
        args = _args(engine, ctx, c, "pattern")
        paths = [p for entry in ctx.build.job_properties.get("changesets", []) for p in entry.get("paths", [])]
        case_sensitive = bool(args.get("caseSensitive"))
        return any(compare(str(args.get("pattern")), p, str(args.get("comparator") or "GLOB"), case_sensitive)
                   for p in paths)
    if name == "triggeredBy":
        args = _args(engine, ctx, c, "cause")
        cause = str(args.get("cause") or "")
        detail = args.get("detail")
        for item in ctx.build.job_properties.get("causes", [{"_class": "UserIdCause", "userId": "cli"}]):
            if re.fullmatch(r"(?i)\.*" + re.escape(cause) + ".*", str(item.get("_class", ""))):
                if detail is None or str(item.get("userId")) == str(detail):
                    return True
        return False
    if name == "isRestartedRun":
        return False
    raise ValueError(f"unknown when condition {name}")
