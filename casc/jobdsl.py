"""The `jobs:` root: Job DSL script entries, read (never executed) into Jobs.

Entries are JCasC's: `script:` (the text is interpolated by JCasC first, so Groovy's `${x}` must be
written `^${x}`), `file:` and `url:` (only the path is interpolated, not the contents), and
`providedEnv:` (variables for the scripts that follow). What a script may contain is described
in dsl_reader.py.
"""
from __future__ import annotations

from typing import Any, Optional

from .dsl_reader import Reader, Where
from .errors import JobDslError, SourceError, UnknownSymbolError
from .model import Job
from .spec import INVALID, Attr, Context
from .yaml_lines import AnyNode, Mapping, Scalar, Sequence, script_lines

SCRIPT_SOURCE = "javaposse.jobdsl.plugin.casc.ScriptSource"


def check_root(ctx: Context, node: AnyNode, path: str = "jobs") -> Any:
    """The `jobs:` root -> list of Jobs in declaration order, or INVALID."""
    if isinstance(node, Scalar) and node.value is None:
        return []
    if not isinstance(node, Sequence):
        return ctx.wrong_kind(node, path, Attr("jobs"), "Sequence")
    errors_before = len(ctx.errors)
    env = dict(ctx.env)
    jobs: list[Job] = []
    for i, entry in enumerate(node):
        where = f"{path}[{i}]"
        if not isinstance(entry, Mapping) or len(entry) != 1:
            keys = entry.keys() if isinstance(entry, Mapping) else []
            ctx.error(JobDslError, f"Single entry map expected to configure a {SCRIPT_SOURCE} but found: "
                                   f"[{', '.join(keys)}]", entry, where)
            continue
        key, value = entry.entries[0]
        kind = key.text
        if kind == "providedEnv":
            env.update(_provided_env(ctx, value, f"{where}.providedEnv"))
            continue
        loaded = _script_of(ctx, kind, value, f"{where}.{kind}")
        if loaded is not None:
            text, place = loaded
            jobs += Reader(ctx, text, place, f"{where}.{kind}", env).read()
    return INVALID if len(ctx.errors) > errors_before else jobs


def _provided_env(ctx: Context, node: AnyNode, path: str) -> dict[str, str]:
    if not isinstance(node, Mapping):
        ctx.wrong_kind(node, path, Attr("providedEnv"), "Mapping")
        return {}
    out = {}
    for key, value in node:
        text = ctx.scalar(value, f"{path}.{key.text}", Attr(key.text))
        if text is not INVALID:
            out[key.text] = text
    return out


def _script_of(ctx: Context, kind: str, node: AnyNode, path: str) -> Optional[tuple[str, Where]]:
    attr = Attr(kind)
    if kind not in ("script", "file", "url"):
        ctx.error(UnknownSymbolError, f"No {SCRIPT_SOURCE} implementation found for {kind}\n"
                                      "Available implementations : file, providedEnv, script, url", node, path)
        return None
    value = ctx.scalar(node, path, attr)
    if value is INVALID:
        return None
    assert isinstance(node, Scalar)
    if kind == "script":
        source = ctx.texts.get(node.file, "")
        return value, Where(node.file, script_lines(node, source, value) if source else None)
    if kind == "file":
        try:
            with open(value, encoding="utf-8") as f:  # relative to the working directory, as in Jenkins
                return f.read(), Where(value)
        except (OSError, UnicodeDecodeError) as e:
            ctx.error(SourceError, f"Failed to retrieve job-dsl script: {value}: "
                                   f"{getattr(e, 'strerror', None) or e}", node, path)
            return None
    from .sources import fetch_url
    try:
        return fetch_url(value), Where(value)
    except SourceError as e:
        ctx.error(SourceError, f"Failed to retrieve job-dsl script: {e.message}", node, path)
        return None
