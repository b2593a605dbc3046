"""What /prometheus reports, read from the store alone, so any gunicorn worker can answer.

Queue and builds come from their tables; finished-build counters and duration histograms from
`build_tallies` (kept as builds finish, so they never go down when old builds are discarded); the
executor count and pods in use are published by the scheduler process (the only one that knows
them) in `controller_state`. Labels follow the Jenkins Prometheus plugin (`jenkins_job`), which also
keeps them clear of Prometheus' own `job` target label.
"""
from __future__ import annotations

from typing import Callable

from orchestrator.prometheus import Family, HistogramSample, Sample
from orchestrator.scheduler import GAUGE_EXECUTORS, GAUGE_PODS
from orchestrator.store import DURATION_BUCKETS_S, Store


def collect(store: Store, default_executors: int, readable: Callable[[str], bool] = lambda job: True) -> list[Family]:
    """`readable`: whether the client may see a job (Job/Read); per-job series of the others are left out
    (totals still count them, as Jenkins' do)."""
    running = store.running_builds()
    executors = int(store.state(GAUGE_EXECUTORS) or default_executors)
    in_use = len(running)
    pods = {key: int(n) for key, n in store.states(GAUGE_PODS).items()}
    tallies = [t for t in store.build_tallies() if readable(t["job"])]
    return [
        Family("jenkins_queue_size_value", "gauge", "Number of items waiting in the build queue",
               [Sample((), store.queue_length())]),
        Family("jenkins_executor_count_value", "gauge", "Number of executors (builds that may run at once)",
               [Sample((), executors)]),
        Family("jenkins_executor_in_use_value", "gauge", "Number of executors running a build",
               [Sample((), in_use)]),
        Family("jenkins_executor_free_value", "gauge", "Number of idle executors",
               [Sample((), max(0, executors - in_use))]),
        Family("orchestrator_builds_running", "gauge", "Builds running now", [Sample((), in_use)]),
        Family("orchestrator_job_builds_running", "gauge", "Builds running now, by job",
               [Sample((("jenkins_job", job),), n) for job, n in sorted(_count(r["job"] for r in running).items())
                if readable(job)]),
        Family("orchestrator_pods_in_use", "gauge", "Agent pods in use, by cloud (bounded by its containerCap)",
               [Sample((("cloud", key or "default"),), n) for key, n in sorted(pods.items()) if "/" not in key]),
        Family("orchestrator_pod_template_pods_in_use", "gauge",
               "Agent pods in use, by cloud pod template (bounded by its instanceCap)",
               [Sample((("cloud", key.split("/", 1)[0] or "default"), ("template", key.split("/", 1)[1])), n)
                for key, n in sorted(pods.items()) if "/" in key]),
        Family("orchestrator_builds_total", "counter", "Finished builds, by job and result",
               [Sample((("jenkins_job", t["job"]), ("result", t["result"])), t["count"]) for t in tallies]),
        Family("orchestrator_build_duration_seconds", "histogram", "Duration of finished builds, by job",
               _histograms(tallies)),
    ]


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _histograms(tallies: list[dict]) -> list[HistogramSample]:
    """Per job, over all results: the stored per-bucket counts made cumulative."""
    per_job: dict[str, dict] = {}
    for t in tallies:
        job = per_job.setdefault(t["job"], {"buckets": [0] * (len(DURATION_BUCKETS_S) + 1), "sum_ms": 0, "count": 0})
        for i, n in enumerate(t["buckets"][:len(job["buckets"])]):
            job["buckets"][i] += n
        job["sum_ms"] += t["duration_ms_sum"]
        job["count"] += t["count"]
    out = []
    for name, job in sorted(per_job.items()):
        cumulative, running_total = [], 0
        for bound, n in zip(DURATION_BUCKETS_S, job["buckets"], strict=False):
            running_total += n
            cumulative.append((float(bound), running_total))
        out.append(HistogramSample((("jenkins_job", name),), tuple(cumulative), job["count"], job["sum_ms"] / 1000))
    return out
