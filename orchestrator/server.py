"""`orchestrator serve`: the scheduler process plus gunicorn serving the Flask app.

Two child processes share the home folder: `python -m orchestrator.scheduler` (the only one that
runs builds; it holds HOME/scheduler.lock) and gunicorn with N sync workers. SIGTERM/SIGINT stop
both; if either dies, the other is stopped too and serve exits non-zero.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder (database, logs, workspaces); default $ORCHESTRATOR_HOME or ~/.orchestrator")
    parser.add_argument("--casc", default=None, help="JCasC file, folder or comma list (jobs served from it)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web workers (default 2)")
    parser.add_argument("--executors", type=int, default=None,
                        help="builds that may run at once (numExecutors; default 2)")
    parser.add_argument("--quiet-period", type=int, default=None,
                        help="default quiet period in seconds for triggers without delay= (Jenkins: 5)")
    parser.add_argument("--url", default=None,
                        help="public root URL (JCasC location.url); default: the URL each request used")


def main_serve(args: argparse.Namespace) -> int:
    from orchestrator.runlocal import default_home
    from orchestrator.store import Store

    home = (args.home or default_home()).resolve()
    Store(home).close()   # create and migrate once, before the workers race to do it
    casc = getattr(args, "casc", None) or os.environ.get("CASC_JENKINS_CONFIG")
    if casc:
        status = apply_casc(home, casc)
        if status:
            return status
    env = dict(os.environ, ORCHESTRATOR_HOME=str(home))
    if casc:
        env["CASC_JENKINS_CONFIG"] = casc   # the web workers show (and reload) the same sources
    if args.url:
        env["ORCHESTRATOR_URL"] = args.url
    if args.executors is not None:
        env["ORCHESTRATOR_EXECUTORS"] = str(args.executors)
    if args.quiet_period is not None:
        env["ORCHESTRATOR_QUIET_PERIOD"] = str(args.quiet_period)
    url = args.url or f"http://{args.host}:{args.port}/"
    scheduler = subprocess.Popen([sys.executable, "-m", "orchestrator.scheduler", "--home", str(home),
                                  "--url", url] + (["--casc", casc] if casc else []), env=env)
    time.sleep(0.2)
    if scheduler.poll() is not None:
        print(f"orchestrator serve: the scheduler did not start (exit {scheduler.returncode}); "
              f"is another server using {home}?", file=sys.stderr)
        return 3
    web = subprocess.Popen(gunicorn_command(args.host, args.port, args.workers), env=env)
    return supervise([scheduler, web])


def apply_casc(home: Path, sources: str) -> int:
    """Load the JCasC configuration (all or nothing) and make its jobs the jobs served."""
    from orchestrator.casc import CascError, load
    from orchestrator.casc_jobs import apply_jobs
    from orchestrator.store import Store
    try:
        config = load(sources, os.environ)
    except CascError as e:
        print(f"orchestrator serve: the configuration was not loaded:\n{e}", file=sys.stderr)
        return 2
    store = Store(home)
    try:
        done = apply_jobs(store, config)
    finally:
        store.close()
    print(f"orchestrator serve: {len(done['applied'])} job(s) from {sources}"
          + (f", {len(done['deleted'])} removed" if done["deleted"] else ""), file=sys.stderr)
    return 0


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
            "--access-logfile", "-", "--graceful-timeout", "10", "--timeout", "60",
            "orchestrator.web:create_app()"]


def supervise(children: list[subprocess.Popen]) -> int:
    stopping = {"signal": None}

    def forward(signum, frame):  # noqa: ARG001
        stopping["signal"] = signum

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while stopping["signal"] is None and all(c.poll() is None for c in children):
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            _wait(child, deadline)
    failed: Optional[int] = next((c.returncode for c in children if c.returncode not in (0, None, -15)), None)
    return 0 if stopping["signal"] is not None else (failed or 1)


def _wait(child: subprocess.Popen, deadline: float) -> None:
    try:
        child.wait(max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="orchestrator serve")
    add_serve_arguments(parser)
    return main_serve(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
