"""YAML text -> a node tree where every node knows its file, line and column.

JCasC works on SnakeYAML node trees, not on plain dicts, so that merging and every error can say
where a value came from; this module gives the same to Python. PyYAML's composer builds the
nodes (anchors, aliases and `<<:` merge keys work); they are then copied into small frozen
classes whose scalars are all strings (or None for null), as JCasC's model is. The SnakeYAML
limits JCasC sets are kept: aliases to collections (CASC_YAML_MAX_ALIASES, default 50, the
"billion laughs" guard) and document size (CASC_YAML_CODE_POINT_LIMIT, in MB, default 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Union

import yaml

from .errors import CascWarning, YamlSyntaxError

MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
DEFAULT_MAX_ALIASES = 50
DEFAULT_CODE_POINT_LIMIT_MB = 3


@dataclass(frozen=True, eq=False)
class Node:
    file: str
    line: int
    column: int

    kind = "Node"


@dataclass(frozen=True, eq=False)
class Scalar(Node):
    value: Optional[str]          # None for YAML null (`key:` with nothing after it)
    style: Optional[str] = None   # None (plain), "'", '"', '|' or '>'
    end_line: int = 0

    kind = "Scalar"

    @property
    def text(self) -> str:
        return "" if self.value is None else self.value


@dataclass(frozen=True, eq=False)
class Mapping(Node):
    entries: tuple[tuple[Scalar, "AnyNode"], ...] = ()

    kind = "Mapping"

    def keys(self) -> list[str]:
        return [k.text for k, _ in self.entries]

    def get(self, key: str) -> Optional["AnyNode"]:
        for k, v in self.entries:
            if k.text == key:
                return v
        return None

    def __iter__(self) -> Iterator[tuple[Scalar, "AnyNode"]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, eq=False)
class Sequence(Node):
    items: tuple["AnyNode", ...] = ()

    kind = "Sequence"

    def __iter__(self) -> Iterator["AnyNode"]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


AnyNode = Union[Scalar, Mapping, Sequence]


class _AliasLimit(Exception):
    def __init__(self, mark, limit: int) -> None:
        self.mark, self.limit = mark, limit


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases to collections, as SnakeYAML's maxAliasesForCollections does."""

    def __init__(self, stream: str, max_aliases: int) -> None:
        super().__init__(stream)
        self.collection_aliases = 0
        self.max_aliases = max_aliases

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and not isinstance(target, yaml.ScalarNode):
                self.collection_aliases += 1
                if self.collection_aliases > self.max_aliases:
                    raise _AliasLimit(event.start_mark, self.max_aliases)
        return super().compose_node(parent, index)


def _int_setting(env: dict, name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except (TypeError, ValueError):
        return default


def parse(text: str, file: str, env: Optional[dict] = None) -> tuple[AnyNode, list[CascWarning]]:
    """Parse one YAML document. An empty document is an empty mapping, as in JCasC."""
    env = env or {}
    limit = _int_setting(env, "CASC_YAML_CODE_POINT_LIMIT", DEFAULT_CODE_POINT_LIMIT_MB) * 1024 * 1024
    if len(text) > limit:
        raise YamlSyntaxError(f"The incoming YAML document exceeds the limit: {limit} code points.", file, 1)
    max_aliases = _int_setting(env, "CASC_YAML_MAX_ALIASES", DEFAULT_MAX_ALIASES)
    loader = _Loader(text, max_aliases)
    try:
        root = loader.get_single_node()
    except _AliasLimit as e:
        raise YamlSyntaxError(
            f"Number of aliases for non-scalar nodes exceeds the specified max={e.limit}\n"
            "You can increase the maximum by setting an environment variable\n"
            '  ENV: CASC_YAML_MAX_ALIASES="100"', file, e.mark.line + 1) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        reason = " ".join(p for p in (e.context, e.problem) if p)
        raise YamlSyntaxError(f"Invalid YAML: {reason}", file, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:  # reader errors (control characters) carry a position too
        line = getattr(e, "position", None)
        raise YamlSyntaxError(f"Invalid YAML: {e}", file, None if line is None else 1) from None
    finally:
        loader.dispose()
    warnings: list[CascWarning] = []
    if root is None:
        return Mapping(file, 1, 1, ()), warnings
    return _convert(root, file, warnings, ""), warnings


def _convert(node: yaml.Node, file: str, warnings: list[CascWarning], path: str) -> AnyNode:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.ScalarNode):
        value = None if node.tag == NULL_TAG else node.value
        return Scalar(file, line, column, value, node.style, node.end_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(file, line, column, tuple(_convert(n, file, warnings, f"{path}[{i}]")
                                                  for i, n in enumerate(node.value)))
    return Mapping(file, line, column, _entries(node, file, warnings, path))


def _entries(node: yaml.MappingNode, file: str, warnings: list[CascWarning], path: str) -> tuple:
    """Mapping entries with `<<:` merge keys flattened: explicit keys win over merged ones."""
    merged: dict[str, tuple[Scalar, AnyNode]] = {}
    explicit: dict[str, tuple[Scalar, AnyNode]] = {}
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise YamlSyntaxError("Invalid YAML: a merge key (<<) needs a mapping or a list of mappings",
                                          file, source.start_mark.line + 1)
                for k, v in _entries(source, file, warnings, path):
                    merged.setdefault(k.text, (k, v))
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlSyntaxError("Invalid YAML: mapping keys must be scalars", file, key_node.start_mark.line + 1)
        key = _convert(key_node, file, warnings, path)
        assert isinstance(key, Scalar)
        where = f"{path}.{key.text}" if path else key.text
        if key.text in explicit:
            warnings.append(CascWarning(f"duplicate key '{key.text}': the later value is used", file, key.line, where))
        explicit[key.text] = (key, _convert(value_node, file, warnings, where))
    combined = {k: v for k, v in merged.items() if k not in explicit}
    combined.update(explicit)
    return tuple(combined.values())


def script_lines(node: Scalar, source_text: str, value: str) -> list[int]:
    """For each line of a (possibly folded) scalar's value, the file line it came from.

    Literal blocks map line for line; folded (`>`) blocks join runs of lines, so each value line
    is matched to the first source line it starts with, in order. Used to report an error inside
    a Job DSL or pipeline script at the right line of the YAML file.
    """
    source = source_text.splitlines()
    block = node.style in ("|", ">")
    first = node.line + 1 if block else node.line
    last = max(node.end_line, first)
    raw = [source[i - 1] if 0 < i <= len(source) else "" for i in range(first, last + 1)]
    if raw and not block:  # a flow scalar starts after `key: ` and its quote
        raw[0] = raw[0][node.column - 1:].lstrip("'\"")
    raw = [r.replace("^${", "${").strip() for r in raw]
    out: list[int] = []
    cursor = 0
    for text in value.split("\n"):
        wanted = text.strip()
        found = None
        if wanted:
            found = next((j for j in range(cursor, len(raw))
                          if raw[j] and (wanted.startswith(raw[j]) or raw[j].startswith(wanted))), None)
        if found is None:
            out.append(first + min(cursor, max(len(raw) - 1, 0)))
            if not wanted:
                cursor += 1
            continue
        out.append(first + found)
        cursor = found + 1
    return out


def from_plain(data: object, file: str) -> AnyNode:
    """Nodes for already-parsed data (no positions: line 0), for callers that hold dicts."""
    if isinstance(data, dict):
        return Mapping(file, 0, 0, tuple((Scalar(file, 0, 0, str(k)), from_plain(v, file)) for k, v in data.items()))
    if isinstance(data, (list, tuple)):
        return Sequence(file, 0, 0, tuple(from_plain(v, file) for v in data))
    if data is None:
        return Scalar(file, 0, 0, None)
    if isinstance(data, bool):
        return Scalar(file, 0, 0, "true" if data else "false")
    return Scalar(file, 0, 0, str(data))
