"""A real `orchestrator serve` (gunicorn + scheduler) on 127.0.0.1 with a free port and a temp home."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

PIPELINE_XML = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job">
  <actions/><description>{description}</description><keepDependencies>false</keepDependencies>
  <properties>{properties}</properties>
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps"><script>{script}</script><sandbox>true</sandbox></definition>
  <triggers/><disabled>false</disabled>
</flow-definition>
"""
ENV_PARAM = ("<hudson.model.ParametersDefinitionProperty><parameterDefinitions>"
             "<hudson.model.StringParameterDefinition><name>ENV</name><defaultValue>dev</defaultValue>"
             "</hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty>")
HELLO = """pipeline {
  agent any
  stages {
    stage('Build') { steps { echo "deploying to ${params.ENV}" } }
    stage('Test') { steps { sh 'echo testing' } }
  }
}"""
SLEEPY = """pipeline {
  agent any
  stages {
    stage('Wait') { steps { echo 'sleeping'; sh 'sleep 60' } }
  }
  post { aborted { echo 'post ran after abort' } }
}"""


def config_xml(script: str, params: bool = True, description: str = "") -> str:
    from xml.sax.saxutils import escape
    return PIPELINE_XML.format(script=escape(script), properties=ENV_PARAM if params else "",
                               description=escape(description))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path, workers: int = 2, executors: int = 4, extra: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = dict(env or {})     # added to the server's environment (e.g. JCasC ${VARIABLES})
        self.extra = list(extra)
        self.workers = workers
        self.executors = executors
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Server":
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.log = open(self.home.parent / f"serve-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.server", "--home", str(self.home), "--port", str(self.port),
             "--workers", str(self.workers), "--executors", str(self.executors), "--quiet-period", "0"]
            + self.extra,
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 40   # generous: other test runs may share the machine
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:   # not listening yet, or too busy to answer in time
                pass
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"serve exited {self.proc.returncode}: "
                                   + (self.home.parent / f"serve-{self.port}.log").read_text()[-2000:])
            time.sleep(0.1)
        self.kill9()   # leave no orphan server behind a failed start
        self.log.close()
        raise RuntimeError("serve did not come up")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def kill9(self) -> None:
        """SIGKILL the whole controller (serve, gunicorn, scheduler) as `kill -9` would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    # helpers
    def create(self, name: str, script: str = HELLO, params: bool = True, folder: str = "") -> None:
        prefix = "".join(f"/job/{f}" for f in folder.split("/") if f)
        r = requests.post(f"{self.url}{prefix}/createItem", params={"name": name},
                          data=config_xml(script, params), headers={"Content-Type": "text/xml"})
        assert r.status_code == 200, r.headers.get("X-Error")

    def wait_build(self, job: str, number: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = requests.get(f"{self.url}/job/{job}/{number}/api/json")
            if r.status_code == 200 and not r.json()["building"]:
                return r.json()
            time.sleep(0.05)
        raise TimeoutError(f"{job} #{number} did not finish")
