"""Source checkout: `checkout scm`, `checkout([$class: 'GitSCM', ...])` and `git url: ..., branch: ...`.

Git repositories are cloned by URL or local path with the agent's shell, so the clone's output
lands in the console like any step's; the returned map (GIT_COMMIT, GIT_BRANCH, ...) is what
Jenkins' checkout returns and the automatic checkout exports.
"""
from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Optional

from orchestrator.console import decode
from orchestrator.errors import StepFailed

from . import step


def _git_spec(scm) -> tuple[str, Optional[str], Optional[str]]:
    """(url, branch, credentialsId) from `scm`, a GitSCM map, or plain keys."""
    if not isinstance(scm, dict):
        raise StepFailed(f"checkout: unsupported scm {scm!r}")
    if "url" in scm:
        return str(scm["url"]), scm.get("branch"), scm.get("credentialsId")
    remotes = scm.get("userRemoteConfigs") or []
    branches = scm.get("branches") or []
    if not remotes:
        raise StepFailed("checkout: GitSCM needs userRemoteConfigs: [[url: '...']]")
    remote = remotes[0]
    branch = branches[0].get("name") if branches else None
    return str(remote.get("url")), branch, remote.get("credentialsId")


def branch_to_clone(branch: Optional[str]) -> Optional[str]:
    """A branch spec as a name `git clone -b` and `checkout` take: `*/main`, `refs/heads/main` and
    `origin/main` are `main`; a tag ref is its tag name; a wildcard (`**`, `feature/*`) names no one branch."""
    name = (branch or "").strip()
    for prefix in ("*/", "refs/heads/", "refs/tags/", "origin/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return None if not name or "*" in name else name


def other_ref(branch: Optional[str]) -> Optional[str]:
    """A ref that is neither a branch nor a tag (a change request's `refs/pull/7/head` or
    `refs/merge-requests/3/head`): fetched by name, as Jenkins' branch sources fetch forks' changes."""
    name = (branch or "").strip()
    if name.startswith("refs/") and not name.startswith(("refs/heads/", "refs/tags/")) and "*" not in name:
        return name
    return None


def git_checkout(call_ctx, console, url: str, branch: Optional[str], line: Optional[int] = None) -> dict:
    ctx = call_ctx
    target = Path(ctx.cwd or ctx.workspace)
    tag = (branch or "").startswith("refs/tags/")
    change_ref = other_ref(branch)
    branch_name = None if change_ref else branch_to_clone(branch)
    source = os.path.abspath(url) if os.path.isdir(url) else url
    if target.resolve() == Path(source).resolve() if os.path.isdir(url) else False:
        console.line(f"The workspace is the repository itself ({target}): nothing to check out")
    else:
        console.line(f"Cloning repository {url}")
        if (target / ".git").is_dir():
            script = f"git fetch --tags --force --progress -- {shlex.quote(source)} '+refs/heads/*:refs/remotes/origin/*'"
        else:
            script = f"git init -q . && git fetch --tags --force --progress -- {shlex.quote(source)} " \
                     "'+refs/heads/*:refs/remotes/origin/*'"
        if change_ref:   # detached at the change's head, fetched from the same remote
            script += f" && git fetch --force --progress -- {shlex.quote(source)} {shlex.quote(change_ref)}"
            ref = "FETCH_HEAD"
        elif tag:   # `git fetch --tags` brought it: a tag build checks out the tag itself, detached
            ref = f"refs/tags/{branch_name}"
        else:
            ref = f"refs/remotes/origin/{branch_name}" if branch_name else "FETCH_HEAD"
        script += f" && git checkout -f -q {shlex.quote(ref)}"
        if branch_name and not tag:
            script += f" && git checkout -q -B {shlex.quote(branch_name)}"
        result = ctx.agent.run_shell(script, cwd=str(target), env=ctx.environment(),
                                     on_output=lambda data: console.write(decode(data)), stop=ctx.token.event,
                                     shell=("sh", "-e"))
        if result.exit_code != 0:
            raise StepFailed(f"Error cloning remote repo '{url}': git exited with code {result.exit_code}", line)
    return _git_vars(target, url, None if tag else branch_name)


def _git(target: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=target, capture_output=True, text=True, errors="replace")
    return done.stdout.strip() if done.returncode == 0 else ""


def _git_vars(target: Path, url: str, branch: Optional[str]) -> dict:
    commit = _git(target, "rev-parse", "HEAD")
    local = branch or _git(target, "rev-parse", "--abbrev-ref", "HEAD")
    values = {"GIT_COMMIT": commit, "GIT_URL": url}
    if local and local != "HEAD":
        values["GIT_BRANCH"] = f"origin/{local}"
        values["GIT_LOCAL_BRANCH"] = local
    author = _git(target, "log", "-1", "--format=%an%n%ae")
    if author:
        name, _, email = author.partition("\n")
        values["GIT_AUTHOR_NAME"], values["GIT_AUTHOR_EMAIL"] = name, email
    return {k: v for k, v in values.items() if v}


def changesets(target: Path, since: str) -> list[dict]:
    """Commits after `since` up to HEAD: message and affected paths (for `when { changelog/changeset }`)."""
    done = subprocess.run(["git", "log", "--format=%x1e%H%x1f%B%x1f", "--name-only", f"{since}..HEAD"],
                          cwd=target, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        return []
    entries = []
    for record in done.stdout.split("\x1e")[1:]:
        commit, message, paths = (record.split("\x1f") + ["", ""])[:3]
        entries.append({"commit": commit.strip(), "message": message.strip(),
                        "paths": [p for p in paths.split("\n") if p.strip()]})
    return entries


def checkout_scm(engine, ctx) -> dict:
    """The automatic `checkout scm` of an agent allocation; records the commit and the changes since
    the previous build's commit."""
    url, branch, _ = _git_spec(ctx.build.scm)
    console = ctx.build.console
    console.pipeline("checkout")
    values = git_checkout(ctx, console, url, branch)
    build = ctx.build
    if values.get("GIT_COMMIT"):
        build.job_properties["scm_commit"] = values["GIT_COMMIT"]
        previous = build.job_properties.get("previous_commit")
        if previous and "changesets" not in build.job_properties:
            build.job_properties["changesets"] = changesets(Path(ctx.cwd or ctx.workspace), previous)
        if previous:
            values["GIT_PREVIOUS_COMMIT"] = previous
    return values


@step("checkout", needs_node=True)
def checkout(call, scm, changelog=True, poll=True):
    url, branch, _ = _git_spec(scm)
    return git_checkout(call.ctx, call.console, url, branch, call.line)


@step("git", needs_node=True)
def git(call, url, branch="master", credentialsId=None, changelog=True, poll=True):
    return git_checkout(call.ctx, call.console, str(url), branch, call.line)
