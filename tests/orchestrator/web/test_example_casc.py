"""The README's example: `orchestrator serve --casc examples/jenkins.yaml` serves its job, which runs to an
input that the admin approves, with the credential masked in the log."""
from __future__ import annotations

import time
from pathlib import Path

import requests
from serverkit import Server

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "jenkins.yaml"
ADMIN = ("admin", "Example-Adm1n")


def test_the_example_configuration_serves_a_job_that_runs_to_its_approval(tmp_path):
    srv = Server(tmp_path / "home", workers=1, extra=("--casc", str(EXAMPLE)),
                 env={"ADMIN_PASSWORD": ADMIN[1], "GREETING_TOKEN": "s3cret-greeting"}).start()
    try:
        job = requests.get(f"{srv.url}/job/examples/job/hello/api/json").json()   # anonymous read
        assert job["description"].startswith("Parameters, stages in parallel")
        anonymous = requests.post(f"{srv.url}/job/examples/job/hello/buildWithParameters", params={"WHO": "x"})
        assert anonymous.status_code == 403
        r = requests.post(f"{srv.url}/job/examples/job/hello/buildWithParameters",
                          params={"WHO": "README", "delay": "0sec"}, auth=ADMIN)
        assert r.status_code == 201, r.headers.get("X-Error")
        deadline = time.monotonic() + 30
        pending: list = []
        while time.monotonic() < deadline and not pending:
            answer = requests.get(f"{srv.url}/job/examples/job/hello/1/wfapi/pendingInputActions")
            pending = answer.json() if answer.status_code == 200 else []
            time.sleep(0.1)
        assert pending and pending[0]["message"] == "Ship it?"
        ok = requests.post(f"{srv.url}/job/examples/job/hello/1/input/{pending[0]['id']}/proceedEmpty", auth=ADMIN,
                           allow_redirects=False)
        assert ok.status_code == 302
        assert srv.wait_build("examples/job/hello", 1)["result"] == "SUCCESS"
        log = requests.get(f"{srv.url}/job/examples/job/hello/1/consoleText").text
        assert "Hello, README!" in log and "Bonjour, README !" in log and "Approved by admin" in log
        assert "the token is **** (masked in the log)" in log and "s3cret-greeting" not in log
    finally:
        srv.stop()
