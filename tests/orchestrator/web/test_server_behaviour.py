"""Concurrency, restart after kill -9, and bad requests, against a real server."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from serverkit import HELLO, SLEEPY, Server, config_xml


def test_fifty_concurrent_triggers_give_builds_1_to_50(server):
    server.create("burst", """pipeline { agent any
      stages { stage('One') { steps { echo "build ${env.BUILD_NUMBER}" } } } }""", params=False)
    session = requests.Session

    def trigger(_):
        r = session().post(f"{server.url}/job/burst/build")
        assert r.status_code == 201, r.text
        return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    with ThreadPoolExecutor(50) as pool:
        items = list(pool.map(trigger, range(50)))
    assert len(set(items)) == 50            # no lost or merged queue item
    deadline = time.monotonic() + 90
    while True:
        builds = requests.get(f"{server.url}/job/burst/api/json?tree=builds[number,result,queueId]").json()["builds"]
        if len(builds) == 50 and all(b["result"] for b in builds):
            break
        assert time.monotonic() < deadline, f"{len(builds)} builds after 90 s"
        time.sleep(0.2)
    assert sorted(b["number"] for b in builds) == list(range(1, 51))
    assert sorted(b["queueId"] for b in builds) == sorted(items)
    assert {b["result"] for b in builds} == {"SUCCESS"}


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, IndexError):
        return False


def test_restart_after_kill_9_keeps_queue_and_aborts_interrupted_builds(tmp_path):
    home = tmp_path / "home"
    srv = Server(home, executors=1).start()
    try:
        xml = config_xml(SLEEPY.replace("sleep 60", "echo $$ > pid; sleep 60"), params=False)
        requests.post(f"{srv.url}/createItem?name=slow", data=xml, headers={"Content-Type": "text/xml"})
        requests.post(f"{srv.url}/job/slow/build")
        queued = requests.post(f"{srv.url}/job/slow/build?delay=0").headers["Location"]   # waits: 1 executor
        deadline = time.monotonic() + 20
        while "sleeping" not in requests.get(f"{srv.url}/job/slow/1/consoleText").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        pid_file = home / "workspace" / "slow" / "pid"
        while not pid_file.exists() or not pid_file.read_text().strip():
            time.sleep(0.05)
        shell_pid = int(pid_file.read_text())
        srv.kill9()
        os.kill(shell_pid, 0)   # the build's process outlived the controller
    finally:
        srv.stop()
    srv = Server(home, executors=1).start()
    try:
        first = srv.wait_build("slow", 1, timeout=60)
        assert first["result"] == "ABORTED"
        console = requests.get(f"{srv.url}/job/slow/1/consoleText").text
        assert "sleeping" in console                       # the log was kept
        assert "controller stopped while this build was running" in console
        assert console.rstrip().endswith("Finished: ABORTED")
        deadline = time.monotonic() + 10
        while _running(shell_pid):          # the leftover process was killed (a zombie counts as gone)
            assert time.monotonic() < deadline, f"leftover process {shell_pid} still running"
            time.sleep(0.05)
        item_id = queued.rstrip("/").rsplit("/", 1)[1]
        deadline = time.monotonic() + 20
        while not (item := requests.get(f"{srv.url}/queue/item/{item_id}/api/json").json()).get("executable"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert item["executable"]["number"] == 2           # the queued item survived and ran
        requests.post(f"{srv.url}/job/slow/2/stop")
        assert srv.wait_build("slow", 2)["result"] == "ABORTED"
    finally:
        srv.stop()


BAD = [
    ("get", "/job/nope/api/json", None, {}, 404),
    ("post", "/job/nope/build", None, {}, 404),
    ("get", "/job/nope/1/consoleText", None, {}, 404),
    ("post", "/job/..%2f..%2fetc/build", None, {}, 400),
    ("post", "/job/a%2fb/build", None, {}, 400),
    ("post", "/job/%00/build", None, {}, 400),
    ("get", "/job/%2e%2e/api/json", None, {}, 400),
    ("get", "/job/target/job/%2e/api/json", None, {}, 404),
    ("post", "/createItem?name=..", "<flow-definition/>", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=x%00y", "<flow-definition/>", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=bad", "<flow-definition><oops>", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=bad", "not xml at all", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=bad", "<project/>", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=bad", "<flow-definition/>", {}, 400),
    ("post", "/createItem", "<flow-definition/>", {"Content-Type": "text/xml"}, 400),
    ("post", "/createItem?name=big", "<a>" + "x" * (5 * 1024 * 1024) + "</a>", {"Content-Type": "text/xml"}, 413),
    ("post", "/job/target/buildWithParameters?CHOICE=nope", None, {}, 400),
    ("post", "/job/target/build?delay=soon", None, {}, 400),
    ("post", "/job/target/build", {"json": "{not json"}, {}, 400),
    ("post", "/job/target/build", {"json": '{"parameter": 5}'}, {}, 400),
    ("get", "/job/target/build", None, {}, 405),
    ("get", "/job/target/api/json?tree=jobs[name", None, {}, 400),
    ("get", "/job/target/api/json?depth=deep", None, {}, 400),
    ("get", "/job/target/999/api/json", None, {}, 404),
    ("get", "/job/target/lastBuild/api/json", None, {}, 404),
    ("get", "/job/target/api/yaml", None, {}, 404),
    ("get", "/queue/item/999999/api/json", None, {}, 404),
    ("post", "/queue/cancelItem?id=abc", None, {}, 400),
    ("post", "/job/target/config.xml", "<flow-definition>", {"Content-Type": "text/xml"}, 400),
]

CHOICE_XML = config_xml("pipeline { agent any; stages { stage('x') { steps { echo 'x' } } } }", params=False) \
    .replace("<properties></properties>", "<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>"
             "<hudson.model.ChoiceParameterDefinition><name>CHOICE</name><choices class='java.util.Arrays$ArrayList'>"
             "<a class='string-array'><string>a</string><string>b</string></a></choices>"
             "</hudson.model.ChoiceParameterDefinition></parameterDefinitions>"
             "</hudson.model.ParametersDefinitionProperty></properties>")


@pytest.mark.parametrize("method,path,body,headers,status", BAD, ids=[f"{m} {p[:40]}" for m, p, *_ in BAD])
def test_bad_requests_are_4xx_with_a_message_and_change_nothing(server, method, path, body, headers, status):
    if requests.get(f"{server.url}/job/target/api/json").status_code == 404:
        r = requests.post(f"{server.url}/createItem?name=target", data=CHOICE_XML, headers={"Content-Type": "text/xml"})
        assert r.status_code == 200, r.headers.get("X-Error")
    before = requests.get(f"{server.url}/api/json?depth=1").json()
    config_before = requests.get(f"{server.url}/job/target/config.xml").text
    queue_before = requests.get(f"{server.url}/queue/api/json").json()
    r = getattr(requests, method)(server.url + path, data=body, headers=headers)
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers.get("X-Error"), "4xx answers carry the reason in X-Error"
    if status == 405:
        assert r.headers["Allow"] == "POST"
    assert requests.get(f"{server.url}/api/json?depth=1").json() == before
    assert requests.get(f"{server.url}/job/target/config.xml").text == config_before
    assert requests.get(f"{server.url}/queue/api/json").json() == queue_before


def _started(server, job: str) -> int:
    server.create(job, SLEEPY, params=False)
    assert requests.post(f"{server.url}/job/{job}/build", params={"delay": "0sec"}).status_code == 201
    deadline = time.monotonic() + 20
    while "sleeping" not in (r := requests.get(f"{server.url}/job/{job}/1/consoleText")).text:
        assert time.monotonic() < deadline, r.text
        time.sleep(0.05)
    return 1


def test_term_aborts_at_once_and_still_runs_post(server):
    number = _started(server, "term-me")
    assert requests.post(f"{server.url}/job/term-me/{number}/term", allow_redirects=False).status_code == 302
    info = server.wait_build("term-me", number, timeout=15)
    assert info["result"] == "ABORTED"
    console = requests.get(f"{server.url}/job/term-me/{number}/consoleText").text
    assert "post ran after abort" in console and console.endswith("Finished: ABORTED\n")


def test_kill_ends_the_build_now_and_nothing_is_written_after(server):
    number = _started(server, "kill-me")
    assert requests.post(f"{server.url}/job/kill-me/{number}/kill", allow_redirects=False).status_code == 302
    info = server.wait_build("kill-me", number, timeout=15)
    assert info["result"] == "ABORTED"
    console = requests.get(f"{server.url}/job/kill-me/{number}/consoleText").text
    assert console.endswith("Hard kill!\nFinished: ABORTED\n")
    time.sleep(1.0)   # the build's thread unwinds meanwhile: its post and end lines must not reach the log
    assert requests.get(f"{server.url}/job/kill-me/{number}/consoleText").text == console
    assert "post ran after abort" not in console
    assert requests.get(f"{server.url}/job/kill-me/{number}/api/json").json()["result"] == "ABORTED"


def test_deleting_a_job_while_it_builds_then_making_it_again_leaves_the_server_working(server):
    slow = "pipeline { agent any\n stages { stage('s') { steps { sh 'sleep 30' } } } }"
    server.create("phoenix", slow, params=False)
    assert requests.post(f"{server.url}/job/phoenix/build", params={"delay": "0sec"}).status_code == 201
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and requests.get(f"{server.url}/job/phoenix/1/api/json").status_code != 200:
        time.sleep(0.05)
    assert requests.post(f"{server.url}/job/phoenix/doDelete", allow_redirects=False).status_code in (200, 302)
    server.create("phoenix", HELLO, params=False)
    assert requests.post(f"{server.url}/job/phoenix/build", params={"delay": "0sec"}).status_code == 201
    assert server.wait_build("phoenix", 1)["result"] == "SUCCESS", \
        requests.get(f"{server.url}/job/phoenix/1/consoleText").text             # the new job's own build #1
    server.create("bystander", HELLO, params=False)                         # and the scheduler still starts others
    assert requests.post(f"{server.url}/job/bystander/build", params={"delay": "0sec"}).status_code == 201
    assert server.wait_build("bystander", 1)["result"] == "SUCCESS"
    builds = requests.get(f"{server.url}/job/phoenix/api/json", params={"tree": "builds[number]"}).json()["builds"]
    assert [b["number"] for b in builds] == [1]
