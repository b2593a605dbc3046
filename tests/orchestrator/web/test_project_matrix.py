"""projectMatrix: a job's own AuthorizationMatrixProperty (config.xml) adds grants on that job and,
from a folder, on the jobs inside it; `serve --watch` takes up an edited file."""
from __future__ import annotations

import os
import time

import pytest
import requests

from orchestrator.jobs import JobConfigError, parse_config
from serverkit import HELLO, Server, config_xml

ADMIN = ("root", "root-Pa55")
BOB = ("bob", "bob-Pa55")
CASC = """
jenkins:
  securityRealm:
    local:
      users:
        - {id: root, password: "${ROOT_PASSWORD}"}
        - {id: bob, password: "${BOB_PASSWORD}"}
  authorizationStrategy:
    projectMatrix:
      entries:
        - user: {name: root, permissions: [Overall/Administer]}
        - group: {name: authenticated, permissions: [Overall/Read, Job/Read]}
  systemMessage: "%s"
"""
MATRIX = ("<hudson.security.AuthorizationMatrixProperty>"
          "<permission>USER:hudson.model.Item.Build:bob</permission>"
          "<permission>hudson.model.Item.Configure:bob</permission>"
          "<permission>USER:org.example.Plugin.Thing:bob</permission>"
          "</hudson.security.AuthorizationMatrixProperty>")


def test_matrix_property_is_read_from_config_xml():
    props = parse_config(config_xml(HELLO, params=False).replace("<properties>", "<properties>" + MATRIX))["props"]
    assert props["grants"] == [{"permission": "Job/Build", "sid": "bob", "type": "USER"},
                               {"permission": "Job/Configure", "sid": "bob", "type": "EITHER"}]
    with pytest.raises(JobConfigError, match="Invalid matrix permission entry"):
        parse_config(config_xml(HELLO).replace("<properties>", "<properties><hudson.security."
                     "AuthorizationMatrixProperty><permission>nonsense</permission>"
                     "</hudson.security.AuthorizationMatrixProperty>"))


@pytest.fixture
def project_matrix(tmp_path, monkeypatch):
    monkeypatch.setenv("ROOT_PASSWORD", ADMIN[1])
    monkeypatch.setenv("BOB_PASSWORD", BOB[1])
    path = tmp_path / "jenkins.yaml"
    path.write_text(CASC % "first")
    srv = Server(tmp_path / "home", workers=1, extra=("--casc", str(path), "--watch")).start()
    srv.casc_path = path
    yield srv
    srv.stop()


def create(srv: Server, name: str, xml: str) -> None:
    r = requests.post(f"{srv.url}/createItem", params={"name": name}, data=xml, auth=ADMIN,
                      headers={"Content-Type": "text/xml"})
    assert r.status_code == 200, r.text


def test_job_grants_apply_to_that_job_only_and_watch_reloads(project_matrix):
    srv = project_matrix
    create(srv, "granted", config_xml(HELLO, params=False).replace("<properties>", "<properties>" + MATRIX))
    create(srv, "other", config_xml(HELLO, params=False))
    assert requests.post(f"{srv.url}/job/granted/build", auth=BOB).status_code == 201
    denied = requests.post(f"{srv.url}/job/other/build", auth=BOB)
    assert denied.status_code == 403 and "bob is missing the Job/Build permission" in denied.text
    assert requests.get(f"{srv.url}/job/granted/config.xml", auth=BOB).status_code == 200   # Configure > ExtendedRead
    assert requests.get(f"{srv.url}/job/other/config.xml", auth=BOB).status_code == 403
    # --watch: an edited file is applied without a reload request
    assert "first" in requests.get(f"{srv.url}/configuration-as-code/export", auth=ADMIN).text
    srv.casc_path.write_text(CASC % "second")
    os.utime(srv.casc_path, (time.time() + 5, time.time() + 5))
    deadline = time.monotonic() + 15
    while "second" not in requests.get(f"{srv.url}/configuration-as-code/export", auth=ADMIN).text:
        assert time.monotonic() < deadline, "serve --watch did not reload the edited file"
        time.sleep(0.2)
