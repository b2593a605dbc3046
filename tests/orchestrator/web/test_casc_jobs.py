"""`orchestrator serve --casc`: JCasC folders and jobs are the jobs served; credentials reach builds."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import requests

from serverkit import Server

CASC = textwrap.dedent("""
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: deploy-token, secret: "${DEPLOY_TOKEN}"}
    jobs:
      - script: |
          folder('team') { description('the team') }
          pipelineJob('team/app') {
            description('from JCasC')
            parameters { stringParam('TARGET', 'staging', 'where to') }
            definition {
              cps {
                script('''
                  pipeline {
                    agent any
                    environment { TOKEN = credentials('deploy-token') }
                    stages { stage('Deploy') { steps { sh 'echo "deploying to $TARGET with $TOKEN"' } } }
                  }
                ''')
                sandbox()
              }
            }
          }
""")


def test_casc_jobs_are_served_and_builds_get_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", "t0p-s3cret-value")
    casc = tmp_path / "jenkins.yaml"
    casc.write_text(CASC)
    home = tmp_path / "home"
    srv = Server(home, extra=("--casc", str(casc))).start()
    try:
        folder = requests.get(f"{srv.url}/job/team/api/json").json()
        assert folder["_class"].endswith("Folder") and [j["name"] for j in folder["jobs"]] == ["app"]
        job = requests.get(f"{srv.url}/job/team/job/app/api/json").json()
        assert job["description"] == "from JCasC"
        trigger = requests.post(f"{srv.url}/job/team/job/app/buildWithParameters", params={"TARGET": "prod"})
        assert trigger.status_code == 201
        deadline = time.monotonic() + 30
        while True:
            r = requests.get(f"{srv.url}/job/team/job/app/1/api/json")
            if r.status_code == 200 and not r.json()["building"]:
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert r.json()["result"] == "SUCCESS"
        console = requests.get(f"{srv.url}/job/team/job/app/1/consoleText").text
        assert "deploying to prod with ****" in console and "t0p-s3cret-value" not in console
    finally:
        srv.stop()


def test_invalid_casc_refuses_to_start(tmp_path):
    casc = tmp_path / "jenkins.yaml"
    casc.write_text("jenkins:\n  numExecutorz: 3\n")
    done = subprocess.run([sys.executable, "-m", "orchestrator.server", "--home", str(tmp_path / "home"), "--port",
                           "0", "--casc", str(casc)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "numExecutorz" in done.stderr and "jenkins.yaml:2" in done.stderr
