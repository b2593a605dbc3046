"""Scheduler: the pure plan() table, then real builds run inline on a real SQLite store."""
from __future__ import annotations

import pytest

from orchestrator import jobs as jobdefs
from orchestrator.scheduler import Scheduler, SchedulerLocked, plan
from orchestrator.store import Store

NOW = 1_000_000


def item(i, job="a", not_before=NOW):
    return {"id": i, "job": job, "not_before": not_before, "why": None}


def job(props=None):
    return {"props": props or {}}


@pytest.mark.parametrize("items,running,jobs,capacity,start,why", [
    ([item(1), item(2)], [], {"a": job()}, 2, (1, 2), {}),
    ([item(1), item(2), item(3)], [], {"a": job()}, 2, (1, 2), {3: "Waiting for next available executor"}),
    ([item(1, not_before=NOW + 5)], [], {"a": job()}, 2, (), {1: None}),
    ([item(1), item(2)], [], {"a": job({"disable_concurrent": True})}, 2, (1,),
     {2: "A build is already in progress"}),
    ([item(1)], [{"job": "a", "number": 7}], {"a": job({"disable_concurrent": True})}, 2, (),
     {1: "Build #7 is already in progress"}),
    ([item(1), item(2, job="b")], [{"job": "a", "number": 7}], {"a": job({"disable_concurrent": True}),
                                                               "b": job()}, 2, (2,),
     {1: "Build #7 is already in progress"}),
    ([item(1, job="gone")], [], {}, 2, (1,), {}),
])
def test_plan(items, running, jobs, capacity, start, why):
    decision = plan(items, running, jobs, NOW, capacity)
    assert decision.start == start
    assert decision.why == why


SCRIPT = """pipeline { agent any
  parameters { string(name: 'WHO', defaultValue: 'world') }
  options { buildDiscarder(logRotator(numToKeepStr: '2')) }
  stages { stage('Hello') { steps { echo "hello ${params.WHO}" } } } }"""


def test_builds_run_numbered_with_parameters_stages_and_discarder(tmp_path):
    store = Store(tmp_path)
    declared = jobdefs.from_jenkinsfile(SCRIPT)
    assert declared["props"] == {"num_to_keep": 2}
    store.upsert_job("app", SCRIPT, **declared)
    for who in ("a", "b", "c"):
        store.enqueue("app", jobdefs.parameter_values(declared["params"], {"WHO": who}), [], 0)
    Scheduler(store, executors=1).run_until_idle()
    builds = store.builds("app")
    assert [b["number"] for b in builds] == [3, 2]          # build 1 discarded
    assert all(b["result"] == "SUCCESS" for b in builds)
    assert "hello c" in store.read_log(builds[0])[0].decode()
    assert [s["name"] for s in store.stages(builds[0]["id"])] == ["Hello"]
    assert not store.log_path({"log": "jobs/app/builds/1/log"}).exists()


def test_invalid_jenkinsfile_fails_the_build_with_the_report(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("bad", "pipeline { stages { } }")
    store.enqueue("bad", {}, [], 0)
    Scheduler(store).run_until_idle()
    build = store.build("bad", 1)
    assert build["result"] == "FAILURE"
    assert "Finished: FAILURE" in store.read_log(build)[0].decode()


def test_one_scheduler_per_home(tmp_path):
    first = Scheduler(Store(tmp_path))
    first.acquire()
    with pytest.raises(SchedulerLocked):
        Scheduler(Store(tmp_path)).acquire()
    first.release()
    second = Scheduler(Store(tmp_path))
    second.acquire()
    second.release()


def test_recover_marks_running_builds_aborted_and_keeps_the_log(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("app", SCRIPT)
    row = store.start_build(store.enqueue("app", {}, [], 0))
    store.append_log(row, "half a build\n")
    waiting = store.enqueue("app", {}, [], 60_000)
    interrupted = Scheduler(store).recover()
    assert [r["number"] for r in interrupted] == [1]
    build = store.build("app", 1)
    assert build["result"] == "ABORTED" and build["state"] == "done"
    log = store.read_log(build)[0].decode()
    assert log.startswith("half a build\n") and log.endswith("Finished: ABORTED\n")
    assert store.queue_item(waiting)["state"] == "waiting"
