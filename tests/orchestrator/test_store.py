"""The store on real SQLite files: numbering, queue states, logs by offset, folders."""
from __future__ import annotations

import threading

import pytest

from orchestrator.store import Conflict, NotFound, Store


def test_wal_and_migrations(tmp_path):
    store = Store(tmp_path)
    assert store.db.journal_mode == "wal"
    assert {"jobs", "builds", "stages", "queue", "artifacts"} <= set(store.db.table_names())
    Store(tmp_path)   # re-opening applies nothing twice


def test_concurrent_enqueue_from_many_connections(tmp_path):
    Store(tmp_path).upsert_job("app", "x")
    ids = []

    def enqueue():
        ids.append(Store(tmp_path).enqueue("app", {}, [], 0))

    threads = [threading.Thread(target=enqueue) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    store = Store(tmp_path)
    assert sorted(ids) == list(range(1, 21))
    numbers = [store.start_build(i)["number"] for i in sorted(ids)]
    assert numbers == list(range(1, 21))
    assert store.start_build(ids[0]) is None     # an item starts once


def test_cancel_only_waiting_items(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("app", "x")
    a, b = store.enqueue("app", {}, [], 0), store.enqueue("app", {}, [], 0)
    store.start_build(a)
    assert not store.cancel_item(a)
    assert store.cancel_item(b)
    assert store.queue_item(b)["state"] == "cancelled"
    assert store.start_build(b) is None


def test_log_read_by_offset(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("app", "x")
    build = store.start_build(store.enqueue("app", {}, [], 0))
    store.append_log(build, "héllo\n")
    data, size = store.read_log(build, 0)
    assert data == "héllo\n".encode() and size == 7
    assert store.read_log(build, 3) == ("llo\n".encode(), 7)
    assert store.read_log(build, 7) == (b"", 7)
    assert store.read_log(build, 100) == (b"", 7)


def test_folders_permalinks_and_delete(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("team", kind="folder")
    store.upsert_job("team/app", "x")
    store.upsert_job("team_other", "x")
    assert [j["name"] for j in store.children("team")] == ["team/app"]
    with pytest.raises(Conflict):
        store.upsert_job("team/app", "y", create_only=True)
    build = store.start_build(store.enqueue("team/app", {}, [], 0))
    store.finish_build(build["id"], "FAILURE", 5)
    assert store.permalink("team/app", "lastFailedBuild") == 1
    assert store.permalink("team/app", "lastSuccessfulBuild") is None
    store.delete_job("team")
    with pytest.raises(NotFound):
        store.job("team/app")
    assert store.job("team_other")["name"] == "team_other"


def test_permalinks_in_one_statement_match_one_by_one(tmp_path):
    from orchestrator.store import PERMALINKS, Store
    store = Store(tmp_path)
    store.upsert_job("p", "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }")
    results = ["SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "SUCCESS", "NOT_BUILT"]
    for result in results:
        build = store.start_build(store.enqueue("p", params={}, causes=[], delay_ms=0))
        store.finish_build(build["id"], result, 1)
    together = store.permalinks("p")
    assert together == {link: store.permalink("p", link) for link in PERMALINKS}
    assert together["lastSuccessfulBuild"] == 5 and together["lastUnsuccessfulBuild"] == 6
    assert together["lastStableBuild"] == 5 and together["firstBuild"] == 1


def test_a_job_deleted_while_its_build_runs_and_made_again_numbers_after_it_and_leaves_nothing(tmp_path):
    store = Store(tmp_path)
    store.upsert_job("app", "pipeline {}")
    running = store.start_build(store.enqueue("app", {}, [], 0))
    store.set_state("scm-head:app", "abc123")
    store.set_state("scm-head:team/app", "keep-me")          # another job whose name ends the same way
    store.delete_job("app")
    store.append_log(running, "more output\n")               # its folder is gone: nothing is written, no error
    assert not store.job_dir("app").exists()
    store.upsert_job("app", "pipeline {}")
    second = store.start_build(store.enqueue("app", {}, [], 0))
    assert (running["number"], second["number"]) == (1, 1)   # a new job, its own numbers
    store.finish_build(running["id"], "ABORTED", 10)          # the old build ends: not counted, not listed
    assert [b["id"] for b in store.builds("app")] == [second["id"]]
    assert store.build_tallies() == []
    assert store.purge_deleted_builds() == 1                  # gone once no thread can write to it
    store.finish_build(running["id"], "ABORTED", 10)          # ...and a late finish changes nothing
    assert store.state("scm-head:app") is None and store.state("scm-head:team/app") == "keep-me"
    store.finish_build(second["id"], "SUCCESS", 10)
    assert [(t["job"], t["result"], t["count"]) for t in store.build_tallies()] == [("app", "SUCCESS", 1)]
