"""GitLab webhook payloads (Push Hook, Tag Push Hook, Merge Request Hook) into events.

The payload's `object_kind` says what it is (GitLab sends the same bodies as system hooks). Merge
requests build when opened, updated or reopened; close, merge, approval and the like are ignored.
The build also gets the gitlab plugin's variables (gitlabSourceBranch, gitlabActionType, ...).
"""
from __future__ import annotations

from typing import Any, Optional, Union

from .events import (
    ZERO_SHA,
    BadPayload,
    ChangeRequest,
    GitEvent,
    Ignored,
    dig,
    split_ref,
    urls_of,
)
from .matching import job_takes

BUILT_MR_ACTIONS = ("open", "update", "reopen")
EVENT_KINDS = {"Push Hook": "push", "Tag Push Hook": "tag_push", "Merge Request Hook": "merge_request",
               "System Hook": None}


def parse(event_header: str, payload: Any) -> Union[GitEvent, Ignored]:
    if not isinstance(payload, dict):
        raise BadPayload("The payload is not a JSON object")
    if event_header not in EVENT_KINDS:
        return Ignored(f"GitLab event '{event_header}' starts no build (Push Hook, Tag Push Hook and "
                       "Merge Request Hook do)")
    kind = dig(payload, "object_kind")
    expected = EVENT_KINDS[event_header]
    if expected is not None and kind != expected:
        raise BadPayload(f"X-Gitlab-Event is '{event_header}' but the payload's object_kind is '{kind}'")
    if kind in ("push", "tag_push"):
        return _push(payload)
    if kind == "merge_request":
        return _merge_request(payload)
    return Ignored(f"GitLab object_kind '{kind}' starts no build")


def _urls(project: dict, where: str) -> tuple[str, ...]:
    return urls_of(project, ("git_http_url", "git_ssh_url", "http_url", "ssh_url", "web_url", "url", "homepage"),
                   where)


def _push(payload: dict) -> Union[GitEvent, Ignored]:
    kind, name = split_ref(dig(payload, "ref"))
    commit = dig(payload, "checkout_sha", required=False) or dig(payload, "after")
    if commit == ZERO_SHA:
        return Ignored(f"the {kind} '{name}' was deleted: nothing to build")
    project = dig(payload, "project", required=False, kind=dict) or dig(payload, "repository", kind=dict)
    urls = _urls(project, "project")
    user = dig(payload, "user_name", required=False) or dig(payload, "user_username", required=False) or ""
    extra = {"gitlabBranch": name, "gitlabSourceBranch": name, "gitlabTargetBranch": name,
             "gitlabActionType": "TAG_PUSH" if kind == "tag" else "PUSH", "gitlabUserName": user,
             "gitlabUserEmail": dig(payload, "user_email", required=False) or "",
             "gitlabSourceRepoHttpUrl": project.get("git_http_url") or "",
             "gitlabSourceRepoSshUrl": project.get("git_ssh_url") or "",
             "gitlabBefore": dig(payload, "before", required=False) or "", "gitlabAfter": commit}
    return GitEvent(host="GitLab", kind=kind, repo_urls=urls, name=name, commit=commit, user=user, extra_env=extra)


def _merge_request(payload: dict) -> Union[GitEvent, Ignored]:
    attrs = dig(payload, "object_attributes", kind=dict)
    action = dig(attrs, "action", required=False) or dig(attrs, "state")
    if action not in BUILT_MR_ACTIONS:
        return Ignored(f"Merge Request Hook action '{action}' starts no build (only "
                       f"{', '.join(BUILT_MR_ACTIONS)} do)")
    iid = attrs.get("iid")
    if not isinstance(iid, int) or isinstance(iid, bool):
        raise BadPayload("The payload has no 'object_attributes.iid'")
    target = dig(attrs, "target", required=False, kind=dict) or dig(payload, "project", kind=dict)
    source = dig(attrs, "source", required=False, kind=dict) or target
    fork = attrs.get("source_project_id") not in (None, attrs.get("target_project_id"))
    user = dig(payload, "user.username", required=False) or dig(payload, "user.name", required=False) or ""
    commit = dig(attrs, "last_commit.id")
    source_branch, target_branch = dig(attrs, "source_branch"), dig(attrs, "target_branch")
    change = ChangeRequest(
        id=str(iid), target=target_branch, branch=source_branch, url=dig(attrs, "url", required=False) or "",
        title=dig(attrs, "title", required=False) or "", author=user,
        author_email=dig(attrs, "last_commit.author.email", required=False) or "",
        fork=(dig(source, "namespace", required=False) or "") if fork else "",
        from_fork=fork, prefix="MR")
    extra = {"gitlabBranch": source_branch, "gitlabSourceBranch": source_branch,
             "gitlabTargetBranch": target_branch, "gitlabActionType": "MERGE",
             "gitlabUserName": dig(payload, "user.name", required=False) or user,
             "gitlabUserEmail": dig(payload, "user.email", required=False) or "",
             "gitlabMergeRequestIid": str(iid), "gitlabMergeRequestTitle": change.title,
             "gitlabMergeRequestLastCommit": commit,
             "gitlabSourceRepoHttpUrl": source.get("git_http_url") or "",
             "gitlabSourceRepoSshUrl": source.get("git_ssh_url") or "",
             "gitlabTargetRepoHttpUrl": target.get("git_http_url") or ""}
    return GitEvent(host="GitLab", kind="change", repo_urls=_urls(target, "object_attributes.target"),
                    name=source_branch, commit=commit, user=user, change=change, action=action, extra_env=extra)


def job_refuses(job: dict, options: Optional[dict], event: GitEvent) -> Optional[str]:
    """Why the job the URL names does not build this event, or None. `options` are the arguments of the
    job's `triggers { gitlab(...) }` (None without one): `triggerOnPush: false` and
    `triggerOnMergeRequest: false` turn those events off. A job with a Git remote must also follow the
    event's repository and branch, like a GitHub push; one without is built as it is."""
    options = options or {}
    if event.change is None and options.get("triggerOnPush") is False:
        return "its gitlab trigger has triggerOnPush: false"
    if event.change is not None and options.get("triggerOnMergeRequest") is False:
        return "its gitlab trigger has triggerOnMergeRequest: false"
    if (job.get("props") or {}).get("scm"):
        return job_takes(job, event)
    return "it is disabled" if job.get("disabled") else None
