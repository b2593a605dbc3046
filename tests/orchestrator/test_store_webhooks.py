"""The store's part of webhooks: deliveries remembered, a replay enqueues nothing, the revision reaches the build."""
from __future__ import annotations

import pytest

from orchestrator import jobs
from orchestrator import store as store_module
from orchestrator.store import ReplayedDelivery, Store


def _item(job, revision=None):
    return {"job": job, "params": {}, "causes": [{"shortDescription": "Started by GitHub push by octocat"}],
            "delay_ms": 0, "revision": revision}


def test_a_delivery_enqueues_all_its_builds_once(tmp_path):
    store = Store(tmp_path)
    for name in ("a", "b"):
        store.upsert_job(name, "x")
    revision = {"checkout": "main", "url": None, "env": {"BRANCH_NAME": "main"}}
    ids = store.enqueue_delivery(("github", "d-1"), [_item("a", revision), _item("b", revision)])
    assert [store.queue_item(i)["job"] for i in ids] == ["a", "b"]
    with pytest.raises(ReplayedDelivery, match="d-1 was already received"):
        store.enqueue_delivery(("github", "d-1"), [_item("a")])
    assert len(store.waiting_items()) == 2
    assert store.enqueue_delivery(("gitlab", "d-1"), []) == []      # ids are per source
    build = store.start_build(ids[0])
    assert build["revision"] == revision and store.queue_item(ids[1])["revision"] == revision
    assert store.enqueue_delivery(None, [_item("a")]) and len(store.waiting_items()) == 2


def test_remembered_deliveries_are_bounded_by_count_newest_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "DELIVERY_MEMORY_COUNT", 3)
    store = Store(tmp_path)
    for n in range(7):
        store.enqueue_delivery(("github", f"ping-{n}"), [])
    kept = [r["id"] for r in store.db.execute_returning_dicts("select id from webhook_deliveries order by rowid")]
    assert kept == ["github:ping-4", "github:ping-5", "github:ping-6"]
    with pytest.raises(ReplayedDelivery):   # the newest are still recognised
        store.enqueue_delivery(("github", "ping-4"), [])
    assert store.enqueue_delivery(("github", "ping-0"), []) == []   # the forgotten one is accepted again


def test_a_cpsscm_job_keeps_the_jenkinsfile_its_build_read_across_redefinition(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("app", "", props={"scm": {"url": "https://github.com/o/app.git"}})
    store.remember_scm_script("app", "pipeline { }")
    store.upsert_job("app", "", props={"scm": {"url": "https://github.com/o/app.git", "branch": "*/main"}})
    assert store.job("app")["scm_script"] == "pipeline { }"
    assert [j["name"] for j in store.pipeline_jobs()] == ["app"]


def test_config_xml_with_a_git_scm_round_trips():
    xml = jobs.render_config({"kind": "job", "description": "", "script": "", "props": {"scm": {
        "url": "git@github.com:o/app.git", "branch": "*/main", "script_path": "ci/Jenkinsfile",
        "credentials_id": "gh"}}})
    assert jobs.parse_config(xml)["props"]["scm"] == {"url": "git@github.com:o/app.git", "branch": "*/main",
                                                      "script_path": "ci/Jenkinsfile", "credentials_id": "gh"}
    with pytest.raises(jobs.JobConfigError, match="only hudson.plugins.git.GitSCM"):
        jobs.parse_config(xml.replace('class="hudson.plugins.git.GitSCM"', 'class="hudson.scm.SubversionSCM"'))
    with pytest.raises(jobs.JobConfigError, match="has no <userRemoteConfigs>"):
        jobs.parse_config(xml.replace("<url>git@github.com:o/app.git</url>", ""))
