"""Triggers through the real scheduler and a real SQLite store, with a clock the test moves:
cron fires exactly the due jobs once per minute, pollSCM polls a real git repository, upstream
starts downstream jobs after real builds."""
from __future__ import annotations

import json
import subprocess
from datetime import timezone

import pytest

from orchestrator.grammar.cron import parse
from orchestrator.scheduler import Scheduler
from orchestrator.store import Store
from orchestrator.triggers import definitions
from orchestrator.triggers.service import SCM_HEAD, TriggerService

DAY = 1_782_864_000   # 2026-07-01 00:00 UTC, a Wednesday


def script(triggers: str, say: str = "hi") -> str:
    return (f"pipeline {{ agent any\n  triggers {{ {triggers} }}\n"
            f"  stages {{ stage('S') {{ steps {{ echo '{say}' }} }} }} }}")


class Clock:
    def __init__(self, epoch: float) -> None:
        self.now = epoch

    def __call__(self) -> float:
        return self.now

    def at_minute(self, minute_of_day: int) -> None:
        self.now = DAY + minute_of_day * 60 + 7


def service(store: Store, clock: Clock) -> TriggerService:
    return TriggerService(store, clock=clock, tz=timezone.utc, quiet_period=0)


def queued(store: Store) -> list[tuple[str, str]]:
    return [(i["job"], i["causes"][0]["shortDescription"]) for i in store.waiting_items()]


def test_cron_enqueues_exactly_the_due_jobs_once_per_minute(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("quarter", script("cron('H/15 * * * *')"))
    store.upsert_job("daily", script("cron('@daily')"))
    store.upsert_job("none", script("pollSCM('H/5 * * * *')"))        # not a cron trigger, and no SCM
    store.upsert_job("off", script("cron('* * * * *')"), disabled=True)
    store.upsert_job("dsl", "", props={"triggers": [{"kind": "cron", "spec": "* * * * *"}]})
    quarter = min(parse("H/15 * * * *", "quarter").tabs[0].minutes)
    daily = parse("@daily", "daily").tabs[0]
    daily_minute = min(daily.hours) * 60 + min(daily.minutes)
    clock = Clock(0)
    triggers = service(store, clock)

    clock.at_minute(quarter)
    triggers.tick()
    expected = [("dsl", "Started by timer"), ("quarter", "Started by timer")]
    assert sorted(queued(store)) == expected
    triggers.tick()                                   # same minute again: nothing more
    service(store, clock).tick()                      # a restarted scheduler in the same minute: nothing
    assert sorted(queued(store)) == expected

    for item in store.waiting_items():
        store.cancel_item(item["id"])
    clock.at_minute(daily_minute)
    triggers.tick()
    due = {"dsl", "daily"} | ({"quarter"} if daily_minute % 15 == quarter else set())
    assert {job for job, _ in queued(store)} == due


def test_missed_minutes_are_caught_up_once_but_not_a_backlog_after_a_restart(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("every", script("cron('* * * * *')"))
    clock = Clock(0)
    triggers = service(store, clock)
    clock.at_minute(100)
    triggers.tick()
    clock.at_minute(103)                               # a slow iteration skipped two minutes
    triggers.tick()
    assert len(store.waiting_items()) == 4             # 100, 101, 102, 103: each once
    clock.at_minute(600)                               # the controller was down for hours
    triggers.tick()
    assert len(store.waiting_items()) == 9             # only the last 5 minutes, as Jenkins skips the rest


def test_timer_build_runs_with_its_cause_and_default_parameters(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("nightly", script("cron('H H * * *')").replace("echo 'hi'", 'echo "${params.WHO}"'),
                     params=[{"type": "StringParameterDefinition", "name": "WHO", "default": "timer-default"}])
    tab = parse("H H * * *", "nightly").tabs[0]
    clock = Clock(0)
    clock.at_minute(min(tab.hours) * 60 + min(tab.minutes))
    scheduler = Scheduler(store, executors=1, triggers=service(store, clock))
    scheduler.run_until_idle()
    build = store.build("nightly", 1)
    assert build["result"] == "SUCCESS"
    assert build["causes"] == [{"_class": "hudson.triggers.TimerTrigger$TimerTriggerCause",
                                "shortDescription": "Started by timer"}]
    log = store.read_log(build)[0].decode()
    assert log.startswith("Started by timer\n") and "timer-default" in log


# ---------------------------------------------------------------- pollSCM against a real repository
def git(repo, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@x", "HOME": str(repo), "PATH": "/usr/bin:/bin"}).stdout


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "Jenkinsfile").write_text(script("pollSCM('* * * * *')\n    cron('@weekly')", "built from git"))
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first")
    return path


def test_poll_scm_builds_on_new_commits_only(tmp_path, repo):
    store = Store(tmp_path / "home")
    store.upsert_job("app", "", props={"scm": {"url": str(repo), "branch": "*/main"},
                                       "triggers": [{"kind": "pollSCM", "spec": "* * * * *"}]})
    clock = Clock(0)
    triggers = service(store, clock)
    scheduler = Scheduler(store, executors=1, triggers=triggers)

    def minute(m: int) -> None:
        clock.at_minute(m)
        triggers.tick()
        triggers.wait_for_polls()
        scheduler.run_until_idle()

    minute(1)                                # no baseline yet: Jenkins builds
    build = store.build("app", 1)
    assert build["causes"][0]["shortDescription"] == "Started by an SCM change"
    assert build["causes"][0]["_class"] == "hudson.triggers.SCMTrigger$SCMTriggerCause"
    assert "built from git" in store.read_log(build)[0].decode()
    head = git(repo, "rev-parse", "HEAD").strip()
    assert store.state(SCM_HEAD + "app") == head

    minute(2)                                # no change: no build
    assert [b["number"] for b in store.builds("app")] == [1]
    assert "No changes" in (store.job_dir("app") / "scm-polling.log").read_text()

    (repo / "README").write_text("change\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "second")
    minute(3)
    assert [b["number"] for b in store.builds("app")] == [2, 1]
    assert store.build("app", 2)["causes"][0]["shortDescription"] == "Started by an SCM change"
    assert "Changes found" in (store.job_dir("app") / "scm-polling.log").read_text()
    minute(4)
    assert len(store.builds("app")) == 2

    # the build registered the Jenkinsfile's own triggers for the job, as Jenkins does when it runs one
    assert [t.kind for t in triggers.table()["app"]] == ["pollSCM", "cron"]


def test_a_manual_build_moves_the_poll_baseline(tmp_path, repo):
    store = Store(tmp_path / "home")
    store.upsert_job("app", "", props={"scm": {"url": str(repo), "branch": "main"},
                                       "triggers": [{"kind": "pollSCM", "spec": "* * * * *"}]})
    clock = Clock(0)
    triggers = service(store, clock)
    store.enqueue("app", {}, [{"shortDescription": "Started by user anonymous"}], 0)
    Scheduler(store, executors=1, triggers=triggers).run_until_idle()
    clock.at_minute(5)
    triggers.tick()
    triggers.wait_for_polls()
    assert store.waiting_items() == []        # the commit polled is the one just built


def test_poll_errors_go_to_the_polling_log_and_build_nothing(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("gone", "", props={"scm": {"url": str(tmp_path / "no-such-repo"), "branch": "main"},
                                        "triggers": [{"kind": "pollSCM", "spec": "* * * * *"}]})
    assert service(store, Clock(0)).poll("gone") is None
    assert "ERROR: git ls-remote" in (store.job_dir("gone") / "scm-polling.log").read_text()
    assert store.waiting_items() == []


# ---------------------------------------------------------------- upstream
def test_upstream_starts_downstream_when_the_threshold_is_met(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("lib", script("cron('@yearly')"))
    store.upsert_job("team", "", kind="folder")
    store.upsert_job("team/broken", "pipeline { agent any\n stages { stage('S') { steps { error 'no' } } } }")
    store.upsert_job("team/app", script(
        "upstream(upstreamProjects: '/lib, broken', threshold: hudson.model.Result.SUCCESS)", "downstream ran"))
    store.upsert_job("team/tolerant", script(
        "upstream(upstreamProjects: 'broken', threshold: hudson.model.Result.FAILURE)"))
    scheduler = Scheduler(store, executors=2, triggers=service(store, Clock(DAY)))
    store.enqueue("lib", {}, [], 0)
    scheduler.run_until_idle()
    app = store.build("team/app", 1)
    assert app["result"] == "SUCCESS" and "downstream ran" in store.read_log(app)[0].decode()
    assert app["causes"] == [{"_class": "hudson.model.Cause$UpstreamCause",
                              "shortDescription": 'Started by upstream project "lib" build number 1',
                              "upstreamBuild": 1, "upstreamProject": "lib", "upstreamUrl": "job/lib/"}]
    assert store.builds("team/tolerant") == []

    store.enqueue("team/broken", {}, [], 0)     # FAILURE: below app's SUCCESS threshold, meets tolerant's
    scheduler.run_until_idle()
    assert len(store.builds("team/app")) == 1
    tolerant = store.build("team/tolerant", 1)
    assert tolerant["causes"][0]["shortDescription"] == 'Started by upstream project "team/broken" build number 1'
    assert tolerant["causes"][0]["upstreamUrl"] == "job/team/job/broken/"


def test_upstream_names_resolve_like_jenkins():
    jobs = {"lib", "team/lib", "team/app", "other/x"}
    exists = jobs.__contains__
    assert definitions.resolve("lib", "team/app", exists) == "team/lib"        # relative first
    assert definitions.resolve("/lib", "team/app", exists) == "lib"            # absolute
    assert definitions.resolve("../other/x", "team/app", exists) == "other/x"
    assert definitions.resolve("other/x", "team/app", exists) == "other/x"     # falls back to absolute
    assert definitions.resolve("nope", "team/app", exists) is None


def test_job_dsl_and_config_xml_triggers_reach_the_job(tmp_path):
    from orchestrator import jobs as jobdefs
    from orchestrator.casc_jobs import job_row
    from orchestrator.casc.model import Job, Trigger
    row = job_row(Job("a", triggers=(Trigger("cron", "H 2 * * *"), Trigger("upstream", "x, y", "UNSTABLE"))))
    assert row["props"]["triggers"] == [{"kind": "cron", "spec": "H 2 * * *"},
                                        {"kind": "upstream", "projects": ["x", "y"], "threshold": "UNSTABLE"}]
    xml = ("<flow-definition><properties><org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>"
           "<triggers><hudson.triggers.TimerTrigger><spec>@hourly</spec></hudson.triggers.TimerTrigger>"
           "<jenkins.triggers.ReverseBuildTrigger><upstreamProjects>a,b</upstreamProjects><threshold><name>FAILURE"
           "</name></threshold></jenkins.triggers.ReverseBuildTrigger></triggers>"
           "</org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty></properties>"
           "<definition class='org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition'><script/></definition>"
           "</flow-definition>")
    assert jobdefs.parse_config(xml)["props"]["triggers"] == [
        {"kind": "cron", "spec": "@hourly"}, {"kind": "upstream", "projects": ["a", "b"], "threshold": "FAILURE"}]
    with pytest.raises(jobdefs.JobConfigError, match="61 is an invalid value"):
        jobdefs.parse_config(xml.replace("@hourly", "61 * * * *"))
    # a Jenkinsfile trigger replaces a configured one of the same kind
    job = {"kind": "job", "script": script("cron('@daily')"), "props": json.loads(json.dumps(
        {"triggers": [{"kind": "cron", "spec": "@hourly"}, {"kind": "pollSCM", "spec": "@hourly"}]}))}
    assert [(t.kind, t.spec) for t in definitions.job_triggers(job)] == [("pollSCM", "@hourly"), ("cron", "@daily")]
