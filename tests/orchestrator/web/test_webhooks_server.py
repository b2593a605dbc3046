"""Webhooks against a real server: GitHub, GitLab and Generic Webhook Trigger deliveries start real
builds of JCasC `cpsScm` jobs cloned from a local repository, with the branch, tag or change request
the event names (so `when { branch }`, `changeRequest()` and `buildingTag()` decide as in Jenkins);
forged, replayed and malformed deliveries are refused and start nothing."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from serverkit import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webhooks"))
from payloads import payload, pointed_at  # noqa: E402

GITHUB_SECRET = "hook-s3cret"
JENKINSFILE = """pipeline {
  agent any
  triggers {
    GenericTrigger(token: 'repo-token', causeString: 'Generic hook for the repository')
    gitlab(triggerOnPush: true)
  }
  stages {
    stage('Main') {
      when { branch 'main' }
      steps { echo 'MAIN-STAGE ran' }
    }
    stage('Review') {
      when { changeRequest() }
      steps { echo "REVIEW-STAGE ${env.CHANGE_ID} ${env.CHANGE_BRANCH}->${env.CHANGE_TARGET} by ${env.CHANGE_AUTHOR}" }
    }
    stage('Release') {
      when { buildingTag() }
      steps { echo "RELEASE-STAGE ${env.TAG_NAME}" }
    }
    stage('Show') { steps { sh 'echo "BRANCH_NAME=$BRANCH_NAME GIT_COMMIT=$GIT_COMMIT"; cat branch.txt' } }
  }
}
"""
GITLAB_INLINE = """pipeline {
  agent any
  triggers { gitlab(triggerOnPush: true, triggerOnMergeRequest: false, secretToken: 'gl-s3cret') }
  stages { stage('Show') { steps { echo "INLINE on ${env.BRANCH_NAME} ${env.gitlabActionType}" } } }
}"""
GENERIC = """pipeline {
  agent any
  parameters { string(name: 'ref', defaultValue: 'none') }
  triggers {
    GenericTrigger(genericVariables: [[key: 'ref', value: '$.ref'], [key: 'pusher', value: '$.pusher.name']],
                   token: 'gen-token', causeString: 'Pushed $ref',
                   regexpFilterText: '$ref', regexpFilterExpression: '^refs/heads/main$')
  }
  stages { stage('Show') { steps { sh 'echo "GENERIC ref=$ref pusher=$pusher"' } } }
}"""
API_SCM_XML = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job@1436.vfa_244484591f">
  <description>built from git</description>
  <keepDependencies>false</keepDependencies>
  <properties/>
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition" plugin="workflow-cps@3894">
    <scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.2">
      <configVersion>2</configVersion>
      <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>REMOTE</url></hudson.plugins.git.UserRemoteConfig>
      </userRemoteConfigs>
      <branches><hudson.plugins.git.BranchSpec><name>SPEC</name></hudson.plugins.git.BranchSpec></branches>
      <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
      <extensions/>
    </scm>
    <scriptPath>Jenkinsfile</scriptPath>
    <lightweight>true</lightweight>
  </definition>
  <triggers/>
  <disabled>false</disabled>
</flow-definition>
"""
GENERIC_CREDENTIAL = """pipeline {
  agent any
  triggers { GenericTrigger(tokenCredentialId: 'generic-token', silentResponse: true) }
  stages { stage('Show') { steps { echo 'CREDENTIAL-TOKEN build' } } }
}"""


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Mona", GIT_AUTHOR_EMAIL="mona@example.com", GIT_COMMITTER_NAME="Mona",
               GIT_COMMITTER_EMAIL="mona@example.com")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> dict:
    """main (Jenkinsfile, branch.txt), feature/login (another branch.txt), tag v1.0 on main."""
    path = tmp_path_factory.mktemp("git") / "hello-world"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "Jenkinsfile").write_text(JENKINSFILE)
    (path / "branch.txt").write_text("content of main\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "main")
    git(path, "tag", "v1.0")
    git(path, "checkout", "-q", "-b", "feature/login")
    (path / "branch.txt").write_text("content of feature/login\n")
    (path / "Jenkinsfile").write_text(JENKINSFILE.replace("'repo-token'", "'feature-token'"))
    git(path, "commit", "-q", "-am", "login")
    git(path, "checkout", "-q", "main")
    return {"path": str(path), "main": git(path, "rev-parse", "main"),
            "feature": git(path, "rev-parse", "feature/login")}


@pytest.fixture(scope="module")
def srv(tmp_path_factory, repo):
    casc = tmp_path_factory.mktemp("casc") / "jenkins.yaml"
    casc.write_text(textwrap.dedent(f"""
        credentials:
          system:
            domainCredentials:
              - credentials:
                  - string: {{id: github-hook, secret: "{GITHUB_SECRET}"}}
                  - string: {{id: generic-token, secret: "from-a-credential"}}
        unclassified:
          gitHubPluginConfig:
            hookSecretConfigs:
              - credentialsId: github-hook
        jobs:
          - script: |
              folder('team')
              pipelineJob('team/app') {{ definition {{ cpsScm {{ scm {{ git('{repo["path"]}', '*/main') }} }} }} }}
              pipelineJob('release') {{ definition {{ cpsScm {{ scm {{ git('{repo["path"]}', 'refs/tags/*') }} }} }} }}
    """))
    server = Server(tmp_path_factory.mktemp("home") / "home", workers=2, extra=("--casc", str(casc)))
    try:
        server.start()
        server.create("gl-inline", GITLAB_INLINE, params=False)
        server.create("generic", GENERIC, params=False)
        server.create("generic-credential", GENERIC_CREDENTIAL, params=False)
        yield server
    finally:
        server.stop()


def github_post(srv, event: str, data, *, secret=GITHUB_SECRET, delivery=None, content_type="application/json",
                body: bytes | None = None) -> requests.Response:
    if body is None:
        body = json.dumps(data).encode()
        if content_type == "application/x-www-form-urlencoded":
            body = urlencode({"payload": json.dumps(data)}).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
               "Content-Type": content_type}
    if secret:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(f"{srv.url}/github-webhook/", data=body, headers=headers, timeout=10)


def local(name: str, repo: dict, **commits: str) -> dict:
    data = pointed_at(payload(name), repo["path"], "github.com/octo-org/hello-world")
    for key, value in commits.items():
        if key == "after":
            data["after"] = value
        else:
            data["pull_request"]["head"]["sha"] = value
    return data


def only(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    triggered = response.json()["triggered"]
    assert len(triggered) == 1, response.json()
    return triggered[0]


def console_of(srv, job: str, item_id: int, timeout: float = 60, auth=None) -> tuple[str, str]:
    """Wait for the queue item's build to finish: (result, console text)."""
    deadline = time.monotonic() + timeout
    while True:
        item = requests.get(f"{srv.url}/queue/item/{item_id}/api/json", auth=auth).json()
        if item.get("executable"):
            number = item["executable"]["number"]
            break
        assert time.monotonic() < deadline, item
        time.sleep(0.1)
    path = "/".join(f"job/{part}" for part in job.split("/"))
    deadline = time.monotonic() + timeout
    while True:
        build = requests.get(f"{srv.url}/{path}/{number}/api/json", auth=auth).json()
        if not build["building"]:
            return build["result"], requests.get(f"{srv.url}/{path}/{number}/consoleText", auth=auth).text
        assert time.monotonic() < deadline
        time.sleep(0.1)


def build_count(srv, path: str) -> int:
    return len(requests.get(f"{srv.url}/{path}/api/json").json()["builds"])


def nothing_queued(srv) -> bool:
    return requests.get(f"{srv.url}/queue/api/json").json()["items"] == []


# ---------------------------------------------------------------- GitHub
def test_github_push_to_main_builds_main(srv, repo):
    started = only(github_post(srv, "push", local("github-push", repo, after=repo["main"])))
    assert started["job"] == "team/app" and started["url"] == f"queue/item/{started['id']}/"
    result, console = console_of(srv, "team/app", started["id"])
    assert result == "SUCCESS", console
    assert "Started by GitHub push by octocat" in console
    assert "MAIN-STAGE ran" in console and 'Stage "Review" skipped due to when conditional' in console
    assert f"BRANCH_NAME=main GIT_COMMIT={repo['main']}" in console and "content of main" in console


@pytest.mark.parametrize("name", ["github-pull_request-opened", "github-pull_request-synchronize"])
def test_github_pull_request_builds_the_change(srv, repo, name):
    started = only(github_post(srv, "pull_request", local(name, repo, head=repo["feature"])))
    result, console = console_of(srv, "team/app", started["id"])
    assert result == "SUCCESS", console
    assert "REVIEW-STAGE 7 feature/login->main by octocat" in console
    assert 'Stage "Main" skipped due to when conditional' in console
    assert f"BRANCH_NAME=PR-7 GIT_COMMIT={repo['feature']}" in console and "content of feature/login" in console


def test_a_pull_request_from_a_fork_builds_the_pull_ref_of_the_jobs_repo_never_the_url_it_names(srv, repo, tmp_path):
    """The body's clone_url points at an evil repository: the build fetches refs/pull/7/head from the job's
    own remote (as GitHub keeps a fork's head there) and its pipeline from the target branch."""
    evil = tmp_path / "evil.git"
    subprocess.run(["git", "clone", "-q", "-b", "feature/login", repo["path"], str(evil)], check=True)
    (evil / "branch.txt").write_text("content of the evil repo\n")
    (evil / "Jenkinsfile").write_text(JENKINSFILE.replace("REVIEW-STAGE", "EVIL-PIPELINE"))
    git(evil, "commit", "-q", "-am", "evil")
    path = Path(repo["path"])
    git(path, "checkout", "-q", "-b", "pr-7-head", "feature/login")
    (path / "branch.txt").write_text("content of the fork\n")
    (path / "Jenkinsfile").write_text(JENKINSFILE.replace("REVIEW-STAGE", "FORK-PIPELINE"))
    git(path, "commit", "-q", "-am", "the fork's change")
    head = git(path, "rev-parse", "HEAD")
    git(path, "checkout", "-q", "main")
    git(path, "branch", "-q", "-D", "pr-7-head")
    git(path, "update-ref", "refs/pull/7/head", head)
    data = local("github-pull_request-opened", repo, head=head)
    data["pull_request"]["head"]["repo"] = dict(data["pull_request"]["head"]["repo"], full_name="mona/hello-world",
                                                owner={"login": "mona"}, clone_url=f"file://{evil}",
                                                ssh_url=f"file://{evil}", git_url=f"file://{evil}")
    started = only(github_post(srv, "pull_request", data))
    result, console = console_of(srv, "team/app", started["id"])
    assert result == "SUCCESS", console
    assert "content of the fork" in console and "REVIEW-STAGE 7 feature/login->main" in console
    assert f"BRANCH_NAME=PR-7 GIT_COMMIT={head}" in console
    assert "FORK-PIPELINE" not in console and "EVIL" not in console and "evil" not in console


def test_only_the_configured_branch_jenkinsfile_becomes_the_jobs(srv, repo):
    """A push or pull request naming another branch builds with that branch's Jenkinsfile, but its
    triggers (here a GenericTrigger token) are not recorded as the job's; main's are."""
    started = only(github_post(srv, "pull_request", local("github-pull_request-opened", repo, head=repo["feature"])))
    assert console_of(srv, "team/app", started["id"])[0] == "SUCCESS"
    feature = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=feature-token", json={}, timeout=10)
    assert feature.status_code == 404, feature.text
    started = only(github_post(srv, "push", local("github-push", repo, after=repo["main"])))
    assert console_of(srv, "team/app", started["id"])[0] == "SUCCESS"
    invoked = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=repo-token", json={}, timeout=10)
    assert invoked.status_code == 200 and invoked.json()["jobs"]["team/app"]["triggered"] is True
    assert console_of(srv, "team/app", invoked.json()["jobs"]["team/app"]["id"])[0] == "SUCCESS"


def test_github_tag_push_builds_the_job_that_follows_tags(srv, repo):
    started = only(github_post(srv, "push", local("github-push-tag", repo, after=repo["main"])))
    assert started["job"] == "release"
    result, console = console_of(srv, "release", started["id"])
    assert result == "SUCCESS", console
    assert "RELEASE-STAGE v1.0" in console and "BRANCH_NAME=v1.0" in console


def test_github_forged_replayed_and_ignored_deliveries_start_nothing(srv, repo):
    before = build_count(srv, "job/team/job/app")
    push = local("github-push", repo, after=repo["main"])
    missing = github_post(srv, "push", push, secret=None)
    assert missing.status_code == 403 and "Signature was expected" in missing.headers["X-Error"]
    wrong = github_post(srv, "push", push, secret="not-the-secret")
    assert wrong.status_code == 403 and "did not match" in wrong.json()["message"]
    closed = github_post(srv, "pull_request", local("github-pull_request-closed", repo), delivery="replay-me")
    assert closed.status_code == 200 and closed.json()["triggered"] == []
    assert "'closed'" in closed.json()["message"]
    replay = github_post(srv, "pull_request", local("github-pull_request-opened", repo), delivery="replay-me")
    assert replay.status_code == 409 and "already received" in replay.headers["X-Error"]
    deleted = github_post(srv, "push", local("github-push-deleted", repo))
    assert deleted.status_code == 200 and "deleted" in deleted.json()["message"]
    assert nothing_queued(srv) and build_count(srv, "job/team/job/app") == before


def test_github_bad_input_is_400_with_the_cause(srv, repo):
    before = build_count(srv, "job/team/job/app")
    bad_json = github_post(srv, "push", None, body=b'{"ref": "refs/heads/main",')
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.headers["X-Error"]
    text = github_post(srv, "push", None, body=b"ref=main", content_type="text/plain")
    assert text.status_code == 400 and "Unsupported Content-Type text/plain" in text.headers["X-Error"]
    no_ref = {k: v for k, v in local("github-push", repo).items() if k != "ref"}
    assert "no 'ref'" in github_post(srv, "push", no_ref).headers["X-Error"]
    no_event = requests.post(f"{srv.url}/github-webhook/", json={}, timeout=10)
    assert no_event.status_code == 400 and "event type" in no_event.headers["X-Error"]
    form_without_payload = github_post(srv, "push", None, body=b"other=1",
                                       content_type="application/x-www-form-urlencoded")
    assert form_without_payload.status_code == 400 and "'payload'" in form_without_payload.headers["X-Error"]
    assert requests.get(f"{srv.url}/github-webhook/").status_code == 405
    assert nothing_queued(srv) and build_count(srv, "job/team/job/app") == before


def test_github_form_encoded_payload_and_ping(srv, repo):
    ping = github_post(srv, "ping", payload("github-ping"), content_type="application/x-www-form-urlencoded")
    assert ping.status_code == 200 and ping.json()["message"] == "pong: Design for failure."
    started = only(github_post(srv, "push", local("github-push", repo, after=repo["main"]),
                               content_type="application/x-www-form-urlencoded"))
    assert console_of(srv, "team/app", started["id"])[0] == "SUCCESS"


def test_a_job_created_from_config_xml_with_git_scm_is_matched(srv, repo):
    xml = API_SCM_XML.replace("REMOTE", f"file://{repo['path']}/").replace("SPEC", "*/feature/login")
    created = requests.post(f"{srv.url}/createItem", params={"name": "login-only"}, data=xml,
                            headers={"Content-Type": "application/xml"}, timeout=10)
    assert created.status_code == 200, created.headers.get("X-Error")
    assert "CpsScmFlowDefinition" in requests.get(f"{srv.url}/job/login-only/config.xml").text
    data = local("github-push", repo, after=repo["feature"])
    data["ref"] = "refs/heads/feature/login"
    started = only(github_post(srv, "push", data))
    assert started["job"] == "login-only"
    result, console = console_of(srv, "login-only", started["id"])
    assert result == "SUCCESS", console
    assert 'Stage "Main" skipped due to when conditional' in console and "content of feature/login" in console


def test_triggers_in_a_jenkinsfile_from_git_count_once_it_has_run(srv):
    """As in Jenkins, a cpsScm job's GenericTrigger is registered by its first build."""
    r = requests.post(f"{srv.url}/job/team/job/app/build", timeout=10)
    item_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert console_of(srv, "team/app", item_id)[0] == "SUCCESS"
    invoked = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=repo-token", json={}, timeout=10)
    assert invoked.status_code == 200 and invoked.json()["jobs"]["team/app"]["triggered"] is True
    result, console = console_of(srv, "team/app", invoked.json()["jobs"]["team/app"]["id"])
    assert result == "SUCCESS" and "Generic hook for the repository" in console


# ---------------------------------------------------------------- GitLab
def gitlab_post(srv, path: str, name: str, repo: dict, token=None, event=None) -> requests.Response:
    data = pointed_at(payload(name), repo["path"], "gitlab.example.com/team/hello-world")
    headers = {"X-Gitlab-Event": event or {"push": "Push Hook", "tag_push": "Tag Push Hook",
                                           "merge_request": "Merge Request Hook"}[data["object_kind"]],
               "X-Gitlab-Event-UUID": str(uuid.uuid4())}
    if token:
        headers["X-Gitlab-Token"] = token
    return requests.post(f"{srv.url}/project/{path}", json=data, headers=headers, timeout=10)


def test_gitlab_push_and_merge_request_build_the_named_job(srv, repo):
    push = only(gitlab_post(srv, "team/app", "gitlab-push", repo))
    result, console = console_of(srv, "team/app", push["id"])
    assert result == "SUCCESS" and "Started by GitLab push by John Smith" in console and "MAIN-STAGE ran" in console
    mr = only(gitlab_post(srv, "team/app", "gitlab-merge-request-open", repo))
    result, console = console_of(srv, "team/app", mr["id"])
    assert result == "SUCCESS", console
    assert "Started by GitLab Merge Request #1: feature/login => main" in console
    assert "REVIEW-STAGE 1 feature/login->main by root" in console and "BRANCH_NAME=MR-1" in console
    merged = gitlab_post(srv, "team/app", "gitlab-merge-request-merge", repo)
    assert merged.status_code == 200 and merged.json()["triggered"] == []
    tag = gitlab_post(srv, "team/app", "gitlab-tag-push", repo)   # team/app follows */main, not tags
    assert tag.status_code == 200 and "does not take the tag 'v1.0'" in tag.json()["message"]


def test_gitlab_secret_token_and_trigger_options(srv, repo):
    before = build_count(srv, "job/gl-inline")
    assert gitlab_post(srv, "gl-inline", "gitlab-push", repo).status_code == 401
    wrong = gitlab_post(srv, "gl-inline", "gitlab-push", repo, token="nope")
    assert wrong.status_code == 401 and wrong.headers["X-Error"] == "Invalid token"
    mr = gitlab_post(srv, "gl-inline", "gitlab-merge-request-open", repo, token="gl-s3cret")
    assert mr.status_code == 200 and "triggerOnMergeRequest: false" in mr.json()["message"]
    assert gitlab_post(srv, "no-such-job", "gitlab-push", repo).status_code == 404
    assert requests.get(f"{srv.url}/project/no-such-job", timeout=10).status_code == 405   # before any lookup
    bad = requests.post(f"{srv.url}/project/gl-inline", data=b"{", timeout=10,
                        headers={"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "gl-s3cret",
                                 "Content-Type": "application/json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.headers["X-Error"]
    assert nothing_queued(srv) and build_count(srv, "job/gl-inline") == before
    started = only(gitlab_post(srv, "gl-inline", "gitlab-push", repo, token="gl-s3cret"))
    result, console = console_of(srv, "gl-inline", started["id"])
    assert result == "SUCCESS" and "INLINE on main PUSH" in console


def test_gitlab_starts_only_jobs_that_declare_a_gitlab_trigger(srv, repo):
    before = build_count(srv, "job/generic")
    refused = gitlab_post(srv, "generic", "gitlab-push", repo)   # its Jenkinsfile declares GenericTrigger only
    assert refused.status_code == 404 and "gitlab trigger" in refused.headers["X-Error"]
    assert nothing_queued(srv) and build_count(srv, "job/generic") == before


GITLAB_SECURED_CASC = """
jenkins:
  securityRealm:
    local:
      users:
        - {id: admin, password: admin-Pa55-word}
  authorizationStrategy: loggedInUsersCanDoAnything
jobs:
  - script: |
      pipelineJob('open') { definition { cps { script('''
        pipeline { agent any; triggers { gitlab() }; stages { stage('S') { steps { echo 'OPEN ran' } } } }
      ''') } } }
      pipelineJob('guarded') { definition { cps { script('''
        pipeline { agent any; triggers { gitlab(secretToken: 'gl-s3cret') }
                   stages { stage('S') { steps { echo 'GUARDED ran' } } } }
      ''') } } }
      pipelineJob('plain') { definition { cps { script('''
        pipeline { agent any; stages { stage('S') { steps { echo 'PLAIN ran' } } } }
      ''') } } }
"""


def test_under_security_gitlab_needs_a_configured_token_and_refusals_reveal_no_job_names(tmp_path, repo):
    (tmp_path / "jenkins.yaml").write_text(GITLAB_SECURED_CASC)
    server = Server(tmp_path / "home", workers=1, extra=("--casc", str(tmp_path / "jenkins.yaml"))).start()
    admin = ("admin", "admin-Pa55-word")
    try:
        answers = [gitlab_post(server, "open", "gitlab-push", repo),               # no token configured
                   gitlab_post(server, "plain", "gitlab-push", repo),              # no gitlab trigger
                   gitlab_post(server, "no-such-job", "gitlab-push", repo),        # unknown
                   gitlab_post(server, "guarded", "gitlab-push", repo, token="nope"),
                   gitlab_post(server, "no-such-job", "gitlab-push", repo, token="gl-s3cret")]
        assert {(r.status_code, r.text, r.headers["X-Error"]) for r in answers} == {
            (401, answers[0].text, answers[0].headers["X-Error"])}
        assert "a secret token must be configured" in answers[0].json()["message"]
        started = only(gitlab_post(server, "guarded", "gitlab-push", repo, token="gl-s3cret"))
        result, console = console_of(server, "guarded", started["id"], auth=admin)
        assert result == "SUCCESS" and "GUARDED ran" in console
        assert requests.get(f"{server.url}/job/open/api/json", auth=admin).json()["builds"] == []
        assert requests.get(f"{server.url}/job/plain/api/json", auth=admin).json()["builds"] == []
    finally:
        server.stop()


# ---------------------------------------------------------------- Generic Webhook Trigger
def test_generic_trigger_by_query_header_and_bearer_token(srv):
    push = payload("github-push")
    by_query = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=gen-token", json=push, timeout=10)
    assert by_query.status_code == 200 and by_query.json()["message"] == "Triggered jobs."
    job = by_query.json()["jobs"]["generic"]
    assert job["triggered"] is True and job["url"] == f"queue/item/{job['id']}/"
    assert job["resolvedVariables"] == {"ref": "refs/heads/main", "pusher": "octocat"}
    assert job["regexpFilterExpression"] == "^refs/heads/main$" and job["regexpFilterText"] == "refs/heads/main"
    result, console = console_of(srv, "generic", job["id"])
    assert result == "SUCCESS" and "Pushed refs/heads/main" in console
    assert "GENERIC ref=refs/heads/main pusher=octocat" in console
    by_header = requests.post(f"{srv.url}/generic-webhook-trigger/invoke", json=push, headers={"token": "gen-token"})
    assert by_header.json()["jobs"]["generic"]["triggered"] is True
    tag = payload("github-push-tag")
    by_bearer = requests.post(f"{srv.url}/generic-webhook-trigger/invoke", json=tag,
                              headers={"Authorization": "Bearer gen-token"})
    filtered = by_bearer.json()["jobs"]["generic"]
    assert by_bearer.status_code == 200 and filtered["triggered"] is False and filtered["id"] == 0
    assert console_of(srv, "generic", by_header.json()["jobs"]["generic"]["id"])[0] == "SUCCESS"


def test_generic_unknown_token_bad_json_and_credential_token(srv):
    before = build_count(srv, "job/generic")
    unknown = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=nope", json={}, timeout=10)
    assert unknown.status_code == 404 and unknown.json() == {
        "jobs": None, "message": "Did not find any jobs with GenericTrigger configured!\nA token was supplied.\n"}
    assert requests.post(f"{srv.url}/generic-webhook-trigger/invoke", json={}).status_code == 404
    bad = requests.post(f"{srv.url}/generic-webhook-trigger/invoke?token=gen-token", data=b"{nope",
                        headers={"Content-Type": "application/json"}, timeout=10)
    assert bad.status_code == 400 and "not valid JSON" in bad.headers["X-Error"]
    assert nothing_queued(srv) and build_count(srv, "job/generic") == before
    silent = requests.get(f"{srv.url}/generic-webhook-trigger/invoke?token=from-a-credential", timeout=10)
    assert silent.status_code == 200 and silent.text == ""
    deadline = time.monotonic() + 30
    while build_count(srv, "job/generic-credential") == 0 or \
            requests.get(f"{srv.url}/job/generic-credential/1/api/json").json()["building"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    console = requests.get(f"{srv.url}/job/generic-credential/1/consoleText").text
    assert "Generic Cause" in console and "CREDENTIAL-TOKEN build" in console
