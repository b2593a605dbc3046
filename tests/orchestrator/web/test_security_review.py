"""Fixes from the security review, each through a real server: password parameters never leave the
server in clear (API, queue, console) and the database is owner-only."""
from __future__ import annotations

import os
import stat
import time

import pytest
import requests

from serverkit import PIPELINE_XML

PASSWORD = "pw-S3cret-value"
DEFAULT_PASSWORD = "default-S3cret"
PW_SCRIPT = """pipeline {
  agent any
  stages { stage('Use') { steps { echo "pw is ${params.PW}"; sh 'echo "shell sees $PW"' } } }
}"""
PW_PARAM = ("<hudson.model.ParametersDefinitionProperty><parameterDefinitions>"
            "<hudson.model.PasswordParameterDefinition><name>PW</name>"
            f"<defaultValue>{DEFAULT_PASSWORD}</defaultValue></hudson.model.PasswordParameterDefinition>"
            "</parameterDefinitions></hudson.model.ParametersDefinitionProperty>")


def _create_pw_job(server, name: str) -> None:
    from xml.sax.saxutils import escape
    xml = PIPELINE_XML.format(script=escape(PW_SCRIPT), properties=PW_PARAM, description="")
    r = requests.post(f"{server.url}/createItem", params={"name": name}, data=xml,
                      headers={"Content-Type": "text/xml"})
    assert r.status_code == 200, r.headers.get("X-Error")


def test_password_parameters_are_never_shown_in_clear(server):
    _create_pw_job(server, "pw")
    job = requests.get(f"{server.url}/job/pw/api/json", params={"depth": "2"})
    assert DEFAULT_PASSWORD not in job.text
    definition = job.json()["property"][0]["parameterDefinitions"][0]
    assert definition["_class"] == "hudson.model.PasswordParameterDefinition"
    assert definition["defaultParameterValue"] == {"_class": "hudson.model.PasswordParameterValue", "name": "PW"}

    r = requests.post(f"{server.url}/job/pw/buildWithParameters", params={"PW": PASSWORD, "delay": "3sec"})
    assert r.status_code == 201, r.headers.get("X-Error")
    item = r.headers["Location"]
    queued = requests.get(item + "api/json")
    assert queued.status_code == 200 and PASSWORD not in queued.text
    assert "PW=****" in queued.json()["params"]
    queue = requests.get(f"{server.url}/queue/api/json", params={"depth": "2"})
    assert PASSWORD not in queue.text and "PasswordParameterValue" in queue.text

    build = server.wait_build("pw", 1)
    assert build["result"] == "SUCCESS"
    assert PASSWORD not in requests.get(f"{server.url}/job/pw/1/api/json", params={"depth": "2"}).text
    params = [a for a in build["actions"] if a.get("_class") == "hudson.model.ParametersAction"][0]["parameters"]
    assert params == [{"_class": "hudson.model.PasswordParameterValue", "name": "PW"}]
    log = requests.get(f"{server.url}/job/pw/1/consoleText").text
    assert "pw is ****" in log and "shell sees ****" in log and PASSWORD not in log


def test_a_pipeline_password_default_is_masked_in_the_console(server):
    script = """pipeline {
      agent any
      parameters { password(name: 'TOKEN', defaultValue: 'pipeline-D3fault') }
      stages { stage('Use') { steps { echo "token ${params.TOKEN}" } } }
    }"""
    server.create("pwpipe", script, params=False)
    assert requests.post(f"{server.url}/job/pwpipe/build", params={"delay": "0sec"}).status_code == 201
    server.wait_build("pwpipe", 1)
    log = requests.get(f"{server.url}/job/pwpipe/1/consoleText").text
    assert "token ****" in log and "pipeline-D3fault" not in log
    for url in ("job/pwpipe/1/api/json", "job/pwpipe/api/json"):   # the job learnt its parameters from the build
        text = requests.get(f"{server.url}/{url}", params={"depth": "2"}).text
        assert "TOKEN" in text and "PasswordParameter" in text and "pipeline-D3fault" not in text, url


def test_the_database_files_are_owner_only(server):
    deadline = time.monotonic() + 5
    while not os.path.exists(server.home / "orchestrator.db-wal") and time.monotonic() < deadline:
        time.sleep(0.05)
    for suffix in ("", "-wal", "-shm"):
        path = server.home / f"orchestrator.db{suffix}"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, (path, oct(os.stat(path).st_mode))


# ---------------------------------------------------------------- a secured server (projectMatrix)
USERS = {"root": "root-Pa55-word", "bob": "bob-Pa55-word", "dave": "dave-Pa55-word", "carol": "carol-Pa55-word"}
SECURED_CASC = """
jenkins:
  securityRealm:
    local:
      users:
        - {id: root, password: "${ROOT_PW}"}
        - {id: bob, password: "${BOB_PW}"}
        - {id: dave, password: "${DAVE_PW}"}
        - {id: carol, password: "${CAROL_PW}"}
  authorizationStrategy:
    projectMatrix:
      entries:
        - user: {name: root, permissions: [Overall/Administer]}
        - user: {name: bob, permissions: [Job/Read, Job/Build]}
        - user: {name: dave, permissions: [Job/Read, Job/Build]}
        - user: {name: carol, permissions: [Overall/SystemRead]}
        - group: {name: authenticated, permissions: [Overall/Read]}
"""
GATED = """pipeline {
  agent any
  stages {
    stage('Ask') { steps { input message: 'Ship?', id: 'ship', submitter: 'dave, ops' } }
    stage('Gate') {
      input {
        message 'Again?'
        id 'again'
        submitter 'dave'
      }
      steps { echo 'gated' }
    }
  }
}"""


def who(user: str) -> tuple[str, str]:
    return user, USERS[user]


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    from serverkit import Server
    folder = tmp_path_factory.mktemp("review")
    (folder / "jenkins.yaml").write_text(SECURED_CASC)
    env = {f"{u.upper()}_PW": p for u, p in USERS.items()}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        srv = Server(folder / "home", workers=2, extra=("--casc", str(folder / "jenkins.yaml"))).start()
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    yield srv
    srv.stop()


def create_as_root(srv, name: str, script: str, properties: str = "") -> None:
    from xml.sax.saxutils import escape
    xml = PIPELINE_XML.format(script=escape(script), properties=properties, description="")
    r = requests.post(f"{srv.url}/createItem", params={"name": name}, data=xml, auth=who("root"),
                      headers={"Content-Type": "text/xml"})
    assert r.status_code == 200, r.headers.get("X-Error")


def wait_input(srv, job: str, number: int, input_id: str) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = requests.get(f"{srv.url}/job/{job}/{number}/wfapi/pendingInputActions", auth=who("bob"))
        actions = [a for a in (r.json() if r.status_code == 200 else []) if a["id"] == input_id]
        if actions:
            return actions[0]
        time.sleep(0.1)
    raise TimeoutError(f"{job} #{number} did not ask {input_id}")


def test_only_the_inputs_submitters_or_an_administrator_may_answer(secured):
    create_as_root(secured, "gated", GATED)
    assert requests.post(f"{secured.url}/job/gated/build", auth=who("bob")).status_code == 201
    action = wait_input(secured, "gated", 1, "Ship")
    assert action["submitter"] == "dave, ops" and "You need to be dave, ops" in action["refusal"]
    refused = requests.post(f"{secured.url}/job/gated/1/input/Ship/proceedEmpty", auth=who("bob"))
    assert refused.status_code == 403 and "You need to be dave, ops" in refused.headers["X-Error"]
    assert requests.post(f"{secured.url}/job/gated/1/input/Ship/abort", auth=who("bob")).status_code == 403
    mine = requests.get(f"{secured.url}/job/gated/1/wfapi/pendingInputActions", auth=who("dave")).json()
    assert mine[0]["refusal"] == ""
    assert requests.post(f"{secured.url}/job/gated/1/input/Ship/proceedEmpty", auth=who("dave"),
                         allow_redirects=False).status_code == 302
    wait_input(secured, "gated", 1, "Again")   # the stage directive's submitter is kept too
    assert requests.post(f"{secured.url}/job/gated/1/input/Again/proceedEmpty", auth=who("bob")).status_code == 403
    assert requests.post(f"{secured.url}/job/gated/1/input/Again/proceedEmpty", auth=who("root"),
                         allow_redirects=False).status_code == 302   # Overall/Administer may always
    deadline = time.monotonic() + 20
    while (build := requests.get(f"{secured.url}/job/gated/1/api/json", auth=who("bob")).json())["building"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert build["result"] == "SUCCESS"
    log = requests.get(f"{secured.url}/job/gated/1/consoleText", auth=who("bob")).text
    assert "Approved by dave" in log and "Approved by root" in log


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/x", "//evil.example",
                                    "/\\evil.example", "http://evil.example/", "/ /evil.example", "/\x00x",
                                    "javascript:alert(1)", "evil.example"])
def test_login_goes_nowhere_but_this_server(secured, target):
    r = requests.post(f"{secured.url}/j_spring_security_check", allow_redirects=False,
                      data={"j_username": "bob", "j_password": USERS["bob"], "from": target})
    assert r.status_code == 302 and r.headers["Location"] in ("/", f"{secured.url}/"), r.headers.get("Location")
    page = requests.get(f"{secured.url}/login", params={"from": target})
    assert page.status_code == 200 and 'name="from" value="/"' in page.text


def test_login_keeps_a_path_on_this_server(secured):
    r = requests.post(f"{secured.url}/j_spring_security_check", allow_redirects=False,
                      data={"j_username": "bob", "j_password": USERS["bob"], "from": "/job/x/?a=b"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/job/x/?a=b")


def test_nodes_and_metrics_do_not_name_jobs_the_user_may_not_read(secured):
    create_as_root(secured, "secret-job", "pipeline { agent any\n stages { stage('S') { steps { sh 'sleep 2' } } } }")
    assert requests.post(f"{secured.url}/job/secret-job/build", auth=who("root")).status_code == 201
    deadline = time.monotonic() + 20
    while True:
        seen = requests.get(f"{secured.url}/computer/api/json", params={"depth": "2"}, auth=who("bob"))
        if "secret-job" in seen.text:
            break
        assert time.monotonic() < deadline, "the build did not start"
        time.sleep(0.05)
    hidden = requests.get(f"{secured.url}/computer/api/json", params={"depth": "2"}, auth=who("carol"))
    assert hidden.status_code == 200 and "secret-job" not in hidden.text
    assert hidden.json()["busyExecutors"] >= 1   # busy, but not saying with what
    assert "secret-job" in requests.get(f"{secured.url}/prometheus", auth=who("bob")).text
    metrics = requests.get(f"{secured.url}/prometheus", auth=who("carol"))
    assert metrics.status_code == 200 and "secret-job" not in metrics.text
    assert "orchestrator_builds_running" in metrics.text   # the totals still count it
    info = None
    while info is None or info["building"]:
        assert time.monotonic() < deadline + 20
        time.sleep(0.1)
        info = requests.get(f"{secured.url}/job/secret-job/1/api/json", auth=who("root")).json()
    assert 'jenkins_job="secret-job"' in requests.get(f"{secured.url}/prometheus", auth=who("bob")).text
    assert "secret-job" not in requests.get(f"{secured.url}/prometheus", auth=who("carol")).text


def test_casc_export_shows_job_scripts_to_administrators_only(tmp_path, monkeypatch):
    """Overall/SystemRead may export the configuration, but not every job's pipeline script."""
    from serverkit import Server
    monkeypatch.setenv("ROOT_PW", USERS["root"])
    monkeypatch.setenv("CAROL_PW", USERS["carol"])
    casc = tmp_path / "jenkins.yaml"
    casc.write_text("""
jenkins:
  securityRealm:
    local:
      users:
        - {id: root, password: "${ROOT_PW}"}
        - {id: carol, password: "${CAROL_PW}"}
  authorizationStrategy:
    globalMatrix:
      entries:
        - user: {name: root, permissions: [Overall/Administer]}
        - user: {name: carol, permissions: [Overall/Read, Overall/SystemRead]}
jobs:
  - script: |
      pipelineJob('private-deploy') {
        definition { cps { script('pipeline { agent any\\n stages { stage(\\'S\\') { steps { echo \\'internal-host-42\\' } } } }') } }
      }
""")
    srv = Server(tmp_path / "home", workers=1, extra=("--casc", str(casc))).start()
    try:
        full = requests.get(f"{srv.url}/configuration-as-code/export", auth=who("root"))
        assert full.status_code == 200 and "internal-host-42" in full.text and "private-deploy" in full.text
        partial = requests.get(f"{srv.url}/configuration-as-code/export", auth=who("carol"))
        assert partial.status_code == 200, partial.headers.get("X-Error")
        assert "private-deploy" not in partial.text and "internal-host-42" not in partial.text
        assert "Job definitions are left out" in partial.text and "carol" in partial.text
        page = requests.get(f"{srv.url}/manage/configuration-as-code/", auth=who("carol"))
        assert page.status_code == 200 and "internal-host-42" not in page.text
    finally:
        srv.stop()
