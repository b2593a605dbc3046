"""Where a cpsScm build reads its Jenkinsfile: the job's own remote, at a branch or at a change request's
ref (`refs/pull/N/head`), which `git clone -b` cannot take."""
from __future__ import annotations

import os
import subprocess

from orchestrator.scheduler import fetch_jenkinsfile_at, scm_to_build


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(text)


def git(repo, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="M", GIT_AUTHOR_EMAIL="m@e", GIT_COMMITTER_NAME="M", GIT_COMMITTER_EMAIL="m@e")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_a_change_ref_is_fetched_from_the_jobs_remote(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "Jenkinsfile").write_text("on main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "main")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "Jenkinsfile").write_text("on the merge request")
    git(repo, "commit", "-q", "-am", "mr")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "pr")
    git(repo, "update-ref", "refs/merge-requests/3/head", head)
    job_scm = {"url": str(repo), "branch": "*/main"}
    scm = scm_to_build(job_scm, {"checkout": "refs/merge-requests/3/head", "url": "file:///tmp/evil.git"})
    assert scm == {"url": str(repo), "branch": "refs/merge-requests/3/head"}   # a revision never moves the URL
    assert fetch_jenkinsfile_at(scm, Lines()) == ("on the merge request", head)
    assert fetch_jenkinsfile_at(job_scm, Lines())[0] == "on main"
    console = Lines()
    assert fetch_jenkinsfile_at(dict(scm, branch="refs/pull/404/head"), console) == ("", None)
    assert "refs/pull/404/head" in console.lines[-1]


def test_only_a_jenkinsfile_from_the_configured_branch_is_the_jobs():
    from orchestrator.scheduler import reads_the_configured_branch
    job = {"url": "/r", "branch": "*/main"}
    assert reads_the_configured_branch(job, job)
    assert reads_the_configured_branch(job, dict(job, branch="main"))              # a push to main
    assert reads_the_configured_branch(job, dict(job, branch="refs/heads/main"))
    for chosen in ("feature/x", "refs/tags/main", "refs/pull/7/head", "refs/merge-requests/7/head", None):
        assert not reads_the_configured_branch(job, dict(job, branch=chosen)), chosen
    wildcard = {"url": "/r", "branch": "**"}
    assert reads_the_configured_branch(wildcard, wildcard) and not reads_the_configured_branch(wildcard, job)
