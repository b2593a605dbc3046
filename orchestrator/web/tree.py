"""Stapler's export rules as pure functions: `tree=` pruning, `depth=` levels, the Python flavour.

Serializers build plain dicts whose expensive values are `Lazy` (computed only if shown) and which
name their short form in `SUMMARY` (what a nested object shows beyond `depth`: Jenkins' properties
of visibility >= 2, such as a job's name/url/color). Keys listed in `HIDDEN` (Job.allBuilds) appear
only when a tree asks for them or depth >= 3.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional

from orchestrator.errors import UsageError

SUMMARY = "__summary__"
HIDDEN = "__hidden__"


class TreeError(UsageError):
    """A malformed `tree=` or `depth=` (Jenkins answers 500; we answer 400 with the reason)."""


class Lazy:
    """A value computed on first use and remembered (objects live for one request)."""
    __slots__ = ("fn", "value", "done")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = False
        self.value = None

    def __call__(self) -> Any:
        if not self.done:
            self.value = self.fn()
            self.done = True
        return self.value


class Deferred:
    """An object whose summary is known cheaply and whose full form is built only when shown:
    the 100 builds of a job's JSON are summaries (`number`, `url`) at the default depth."""
    __slots__ = ("summary", "full")

    def __init__(self, summary: dict, full: Lazy) -> None:
        self.summary = summary
        self.full = full


def _value(v: Any) -> Any:
    if isinstance(v, Lazy):
        return v()
    if isinstance(v, Deferred):
        return v.full()
    return v


# ---------------------------------------------------------------- tree= parsing
Tree = dict[str, tuple[Optional["Tree"], Optional[tuple[Optional[int], Optional[int]]]]]


def parse_tree(text: str) -> Tree:
    """`jobs[name,url{0,5}],color` -> {"jobs": ({"name": (None, None), ...}, None), "color": (None, None)}."""
    pos = 0

    def fail(why: str) -> TreeError:
        return TreeError(f"Malformed tree expression: {text!r}: {why} at position {pos}")

    def parse_list() -> Tree:
        nonlocal pos
        nodes: Tree = {}
        while True:
            start = pos
            while pos < len(text) and text[pos] not in ",[]{}":
                pos += 1
            name = text[start:pos].strip()
            if not name:
                raise fail("expected a property name")
            sub: Optional[Tree] = None
            rng = None
            if pos < len(text) and text[pos] == "[":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != "]":
                    raise fail("expected ']'")
                pos += 1
            if pos < len(text) and text[pos] == "{":
                end = text.find("}", pos)
                if end < 0:
                    raise fail("expected '}'")
                rng = parse_range(text[pos + 1:end])
                pos = end + 1
            nodes[name] = (sub, rng)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return nodes

    def parse_range(body: str) -> tuple[Optional[int], Optional[int]]:
        try:
            if "," not in body:
                n = int(body)
                return (n, n + 1)
            lo, hi = body.split(",", 1)
            return (int(lo) if lo.strip() else None, int(hi) if hi.strip() else None)
        except ValueError:
            raise fail(f"bad range {{{body}}}") from None

    tree = parse_list()
    if pos != len(text):
        raise fail("unexpected character")
    return tree


def parse_depth(text: Optional[str]) -> int:
    if text is None or text == "":
        return 0
    try:
        depth = int(text)
    except ValueError:
        raise TreeError(f"depth must be a number, not {text!r}") from None
    if depth < 0 or depth > 10:
        raise TreeError("depth must be between 0 and 10")
    return depth


# ---------------------------------------------------------------- pruning
def prune(obj: Any, tree: Tree) -> Any:
    """Keep the named properties (and `_class`) of obj, recursively."""
    if isinstance(obj, list):
        return [prune(_value(x), tree) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    if "_class" in obj:
        out["_class"] = obj["_class"]
    names = [k for k in obj if k not in (SUMMARY, HIDDEN)] if "*" in tree else [k for k in tree if k in obj]
    for name in names:
        sub, rng = tree.get(name) or tree.get("*") or (None, None)
        value = _value(obj[name])
        if isinstance(value, list) and rng is not None:
            value = value[rng[0]:rng[1]]
        if sub is not None:
            out[name] = prune(value, sub)
        else:
            out[name] = _bare(value)
    return out


def _bare(value: Any) -> Any:
    """A property named without a sub-tree: objects shrink to their `_class`."""
    if isinstance(value, dict):
        if "_class" in value:
            return {"_class": value["_class"]}
        return finish(value)
    if isinstance(value, list):
        return [_bare(_value(v)) for v in value]
    return value


def by_depth(obj: Any, depth: int, level: int = 0) -> Any:
    """Jenkins' depth: the top object in full, nested objects beyond `depth` in summary form."""
    if isinstance(obj, list):
        return [by_depth(x.summary if isinstance(x, Deferred) and level > depth else _value(x), depth, level)
                for x in obj]
    if not isinstance(obj, dict):
        return obj
    summary = obj.get(SUMMARY)
    hidden = obj.get(HIDDEN, ()) if depth < 3 else ()
    keys = [k for k in obj if k not in (SUMMARY, HIDDEN) and k not in hidden]
    if level > depth and summary is not None:
        keys = [k for k in keys if k == "_class" or k in summary]
    return {k: by_depth(_value(obj[k]), depth, level + 1) for k in keys}


def finish(obj: Any) -> Any:
    return by_depth(obj, 99)


def render(obj: Any, tree: Optional[str], depth: Optional[str]) -> Any:
    """What `?tree=` / `?depth=` ask for (tree wins, as in Stapler)."""
    if tree:
        return prune(obj, parse_tree(tree))
    return by_depth(obj, parse_depth(depth))


def to_python(value: Any) -> str:
    """Stapler's Python flavour: JSON with True/False/None (literal_eval-able)."""
    if value is True:
        return "True"
    if value is False:
        return "False"
    if value is None:
        return "None"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_python(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_python(v) for v in value) + "]"
    return json.dumps(value)
