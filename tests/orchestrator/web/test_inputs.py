"""The `input` step under the server: pending inputs listed by wfapi, answered over HTTP (proceed,
abort), withdrawn when the build is stopped; and the stage graph JSON with branches and cells."""
from __future__ import annotations

import time

import requests

APPROVAL = """pipeline {
  agent any
  stages {
    stage('Ask') { steps { input message: 'Deploy to prod?', ok: 'Ship it', id: 'ship' } }
    stage('Deploy') { steps { echo 'deploying' } }
  }
}"""
STAGE_INPUT = """pipeline {
  agent any
  stages {
    stage('Gate') {
      input { message 'Release?' }
      steps { echo 'released' }
    }
  }
}"""
FAN_OUT = """pipeline {
  agent any
  stages {
    stage('Fan') {
      parallel {
        stage('Left') { steps { echo 'left' } }
        stage('Right') { stages { stage('R1') { steps { echo 'r1' } } } }
      }
    }
    stage('Cells') {
      matrix {
        axes { axis { name 'OS'; values 'linux', 'mac' } }
        stages { stage('Compile') { steps { echo "on ${OS}" } } }
      }
    }
  }
}"""


def trigger(server, job: str) -> int:
    r = requests.post(f"{server.url}/job/{job}/build", params={"delay": "0sec"})
    assert r.status_code == 201, r.headers.get("X-Error")
    item = r.headers["Location"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        executable = requests.get(item + "api/json").json().get("executable")
        if executable:
            return executable["number"]
        time.sleep(0.05)
    raise TimeoutError("build did not start")


def pending(server, job: str, number: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        actions = requests.get(f"{server.url}/job/{job}/{number}/wfapi/pendingInputActions").json()
        if actions:
            return actions
        time.sleep(0.05)
    raise TimeoutError("no pending input")


def test_input_proceeds_from_http_and_lists_like_jenkins(server):
    server.create("approve", APPROVAL, params=False)
    number = trigger(server, "approve")
    [action] = pending(server, "approve", number)
    assert action == {"id": "Ship", "proceedText": "Ship it", "message": "Deploy to prod?", "inputs": [],
                      "proceedUrl": f"/job/approve/{number}/wfapi/inputSubmit?inputId=Ship",
                      "abortUrl": f"/job/approve/{number}/input/Ship/abort",
                      "redirectApprovalUrl": f"/job/approve/{number}/input/"}
    # GET does not answer; an unknown id is a 404 and answers nothing
    assert requests.get(f"{server.url}/job/approve/{number}/input/Ship/proceedEmpty").status_code == 405
    wrong = requests.post(f"{server.url}/job/approve/{number}/input/Nope/proceedEmpty", allow_redirects=False)
    assert wrong.status_code == 404 and "Nope" in wrong.headers["X-Error"]
    # an unsecured server ignores credentials: the approver is anonymous (test_security checks a named one)
    r = requests.post(f"{server.url}/job/approve/{number}/input/Ship/proceedEmpty", auth=("alice", "x"),
                      allow_redirects=False)
    assert r.status_code == 302
    build = server.wait_build("approve", number)
    assert build["result"] == "SUCCESS"
    log = requests.get(f"{server.url}/job/approve/{number}/consoleText").text
    assert "Deploy to prod?\nShip it or Abort\nApproved by anonymous\n" in log and "deploying" in log
    assert requests.get(f"{server.url}/job/approve/{number}/wfapi/pendingInputActions").json() == []
    again = requests.post(f"{server.url}/job/approve/{number}/input/Ship/proceedEmpty", allow_redirects=False)
    assert again.status_code == 404


def test_stage_input_abort_aborts_the_build(server):
    server.create("gate", STAGE_INPUT, params=False)
    number = trigger(server, "gate")
    [action] = pending(server, "gate", number)
    assert action["message"] == "Release?" and action["id"][0].isupper() and len(action["id"]) == 32
    r = requests.post(server.url + action["abortUrl"], allow_redirects=False)
    assert r.status_code == 302
    build = server.wait_build("gate", number)
    assert build["result"] == "ABORTED"
    log = requests.get(f"{server.url}/job/gate/{number}/consoleText").text
    assert "Rejected by anonymous" in log and "released" not in log


def test_stopping_a_build_withdraws_its_input(server):
    server.create("stopped", APPROVAL, params=False)
    number = trigger(server, "stopped")
    pending(server, "stopped", number)
    assert requests.post(f"{server.url}/job/stopped/{number}/stop", allow_redirects=False).status_code == 302
    assert server.wait_build("stopped", number)["result"] == "ABORTED"
    assert requests.get(f"{server.url}/job/stopped/{number}/wfapi/pendingInputActions").json() == []
    late = requests.post(f"{server.url}/job/stopped/{number}/wfapi/inputSubmit", params={"inputId": "Ship"})
    assert late.status_code == 404


def test_stage_graph_has_branches_cells_and_nested_stages(server):
    server.create("fan", FAN_OUT, params=False)
    number = trigger(server, "fan")
    server.wait_build("fan", number)
    tree = requests.get(f"{server.url}/job/fan/{number}/pipeline-graph/tree").json()
    assert tree["status"] == "ok" and tree["data"]["complete"] is True

    def shape(nodes):
        return [(n["name"], n["type"], n["state"], shape(n["children"])) for n in nodes]

    assert shape(tree["data"]["stages"]) == [
        ("Fan", "STAGE", "success", [("Left", "PARALLEL", "success", []),
                                     ("Right", "PARALLEL", "success", [("R1", "STAGE", "success", [])])]),
        ("Cells", "STAGE", "success", [
            ("Matrix - OS = 'linux'", "PARALLEL", "success", [("Compile", "STAGE", "success", [])]),
            ("Matrix - OS = 'mac'", "PARALLEL", "success", [("Compile", "STAGE", "success", [])])])]
    assert all(isinstance(n["totalDurationMillis"], int) for n in tree["data"]["stages"])
