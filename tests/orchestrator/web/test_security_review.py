"""Fixes from the security review, each through a real server: password parameters never leave the
server in clear (API, queue, console) and the database is owner-only."""
from __future__ import annotations

import os
import stat
import time

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


def test_the_database_files_are_owner_only(server):
    deadline = time.monotonic() + 5
    while not os.path.exists(server.home / "orchestrator.db-wal") and time.monotonic() < deadline:
        time.sleep(0.05)
    for suffix in ("", "-wal", "-shm"):
        path = server.home / f"orchestrator.db{suffix}"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, (path, oct(os.stat(path).st_mode))
