"""GitHub webhook payloads (`X-GitHub-Event: push | pull_request | ping`) into events.

Push events build branches and tags; a deleted branch builds nothing. Pull requests build when
opened, synchronized (new commits) or reopened; every other action is answered and ignored.
"""
from __future__ import annotations

from typing import Any, Union

from .events import ZERO_SHA, BadPayload, ChangeRequest, GitEvent, Ignored, dig, split_ref, urls_of

BUILT_PR_ACTIONS = ("opened", "synchronize", "reopened")


class Ping:
    """GitHub's hello when a hook is created: answered, starts nothing."""

    def __init__(self, zen: str) -> None:
        self.zen = zen


def parse(event_type: str, payload: Any) -> Union[GitEvent, Ignored, Ping]:
    if not isinstance(payload, dict):
        raise BadPayload("The payload is not a JSON object")
    if event_type == "ping":
        return Ping(str(payload.get("zen") or ""))
    if event_type == "push":
        return _push(payload)
    if event_type == "pull_request":
        return _pull_request(payload)
    return Ignored(f"GitHub event '{event_type}' starts no build (push and pull_request do)")


def repo_urls(repo: dict, where: str = "repository") -> tuple[str, ...]:
    return urls_of(repo, ("clone_url", "ssh_url", "git_url", "html_url", "svn_url"), where)


def _push(payload: dict) -> Union[GitEvent, Ignored]:
    kind, name = split_ref(dig(payload, "ref"))
    commit = dig(payload, "after")
    if payload.get("deleted") is True or commit == ZERO_SHA:
        return Ignored(f"the {kind} '{name}' was deleted: nothing to build")
    urls = repo_urls(dig(payload, "repository", kind=dict))
    pusher = dig(payload, "pusher.name", required=False) or dig(payload, "sender.login", required=False) or ""
    return GitEvent(host="GitHub", kind=kind, repo_urls=urls, name=name, commit=commit, user=pusher)


def _pull_request(payload: dict) -> Union[GitEvent, Ignored]:
    action = dig(payload, "action")
    if action not in BUILT_PR_ACTIONS:
        return Ignored(f"pull_request action '{action}' starts no build (only {', '.join(BUILT_PR_ACTIONS)} do)")
    pr = dig(payload, "pull_request", kind=dict)
    number = payload.get("number", pr.get("number"))
    if not isinstance(number, int) or isinstance(number, bool):
        raise BadPayload("The payload has no pull request 'number'")
    base_repo = dig(pr, "base.repo", kind=dict)
    head_repo = dig(pr, "head.repo", required=False, kind=dict)
    urls = repo_urls(dig(payload, "repository", required=False, kind=dict) or base_repo)
    fork = bool(head_repo) and head_repo.get("full_name") != base_repo.get("full_name")
    author = dig(pr, "user.login", required=False) or ""
    change = ChangeRequest(
        id=str(number), target=dig(pr, "base.ref"), branch=dig(pr, "head.ref"),
        url=dig(pr, "html_url", required=False) or "", title=dig(pr, "title", required=False) or "",
        author=author, fork=(dig(head_repo, "owner.login", required=False) or "") if fork else "",
        from_fork=fork, prefix="PR")
    user = dig(payload, "sender.login", required=False) or author
    return GitEvent(host="GitHub", kind="change", repo_urls=urls, name=change.branch,
                    commit=dig(pr, "head.sha"), user=user, change=change, action=action)
