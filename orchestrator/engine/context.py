"""Execution state: the build (shared by every branch) and the per-branch context steps run in.

A parallel branch gets its own `ExecContext` (environment overlay, working directory, current
stage, cancellation scope); they all share one `Build`, whose result only gets worse.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from orchestrator.casc.credentials import Credential
from orchestrator.console import Console
from orchestrator.errors import FlowInterrupted
from orchestrator.results import Result


class Cancellation:
    """A cancellable scope. Cancelling one cancels every scope opened inside it (parallel
    branches, timeouts); running processes watch `event` and are killed when it is set."""

    def __init__(self, parent: Optional["Cancellation"] = None) -> None:
        self.event = threading.Event()
        self.reason: Optional[FlowInterrupted] = None
        self._children: list[Cancellation] = []
        self._lock = threading.Lock()
        self.parent = parent
        if parent is not None:
            with parent._lock:
                parent._children.append(self)
                if parent.reason is not None:
                    self.reason = parent.reason
                    self.event.set()

    def child(self) -> "Cancellation":
        return Cancellation(self)

    def cancel(self, reason: FlowInterrupted) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            self.event.set()
            children = list(self._children)
        for child in children:
            child.cancel(reason)

    def detach(self) -> None:
        if self.parent is not None:
            with self.parent._lock:
                if self in self.parent._children:
                    self.parent._children.remove(self)

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        """Raise the interruption if this scope was cancelled."""
        if self.event.is_set():
            reason = self.reason or FlowInterrupted()
            raise FlowInterrupted(str(reason), reason.result)

    def sleep(self, seconds: float) -> None:
        """Sleep, waking up (and raising) when cancelled."""
        if self.event.wait(max(0.0, seconds)):
            self.check()


class StageState:
    """What happened in one stage: its own result (for post conditions and the stage view)."""

    def __init__(self, name: str, parent: Optional["StageState"] = None) -> None:
        self.name = name
        self.parent = parent
        self.result = Result.SUCCESS
        self.warning: Optional[Result] = None   # from unstable / warnError / catchError(stageResult:)
        self.status = "NOT_EXECUTED"             # SUCCESS, FAILED, SKIPPED_FOR_*, ABORTED...
        self.started = time.time()
        self.duration = 0.0
        self.fans_out: Optional[str] = None      # "parallel" or "matrix": its children run side by side

    def add_warning(self, result: Result) -> None:
        self.warning = result.combine(self.warning) if self.warning else result


@dataclass
class Build:
    """One run of a job."""
    job_name: str
    number: int
    console: Console
    home: Path
    workspace_root: Path
    params: dict[str, Any] = field(default_factory=dict)
    param_overrides: dict[str, str] = field(default_factory=dict)   # values given for this build
    password_params: frozenset = frozenset()   # the job's password parameters: masked in the console
    credentials: dict[str, Credential] = field(default_factory=dict)
    base_env: dict[str, str] = field(default_factory=dict)
    previous_result: Optional[Result] = None
    url: str = "http://localhost:8080/"
    custom_workspace: Optional[Path] = None
    cli_mode: bool = True
    clouds: tuple = ()                      # JCasC Kubernetes clouds: pod templates, containerCap
    build_dir: Optional[Path] = None       # where the log, archive/ and stashes/ live; None: derived from home
    input_answer: Optional[str] = None     # CLI: how to answer `input` ("proceed"/"abort"), None: ask or abort
    # the server: asks someone through the store and waits; (ctx, input id, message, ok) -> "proceed"/"abort"
    input_waiter: Optional[Any] = None
    scm: Optional[dict] = None             # {"url":..., "branch":...} when the Jenkinsfile comes from git
    tools: dict[str, dict[str, str]] = field(default_factory=dict)  # type -> installation name -> home
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)  # agent label -> its node env vars
    root_token: Cancellation = field(default_factory=Cancellation)
    start_time: float = field(default_factory=time.time)
    description: Optional[str] = None
    display_name: Optional[str] = None
    job_properties: dict[str, Any] = field(default_factory=dict)
    global_env: dict[str, str] = field(default_factory=dict)   # `env.X = ...` from scripts
    junit: dict[str, int] = field(default_factory=lambda: {"total": 0, "failed": 0, "skipped": 0})
    stages: list[StageState] = field(default_factory=list)
    _result: Optional[Result] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def result(self) -> Optional[Result]:
        return self._result

    def set_result(self, result: Result) -> None:
        """Only ever makes the result worse, like Jenkins' Run.setResult."""
        with self._lock:
            self._result = result.combine(self._result) if self._result else result

    @property
    def current_result(self) -> Result:
        return self._result or Result.SUCCESS

    @property
    def tag(self) -> str:
        return f"jenkins-{self.job_name.replace('/', '-')}-{self.number}"

    @property
    def build_url(self) -> str:
        return f"{self.url.rstrip('/')}/job/{'/job/'.join(self.job_name.split('/'))}/{self.number}/"

    def duration_seconds(self) -> float:
        return time.time() - self.start_time


@dataclass
class ExecContext:
    """Where a step runs: environment overlay, directory, agent, stage and cancellation scope."""
    build: Build
    token: Cancellation
    env_layers: tuple[dict[str, str], ...] = ()   # innermost last
    agent: Any = None                             # LocalAgent (or a pod agent); None under `agent none`
    workspace: Optional[Path] = None
    cwd: Optional[Path] = None
    stage: Optional[StageState] = None
    container: Optional[str] = None
    branch: Optional[str] = None
    lenient_names: bool = False   # unknown names evaluate to null (environment values)

    def derive(self, **changes) -> "ExecContext":
        return replace(self, **changes)

    def with_env(self, values: dict[str, str]) -> "ExecContext":
        return replace(self, env_layers=self.env_layers + (dict(values),))

    def env_get(self, name: str) -> Optional[str]:
        for layer in reversed(self.env_layers):
            if name in layer:
                return layer[name]
        if name in self.build.global_env:
            return self.build.global_env[name]
        return self.build.base_env.get(name)

    def environment(self) -> dict[str, str]:
        """The full environment a process started here sees."""
        env = dict(self.build.base_env)
        env.update(self.build.global_env)
        for layer in self.env_layers:
            env.update(layer)
        if self.stage is not None:
            env["STAGE_NAME"] = self.stage.name
        if self.workspace is not None:
            env["WORKSPACE"] = str(self.workspace)
            env["WORKSPACE_TMP"] = str(self.workspace) + "@tmp"
        if self.agent is not None:
            env["NODE_NAME"] = getattr(self.agent, "node_name", "built-in")
        return {k: v for k, v in env.items() if v is not None}
