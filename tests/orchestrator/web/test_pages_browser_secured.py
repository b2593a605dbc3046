"""The pages in real headless Chromium against a real server secured by JCasC (local users, a global
matrix, anonymous without Overall/Read): sent to the login page and back, signed in through the real
form, a parameterised build triggered and watched live to SUCCESS, an input approved and a build
aborted, all POSTs with the crumb under the session cookie; a reader without Job/Build sees the
forms and buttons disabled and a refused POST says why; signing out. Screenshots:
test-artifacts/screenshots/secured-*.png."""
from __future__ import annotations

import textwrap
import time

import pytest
import requests

from serverkit import Server, config_xml
from test_pages_browser import INPUT_JOB, SLEEPY_JOB, stage_states

PASSWORDS = {"alice": "alice-Br0wser-pw", "bob": "bob-Br0wser-pw", "carol": "carol-Br0wser-pw",
             "dave": "dave-Br0wser-pw"}
ADMIN = ("alice", PASSWORDS["alice"])
CASC = textwrap.dedent("""
    jenkins:
      numExecutors: 4
      securityRealm:
        local:
          allowsSignup: false
          users:
            - {id: alice, name: Alice Admin, password: "${BL_ALICE_PASSWORD}"}
            - {id: bob, name: Bob Builder, password: "${BL_BOB_PASSWORD}"}
            - {id: carol, name: Carol Reader, password: "${BL_CAROL_PASSWORD}"}
            - {id: dave, password: "${BL_DAVE_PASSWORD}"}
      authorizationStrategy:
        globalMatrix:
          entries:
            - user: {name: alice, permissions: [Overall/Administer]}
            - user: {name: bob, permissions: [Overall/Read, Job/Read, Job/Build]}
            - user: {name: carol, permissions: [Overall/Read, Job/Read]}
            - user: {name: dave, permissions: [Overall/Read]}
""")
DEPLOY_JOB = r"""pipeline {
  agent any
  parameters {
    string(name: 'TARGET', defaultValue: 'staging')
    choice(name: 'REGION', choices: ['eu', 'us'])
  }
  stages {
    stage('Build') { steps { sh 'sleep 4; echo built' } }
    stage('Deploy') { steps { echo "deploy to ${params.TARGET} in ${params.REGION}" } }
  }
}"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secured-pages")
    (folder / "jenkins.yaml").write_text(CASC)
    env = {f"BL_{user.upper()}_PASSWORD": password for user, password in PASSWORDS.items()}
    srv = Server(folder / "home", workers=2, extra=("--casc", str(folder / "jenkins.yaml")), env=env).start()
    for name, script in (("deploy", DEPLOY_JOB), ("release", INPUT_JOB), ("sleepy", SLEEPY_JOB)):
        r = requests.post(f"{srv.url}/createItem", params={"name": name}, auth=ADMIN,
                          data=config_xml(script, params=False), headers={"Content-Type": "text/xml"})
        assert r.status_code == 200, r.headers.get("X-Error")
    yield srv
    srv.stop()


def trigger(srv: Server, job: str) -> int:
    """A build started by the administrator over basic auth (no crumb needed); its number once it runs."""
    r = requests.post(f"{srv.url}/job/{job}/build", params={"delay": "0sec"}, auth=ADMIN)
    assert r.status_code == 201, r.headers.get("X-Error")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        executable = requests.get(r.headers["Location"] + "api/json", auth=ADMIN).json().get("executable")
        if executable:
            return executable["number"]
        time.sleep(0.05)
    raise TimeoutError("build did not start")


def build_json(srv: Server, job: str, number: int) -> dict:
    return requests.get(f"{srv.url}/job/{job}/{number}/api/json", auth=ADMIN).json()


def path(browser) -> str:
    return browser.js("return location.pathname + location.search")


def sign_out(srv: Server, browser) -> None:
    browser.get(f"{srv.url}/logout")
    browser.wait(lambda: path(browser).startswith("/login"), what="the login page after logout")


def sign_in(srv: Server, browser, user: str, page: str) -> None:
    """Ask for `page` anonymously: the server sends the browser to the login form, which brings it back."""
    sign_out(srv, browser)
    browser.get(srv.url + page)
    browser.wait(lambda: path(browser).startswith("/login"), what="the redirect to the login page")
    browser.css("#j_username")[0].send_keys(user)
    browser.css("#j_password")[0].send_keys(PASSWORDS[user])
    browser.css("form button[type=submit]")[0].click()
    browser.wait(lambda: path(browser) == page, what=f"{page} after signing in")
    assert browser.css("header .user")[0].text == user


def build_done(browser) -> bool:
    return browser.js("return document.getElementById('build').dataset.done") == "true"


def test_anonymous_is_sent_to_login_and_a_wrong_password_is_refused(secured, browser):
    sign_out(secured, browser)
    browser.get(f"{secured.url}/job/deploy/")
    browser.wait(lambda: path(browser).startswith("/login"), what="the redirect to the login page")
    assert path(browser) == "/login?from=/job/deploy/"
    assert "deploy" not in browser.css("body")[0].text.lower().replace("sign in", "")
    browser.css("#j_username")[0].send_keys("bob")
    browser.css("#j_password")[0].send_keys("not-his-password")
    browser.screenshot("secured-login")
    browser.css("form button[type=submit]")[0].click()
    browser.wait(lambda: path(browser).startswith("/loginError"), what="the login error page")
    assert "Invalid username or password" in browser.css(".error")[0].text
    # the page asked for is still remembered: signing in now goes there
    assert browser.css("input[name=from]")[0].get_attribute("value") == "/job/deploy/"
    browser.css("#j_username")[0].send_keys("bob")
    browser.css("#j_password")[0].send_keys(PASSWORDS["bob"])
    browser.css("form button[type=submit]")[0].click()
    browser.wait(lambda: path(browser) == "/job/deploy/", what="the job page after signing in")


def test_parameterised_build_from_the_form_runs_live_to_success(secured, browser):
    sign_in(secured, browser, "bob", "/job/deploy/")
    fields = {f.get_attribute("name"): f for f in browser.css("#build-form [name]")}
    assert set(fields) == {"TARGET", "REGION"}
    fields["TARGET"].clear()
    fields["TARGET"].send_keys("production")
    fields["REGION"].find_element("css selector", "option[value=us]").click()
    browser.screenshot("secured-build-with-parameters")
    browser.css("#build-button")[0].click()

    browser.wait(lambda: path(browser) == "/job/deploy/1/", what="the build page")
    browser.wait(lambda: stage_states(browser).get("Build") == "running", what="Build stage running")
    browser.screenshot("secured-build-running")
    browser.wait(lambda: build_done(browser), what="the build to finish")
    browser.screenshot("secured-build-finished")
    assert browser.css("#build-result")[0].text == "SUCCESS"
    assert stage_states(browser) == {"Build": "success", "Deploy": "success"}
    text = browser.css("#console")[0].text
    assert "deploy to production in us" in text and "Finished: SUCCESS" in text
    build = build_json(secured, "deploy", 1)
    assert build["result"] == "SUCCESS"
    assert {p["name"]: p["value"] for p in build["actions"][1]["parameters"]} == {"TARGET": "production",
                                                                                  "REGION": "us"}
    assert any("Started by user Bob Builder" in c.get("shortDescription", "") or
               c.get("userId") == "bob" for a in build["actions"] for c in a.get("causes", []))


def test_input_is_approved_from_the_build_page(secured, browser):
    number = trigger(secured, "release")
    sign_in(secured, browser, "bob", f"/job/release/{number}/")
    proceed = browser.wait(lambda: [b for b in browser.css("#inputs button.proceed") if b.is_displayed()],
                           what="the input buttons")[0]
    assert proceed.text == "Ship it" and proceed.is_enabled()
    browser.screenshot("secured-input-pending")
    proceed.click()
    browser.wait(lambda: build_done(browser), what="the build to finish")
    assert browser.css("#build-result")[0].text == "SUCCESS"
    assert "Approved by bob" in browser.css("#console")[0].text
    assert stage_states(browser)["Ship"] == "success"


def test_running_build_is_aborted_from_the_build_page(secured, browser):
    number = trigger(secured, "sleepy")
    sign_in(secured, browser, "bob", f"/job/sleepy/{number}/")
    browser.wait(lambda: stage_states(browser).get("Wait") == "running", what="Wait stage running")
    abort = browser.css("#abort-button")[0]
    assert abort.is_displayed() and abort.is_enabled()
    abort.click()
    browser.wait(lambda: build_done(browser), timeout=15, what="the aborted build to finish")
    browser.screenshot("secured-build-aborted")
    assert browser.css("#build-result")[0].text == "ABORTED"
    assert build_json(secured, "sleepy", number)["result"] == "ABORTED"
    assert "post ran after abort" in browser.css("#console")[0].text


def test_a_reader_without_job_build_sees_the_form_disabled_and_a_clear_refusal(secured, browser):
    sign_in(secured, browser, "carol", "/job/deploy/")
    button = browser.css("#build-button")[0]
    assert not button.is_enabled()
    assert "carol is missing the Job/Build permission" in browser.css("#build-form-panel")[0].text
    browser.screenshot("secured-reader-job-page")
    # a page opened before the permission was taken away: the refused POST says why, nothing is queued
    before = requests.get(f"{secured.url}/job/deploy/api/json", auth=ADMIN).json()["nextBuildNumber"]
    browser.js("document.getElementById('build-button').disabled = false")
    button.click()
    status = browser.wait(lambda: [s for s in browser.css("#build-status.error") if s.text],
                          what="the refusal message")[0]
    assert "carol is missing the Job/Build permission" in status.text
    assert requests.get(f"{secured.url}/job/deploy/api/json", auth=ADMIN).json()["nextBuildNumber"] == before

    number = trigger(secured, "release")
    browser.get(f"{secured.url}/job/release/{number}/")
    browser.wait(lambda: [b for b in browser.css("#inputs button.proceed") if b.is_displayed()],
                 what="the input question")
    assert not browser.css("#inputs button.proceed")[0].is_enabled()
    assert "carol is missing the Job/Build permission" in browser.css("#inputs")[0].text
    assert not browser.css("#abort-button")[0].is_displayed()
    browser.screenshot("secured-reader-build-page")
    requests.post(f"{secured.url}/job/release/{number}/stop", auth=ADMIN)


def test_a_page_whose_session_ended_says_so_and_offers_to_sign_in(secured, browser):
    number = trigger(secured, "sleepy")
    sign_in(secured, browser, "bob", f"/job/sleepy/{number}/")
    browser.wait(lambda: stage_states(browser).get("Wait") == "running", what="Wait stage running")
    browser.driver.delete_all_cookies()          # the session ends (expired, or signed out elsewhere)
    notice = browser.wait(lambda: browser.css("#access-lost"), what="the signed-out notice")[0]
    assert "no longer signed in" in notice.text
    browser.css("#abort-button")[0].click()
    status = browser.wait(lambda: [s for s in browser.css("#abort-status.error") if "anonymous" in s.text],
                          what="the refused abort")[0]
    # the stale crumb was replaced and the POST retried: the answer is the real refusal, not "no crumb"
    assert "Authentication required: anonymous is missing the Overall/Read permission" in status.text
    browser.screenshot("secured-session-ended")
    assert build_json(secured, "sleepy", number)["building"]
    status.find_element("css selector", "a.login").click()     # back to this page once signed in again
    browser.wait(lambda: path(browser).startswith("/login"), what="the login page")
    assert browser.css("input[name=from]")[0].get_attribute("value") == f"/job/sleepy/{number}/"
    requests.post(f"{secured.url}/job/sleepy/{number}/stop", auth=ADMIN)


def test_jobs_a_user_may_not_read_are_left_out_of_the_dashboard_api_and_queue(secured):
    dave = requests.Session()
    r = dave.post(f"{secured.url}/j_spring_security_check",
                  data={"j_username": "dave", "j_password": PASSWORDS["dave"]})
    assert r.status_code == 200 and 'class="user">dave<' in r.text
    assert 'data-name="deploy"' not in r.text and "/job/deploy/" not in r.text and "No jobs" in r.text
    carol = requests.get(f"{secured.url}/", auth=("carol", PASSWORDS["carol"]))
    assert 'data-name="deploy"' in carol.text and 'data-name="sleepy"' in carol.text
    assert dave.get(f"{secured.url}/api/json").json()["jobs"] == []
    assert {j["name"] for j in requests.get(f"{secured.url}/api/json", auth=("carol", PASSWORDS["carol"]))
            .json()["jobs"]} == {"deploy", "release", "sleepy"}
    assert dave.get(f"{secured.url}/job/deploy/api/json").status_code == 403
    queued = requests.post(f"{secured.url}/job/deploy/build", params={"delay": "120sec"}, auth=ADMIN)
    assert queued.status_code == 201
    try:
        assert dave.get(f"{secured.url}/queue/api/json").json()["items"] == []
        item_url = queued.headers["Location"]
        assert dave.get(item_url + "api/json").status_code == 403            # not even by its id
        assert requests.get(item_url + "api/json", auth=("carol", PASSWORDS["carol"])).status_code == 200
        seen = requests.get(f"{secured.url}/queue/api/json", auth=("carol", PASSWORDS["carol"])).json()["items"]
        assert [i["task"]["name"] for i in seen] == ["deploy"]
    finally:
        item = queued.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        requests.post(f"{secured.url}/queue/cancelItem", params={"id": item}, auth=ADMIN)


def test_signing_out_ends_the_session(secured, browser):
    sign_in(secured, browser, "bob", "/")
    assert [a for a in browser.css("header a") if a.text == "log out"]
    [a for a in browser.css("header a") if a.text == "log out"][0].click()
    browser.wait(lambda: path(browser).startswith("/login"), what="the login page after signing out")
    browser.get(f"{secured.url}/job/deploy/")
    browser.wait(lambda: path(browser).startswith("/login"), what="the redirect to the login page")
    assert browser.js("return document.cookie") == ""      # HttpOnly session cookie, nothing else
    browser.screenshot("secured-signed-out")
