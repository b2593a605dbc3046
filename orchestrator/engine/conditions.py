"""Pure decisions of the engine: which post conditions fire, branch/tag pattern matching, matrix
cells. No I/O here, so every rule is tested with plain tables.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Iterable, Optional

from orchestrator.errors import FlowInterrupted
from orchestrator.results import Result

# Jenkins' fixed execution order (BuildCondition ordinals, descending).
POST_ORDER = ("always", "changed", "fixed", "regression", "aborted", "success", "unsuccessful", "unstable",
              "failure", "notBuilt", "cleanup")


def post_condition_fires(name: str, result: Result, build_result: Result, previous: Optional[Result]) -> bool:
    """Whether a post condition runs, given the combined result R (stage-aware) and R' (build level)."""
    if name in ("always", "cleanup"):
        return True
    if name == "changed":
        return previous is None or build_result != previous
    if name == "fixed":
        return previous is not None and build_result == Result.SUCCESS and previous in (Result.FAILURE,
                                                                                        Result.UNSTABLE)
    if name == "regression":
        return previous is not None and build_result.worse_than(previous)
    if name == "aborted":
        return result == Result.ABORTED
    if name == "success":
        return result == Result.SUCCESS
    if name == "unsuccessful":
        return result != Result.SUCCESS
    if name == "unstable":
        return result == Result.UNSTABLE
    if name == "failure":
        return result == Result.FAILURE
    if name == "notBuilt":
        return result == Result.NOT_BUILT
    raise ValueError(f"unknown post condition {name}")


@lru_cache(maxsize=512)
def _glob_regex(pattern: str, case_sensitive: bool) -> re.Pattern:
    """Ant's SelectorUtils.matchPath: `*` and `?` stay within a path segment, `**` spans segments."""
    parts = []
    segments = pattern.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            parts.append("(?:[^/]*(?:/|$))*" if not last else ".*")
            continue
        piece = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment)
        parts.append(piece + ("" if last else "/"))
    return re.compile("".join(parts) + r"\Z", 0 if case_sensitive else re.IGNORECASE)


def glob_match(pattern: str, value: str, case_sensitive: bool = False) -> bool:
    return bool(_glob_regex(pattern, case_sensitive).match(value))


def compare(pattern: str, value: Optional[str], comparator: str = "GLOB", case_sensitive: bool = False) -> bool:
    """`when { branch pattern: ..., comparator: ... }` matching. An empty pattern matches only an
    empty value (and the reverse), as Jenkins' BranchConditional does."""
    value = value or ""
    if not pattern or not value:
        return not pattern and not value
    comparator = (comparator or "GLOB").upper()
    if comparator == "EQUALS":
        return pattern == value if case_sensitive else pattern.lower() == value.lower()
    if comparator == "REGEXP":
        return re.fullmatch(pattern, value) is not None
    return glob_match(pattern, value, case_sensitive)


def matrix_cells(axes: list[tuple[str, list[str]]],
                 excludes: Iterable[list[tuple[str, list[str], bool]]] = ()) -> list[list[tuple[str, str]]]:
    """Cartesian product with the first axis varying fastest; excludes remove cells that match
    every clause of one exclude (a clause with inverse=True matches values *not* listed)."""
    if not axes:
        return []
    names = [name for name, _ in axes]
    reversed_values = [values for _, values in reversed(axes)]
    cells = []
    for combo in itertools.product(*reversed_values):
        cells.append(list(zip(names, reversed(combo), strict=True)))
    excludes = list(excludes)

    def excluded(cell: list[tuple[str, str]]) -> bool:
        values = dict(cell)
        for exclude in excludes:
            if exclude and all(name in values and ((values[name] in listed) != inverse)
                               for name, listed, inverse in exclude):
                return True
        return False

    return [cell for cell in cells if not excluded(cell)]


def matrix_cell_name(cell: list[tuple[str, str]]) -> str:
    """Jenkins' synthetic stage name: `Matrix - OS = 'linux', BROWSER = 'firefox'`."""
    return "Matrix - " + ", ".join(f"{name} = '{value}'" for name, value in cell)


def parse_duration(time: float, unit: str = "MINUTES") -> float:
    """`timeout(time: 5, unit: 'MINUTES')` -> seconds."""
    factors = {"NANOSECONDS": 1e-9, "MICROSECONDS": 1e-6, "MILLISECONDS": 1e-3, "SECONDS": 1, "MINUTES": 60,
               "HOURS": 3600, "DAYS": 86400}
    try:
        return float(time) * factors[str(unit).upper()]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(factors)}") from None


def error_result(error: Optional[BaseException]) -> Result:
    if error is None:
        return Result.SUCCESS
    if isinstance(error, FlowInterrupted):
        return Result.parse(error.result)
    return Result.FAILURE
