"""Which jobs an event starts: those whose Git remote is the event's repository and whose branch spec
takes the event's branch (or tag).

Remotes are compared loosely, as the git plugin's notifyCommit does: scheme, user, port, a trailing
`.git` or `/` and letter case do not matter (`git@github.com:Org/App.git` is
`https://github.com/org/app`); local paths and `file://` URLs compare as resolved paths.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, Optional
from urllib.parse import urlsplit

from .events import GitEvent

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!/).*)$")   # git@host:org/repo.git


def normalize_url(url: str) -> str:
    """A comparable form of a Git remote: `host/path` lower-cased, or `file:<absolute path>`."""
    url = url.strip()
    if url.startswith("file://"):
        return "file:" + os.path.realpath(url[len("file://"):]).rstrip("/")
    if url.startswith("/") or url.startswith("."):
        return "file:" + os.path.realpath(url).rstrip("/")
    if "://" in url:
        parts = urlsplit(url)
        host, path = (parts.hostname or ""), parts.path
    else:
        match = _SCP.match(url)
        if not match:
            return url.lower()
        host, path = match.group("host"), match.group("path")
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return f"{host.lower()}/{path.lower()}"


def same_repository(remote: str, urls: Iterable[str]) -> bool:
    wanted = normalize_url(remote)
    return any(normalize_url(u) == wanted for u in urls)


def _glob(pattern: str, text: str) -> bool:
    """The git plugin's branch wildcards: `*` within one path segment, `**` across segments."""
    regex = "".join(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
                    for part in re.split(r"(\*\*|\*)", pattern))
    return re.fullmatch(regex, text) is not None


def branch_spec_matches(spec: Optional[str], kind: str, name: str) -> bool:
    """Whether a job's branch spec (`*/main`, `main`, `origin/main`, `refs/heads/main`, `feature/*`,
    `refs/tags/v*`, `**`, empty = any) takes branch or tag `name`. Only `**`, empty and `refs/tags/...`
    specs take tags: a job following `main` does not build every tag."""
    spec = (spec or "").strip()
    if spec in ("", "**", "*/**", "*"):
        return True
    if spec.startswith("refs/tags/"):
        return kind == "tag" and _glob(spec[len("refs/tags/"):], name)
    if kind == "tag":
        return False
    for prefix in ("refs/heads/", "refs/remotes/origin/", "remotes/origin/", "origin/", "*/"):
        if spec.startswith(prefix):
            return _glob(spec[len(prefix):], name)
    return _glob(spec, name)


def job_takes(job: dict, event: GitEvent) -> Optional[str]:
    """None when the job should build this event, else why not (for the webhook's answer)."""
    scm = (job.get("props") or {}).get("scm")
    if not scm or not scm.get("url"):
        return "it has no Git remote (only jobs whose Jenkinsfile comes from Git are matched)"
    if not same_repository(scm["url"], event.repo_urls):
        # the normalized form: a remote with a token in it (https://user:token@host/...) is not echoed back
        return f"its remote {normalize_url(scm['url'])} is another repository"
    kind = "tag" if event.kind == "tag" else "branch"
    if not branch_spec_matches(scm.get("branch"), kind, event.branch_to_match):
        what = f"tag '{event.name}'" if kind == "tag" else f"branch '{event.branch_to_match}'"
        return f"its branch spec '{scm.get('branch')}' does not take the {what}"
    if job.get("disabled"):
        return "it is disabled"
    return None


def matching_jobs(jobs: Iterable[dict], event: GitEvent) -> list[dict]:
    return [job for job in jobs if job.get("kind") == "job" and job_takes(job, event) is None]
