"""The one adapter pollSCM needs: the commit a remote branch points at (`git ls-remote`)."""
from __future__ import annotations

import os
import subprocess
from typing import Optional

from orchestrator.errors import OrchestratorError


class PollError(OrchestratorError):
    pass


def remote_head(url: str, branch: str = "", timeout: float = 60.0) -> str:
    """The commit of `branch` (Jenkins' `*/main` or `main`; empty: the remote's HEAD) at `url`."""
    name = branch.replace("*/", "").strip() if branch else ""
    refs = [f"refs/heads/{name}"] if name and name != "**" else ["HEAD"]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")   # a credentials prompt must fail, not hang the poll
    try:
        done = subprocess.run(["git", "ls-remote", url, *refs], capture_output=True, text=True, timeout=timeout,
                              env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PollError(f"git ls-remote {url} failed: {e}") from None
    if done.returncode != 0:
        raise PollError(f"git ls-remote {url} failed: {done.stderr.strip() or done.returncode}")
    head: Optional[str] = next((line.split()[0] for line in done.stdout.splitlines() if line.strip()), None)
    if head is None:
        raise PollError(f"Couldn't find any revision to build: no branch {name or 'HEAD'} in {url}")
    return head
