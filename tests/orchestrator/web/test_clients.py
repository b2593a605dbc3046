"""Real clients, unchanged, against a real `orchestrator serve`: python-jenkins, jenkinsapi, api4jenkins, curl."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests

from serverkit import HELLO, SLEEPY, config_xml


def test_python_jenkins_flow(server):
    import jenkins
    j = jenkins.Jenkins(server.url, username="admin", password="token")
    assert j.get_version() == "2.479.3"
    j.create_job("pj-app", config_xml(HELLO))
    assert j.job_exists("pj-app")
    assert "pj-app" in [job["name"] for job in j.get_all_jobs()]
    assert "<script>" in j.get_job_config("pj-app")
    queue_id = j.build_job("pj-app", {"ENV": "prod"})
    deadline = time.monotonic() + 20
    while "executable" not in (item := j.get_queue_item(queue_id)) or item["executable"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    number = item["executable"]["number"]
    while (info := j.get_build_info("pj-app", number))["building"]:
        time.sleep(0.05)
    assert info["result"] == "SUCCESS"
    assert {"name": "ENV", "value": "prod"}.items() <= info["actions"][1]["parameters"][0].items()
    console = j.get_build_console_output("pj-app", number)
    assert "deploying to prod" in console and console.rstrip().endswith("Finished: SUCCESS")
    stages = j.get_build_stages("pj-app", number)
    assert [s["name"] for s in stages["stages"]] == ["Build", "Test"]
    assert all(s["status"] == "SUCCESS" for s in stages["stages"])
    assert j.get_job_info("pj-app")["lastSuccessfulBuild"]["number"] == number
    j.disable_job("pj-app")
    assert j.get_job_info("pj-app")["color"] == "disabled"
    j.enable_job("pj-app")
    j.delete_job("pj-app")
    assert not j.job_exists("pj-app")


def test_python_jenkins_stop_running_build(server):
    import jenkins
    j = jenkins.Jenkins(server.url)
    j.create_job("pj-sleepy", config_xml(SLEEPY, params=False))
    queue_id = j.build_job("pj-sleepy")
    deadline = time.monotonic() + 20
    while not (item := j.get_queue_item(queue_id)).get("executable"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    number = item["executable"]["number"]
    while "sleeping" not in j.get_build_console_output("pj-sleepy", number):
        time.sleep(0.05)
    assert any(b["name"] == "pj-sleepy" for b in j.get_running_builds())
    j.stop_build("pj-sleepy", number)
    info = server.wait_build("pj-sleepy", number, timeout=15)
    assert info["result"] == "ABORTED"
    console = j.get_build_console_output("pj-sleepy", number)
    assert "post ran after abort" in console and "Finished: ABORTED" in console


def test_jenkinsapi_flow(server):
    from jenkinsapi.jenkins import Jenkins
    server.create("ja-app")
    jk = Jenkins(server.url, username="admin", password="token", timeout=10)
    assert "ja-app" in jk.keys()
    job = jk.get_job("ja-app")
    assert job.get_params_list() == ["ENV"]
    queue_item = job.invoke(build_params={"ENV": "stage"})
    build = queue_item.block_until_building(delay=0.1)
    build.block_until_complete(delay=0.1)   # (returns None in jenkinsapi 0.3.x)
    build.poll()
    assert build.get_status() == "SUCCESS"
    assert build.get_params() == {"ENV": "stage"}
    assert "deploying to stage" in build.get_console()
    streamed = "".join(build.stream_logs())
    assert streamed.endswith("Finished: SUCCESS\n")
    assert job.get_last_buildnumber() == build.get_number()


def test_api4jenkins_flow(server):
    from api4jenkins import Jenkins
    server.create("a4-app")
    client = Jenkins(server.url + "/", auth=("admin", "token"))
    assert client.version == "2.479.3"
    job = client.get_job("a4-app")
    assert job is not None
    item = job.build(ENV="qa")
    deadline = time.monotonic() + 20
    while (build := item.get_build()) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    while build.building:
        time.sleep(0.05)
    assert build.result == "SUCCESS"
    text = "".join(build.progressive_output())
    assert "deploying to qa" in text
    assert build.get_pending_input() is None
    stages = build.handle_req("GET", "wfapi/describe").json()["stages"]
    assert [s["name"] for s in stages] == ["Build", "Test"]
    assert build.artifacts == []


def test_api4jenkins_stop(server):
    from api4jenkins import Jenkins
    server.create("a4-sleepy", SLEEPY, params=False)
    client = Jenkins(server.url + "/")
    item = client.get_job("a4-sleepy").build()
    deadline = time.monotonic() + 20
    while (build := item.get_build()) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    while "sleeping" not in build.console_text() if isinstance(build.console_text(), str) \
            else "sleeping" not in "".join(build.console_text()):
        time.sleep(0.05)
    build.stop()
    info = server.wait_build("a4-sleepy", build.number, timeout=15)
    assert info["result"] == "ABORTED"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_flow_with_progressive_offsets(server):
    server.create("curl-app", """pipeline { agent any
      stages { stage('Slow') { steps { echo 'first'; sh 'sleep 1'; echo 'second' } } } }""", params=False)

    def curl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["curl", "-sS", "-g", "-D", "-", *args], capture_output=True, check=True)

    out = curl("-X", "POST", f"{server.url}/job/curl-app/build?delay=0sec").stdout.decode()
    assert out.startswith("HTTP/1.1 201")
    location = next(line.split(": ", 1)[1].strip() for line in out.splitlines() if line.lower().startswith("location"))
    assert location.startswith(server.url + "/queue/item/") and location.endswith("/")
    deadline = time.monotonic() + 20
    while not (item := requests.get(location + "api/json").json()).get("executable"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    build_url = item["executable"]["url"]
    start, text, saw_more = 0, "", False
    while True:
        response = curl(f"{build_url}logText/progressiveText?start={start}").stdout
        head_bytes, _, body_bytes = response.partition(b"\r\n\r\n")
        head, body = head_bytes.decode(), body_bytes.decode()
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head.splitlines()[1:])}
        assert int(headers["x-text-size"]) == start + len(body.encode())
        text += body
        start = int(headers["x-text-size"])
        if "x-more-data" not in headers:
            break
        saw_more = True
        time.sleep(0.2)
    assert saw_more and "first" in text and "second" in text and text.endswith("Finished: SUCCESS\n")
    assert text == requests.get(build_url + "consoleText").text
    assert requests.get(build_url + "api/json?tree=result,building").json() == {
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun", "result": "SUCCESS", "building": False}
