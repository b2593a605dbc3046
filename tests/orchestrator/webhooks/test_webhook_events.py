"""GitHub and GitLab payloads into events, revisions and causes (pure)."""
from __future__ import annotations

import json

import pytest

from orchestrator.webhooks import events, github, gitlab
from orchestrator.webhooks.events import BadPayload, Ignored
from payloads import payload


def test_github_push_to_a_branch():
    event = github.parse("push", payload("github-push"))
    assert (event.kind, event.name, event.user) == ("branch", "main", "octocat")
    assert "https://github.com/octo-org/hello-world.git" in event.repo_urls
    revision = events.revision(event)
    assert revision["checkout"] == "main"
    assert revision["env"] == {"GIT_COMMIT": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "BRANCH_NAME": "main",
                               "GIT_BRANCH": "origin/main", "GIT_LOCAL_BRANCH": "main"}
    assert events.cause(event)["shortDescription"] == "Started by GitHub push by octocat"


def test_github_tag_push_builds_the_tag():
    event = github.parse("push", payload("github-push-tag"))
    assert (event.kind, event.name) == ("tag", "v1.0")
    revision = events.revision(event)
    assert revision["checkout"] == "refs/tags/v1.0"
    assert revision["env"]["TAG_NAME"] == revision["env"]["BRANCH_NAME"] == "v1.0"


def test_github_deleted_branch_and_other_events_are_ignored_with_a_reason():
    assert "deleted" in github.parse("push", payload("github-push-deleted")).reason
    assert "'issues'" in github.parse("issues", {"action": "opened"}).reason
    closed = github.parse("pull_request", payload("github-pull_request-closed"))
    assert isinstance(closed, Ignored) and "'closed'" in closed.reason
    assert github.parse("ping", payload("github-ping")).zen == "Design for failure."


@pytest.mark.parametrize("name, action, sha", [
    ("github-pull_request-opened", "opened", "ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
    ("github-pull_request-synchronize", "synchronize", "8f0c9a1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f70"),
])
def test_github_pull_request_is_a_change_request(name, action, sha):
    event = github.parse("pull_request", payload(name))
    assert (event.kind, event.action, event.branch_to_match) == ("change", action, "main")
    env = events.revision(event)["env"]
    assert env["BRANCH_NAME"] == "PR-7" and env["CHANGE_ID"] == "7" and env["GIT_COMMIT"] == sha
    assert (env["CHANGE_TARGET"], env["CHANGE_BRANCH"]) == ("main", "feature/login")
    assert env["CHANGE_URL"] == "https://github.com/octo-org/hello-world/pull/7"
    assert (env["CHANGE_TITLE"], env["CHANGE_AUTHOR"]) == ("Add a login page", "octocat")
    assert "CHANGE_FORK" not in env and events.revision(event)["checkout"] == "feature/login"
    assert events.cause(event)["shortDescription"] == f"Started by GitHub pull request #7 {action} by octocat"


def test_github_pull_request_from_a_fork_checks_out_the_pull_ref_of_the_jobs_own_repository():
    data = payload("github-pull_request-opened")
    head = data["pull_request"]["head"]
    head["repo"] = dict(head["repo"], full_name="mona/hello-world", owner={"login": "mona"},
                        clone_url="file:///tmp/evil.git")
    event = github.parse("pull_request", data)
    revision = events.revision(event)
    assert "url" not in revision and "evil" not in json.dumps(revision)   # never a URL from the request body
    assert revision["checkout"] == "refs/pull/7/head"
    assert revision["env"]["CHANGE_FORK"] == "mona"
    assert revision["trusted_branch"] == "main"   # the pipeline comes from the target branch, not the fork
    assert "url" not in events.revision(github.parse("pull_request", payload("github-pull_request-opened")))


def test_gitlab_merge_request_from_a_fork_checks_out_the_merge_request_ref():
    data = payload("gitlab-merge-request-open")
    attrs = data["object_attributes"]
    attrs["source_project_id"] = 99
    attrs["source"] = dict(attrs["source"], git_http_url="file:///tmp/evil.git", git_ssh_url="file:///tmp/evil.git",
                           namespace="mona")
    revision = events.revision(gitlab.parse("Merge Request Hook", data))
    assert "url" not in revision and revision["checkout"] == f"refs/merge-requests/{attrs['iid']}/head"
    assert revision["trusted_branch"] == "main" and revision["env"]["CHANGE_FORK"] == "mona"


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p.pop("ref"), "no 'ref'"),
    (lambda p: p.update(ref=5), "'ref' is not a string"),
    (lambda p: p.update(ref="main"), "neither refs/heads"),
    (lambda p: p.pop("repository"), "no 'repository'"),
    (lambda p: p.update(repository={"name": "x"}), "no clone_url or ssh_url"),
])
def test_github_push_with_missing_fields_says_which(mutate, message):
    data = payload("github-push")
    mutate(data)
    with pytest.raises(BadPayload, match=message):
        github.parse("push", data)
    with pytest.raises(BadPayload, match="not a JSON object"):
        github.parse("push", [1, 2])


def test_gitlab_push_tag_and_merge_request():
    push = gitlab.parse("Push Hook", payload("gitlab-push"))
    assert (push.kind, push.name, push.user) == ("branch", "main", "John Smith")
    assert events.cause(push)["shortDescription"] == "Started by GitLab push by John Smith"
    assert events.revision(push)["env"]["gitlabActionType"] == "PUSH"
    tag = gitlab.parse("Tag Push Hook", payload("gitlab-tag-push"))
    assert (tag.kind, tag.name) == ("tag", "v1.0")
    mr = gitlab.parse("Merge Request Hook", payload("gitlab-merge-request-open"))
    env = events.revision(mr)["env"]
    assert env["BRANCH_NAME"] == "MR-1" and env["CHANGE_ID"] == "1" and env["CHANGE_TARGET"] == "main"
    assert env["CHANGE_BRANCH"] == env["gitlabSourceBranch"] == "feature/login"
    assert events.cause(mr)["shortDescription"] == "Started by GitLab Merge Request #1: feature/login => main"
    assert gitlab.parse("Merge Request Hook", payload("gitlab-merge-request-update")).action == "update"
    assert "'merge'" in gitlab.parse("Merge Request Hook", payload("gitlab-merge-request-merge")).reason


def test_gitlab_header_and_body_must_agree():
    with pytest.raises(BadPayload, match="object_kind is 'push'"):
        gitlab.parse("Merge Request Hook", payload("gitlab-push"))
    assert isinstance(gitlab.parse("Pipeline Hook", {"object_kind": "pipeline"}), Ignored)
