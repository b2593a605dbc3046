"""Stage rows -> the stage graph (pure): nesting, branch/cell types, states, live durations."""
from __future__ import annotations

from orchestrator.web.stagegraph import stage_state, stage_tree, tree_response


def row(seq, name, parent=None, kind="stage", status="SUCCESS", start=1000, duration=50):
    return {"seq": seq, "name": name, "parent": parent, "kind": kind, "status": status, "start_ms": start,
            "duration_ms": duration}


def test_branches_cells_and_nested_stages_nest_under_their_stage():
    rows = [row(0, "Build"), row(1, "Fan"), row(2, "A", 1, "branch"), row(3, "B", 1, "branch", "FAILED"),
            row(4, "B1", 3), row(5, "Cells", status="SKIPPED_FOR_FAILURE"),
            row(6, "Matrix - OS = 'linux'", 5, "cell", "SKIPPED_FOR_FAILURE")]
    tree = stage_tree(rows, now_ms=2000)
    assert [(n["name"], n["state"]) for n in tree] == [("Build", "success"), ("Fan", "success"),
                                                       ("Cells", "skipped")]
    fan = tree[1]
    assert [(c["name"], c["type"], c["state"]) for c in fan["children"]] == [
        ("A", "PARALLEL", "success"), ("B", "PARALLEL", "failure")]
    assert [(c["name"], c["type"]) for c in fan["children"][1]["children"]] == [("B1", "STAGE")]
    assert tree[2]["children"][0]["type"] == "PARALLEL" and tree[2]["children"][0]["kind"] == "cell"
    assert fan["id"] == "2" and fan["startTimeMillis"] == 1000 and fan["totalDurationMillis"] == 50


def test_a_running_stage_counts_its_duration_up_to_now():
    [node] = stage_tree([row(0, "Long", status="IN_PROGRESS", start=1000, duration=0)], now_ms=4500)
    assert node["state"] == "running" and node["totalDurationMillis"] == 3500


def test_states_follow_pipeline_graph_view():
    assert [stage_state(s) for s in ("SUCCESS", "FAILED", "UNSTABLE", "ABORTED", "IN_PROGRESS", "NOT_EXECUTED",
                                     "SKIPPED_FOR_CONDITIONAL", "whatever")] == [
        "success", "failure", "unstable", "aborted", "running", "not_built", "skipped", "not_built"]
    assert tree_response([], running=True, now_ms=0) == {"status": "ok", "data": {"complete": False, "stages": []}}
