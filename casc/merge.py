"""Merging the node trees of several files, with JCasC's two strategies.

JCasC merges before anything is applied, so a conflict leaves the running configuration alone.
Mappings merge key by key (keys compared exactly, case-sensitive), sequences concatenate under
both strategies (so `credentials`, `jobs` and `clouds` from several files add up), and two
scalars for the same key are a conflict under `errorOnConflict` (the default, even when the two
values are equal, as in JCasC) or the later file wins under `override`. Nodes of different kinds
never merge.
"""
from __future__ import annotations

from typing import Sequence as Seq

from .errors import MergeError
from .yaml_lines import AnyNode, Mapping, Scalar, Sequence

STRATEGIES = ("errorOnConflict", "override")


def strategy_from_env(env: dict) -> str:
    """`CASC_MERGE_STRATEGY`; JCasC returns null for an unknown name (and later fails), we say so."""
    name = (env.get("CASC_MERGE_STRATEGY") or "errorOnConflict").strip()
    if name not in STRATEGIES:
        raise MergeError(f"Unknown merge strategy '{name}' in CASC_MERGE_STRATEGY: use one of {', '.join(STRATEGIES)}")
    return name


def merge_all(trees: Seq[AnyNode], strategy: str = "errorOnConflict") -> AnyNode:
    """Fold the trees left to right; the first tree's positions are kept where nothing overrides them."""
    result = trees[0]
    for tree in trees[1:]:
        result = merge(result, tree, strategy, "")
    return result


def merge(left: AnyNode, right: AnyNode, strategy: str, path: str) -> AnyNode:
    if type(left) is not type(right):
        raise MergeError(f"Found incompatible configuration elements YamlSource: {right.file} line {right.line} "
                         f"({left.kind} in {left.file} line {left.line}, {right.kind} here)",
                         right.file, right.line, path)
    if isinstance(left, Mapping):
        assert isinstance(right, Mapping)
        return _merge_mappings(left, right, strategy, path)
    if isinstance(left, Sequence):
        assert isinstance(right, Sequence)
        return Sequence(left.file, left.line, left.column, left.items + right.items)
    assert isinstance(right, Scalar)
    if strategy == "override":
        return right
    raise MergeError(f"Found conflicting configuration at YamlSource: {right.file} line {right.line} "
                     f"(also set in {left.file} line {left.line})", right.file, right.line, path)


def _merge_mappings(left: Mapping, right: Mapping, strategy: str, path: str) -> Mapping:
    entries = list(left.entries)
    index = {key.text: i for i, (key, _) in enumerate(entries)}
    for key, value in right.entries:
        where = f"{path}.{key.text}" if path else key.text
        if key.text in index:
            i = index[key.text]
            entries[i] = (entries[i][0], merge(entries[i][1], value, strategy, where))
        else:
            index[key.text] = len(entries)
            entries.append((key, value))
    return Mapping(left.file, left.line, left.column, tuple(entries))
