"""The HTML pages over real HTTP: what each shows, that everything from the store is escaped, the
headers that keep a stray `<script>` inert, folders, 404s, and the JCasC page with secrets redacted."""
from __future__ import annotations

import textwrap
import time

import markupsafe
import requests

from serverkit import Server

EVIL = '<script>alert("x")</script>'
FOLDER_MODE = "com.cloudbees.hudson.plugins.folder.Folder"


def escaped(text: str) -> str:
    return str(markupsafe.escape(text))   # as Jinja's autoescape writes it


def wait_done(server, job: str, number: int) -> None:
    path = "/job/" + "/job/".join(job.split("/"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = requests.get(f"{server.url}{path}/{number}/api/json")
        if r.status_code == 200 and not r.json()["building"]:
            return
        time.sleep(0.05)
    raise TimeoutError(job)


def test_dashboard_folder_job_and_build_pages(server):
    from serverkit import config_xml
    assert requests.post(f"{server.url}/createItem", params={"name": "squad", "mode": FOLDER_MODE}).status_code == 200
    r = requests.post(f"{server.url}/job/squad/createItem", params={"name": "svc"},
                      data=config_xml("pipeline { agent any\n stages { stage('Only') { steps { echo 'hi' } } } }",
                                      params=False, description=EVIL),
                      headers={"Content-Type": "text/xml"})
    assert r.status_code == 200
    assert requests.post(f"{server.url}/job/squad/job/svc/build", params={"delay": "0sec"}).status_code == 201
    deadline = time.monotonic() + 20
    while requests.get(f"{server.url}/job/squad/job/svc/1/api/json").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    wait_done(server, "squad/svc", 1)

    dashboard = requests.get(server.url + "/")
    assert dashboard.status_code == 200 and dashboard.headers["Content-Type"].startswith("text/html")
    assert dashboard.headers["X-Jenkins"]                   # clients probing the root still see Jenkins
    assert "script-src 'self'" in dashboard.headers["Content-Security-Policy"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in dashboard.text
    assert 'href="/job/squad/"' in dashboard.text and ">folder<" in dashboard.text
    assert 'href="/login"' in dashboard.text                 # anonymous: a log-in link

    folder = requests.get(f"{server.url}/job/squad/").text
    assert 'href="/job/squad/job/svc/"' in folder and 'class="ball blue"' in folder and "#1" in folder

    job = requests.get(f"{server.url}/job/squad/job/svc/").text
    assert escaped(EVIL) in job and EVIL not in job      # the description is text
    assert 'action="/job/squad/job/svc/build?delay=0sec"' in job and "Build Now" in job
    assert 'href="/job/squad/job/svc/1/"' in job

    build = requests.get(f"{server.url}/job/squad/job/svc/1/")
    assert build.status_code == 200
    assert 'data-build-url="/job/squad/job/svc/1/"' in build.text and 'data-running="false"' in build.text
    assert "SUCCESS" in build.text and "Started by user anonymous" in build.text


def test_pages_escape_parameter_values_and_mask_passwords(server):
    server.create("params", """pipeline {
      agent any
      parameters { string(name: 'WHO', defaultValue: 'x'); password(name: 'PASS', defaultValue: 'hunter2') }
      stages { stage('S') { steps { echo 'ok' } } }
    }""", params=False)
    job = requests.get(f"{server.url}/job/params/").text
    assert "Build with Parameters" in job and 'action="/job/params/buildWithParameters?delay=0sec"' in job
    assert "hunter2" not in job and 'type="password"' in job
    r = requests.post(f"{server.url}/job/params/buildWithParameters",
                      params={"delay": "0sec", "WHO": EVIL, "PASS": "s3cret"})
    assert r.status_code == 201
    deadline = time.monotonic() + 20
    while requests.get(f"{server.url}/job/params/1/api/json").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    build = requests.get(f"{server.url}/job/params/1/").text
    assert escaped(EVIL) in build and EVIL not in build
    assert "s3cret" not in build and "****" in build


def test_missing_items_are_clear_404s(server):
    r = requests.get(f"{server.url}/job/nope/")
    assert r.status_code == 404 and "nope" in r.headers["X-Error"]
    server.create("lonely")
    r = requests.get(f"{server.url}/job/lonely/9/")
    assert r.status_code == 404 and "#9" in r.headers["X-Error"]


def test_static_files_are_served(server):
    css = requests.get(f"{server.url}/static/orchestrator.css")
    js = requests.get(f"{server.url}/static/app.js")
    assert css.status_code == 200 and "@media" in css.text
    assert js.status_code == 200 and "progressiveText" in js.text


CASC = textwrap.dedent("""
    jenkins:
      systemMessage: "hello from JCasC"
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: deploy-token, secret: "${DEPLOY_TOKEN}"}
""")


def test_configuration_page_shows_the_jcasc_with_secrets_redacted(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", "t0p-s3cret-value")
    casc = tmp_path / "jenkins.yaml"
    casc.write_text(CASC)
    srv = Server(tmp_path / "home", workers=1, extra=("--casc", str(casc))).start()
    try:
        page = requests.get(f"{srv.url}/manage/configuration-as-code/")
        assert page.status_code == 200
        assert "hello from JCasC" in page.text and "deploy-token" in page.text
        assert "t0p-s3cret-value" not in page.text and "${" in page.text
        assert str(casc) in page.text and 'action="/configuration-as-code/reload"' in page.text
        # the file on disk turned bad: the page says where, and still renders
        casc.write_text("jenkins:\n  numExecutorz: 3\n")
        broken = requests.get(f"{srv.url}/manage/configuration-as-code/")
        assert broken.status_code == 200 and 'id="casc-error"' in broken.text
        assert "numExecutorz" in broken.text and "jenkins.yaml" in broken.text
    finally:
        srv.stop()
