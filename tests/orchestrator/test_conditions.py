"""The engine's pure decisions: post conditions, pattern matching, matrix cells, durations, results."""
from __future__ import annotations

import pytest

from orchestrator.engine.conditions import (compare, glob_match, matrix_cell_name, matrix_cells, parse_duration,
                                            post_condition_fires)
from orchestrator.results import Result

S, U, F, N, A = Result.SUCCESS, Result.UNSTABLE, Result.FAILURE, Result.NOT_BUILT, Result.ABORTED


@pytest.mark.parametrize("name,result,previous,fires", [
    ("always", F, None, True), ("cleanup", S, S, True),
    ("changed", S, None, True), ("changed", S, S, False), ("changed", F, S, True),
    ("fixed", S, F, True), ("fixed", S, U, True), ("fixed", S, A, False), ("fixed", S, None, False),
    ("fixed", U, F, False),
    ("regression", F, S, True), ("regression", S, F, False), ("regression", F, None, False),
    ("aborted", A, None, True), ("aborted", F, None, False),
    ("success", S, None, True), ("success", U, None, False),
    ("unsuccessful", U, None, True), ("unsuccessful", N, None, True), ("unsuccessful", S, None, False),
    ("unstable", U, None, True), ("failure", F, None, True), ("failure", A, None, False),
    ("notBuilt", N, None, True),
])
def test_post_conditions(name, result, previous, fires):
    assert post_condition_fires(name, result, result, previous) is fires


def test_stage_result_and_build_result_differ():
    # catchError(buildResult: 'SUCCESS', stageResult: 'FAILURE'): stage post sees FAILURE, `changed` the build
    assert post_condition_fires("failure", F, S, S) and not post_condition_fires("changed", F, S, S)


@pytest.mark.parametrize("pattern,value,matches", [
    ("main", "main", True), ("main", "MAIN", True), ("release-*", "release-1.2", True),
    ("feature/*", "feature/x", True), ("*", "feature/x", False), ("feature/**", "feature/a/b", True),
    ("**/x", "a/b/x", True), ("ma?n", "main", True), ("ma?n", "maain", False),
])
def test_ant_glob(pattern, value, matches):
    assert glob_match(pattern, value) is matches


@pytest.mark.parametrize("pattern,value,comparator,matches", [
    ("", "", "GLOB", True), ("", "main", "GLOB", False), ("main", None, "GLOB", False),
    ("rel.*", "release", "REGEXP", True), ("rel", "release", "REGEXP", False),
    ("Main", "main", "EQUALS", True),
])
def test_compare(pattern, value, comparator, matches):
    assert compare(pattern, value, comparator) is matches


def test_matrix_cells_first_axis_fastest_and_excludes():
    axes = [("A", ["a1", "a2"]), ("B", ["b1", "b2"])]
    assert matrix_cells(axes) == [[("A", "a1"), ("B", "b1")], [("A", "a2"), ("B", "b1")],
                                  [("A", "a1"), ("B", "b2")], [("A", "a2"), ("B", "b2")]]
    excluded = matrix_cells(axes, [[("A", ["a1"], False), ("B", ["b2"], True)]])
    assert [("A", "a1"), ("B", "b1")] not in excluded and len(excluded) == 3
    assert matrix_cells(axes, [[("C", ["x"], False)]]) == matrix_cells(axes)  # unknown axis never matches
    assert matrix_cell_name([("OS", "linux"), ("JDK", "17")]) == "Matrix - OS = 'linux', JDK = '17'"


@pytest.mark.parametrize("time,unit,seconds", [(5, "MINUTES", 300), (2, "SECONDS", 2), (1, "HOURS", 3600),
                                               (500, "MILLISECONDS", 0.5), (1, "days", 86400)])
def test_durations(time, unit, seconds):
    assert parse_duration(time, unit) == pytest.approx(seconds)
    with pytest.raises(ValueError):
        parse_duration(1, "FORTNIGHTS")


def test_results_only_get_worse():
    assert S.combine(F) == F and F.combine(S) == F and A.combine(F) == A and U.combine(None) == U
    assert [r.ordinal for r in (S, U, F, N, A)] == [0, 1, 2, 3, 4]
    assert Result.parse("unstable") == U
    with pytest.raises(ValueError):
        Result.parse("GREAT")
