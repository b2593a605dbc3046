"""The local agent: steps run as processes on the controller host, in a workspace per job.

This is what `agent any` / `agent { label ... }` get when no other agent is configured, the way
Jenkins' built-in node works. Pod agents implement the same small interface.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Callable, Optional

from .processes import ProcessResult, run_process

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def workspace_name(job_name: str) -> str:
    """A folder name for a job: `team/app` -> `team_app`, never `..` or an absolute path."""
    name = _UNSAFE.sub("_", job_name.replace("/", "_")).strip("._") or "job"
    return name[:200]


class LocalAgent:
    """Runs shell steps with `sh -xe` in the job's workspace under `root`."""

    node_name = "built-in"
    is_unix = os.name == "posix"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def workspace_for(self, job_name: str, custom: Optional[str] = None) -> Path:
        if custom:
            path = Path(custom)
            path = path if path.is_absolute() else self.root / path
        else:
            path = self.root / workspace_name(job_name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def run_shell(
        self,
        script: str,
        *,
        cwd: str,
        env: dict[str, str],
        on_output: Callable[[bytes], None],
        capture_stdout: bool = False,
        stop: Optional[threading.Event] = None,
        shell: tuple[str, ...] = ("sh", "-xe"),
        container: Optional[str] = None,
    ) -> ProcessResult:
        """Run a script the way Jenkins' `sh` step does: written to a temp file, run by `sh -xe`.
        `container` is ignored: a local agent has none (`container()` only matters in pods)."""
        os.makedirs(cwd, exist_ok=True)
        tmp_dir = Path(str(cwd) + "@tmp")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="script-", suffix=".sh", dir=tmp_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(script)
            argv = list(shell) + [path]
            if script.startswith("#!"):
                os.chmod(path, 0o700)
                argv = [path]
            return run_process(argv, cwd=str(cwd), env=env, cookie=uuid.uuid4().hex, on_output=on_output,
                               capture_stdout=capture_stdout, stop=stop)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    @staticmethod
    def delete_dir(path: str | os.PathLike) -> None:
        shutil.rmtree(path, ignore_errors=True)
