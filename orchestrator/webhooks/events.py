"""What a Git hosting event asks to build, whatever the host said it in.

An event becomes a queue item's `revision`: the branch, tag or change-request head the build checks
out of the job's own configured remote (never a URL from the request body), and the environment Jenkins' branch sources give such a build (BRANCH_NAME, GIT_COMMIT,
GIT_BRANCH, TAG_NAME, CHANGE_*), so `when { branch 'main' }`, `when { buildingTag() }` and
`when { changeRequest() }` see what they would see in Jenkins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from orchestrator.errors import UsageError


class BadPayload(UsageError):
    """The payload is not what the event says it is (answered 400 with the cause)."""


@dataclass(frozen=True)
class ChangeRequest:
    """A pull request (GitHub) or merge request (GitLab)."""
    id: str
    target: str                  # the branch it merges into
    branch: str                  # its head branch
    url: str
    title: str
    author: str
    author_email: str = ""
    fork: str = ""               # the fork's owner when the head lives in another repository
    from_fork: bool = False      # the head lives in another repository (whether or not its owner is named)
    prefix: str = "PR"           # BRANCH_NAME is PR-12 (GitHub) or MR-12 (GitLab)

    @property
    def head_ref(self) -> str:
        """The ref the hosting keeps the change's head under in the target repository itself, fork or
        not: what Jenkins' branch sources fetch, so nothing is ever cloned from a URL a request named."""
        if self.prefix == "MR":
            return f"refs/merge-requests/{self.id}/head"
        return f"refs/pull/{self.id}/head"


@dataclass(frozen=True)
class GitEvent:
    host: str                    # "GitHub" or "GitLab"
    kind: str                    # "branch", "tag" or "change"
    repo_urls: tuple[str, ...]   # every URL the repository is known by (https, ssh, git)
    name: str                    # branch or tag name (for a change: its head branch)
    commit: str
    user: str                    # who pushed, or who opened/updated the change
    change: Optional[ChangeRequest] = None
    action: str = ""             # for a change: opened, synchronize, reopened, open, update, ...
    extra_env: dict[str, str] = field(default_factory=dict)   # host-specific variables (gitlabSourceBranch...)

    @property
    def branch_to_match(self) -> str:
        """The branch a job's branch spec is compared with: a change request's target branch (a job
        building `main` builds the changes proposed to `main`), else the pushed branch."""
        return self.change.target if self.change else self.name


@dataclass(frozen=True)
class Ignored:
    """An event that is understood and deliberately starts nothing (answered 200 with the reason)."""
    reason: str


def revision(event: GitEvent) -> dict[str, Any]:
    """The queue item's `revision`: what to check out and the environment the build gets."""
    env = {"GIT_COMMIT": event.commit}
    trusted_branch = None
    if event.kind == "tag":
        checkout = f"refs/tags/{event.name}"
        env.update(BRANCH_NAME=event.name, TAG_NAME=event.name, GIT_BRANCH=event.name)
    elif event.kind == "change" and event.change is not None:
        change = event.change
        # a fork's branch is not in the job's repository: its head is, under the hosting's change ref
        checkout = change.head_ref if change.from_fork else change.branch
        if change.from_fork:   # a fork's Jenkinsfile is not trusted (see the scheduler)
            trusted_branch = change.target
        branch_name = f"{change.prefix}-{change.id}"
        env.update(BRANCH_NAME=branch_name, GIT_BRANCH=branch_name, CHANGE_ID=change.id,
                   CHANGE_TARGET=change.target, CHANGE_BRANCH=change.branch, CHANGE_URL=change.url,
                   CHANGE_TITLE=change.title, CHANGE_AUTHOR=change.author)
        if change.author_email:
            env["CHANGE_AUTHOR_EMAIL"] = change.author_email
        if change.fork:
            env["CHANGE_FORK"] = change.fork
    else:
        checkout = event.name
        env.update(BRANCH_NAME=event.name, GIT_BRANCH=f"origin/{event.name}", GIT_LOCAL_BRANCH=event.name)
    env.update(event.extra_env)
    out = {"checkout": checkout, "env": {k: v for k, v in env.items() if v is not None}}
    if trusted_branch:
        out["trusted_branch"] = trusted_branch
    return out


def cause(event: GitEvent) -> dict[str, Any]:
    """The build's cause, worded as the Jenkins plugin for that host words it."""
    if event.host == "GitHub" and event.change is None:
        return {"_class": "com.cloudbees.jenkins.GitHubPushCause",
                "shortDescription": f"Started by GitHub push by {event.user}"}
    if event.host == "GitHub":
        return {"_class": "jenkins.branch.BranchEventCause",
                "shortDescription": f"Started by GitHub pull request #{event.change.id} {event.action} "
                                    f"by {event.user}"}
    if event.change is None:
        return {"_class": "com.dabsquared.gitlabjenkins.cause.GitLabWebHookCause",
                "shortDescription": f"Started by GitLab push by {event.user}"}
    change = event.change
    return {"_class": "com.dabsquared.gitlabjenkins.cause.GitLabWebHookCause",
            "shortDescription": f"Started by GitLab Merge Request #{change.id}: {change.branch} => {change.target}"}


# ---------------------------------------------------------------- reading payloads
_MISSING = object()


def dig(payload: Any, path: str, required: bool = True, kind: type | tuple = str) -> Any:
    """`payload["a"]["b"]` for path "a.b", or BadPayload naming the missing or mistyped field."""
    value = payload
    for part in path.split("."):
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                raise BadPayload(f"The payload has no '{path}'")
            return None
    if not isinstance(value, kind):
        raise BadPayload(f"The payload's '{path}' is not a {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple) -> str:
    names = {str: "string", int: "number", dict: "object", list: "list", bool: "boolean"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


ZERO_SHA = "0" * 40


def urls_of(repo: dict, keys: tuple[str, ...], where: str) -> tuple[str, ...]:
    """The repository's URLs under `keys` (in that order, duplicates dropped); BadPayload without any."""
    urls = [repo.get(k) for k in keys]
    urls = [u for u in urls if isinstance(u, str) and u]
    if not urls:
        raise BadPayload(f"The payload's '{where}' has no {' or '.join(keys[:2])}")
    return tuple(dict.fromkeys(urls))


def split_ref(ref: str) -> tuple[str, str]:
    """`refs/heads/a/b` -> ("branch", "a/b"); `refs/tags/v1` -> ("tag", "v1")."""
    if ref.startswith("refs/heads/"):
        return "branch", ref[len("refs/heads/"):]
    if ref.startswith("refs/tags/"):
        return "tag", ref[len("refs/tags/"):]
    raise BadPayload(f"The payload's ref {ref!r} is neither refs/heads/... nor refs/tags/...")
