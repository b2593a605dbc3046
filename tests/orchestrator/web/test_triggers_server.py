"""Triggers through a real server: an upstream build starts its downstream job, whose JSON shows
Jenkins' UpstreamCause; a config.xml with a bad cron spec is refused and stores nothing."""
from __future__ import annotations

import time

import requests

from serverkit import PIPELINE_XML

DOWN = """pipeline { agent any
  triggers { upstream(upstreamProjects: 'up', threshold: hudson.model.Result.SUCCESS) }
  stages { stage('S') { steps { echo 'downstream' } } } }"""


def wait_for(server, job: str, number: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(f"{server.url}/job/{job}/{number}/api/json").status_code == 200:
            return server.wait_build(job, number)
        time.sleep(0.1)
    raise TimeoutError(f"{job} #{number} was never started")


def test_upstream_build_starts_the_downstream_with_its_cause(server):
    server.create("up", params=True)
    server.create("down", DOWN, params=False)
    assert requests.post(f"{server.url}/job/up/build").status_code == 201
    assert server.wait_build("up", 1)["result"] == "SUCCESS"
    build = wait_for(server, "down", 1)
    assert build["result"] == "SUCCESS"
    causes = next(a["causes"] for a in build["actions"] if a.get("_class") == "hudson.model.CauseAction")
    assert causes == [{"_class": "hudson.model.Cause$UpstreamCause",
                       "shortDescription": 'Started by upstream project "up" build number 1',
                       "upstreamBuild": 1, "upstreamProject": "up", "upstreamUrl": "job/up/"}]
    log = requests.get(f"{server.url}/job/down/1/consoleText").text
    assert log.startswith('Started by upstream project "up" build number 1\n')


def test_config_xml_with_a_bad_cron_spec_is_refused(server):
    triggers = ("<org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty><triggers>"
                "<hudson.triggers.TimerTrigger><spec>5-1 * * * *</spec></hudson.triggers.TimerTrigger>"
                "</triggers></org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>")
    xml = PIPELINE_XML.format(script="pipeline { agent any\n stages { stage('S') { steps { echo 'x' } } } }",
                              properties=triggers, description="")
    r = requests.post(f"{server.url}/createItem", params={"name": "timed"}, data=xml,
                      headers={"Content-Type": "text/xml"})
    assert r.status_code == 400
    assert 'Invalid input: "5-1 * * * *": line 1:0: You mean 1-5?' in r.headers["X-Error"]
    assert requests.get(f"{server.url}/job/timed/api/json").status_code == 404
