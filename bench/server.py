"""Server benchmarks: trigger-to-first-step latency, job JSON throughput vs a minimal Flask
endpoint under the same gunicorn settings, and job JSON latency with 10 vs 10,000 builds.

    python bench/server.py [--builds 100] [--workers 4] [--seconds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

MINIMAL_APP = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/ping')\ndef ping():\n    return 'ok'\n"
SCRIPT = "pipeline { agent any\n stages { stage('s') { steps { echo 'first-step' } } } }"
XML = ("<flow-definition><definition class='org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition'>"
       f"<script>{SCRIPT.replace('<', '&lt;')}</script></definition></flow-definition>")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def start(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(20)


def throughput(url: str, seconds: float, threads: int = 8) -> float:
    count = [0]
    end = time.monotonic() + seconds

    def worker():
        session = requests.Session()
        n = 0
        while time.monotonic() < end:
            session.get(url).raise_for_status()
            n += 1
        count.append(n)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    [t.start() for t in pool]
    [t.join() for t in pool]
    return sum(count[1:]) / seconds


def latency(url: str, n: int = 200) -> tuple[float, float]:
    session = requests.Session()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        session.get(url).raise_for_status()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--builds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="orch-bench-"))
    home = tmp / "home"
    port, mport = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    server = start([sys.executable, "-m", "orchestrator.server", "--home", str(home), "--port", str(port),
                    "--workers", str(args.workers), "--quiet-period", "0", "--executors", "2"], env)
    (tmp / "minimal.py").write_text(MINIMAL_APP)
    minimal = start([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{mport}",
                     "--chdir", str(tmp), "minimal:app"], env)
    try:
        wait_up(base + "/healthz")
        wait_up(f"http://127.0.0.1:{mport}/ping")
        session = requests.Session()
        session.post(base + "/createItem?name=lat", data=XML, headers={"Content-Type": "text/xml"}).raise_for_status()
        samples = []
        for number in range(1, args.builds + 1):
            log = home / "jobs" / "lat" / "builds" / str(number) / "log"
            t = time.perf_counter()
            session.post(base + "/job/lat/build").raise_for_status()
            while True:
                try:
                    if b"first-step" in log.read_bytes():
                        break
                except FileNotFoundError:
                    pass
                time.sleep(0.001)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
        print(f"trigger-to-first-step over {len(samples)} builds: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"(target p50 < 150 ms)")

        job_rps = throughput(base + "/job/lat/api/json", args.seconds)
        flask_rps = throughput(f"http://127.0.0.1:{mport}/ping", args.seconds)
        print(f"GET /job/X/api/json: {job_rps:.0f} req/s; minimal Flask: {flask_rps:.0f} req/s; "
              f"ratio {job_rps / flask_rps:.2f} (target >= 0.5) [{args.workers} gunicorn workers]")

        for name, count in (("ten", 10), ("many", 10_000)):
            session.post(base + f"/createItem?name={name}", data=XML,
                         headers={"Content-Type": "text/xml"}).raise_for_status()
            fill_history(home, name, count)
            p50, p95 = latency(base + f"/job/{name}/api/json")
            print(f"GET /job/X/api/json with {count:>6} builds: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    finally:
        stop(server)
        stop(minimal)
    return 0


def fill_history(home: Path, job: str, count: int) -> None:
    """Finished builds written straight into the store (running 10,000 builds would take minutes)."""
    from orchestrator.store import Store, now_ms
    store = Store(home)
    now = now_ms()
    rows = [(job, n, None, "done", "SUCCESS", now - (count - n) * 1000, 10, 0, "{}", json.dumps([]),
             f"jobs/{job}/builds/{n}/log") for n in range(1, count + 1)]
    with store.db.conn:
        store.db.conn.executemany(
            "insert into builds (job, number, queue_id, state, result, timestamp, duration, queued_ms, params, causes, "
            "log) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        store.db.conn.execute("update jobs set next_build_number = ? where name = ?", [count + 1, job])


if __name__ == "__main__":
    raise SystemExit(main())
