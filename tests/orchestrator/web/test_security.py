"""Security through a real server started with JCasC security: users, tokens, sessions, crumbs,
matrix permissions, remote trigger tokens, secrets kept out of every output, path traversal."""
from __future__ import annotations

import http.client
import os
import stat
import subprocess
import sys
import textwrap
import time

import pytest
import requests

from serverkit import HELLO, Server, config_xml

PASSWORDS = {"alice": "alice-Pa55-word", "bob": "bob-Pa55-word", "carol": "carol-Pa55-word"}
DEPLOY_SECRET = "d3ploy-S3CRET-value"
REMOTE_TOKEN = "remote-trigger-T0KEN"
CASC = textwrap.dedent("""
    jenkins:
      numExecutors: 4
      securityRealm:
        local:
          allowsSignup: false
          users:
            - id: alice
              name: Alice Admin
              password: ${ALICE_PASSWORD}
            - id: bob
              password: ${BOB_PASSWORD}
            - id: carol
              password: ${CAROL_PASSWORD}
      authorizationStrategy:
        globalMatrix:
          entries:
            - user: {name: alice, permissions: [Overall/Administer]}
            - user: {name: bob, permissions: [Job/Build]}
            - group: {name: authenticated, permissions: [Overall/Read, Job/Read]}
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: deploy, secret: "${DEPLOY_SECRET}"}
    jobs:
      - script: |
          pipelineJob('app') {
            authenticationToken('${REMOTE_TOKEN}')
            definition {
              cps {
                script('''
                  pipeline {
                    agent any
                    environment { TOKEN = credentials('deploy') }
                    stages {
                      stage('Deploy') { steps { sh 'echo "deploying with $TOKEN"'; sh 'mkdir -p out && echo bin > out/app.bin'
                                                archiveArtifacts 'out/*' } }
                    }
                  }
                ''')
              }
            }
          }
""")


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secured")
    (folder / "jenkins.yaml").write_text(CASC)
    env = {"ALICE_PASSWORD": PASSWORDS["alice"], "BOB_PASSWORD": PASSWORDS["bob"],
           "CAROL_PASSWORD": PASSWORDS["carol"], "DEPLOY_SECRET": DEPLOY_SECRET, "REMOTE_TOKEN": REMOTE_TOKEN}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        srv = Server(folder / "home", workers=2, extra=("--casc", str(folder / "jenkins.yaml"))).start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield srv
    srv.stop()


def auth(user: str) -> tuple[str, str]:
    return user, PASSWORDS[user]


def login(srv: Server, user: str, password: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{srv.url}/j_spring_security_check", data={"j_username": user, "j_password": password,
                                                             "from": "/api/json"})
    assert r.status_code == 200 and r.url.endswith("/api/json"), (r.status_code, r.url)
    return s


def wait_build(srv: Server, job: str, number: int, who=("alice", PASSWORDS["alice"])) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = requests.get(f"{srv.url}/job/{job}/{number}/api/json", auth=who)
        if r.status_code == 200 and not r.json()["building"]:
            return r.json()
        time.sleep(0.1)
    raise TimeoutError(f"{job} #{number}")


def test_anonymous_is_denied_and_browsers_are_sent_to_login(secured):
    r = requests.get(f"{secured.url}/api/json")
    assert r.status_code == 403 and "Authentication required" in r.text and r.headers["X-Error"]
    assert requests.get(f"{secured.url}/job/app/api/json").status_code == 403
    assert requests.post(f"{secured.url}/job/app/build").status_code == 403
    browser = requests.get(f"{secured.url}/job/app/", headers={"Accept": "text/html"}, allow_redirects=False)
    assert browser.status_code == 302 and browser.headers["Location"].endswith("/login?from=/job/app/")
    assert requests.get(f"{secured.url}/healthz").status_code == 200
    page = requests.get(f"{secured.url}/login")
    assert page.status_code == 200 and 'name="j_username"' in page.text and 'name="j_password"' in page.text
    who = requests.get(f"{secured.url}/whoAmI/api/json").json()
    assert who["anonymous"] and who["name"] == "anonymous"
    root = requests.get(f"{secured.url}/api/json", auth=auth("carol")).json()
    assert root["useSecurity"] is True and root["useCrumbs"] is True


def test_wrong_password_or_token_is_401_without_a_browser_challenge(secured):
    for user, secret in (("alice", "wrong"), ("nobody", "x"), ("alice", "11" + "0" * 32), ("alice", "")):
        r = requests.get(f"{secured.url}/api/json", auth=(user, secret))
        assert r.status_code == 401, user
        assert f"Invalid password/token for user: {user}" in r.text
        assert "WWW-Authenticate" not in r.headers
    assert requests.get(f"{secured.url}/api/json", auth=auth("alice")).status_code == 200


def test_a_user_without_job_build_cannot_trigger_and_one_with_it_can(secured):
    r = requests.post(f"{secured.url}/job/app/build", auth=auth("carol"))
    assert r.status_code == 403 and "carol is missing the Job/Build permission" in r.text
    assert requests.post(f"{secured.url}/job/app/doDelete", auth=auth("bob")).status_code == 403
    assert requests.post(f"{secured.url}/createItem", params={"name": "x"}, auth=auth("bob"),
                         data=config_xml(HELLO), headers={"Content-Type": "text/xml"}).status_code == 403
    r = requests.post(f"{secured.url}/job/app/build", auth=auth("bob"))   # basic auth: no crumb needed
    assert r.status_code == 201
    item = requests.get(r.headers["Location"] + "api/json", auth=auth("bob")).json()
    assert item["actions"][0]["causes"][0]["shortDescription"] == "Started by user bob"


def test_cookie_session_posts_need_a_crumb(secured):
    s = login(secured, "bob", PASSWORDS["bob"])
    assert s.get(f"{secured.url}/whoAmI/api/json").json()["name"] == "bob"
    r = s.post(f"{secured.url}/job/app/build")
    assert r.status_code == 403 and "No valid crumb was included in the request" in r.text
    crumb = s.get(f"{secured.url}/crumbIssuer/api/json").json()
    assert crumb["crumbRequestField"] == "Jenkins-Crumb"
    xml = s.get(f"{secured.url}/crumbIssuer/api/xml").text
    assert f"<crumb>{crumb['crumb']}</crumb>" in xml
    one_liner = s.get(f"{secured.url}/crumbIssuer/api/xml",
                      params={"xpath": 'concat(//crumbRequestField,":",//crumb)'}).text
    assert one_liner == f"Jenkins-Crumb:{crumb['crumb']}"
    assert s.post(f"{secured.url}/job/app/build", headers={"Jenkins-Crumb": "0" * 64}).status_code == 403
    assert s.post(f"{secured.url}/job/app/build", headers={"Jenkins-Crumb": crumb["crumb"]}).status_code == 201
    assert s.post(f"{secured.url}/job/app/build", data={"Jenkins-Crumb": crumb["crumb"]}).status_code == 201
    other = login(secured, "bob", PASSWORDS["bob"])     # a crumb is bound to its session
    assert other.post(f"{secured.url}/job/app/build", headers={"Jenkins-Crumb": crumb["crumb"]}).status_code == 403
    s.get(f"{secured.url}/logout")
    assert s.get(f"{secured.url}/whoAmI/api/json").json()["name"] == "anonymous"


def test_login_failure_and_no_open_redirect(secured):
    s = requests.Session()
    r = s.post(f"{secured.url}/j_spring_security_check", data={"j_username": "bob", "j_password": "nope"})
    assert r.status_code == 401 and "Invalid username or password" in r.text
    r = s.post(f"{secured.url}/j_spring_security_check", allow_redirects=False,
               data={"j_username": "bob", "j_password": PASSWORDS["bob"], "from": "//evil.example.com/x"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    tampered = requests.Session()
    tampered.cookies.set("JSESSIONID.orchestrator", s.cookies.get("JSESSIONID.orchestrator")[:-3] + "abc")
    assert tampered.get(f"{secured.url}/whoAmI/api/json").json()["name"] == "anonymous"


def test_api_tokens_through_rest_and_cli_work_and_are_revocable(secured):
    from api4jenkins import Jenkins
    client = Jenkins(secured.url + "/", auth=auth("bob"))
    token = client.user.generate_token("ci")
    assert token.name == "ci" and token.value.startswith("11") and len(token.value) == 34
    assert requests.get(f"{secured.url}/whoAmI/api/json", auth=("bob", token.value)).json()["name"] == "bob"
    # another user's tokens: only an administrator
    r = requests.post(f"{secured.url}/user/alice/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
                      auth=auth("bob"), data={"newTokenName": "steal"})
    assert r.status_code == 403
    cli = subprocess.run([sys.executable, "-m", "orchestrator.cli", "token", "create", "carol", "cli-token",
                          "--home", str(secured.home)], capture_output=True, text=True, check=True)
    carol_token = cli.stdout.strip()
    assert requests.get(f"{secured.url}/me/api/json", auth=("carol", carol_token)).json()["id"] == "carol"
    client.user.revoke_token(token.uuid)
    assert requests.get(f"{secured.url}/api/json", auth=("bob", token.value)).status_code == 401
    listed = subprocess.run([sys.executable, "-m", "orchestrator.cli", "token", "list", "carol", "--home",
                             str(secured.home)], capture_output=True, text=True, check=True).stdout
    assert "cli-token" in listed and carol_token not in listed


def test_real_clients_with_username_and_token(secured):
    import jenkins
    from jenkinsapi.jenkins import Jenkins as JenkinsApi
    r = requests.post(f"{secured.url}/user/alice/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
                      auth=auth("alice"), data={"newTokenName": "clients"})
    assert r.status_code == 200 and r.json()["status"] == "ok"
    token = r.json()["data"]["tokenValue"]
    j = jenkins.Jenkins(secured.url, username="alice", password=token)
    assert j.get_whoami()["id"] == "alice"
    j.create_job("pj-secure", config_xml(HELLO))
    queue_id = j.build_job("pj-secure", {"ENV": "prod"})
    deadline = time.monotonic() + 30
    while not (item := j.get_queue_item(queue_id)).get("executable"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert wait_build(secured, "pj-secure", item["executable"]["number"])["result"] == "SUCCESS"
    jk = JenkinsApi(secured.url, username="alice", password=token, timeout=10)
    build = jk.get_job("pj-secure").invoke(build_params={"ENV": "qa"}).block_until_building(delay=0.1)
    assert wait_build(secured, "pj-secure", build.get_number())["result"] == "SUCCESS"
    with pytest.raises(jenkins.JenkinsException):
        jenkins.Jenkins(secured.url, username="alice", password="wrong").get_whoami()


def test_job_remote_trigger_token(secured):
    r = requests.post(f"{secured.url}/job/app/build", params={"token": REMOTE_TOKEN})
    assert r.status_code == 201
    assert requests.get(f"{secured.url}/job/app/build", params={"token": REMOTE_TOKEN}).status_code == 201
    assert requests.post(f"{secured.url}/job/app/build", params={"token": "wrong"}).status_code == 403
    assert requests.get(f"{secured.url}/job/app/api/json", params={"token": REMOTE_TOKEN}).status_code == 403
    item = requests.get(r.headers["Location"] + "api/json", auth=auth("carol")).json()
    assert item["actions"][0]["causes"][0]["shortDescription"].startswith("Started by remote host")


def test_secrets_stay_out_of_console_api_export_errors_and_store(secured):
    r = requests.post(f"{secured.url}/job/app/build", auth=auth("alice"))
    deadline = time.monotonic() + 30
    while not (item := requests.get(r.headers["Location"] + "api/json", auth=auth("alice")).json()).get("executable"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    number = item["executable"]["number"]
    assert wait_build(secured, "app", number)["result"] == "SUCCESS"
    console = requests.get(f"{secured.url}/job/app/{number}/consoleText", auth=auth("alice")).text
    assert "deploying with ****" in console and DEPLOY_SECRET not in console
    outputs = [console]
    for path in ("/api/json?depth=3", "/job/app/api/json?depth=2", "/job/app/lastBuild/api/json?depth=2",
                 "/job/app/config.xml", "/configuration-as-code/export", "/asynchPeople/api/json",
                 "/user/alice/api/json", "/job/nope/api/json", "/configuration-as-code/schema"):
        outputs.append(requests.get(secured.url + path, auth=auth("alice")).text)
    outputs.append(requests.post(secured.url + "/configuration-as-code/export", auth=auth("alice")).text)
    export = outputs[-1]
    assert "${" in export and "password" in export
    secrets_ = [DEPLOY_SECRET, REMOTE_TOKEN, *PASSWORDS.values()]
    for text in outputs:
        assert not any(s in text for s in secrets_), text[:300]
    stored = b"".join(p.read_bytes() for p in secured.home.glob("orchestrator.db*"))
    assert not any(s.encode() in stored for s in secrets_)
    requests.post(f"{secured.url}/job/app/build", params={"token": REMOTE_TOKEN})
    log = (secured.home.parent / f"serve-{secured.port}.log").read_text()     # access log and scheduler log
    assert "POST /job/app/build HTTP/1.1" in log and not any(s in log for s in secrets_)
    assert b"scrypt$" in stored
    assert stat.S_IMODE((secured.home / "secrets").stat().st_mode) == 0o700


@pytest.mark.parametrize("path", [
    "/job/app/1/artifact/../../../../../../etc/passwd",
    "/job/app/1/artifact/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/job/app/1/artifact/out/..%2f..%2f..%2flog",
    "/job/app/1/artifact/..%2flog",
    "/job/..%2f..%2fetc/api/json",
    "/job/app/1/artifact/%2fetc%2fpasswd",
    "/job/app/1/artifact/out/%00",
])
def test_path_traversal_is_refused(secured, path):
    import base64
    conn = http.client.HTTPConnection("127.0.0.1", secured.port, timeout=10)
    token = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
    conn.request("GET", path, headers={"Authorization": f"Basic {token}"})   # sent as is, not normalised
    response = conn.getresponse()
    body = response.read()
    assert response.status in (400, 404), (path, response.status)
    assert b"root:" not in body and b"Started by" not in body


def test_initial_admin_password_on_a_secured_default_start(tmp_path):
    home = tmp_path / "home"
    srv = Server(home, workers=1, extra=("--setup-admin",)).start()
    try:
        secret_file = home / "secrets" / "initialAdminPassword"
        password = secret_file.read_text().strip()
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600 and len(password) == 32
        assert str(secret_file) in (home.parent / f"serve-{srv.port}.log").read_text()
        assert requests.get(f"{srv.url}/api/json").status_code == 403
        assert requests.get(f"{srv.url}/api/json", auth=("admin", password)).status_code == 200
        assert requests.post(f"{srv.url}/createItem", params={"name": "x"}, data=config_xml(HELLO),
                             headers={"Content-Type": "text/xml"}).status_code == 403   # anonymous POST
        stored = b"".join(p.read_bytes() for p in home.glob("orchestrator.db*"))
        assert password.encode() not in stored
    finally:
        srv.stop()
    srv = Server(home, workers=1, extra=("--setup-admin",)).start()   # a second start keeps the admin
    try:
        assert requests.get(f"{srv.url}/api/json", auth=("admin", password)).status_code == 200
    finally:
        srv.stop()


def test_a_configuration_this_process_cannot_load_fails_closed(tmp_path, monkeypatch):
    """The applier resolved ${X}; a process whose environment lacks it (strict resolution) cannot load
    that generation: it must deny everything rather than fall back to the unsecured default."""
    from orchestrator.live_config import apply_sources
    from orchestrator.store import Store
    from orchestrator.web import create_app
    (tmp_path / "jenkins.yaml").write_text("jenkins:\n  systemMessage: '${X}'\n  authorizationStrategy: unsecured\n")
    monkeypatch.setenv("CASC_STRICT_SECRET_RESOLUTION", "true")
    monkeypatch.setenv("X", "resolved")
    apply_sources(Store(tmp_path / "home"), str(tmp_path / "jenkins.yaml"))
    monkeypatch.delenv("X")
    client = create_app({"HOME": str(tmp_path / "home"), "SECURITY_DEFAULT": "unsecured"}).test_client()
    assert client.get("/api/json").status_code == 403
    assert client.post("/createItem?name=x").status_code == 403
    assert client.get("/healthz").status_code == 200


def test_input_approval_needs_job_build_and_names_the_approver(secured):
    from xml.sax.saxutils import escape
    script = ("pipeline { agent any\n stages { stage('Ask') { steps { input message: 'Go?', id: 'go' } } } }")
    xml = (f'<flow-definition><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition">'
           f"<script>{escape(script)}</script></definition></flow-definition>")
    r = requests.post(f"{secured.url}/createItem", params={"name": "gate"}, data=xml, auth=auth("alice"),
                      headers={"Content-Type": "application/xml"})
    assert r.status_code == 200, r.headers.get("X-Error")
    r = requests.post(f"{secured.url}/job/gate/build", params={"delay": "0sec"}, auth=auth("alice"))
    assert r.status_code == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = requests.get(f"{secured.url}/job/gate/1/wfapi/pendingInputActions", auth=auth("alice"))
        if waiting.status_code == 200 and waiting.json():
            break
        time.sleep(0.1)
    assert waiting.json()[0]["id"] == "Go"
    denied = requests.post(f"{secured.url}/job/gate/1/input/Go/proceedEmpty", auth=auth("carol"),
                           allow_redirects=False)
    assert denied.status_code == 403 and "carol is missing the Job/Build permission" in denied.headers["X-Error"]
    ok = requests.post(f"{secured.url}/job/gate/1/input/Go/proceedEmpty", auth=auth("bob"), allow_redirects=False)
    assert ok.status_code == 302
    assert wait_build(secured, "gate", 1)["result"] == "SUCCESS"
    log = requests.get(f"{secured.url}/job/gate/1/consoleText", auth=auth("alice")).text
    assert "Approved by bob" in log
