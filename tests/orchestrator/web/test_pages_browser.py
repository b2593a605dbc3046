"""The pages in real headless Chromium against a real server: a parameterised build from the form
watched to its end (stage graph and ANSI console live), an input approved, a build aborted, a phone
viewport without horizontal scroll, a `<script>` in the log shown as text, and the JCasC page's
reload button answering gracefully. Screenshots: test-artifacts/screenshots/."""
from __future__ import annotations

import time

import requests

FORM_JOB = r"""pipeline {
  agent any
  parameters {
    string(name: 'TARGET', defaultValue: 'staging', description: 'where to deploy')
    booleanParam(name: 'DRY_RUN', defaultValue: true)
    choice(name: 'REGION', choices: ['eu', 'us', 'ap'])
    text(name: 'NOTES', defaultValue: 'first line')
    password(name: 'TOKEN', defaultValue: 'default-secret')
  }
  stages {
    stage('Build') { steps { sh 'sleep 4; printf "\033[1;31mred alert\033[0m and \033[32mgreen\033[0m\n"' } }
    stage('Checks') {
      parallel {
        stage('Unit') { steps { echo "unit on ${params.REGION}" } }
        stage('Lint') { steps { echo '<script>window.__pwned = 1</script><b>not bold</b>' } }
      }
    }
    stage('Deploy') { steps { echo "deploy to ${params.TARGET} dry=${params.DRY_RUN} notes=${params.NOTES}" } }
  }
}"""
INPUT_JOB = """pipeline {
  agent any
  stages {
    stage('Build') { steps { echo 'built' } }
    stage('Approve') { steps { input message: 'Ship to production?', ok: 'Ship it' } }
    stage('Ship') { steps { echo 'shipped' } }
  }
}"""
SLEEPY_JOB = """pipeline {
  agent any
  stages {
    stage('Prepare') { steps { echo 'ready' } }
    stage('Wait') { steps { sh 'sleep 60' } }
    stage('Never') { steps { echo 'never runs' } }
  }
  post { aborted { echo 'post ran after abort' } }
}"""


def trigger(server, job: str) -> int:
    r = requests.post(f"{server.url}/job/{job}/build", params={"delay": "0sec"})
    assert r.status_code == 201, r.headers.get("X-Error")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        executable = requests.get(r.headers["Location"] + "api/json").json().get("executable")
        if executable:
            return executable["number"]
        time.sleep(0.05)
    raise TimeoutError("build did not start")


def stage_states(browser) -> dict[str, str]:
    return browser.js("const out = {}; document.querySelectorAll('#stage-graph .stage')"
                      ".forEach(s => out[s.dataset.name] = s.dataset.state); return out;")


def no_horizontal_scroll(browser) -> bool:
    return browser.js("return document.documentElement.scrollWidth <= window.innerWidth")


def test_parameterised_build_from_the_form_runs_live_to_success(server, browser):
    server.create("deploy", FORM_JOB, params=False)
    browser.resize(1280, 900)
    browser.get(f"{server.url}/job/deploy/")
    fields = {f.get_attribute("name"): f for f in browser.css("#build-form [name]")}
    assert set(fields) == {"TARGET", "DRY_RUN", "REGION", "NOTES", "TOKEN"}
    assert fields["TOKEN"].get_attribute("type") == "password" and fields["TOKEN"].get_attribute("value") == ""
    assert "default-secret" not in browser.driver.page_source
    fields["TARGET"].clear()
    fields["TARGET"].send_keys("production")
    fields["DRY_RUN"].click()                       # default true -> false
    fields["REGION"].find_element("css selector", "option[value=us]").click()
    fields["NOTES"].send_keys("\nsecond line")
    browser.screenshot("job-build-with-parameters")
    browser.css("#build-button")[0].click()

    browser.wait(lambda: "/job/deploy/1/" in browser.driver.current_url, what="the build page")
    # live: the first stage shows as running before the build ends
    browser.wait(lambda: stage_states(browser).get("Build") == "running", what="Build stage running")
    browser.screenshot("build-running")
    browser.wait(lambda: browser.js("return document.getElementById('build').dataset.done") == "true",
                 what="the build to finish")
    browser.screenshot("build-finished")
    assert browser.css("#build-result")[0].text == "SUCCESS"
    assert stage_states(browser) == {"Build": "success", "Checks": "success", "Unit": "success",
                                     "Lint": "success", "Deploy": "success"}
    assert browser.js("return document.querySelectorAll('#stage-graph .children.parallel > .stage').length") == 2

    console = browser.css("#console")[0]
    text = console.text
    assert "deploy to production dry=false notes=first line\nsecond line" in text
    assert "unit on us" in text and "Finished: SUCCESS" in text
    # ANSI colours became spans; the escape codes are gone
    # (twice each: `sh -x` traces the printf line with its escapes, then its output)
    assert [s.text for s in browser.css("#console span.ansi-fg-1.ansi-bold")] == ["red alert"] * 2
    assert [s.text for s in browser.css("#console span.ansi-fg-2")] == ["green"] * 2
    assert "\x1b" not in text and "[0m" not in text
    # HTML in the log is text: no element was made from it and nothing ran
    assert "<script>window.__pwned = 1</script><b>not bold</b>" in text
    assert browser.css("#console script, #console b") == []
    assert browser.js("return window.__pwned === undefined")

    params = requests.get(f"{server.url}/job/deploy/1/api/json").json()["actions"][1]["parameters"]
    assert {p["name"]: p.get("value") for p in params} == {
        "TARGET": "production", "DRY_RUN": False, "REGION": "us", "NOTES": "first line\nsecond line",
        "TOKEN": None}   # a password parameter's value never leaves the server
    assert [p["_class"] for p in params if p["name"] == "TOKEN"] == ["hudson.model.PasswordParameterValue"]

    browser.get(f"{server.url}/")
    row = browser.css("#items tr.item[data-name=deploy]")[0]
    assert row.find_element("css selector", ".ball").get_attribute("class") == "ball blue"
    assert row.find_element("css selector", ".last-build").text == "#1 SUCCESS"
    assert "#1" in row.text and "N/A" in row.text      # last success #1, no failure yet
    browser.screenshot("dashboard")


def test_phone_viewport_has_no_horizontal_scroll(server, browser):
    server.create("phone", FORM_JOB.replace("sleep 4; ", ""), params=False)
    number = trigger(server, "phone")
    server.wait_build("phone", number)
    browser.resize(390, 844)
    try:
        for name, path in (("dashboard", "/"), ("job", "/job/phone/"), ("build", f"/job/phone/{number}/")):
            browser.get(server.url + path)
            if name == "build":
                browser.wait(lambda: browser.js("return document.getElementById('build').dataset.done") == "true",
                             what="the console to load")
            assert browser.js("return window.innerWidth") <= 400
            assert no_horizontal_scroll(browser), f"{name} page scrolls sideways on a phone"
            browser.screenshot(f"phone-{name}")
    finally:
        browser.resize(1280, 900)


def test_input_is_approved_from_the_build_page(server, browser):
    server.create("release", INPUT_JOB, params=False)
    number = trigger(server, "release")
    browser.get(f"{server.url}/job/release/{number}/")
    proceed = browser.wait(lambda: [b for b in browser.css("#inputs button.proceed") if b.is_displayed()],
                           what="the input buttons")[0]
    assert proceed.text == "Ship it"
    assert "Ship to production?" in browser.css("#inputs")[0].text
    browser.wait(lambda: stage_states(browser).get("Approve") == "running", what="Approve stage running")
    browser.screenshot("input-pending")
    proceed.click()
    browser.wait(lambda: browser.js("return document.getElementById('build').dataset.done") == "true",
                 what="the build to finish")
    assert browser.css("#build-result")[0].text == "SUCCESS"
    assert not browser.css("#inputs")[0].is_displayed()
    assert "Approved by anonymous" in browser.css("#console")[0].text
    assert stage_states(browser)["Ship"] == "success"


def test_running_build_is_aborted_from_the_build_page(server, browser):
    server.create("sleepy", SLEEPY_JOB, params=False)
    number = trigger(server, "sleepy")
    browser.get(f"{server.url}/job/sleepy/{number}/")
    browser.wait(lambda: stage_states(browser).get("Wait") == "running", what="Wait stage running")
    abort = browser.css("#abort-button")[0]
    assert abort.is_displayed()
    abort.click()
    browser.wait(lambda: browser.js("return document.getElementById('build').dataset.done") == "true",
                 timeout=15, what="the aborted build to finish")
    browser.screenshot("build-aborted")
    assert browser.css("#build-result")[0].text == "ABORTED"
    assert not browser.css("#abort-button")[0].is_displayed()
    states = stage_states(browser)
    assert states["Prepare"] == "success" and states["Wait"] == "aborted" and states.get("Never") == "skipped"
    assert states["Declarative: Post Actions"] == "success"
    assert "post ran after abort" in browser.css("#console")[0].text


def test_configuration_page_reload_answer_is_shown(server, browser):
    browser.get(f"{server.url}/manage/configuration-as-code/")
    assert "none" in browser.css("main")[0].text      # this server runs without --casc
    browser.css("#reload-button")[0].click()
    result = browser.wait(lambda: [r for r in browser.css("#reload-result.ok, #reload-result.failed")
                                   if r.is_displayed()], what="the reload answer")[0]
    status = requests.post(f"{server.url}/configuration-as-code/reload").status_code
    if status == 404:
        assert "not available on this server (HTTP 404)" in result.text
    else:
        assert f"HTTP {status}" in result.text or "reloaded" in result.text
    browser.screenshot("configuration-as-code")


def test_a_huge_log_opens_at_its_tail(server, browser):
    server.create("chatty", """pipeline {
      agent any
      stages { stage('Talk') { steps {
        sh 'set +x; head -c 1500000 /dev/zero | tr "\\\\0" x | fold -w 100; echo THE END' } } }
    }""", params=False)
    number = trigger(server, "chatty")
    server.wait_build("chatty", number)
    browser.get(f"{server.url}/job/chatty/{number}/")
    browser.wait(lambda: browser.js("return document.getElementById('build').dataset.done") == "true",
                 what="the console to load")
    text = browser.js("return document.getElementById('console').textContent")
    assert text.startswith("Skipping ") and "Full log" in text
    assert "THE END" in text and "Finished: SUCCESS" in text
    assert 200_000 < len(text) < 300_000
    assert browser.css("#console .skipped a")[0].get_attribute("href").endswith(f"/job/chatty/{number}/consoleText")


def test_job_page_history_follows_a_running_build(server, browser):
    server.create("follow", SLEEPY_JOB, params=False)
    number = trigger(server, "follow")
    browser.get(f"{server.url}/job/follow/")

    def result_cell() -> str:
        cells = browser.css(f"#history tr[data-number='{number}'] td.result")
        return cells[0].text if cells else ""

    assert result_cell() == "running"
    assert requests.post(f"{server.url}/job/follow/{number}/stop", allow_redirects=False).status_code == 302
    browser.wait(lambda: result_cell() == "ABORTED", what="the history row to turn ABORTED")
    browser.wait(lambda: browser.js("return document.getElementById('history').dataset.active") == "false",
                 what="the job page to stop polling")
    ball = browser.css(f"#history tr[data-number='{number}'] .ball")[0]
    assert ball.get_attribute("class") == "ball aborted"
