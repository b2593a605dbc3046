"""`orchestrator run`: one Jenkinsfile, one build, on this machine (the jenkinsfile-runner use case).

Builds are numbered per job under the home folder, their console logs kept there, and the last
result remembered so `changed`/`fixed`/`regression` post conditions work across runs.
"""
from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from orchestrator.agents.local import workspace_name
from orchestrator.console import Console
from orchestrator.errors import FlowInterrupted, UsageError
from orchestrator.results import Result


@dataclass
class RunOptions:
    jenkinsfile: Path
    params: dict[str, str] = field(default_factory=dict)
    workspace: Optional[Path] = None
    job: Optional[str] = None
    home: Optional[Path] = None
    credentials: Optional[Path] = None
    input_answer: Optional[str] = None
    quiet: bool = False
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)  # agent label -> node env vars
    clouds: tuple = ()    # JCasC Kubernetes clouds (pod templates, containerCap) for pod agents


def default_home() -> Path:
    return Path(os.environ.get("ORCHESTRATOR_HOME") or Path.home() / ".orchestrator")


def _git_info(directory: Path) -> Optional[dict]:
    def git(*args):
        done = subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    try:
        top = git("rev-parse", "--show-toplevel")
    except OSError:
        return None
    if not top:
        return None
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    return {"url": top, "branch": None if branch in (None, "HEAD") else branch}


def run(options: RunOptions) -> Result:
    from orchestrator.engine.context import Build
    from orchestrator.engine.runner import Engine
    from orchestrator.grammar.cache import cached_check
    from orchestrator.grammar.errors import render_report

    path = options.jenkinsfile
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    result = cached_check(text)
    if not result.valid or result.pipeline is None:
        print(render_report(result.diagnostics, text), file=sys.stderr)
        raise UsageError(f"{path} is not a valid Declarative Pipeline ({len(result.diagnostics)} error(s) above)")
    credentials = {}
    if options.credentials is not None:
        from orchestrator.casc.credentials import load_credentials_file
        credentials = load_credentials_file(str(options.credentials))

    home = (options.home or default_home()).resolve()
    job = options.job or (path.resolve().parent.name or "job")
    job_dir = home / "jobs" / workspace_name(job)
    job_dir.mkdir(parents=True, exist_ok=True)
    number = _next_build_number(job_dir)
    build_dir = job_dir / "builds" / str(number)
    build_dir.mkdir(parents=True, exist_ok=True)
    previous = _previous_result(job_dir)
    console = Console(str(build_dir / "log"), None if options.quiet else sys.stdout)
    scm = _git_info(path.resolve().parent) if options.workspace is None else None

    build = Build(job_name=job, number=number, console=console, home=home, workspace_root=home / "workspace",
                  build_dir=build_dir, clouds=tuple(options.clouds), credentials=credentials, previous_result=previous, custom_workspace=(
                      options.workspace.resolve() if options.workspace else None),
                  input_answer=options.input_answer, scm=scm, nodes=dict(options.nodes))
    build.param_overrides = dict(options.params)
    previous_commit = _read(job_dir / "lastCommit")
    if previous_commit:
        build.job_properties["previous_commit"] = previous_commit
    build.base_env.update(_base_env(build, scm))
    engine = Engine(build, result.script, result.pipeline)
    console.line(f"Started by user {getpass.getuser()}")
    previous_handlers = _abort_on_signals(build)
    try:
        outcome = engine.run()
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        console.close()
    (job_dir / "lastResult").write_text(outcome.value)
    if build.job_properties.get("scm_commit"):
        (job_dir / "lastCommit").write_text(build.job_properties["scm_commit"])
    return outcome


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _base_env(build, scm: Optional[dict]) -> dict[str, str]:
    env = dict(os.environ)
    job = build.job_name
    env.update({
        "BUILD_NUMBER": str(build.number), "BUILD_ID": str(build.number), "BUILD_DISPLAY_NAME": f"#{build.number}",
        "BUILD_TAG": build.tag, "BUILD_URL": build.build_url, "JOB_NAME": job, "JOB_BASE_NAME": job.split("/")[-1],
        "JOB_URL": build.build_url.rsplit("/", 2)[0] + "/", "JENKINS_URL": build.url, "EXECUTOR_NUMBER": "0",
        "JENKINS_HOME": str(build.home), "CI": "true",
    })
    if scm and scm.get("branch"):
        env.setdefault("BRANCH_NAME", scm["branch"])
    return env


def _next_build_number(job_dir: Path) -> int:
    counter = job_dir / "nextBuildNumber"
    try:
        number = int(counter.read_text().strip())
    except (OSError, ValueError):
        existing = [int(p.name) for p in (job_dir / "builds").glob("*") if p.name.isdigit()] \
            if (job_dir / "builds").is_dir() else []
        number = max(existing, default=0) + 1
    counter.write_text(str(number + 1))
    return number


def _previous_result(job_dir: Path) -> Optional[Result]:
    try:
        return Result.parse((job_dir / "lastResult").read_text().strip())
    except (OSError, ValueError):
        return None


def _abort_on_signals(build) -> dict:
    """Ctrl-C / SIGTERM abort the build the way Jenkins' stop button does: processes are killed,
    post blocks run, the result is ABORTED."""
    previous = {}

    def handler(signum, frame):
        build.root_token.cancel(FlowInterrupted("Aborted by user", "ABORTED"))

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread
            pass
    return previous
