"""GET /prometheus against a real server with real builds, read by a strict exposition-format parser."""
from __future__ import annotations

import time

import pytest
import requests

from orchestrator.prometheus import Family, HistogramSample, Sample, render
from promparse import parse
from serverkit import SLEEPY

FAIL = "pipeline { agent any\n stages { stage('S') { steps { error 'broken' } } } }"
KEEP_ONE = """pipeline { agent any
  options { buildDiscarder(logRotator(numToKeepStr: '1')) }
  stages { stage('S') { steps { echo 'kept' } } } }"""


def test_render_escapes_labels_and_help_so_a_strict_reader_gets_them_back():
    tricky = 'a "quoted" \\ back\nslash'
    text = render([
        Family("x_total", "counter", "help with \\ and\nnewline", [Sample((("jenkins_job", tricky),), 3)]),
        Family("d_seconds", "histogram", "h", [HistogramSample((("jenkins_job", "j"),), ((1.0, 1), (5.0, 2)), 3, 7.5)]),
    ])
    assert 'x_total{jenkins_job="a \\"quoted\\" \\\\ back\\nslash"} 3' in text
    families = parse(text)
    assert families["x_total"].help == "help with \\ and\nnewline"
    assert families["x_total"].value(jenkins_job=tricky) == 3
    assert families["d_seconds"].value("d_seconds_bucket", jenkins_job="j", le="+Inf") == 3
    assert families["d_seconds"].value("d_seconds_sum", jenkins_job="j") == 7.5


@pytest.mark.parametrize("bad", [
    "x 1",                                                     # no newline at the end
    "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",            # duplicate series
    "# TYPE x gauge\nx{a=\"\\q\"} 1\n",                        # bad escape
    "# TYPE x counter\nx -1\n",                                # negative counter
    "# TYPE x gauge\n# TYPE y gauge\ny 1\nx 1\n",              # x's samples after y's: not together
    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  # not cumulative
    "y 1\n",                                                   # no family declared
])
def test_the_strict_reader_refuses_what_prometheus_would(bad):
    with pytest.raises(ValueError):
        parse(bad)


def wait_running(server, job: str, number: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = requests.get(f"{server.url}/job/{job}/{number}/api/json")
        if r.status_code == 200 and r.json()["building"]:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{job} #{number} never started")


def scrape(server) -> dict:
    r = requests.get(f"{server.url}/prometheus")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(r.text)


def test_metrics_of_real_builds(server):
    quoted = 'say "hi"'
    server.create("ok", params=True)
    server.create("bad", FAIL, params=False)
    server.create(quoted, params=True)
    server.create("keep1", KEEP_ONE, params=False)
    server.create("sleepy", SLEEPY, params=False)
    for job, times in (("ok", 2), ("bad", 1), (quoted, 1), ("keep1", 2)):
        for number in range(1, times + 1):
            assert requests.post(f"{server.url}/job/{job}/build").status_code == 201
            server.wait_build(job, number)
    assert requests.post(f"{server.url}/job/sleepy/build").status_code == 201
    wait_running(server, "sleepy", 1)
    assert requests.post(f"{server.url}/job/ok/build?delay=600sec").status_code == 201   # stays queued

    for _ in range(4):                              # every gunicorn worker answers the same from the store
        m = scrape(server)
        assert m["jenkins_queue_size_value"].value() == 1
        assert m["jenkins_executor_count_value"].value() == server.executors   # published by the scheduler
        assert m["jenkins_executor_in_use_value"].value() == 1
        assert m["jenkins_executor_free_value"].value() == server.executors - 1
        assert m["orchestrator_builds_running"].value() == 1
        assert m["orchestrator_job_builds_running"].value(jenkins_job="sleepy") == 1
        builds = m["orchestrator_builds_total"]
        assert builds.type == "counter"
        assert builds.value(jenkins_job="ok", result="SUCCESS") == 2
        assert builds.value(jenkins_job="bad", result="FAILURE") == 1
        assert builds.value(jenkins_job=quoted, result="SUCCESS") == 1
        assert builds.value(jenkins_job="keep1", result="SUCCESS") == 2    # one was discarded: still counted
        durations = m["orchestrator_build_duration_seconds"]
        assert durations.type == "histogram"
        assert durations.value("orchestrator_build_duration_seconds_count", jenkins_job="ok") == 2
        assert durations.value("orchestrator_build_duration_seconds_bucket", jenkins_job="ok", le="+Inf") == 2
        assert 0 < durations.value("orchestrator_build_duration_seconds_sum", jenkins_job="ok") < 60
        assert durations.value("orchestrator_build_duration_seconds_bucket", jenkins_job="bad", le="60") == 1
        assert m["orchestrator_pods_in_use"].type == "gauge"     # no pod agents here: no samples
    assert len(requests.get(f"{server.url}/job/keep1/api/json").json()["builds"]) == 1

    requests.post(f"{server.url}/job/sleepy/1/stop")
    server.wait_build("sleepy", 1)
    m = scrape(server)
    assert m["orchestrator_builds_running"].value() == 0
    assert m["orchestrator_builds_total"].value(jenkins_job="sleepy", result="ABORTED") == 1


def test_pods_in_use_come_from_the_scheduler_through_the_store(tmp_path):
    import threading

    from orchestrator.agents.capacity import POD_SLOTS
    from orchestrator.metrics import collect
    from orchestrator.scheduler import Scheduler
    from orchestrator.store import Store
    store = Store(tmp_path)
    scheduler = Scheduler(store, executors=3)
    keys = [("k8s", 5), ("k8s/maven", 2)]
    assert POD_SLOTS.acquire(keys, threading.Event(), lambda *_: None)
    try:
        scheduler.publish_gauges()
        m = parse(render(collect(Store(tmp_path), 2)))    # another process's view: only the store
        assert m["orchestrator_pods_in_use"].value(cloud="k8s") == 1
        assert m["orchestrator_pod_template_pods_in_use"].value(cloud="k8s", template="maven") == 1
        assert m["jenkins_executor_count_value"].value() == 3
    finally:
        POD_SLOTS.release([k for k, _ in keys])
    scheduler.publish_gauges()
    m = parse(render(collect(Store(tmp_path), 2)))
    assert m["orchestrator_pods_in_use"].value(cloud="k8s") == 0
