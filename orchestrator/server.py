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
    parser.add_argument("--insecure", action="store_true",
                        help="serve without security on a non-loopback --host when the JCasC configures none")
    parser.add_argument("--setup-admin", action="store_true",
                        help="secure by default even on loopback: an 'admin' user whose first password is "
                             "written to HOME/secrets/initialAdminPassword")
    parser.add_argument("--watch", action="store_true",
                        help="reload the JCasC configuration when its files change (checked every second)")


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
    default = security_default(args.host, getattr(args, "insecure", False), getattr(args, "setup_admin", False))
    announce_security(home, args.host, default)
    env = dict(os.environ, ORCHESTRATOR_HOME=str(home), ORCHESTRATOR_SECURITY=default)
    if args.url:
        env["ORCHESTRATOR_URL"] = args.url
    if args.executors is not None:
        env["ORCHESTRATOR_EXECUTORS"] = str(args.executors)
    if args.quiet_period is not None:
        env["ORCHESTRATOR_QUIET_PERIOD"] = str(args.quiet_period)
    url = args.url or f"http://{args.host}:{args.port}/"
    scheduler = subprocess.Popen([sys.executable, "-m", "orchestrator.scheduler", "--home", str(home),
                                  "--url", url], env=env)
    time.sleep(0.2)
    if scheduler.poll() is not None:
        print(f"orchestrator serve: the scheduler did not start (exit {scheduler.returncode}); "
              f"is another server using {home}?", file=sys.stderr)
        return 3
    web = subprocess.Popen(gunicorn_command(args.host, args.port, args.workers), env=env)
    if getattr(args, "watch", False):
        from orchestrator.watch import start_watching
        start_watching(home)
    return supervise([scheduler, web])


def security_default(host: str, insecure: bool, setup_admin: bool) -> str:
    """The security when the JCasC configures none: unsecured on loopback (or when told so with
    --insecure), else secured with a set-up admin, as Jenkins' setup wizard leaves it."""
    if setup_admin:
        return "secured"
    if insecure or is_loopback(host):
        return "unsecured"
    return "secured"


def is_loopback(host: str) -> bool:
    import ipaddress
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False   # a host name other than localhost may resolve to anything


def announce_security(home: Path, host: str, default: str) -> None:
    """Say what protects the server; on the first secured start, create the admin and its password file."""
    from orchestrator.live_config import LiveConfig
    from orchestrator.security.permissions import policy_for
    from orchestrator.store import Store
    store = Store(home)
    try:
        policy = policy_for(LiveConfig().current(store).config, default)
        if policy.origin == "secured-default" and not store.users():
            path = initial_admin(store)
            print("*************************************************************\n"
                  "orchestrator: security is on and no user exists yet. An admin user has been created;\n"
                  f"its password is in {path} (user: admin).\n"
                  "Sign in at /login, then configure users and authorization with JCasC.\n"
                  "*************************************************************", file=sys.stderr)
        elif policy.origin == "secured-default" and (home / "secrets" / "initialAdminPassword").exists():
            print(f"orchestrator: the initial admin password is in {home / 'secrets' / 'initialAdminPassword'}",
                  file=sys.stderr)
        elif not policy.enforced and not is_loopback(host):
            print(f"orchestrator serve: WARNING: serving on {host} WITHOUT SECURITY (--insecure): anyone who "
                  "can reach it can run builds", file=sys.stderr)
    finally:
        store.close()


def initial_admin(store) -> Path:
    """User `admin` with a random password, written (only) to HOME/secrets/initialAdminPassword (0600)."""
    import secrets as random
    from orchestrator.security.passwords import hash_password, new_seed
    password = random.token_hex(16)
    folder = store.home / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "initialAdminPassword"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    store.put_user("admin", "admin", hash_password(password), new_seed(), "setup")
    return path


def apply_casc(home: Path, sources: str) -> int:
    """Load the JCasC configuration (all or nothing) and make it the running one."""
    from orchestrator.casc import CascError
    from orchestrator.live_config import absolute_sources, apply_sources
    from orchestrator.store import Store
    store = Store(home)
    try:
        applied = apply_sources(store, absolute_sources(sources))
    except CascError as e:
        print(f"orchestrator serve: the configuration was not loaded:\n{e}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"orchestrator serve: {len(applied.applied)} job(s) from {sources}"
          + (f", {len(applied.deleted)} removed" if applied.deleted else ""), file=sys.stderr)
    return 0


#: gunicorn's default access log line without the query string: `?token=`, `?casc-reload-token=` and
#: parameter values (password parameters too) never reach the log
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT,
            "--graceful-timeout", "10", "--timeout", "60",
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
