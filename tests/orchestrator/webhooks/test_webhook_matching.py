"""Which jobs an event starts: Git remotes compared loosely, branch specs as the git plugin reads them."""
from __future__ import annotations

import pytest

from orchestrator.webhooks import github
from orchestrator.webhooks.matching import branch_spec_matches, job_takes, matching_jobs, normalize_url
from payloads import payload


@pytest.mark.parametrize("url", [
    "https://github.com/octo-org/hello-world.git", "https://github.com/Octo-Org/Hello-World",
    "git@github.com:octo-org/hello-world.git", "ssh://git@github.com:22/octo-org/hello-world.git",
    "git://github.com/octo-org/hello-world.git", "https://token@github.com/octo-org/hello-world/",
])
def test_remote_forms_of_one_repository_are_the_same(url):
    assert normalize_url(url) == "github.com/octo-org/hello-world"


def test_other_repositories_and_local_paths(tmp_path):
    assert normalize_url("https://github.com/octo-org/hello") != normalize_url("https://github.com/octo-org/hello-world")
    assert normalize_url("https://gitlab.com/octo-org/hello-world") != "github.com/octo-org/hello-world"
    assert normalize_url(str(tmp_path / "a" / ".." / "repo")) == normalize_url(f"file://{tmp_path}/repo/")


@pytest.mark.parametrize("spec, kind, name, expected", [
    ("*/main", "branch", "main", True), ("main", "branch", "main", True), ("origin/main", "branch", "main", True),
    ("refs/heads/main", "branch", "main", True), ("*/main", "branch", "maint", False),
    ("*/main", "branch", "feature/main", False), ("", "branch", "anything", True), ("**", "branch", "a/b", True),
    ("feature/*", "branch", "feature/x", True), ("feature/*", "branch", "feature/x/y", False),
    ("feature/**", "branch", "feature/x/y", True), ("*/main", "tag", "main", False), ("**", "tag", "v1", True),
    ("refs/tags/v*", "tag", "v1.0", True), ("refs/tags/v*", "branch", "v1.0", False),
])
def test_branch_specs(spec, kind, name, expected):
    assert branch_spec_matches(spec, kind, name) is expected


def _job(name, url, branch="*/main", disabled=False):
    return {"name": name, "kind": "job", "disabled": disabled, "props": {"scm": {"url": url, "branch": branch}}}


def test_jobs_for_a_push_and_why_the_others_are_left_out():
    event = github.parse("push", payload("github-push"))
    jobs = [_job("app", "git@github.com:octo-org/hello-world.git"), _job("dev", "https://github.com/octo-org/hello-world", "dev"),
            _job("other", "https://github.com/octo-org/other.git"), _job("off", "https://github.com/octo-org/hello-world", disabled=True),
            {"name": "inline", "kind": "job", "disabled": False, "props": {}}]
    assert [j["name"] for j in matching_jobs(jobs, event)] == ["app"]
    assert "branch spec 'dev'" in job_takes(jobs[1], event)
    assert "another repository" in job_takes(jobs[2], event)
    assert "disabled" in job_takes(jobs[3], event)
    assert "no Git remote" in job_takes(jobs[4], event)


def test_a_pull_request_is_matched_on_its_target_branch():
    event = github.parse("pull_request", payload("github-pull_request-opened"))
    jobs = [_job("main", "https://github.com/octo-org/hello-world.git", "*/main"),
            _job("login", "https://github.com/octo-org/hello-world.git", "feature/login")]
    assert [j["name"] for j in matching_jobs(jobs, event)] == ["main"]
