"""The one module that owns the SQLite home database (through sqlite-utils).

Web workers (several gunicorn processes) and the scheduler process share one file in WAL mode.
Web workers only *request* things here (a queue item, a stop); the scheduler is the only writer of
build numbers and build state, so numbering cannot race. Every write is one short transaction.
Console logs are not in the database: they are append-only files under the home folder, read by
byte offset (`read_log`).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from sqlite_utils import Database, Migrations

from orchestrator.errors import OrchestratorError

migrations = Migrations("orchestrator")
DELETED_JOB = ":deleted:"   # the job a running build of a deleted job belongs to until it ends


class NotFound(OrchestratorError):
    status = 404


class Conflict(OrchestratorError):
    status = 400


class ReplayedDelivery(OrchestratorError):
    status = 409


#: how long webhook delivery ids are remembered (GitHub lets a delivery be redelivered for weeks)
DELIVERY_MEMORY_MS = 90 * 24 * 3600 * 1000
#: and how many at most: anonymous deliveries (a GitHub ping needs no secret) must not grow the table without end
DELIVERY_MEMORY_COUNT = 10_000


def now_ms() -> int:
    return int(time.time() * 1000)


@migrations()
def m001_initial(db: Database) -> None:
    db["jobs"].create({
        "name": str,            # full name, "folder/job"
        "kind": str,            # "job" or "folder"
        "script": str,          # the Jenkinsfile text (pipeline jobs)
        "config_xml": str,      # what was POSTed (served back unchanged)
        "description": str,
        "disabled": int,
        "params": str,          # JSON list of parameter definitions
        "props": str,           # JSON: quiet_period, disable_concurrent, num_to_keep
        "source": str,          # "api" or "casc"
        "next_build_number": int,
        "created": int,
    }, pk="name", not_null={"name", "kind"}, defaults={"disabled": 0, "next_build_number": 1})
    db["queue"].create({
        "id": int, "job": str, "params": str, "causes": str,
        "in_queue_since": int, "not_before": int,
        "state": str,           # waiting, left, cancelled
        "why": str, "build_number": int, "left_at": int,
    }, pk="id")
    db["queue"].create_index(["state"])
    db["queue"].create_index(["job", "state"])
    db["builds"].create({
        "id": int, "job": str, "number": int, "queue_id": int,
        "state": str,           # running, done
        "result": str, "timestamp": int, "duration": int, "queued_ms": int,
        "params": str, "causes": str, "log": str, "stop_request": str, "description": str,
    }, pk="id")
    db["builds"].create_index(["job", "number"], unique=True)
    db["builds"].create_index(["state"])
    db["stages"].create({
        "build_id": int, "seq": int, "name": str, "parent": int, "status": str,
        "start_ms": int, "duration_ms": int,
    }, pk=("build_id", "seq"))
    db["artifacts"].create({
        "build_id": int, "relative_path": str, "size": int,
    }, pk=("build_id", "relative_path"))


@migrations()
def m002_permalink_indexes(db: Database) -> None:
    """Permalinks stay O(log n) with 10,000 builds in a job's history."""
    db["builds"].create_index(["job", "result", "number"])
    db["builds"].create_index(["job", "state", "number"])


@migrations()
def m003_triggers_controller_state(db: Database) -> None:
    """Small facts the scheduler keeps across restarts: the last minute cron triggers were checked,
    each job's last polled SCM head, the triggers a cpsScm job's Jenkinsfile registered, and gauges
    it publishes for /prometheus (pods in use)."""
    db["controller_state"].create({"key": str, "value": str, "updated": int}, pk="key")


#: upper bounds (seconds) of the build duration histogram /prometheus serves
DURATION_BUCKETS_S = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


@migrations()
def m003_metrics_build_tallies(db: Database) -> None:
    """Finished builds counted by job and result when they finish, so /prometheus counters never go
    down when buildDiscarder deletes old builds. Builds finished before this migration are counted."""
    db["build_tallies"].create({"job": str, "result": str, "count": int, "duration_ms_sum": int, "buckets": str},
                               pk=("job", "result"))
    for row in db.execute_returning_dicts("select job, result, duration from builds where state = 'done'"):
        _tally(db, row["job"], row["result"] or "NOT_BUILT", row["duration"] or 0)


def _tally(db: Database, job: str, result: str, duration_ms: int) -> None:
    """One finished build into its (job, result) counters and duration buckets (not cumulative; the
    last bucket holds builds longer than every bound)."""
    row = _one(db, "select * from build_tallies where job = ? and result = ?", [job, result])
    buckets = json.loads(row["buckets"]) if row else [0] * (len(DURATION_BUCKETS_S) + 1)
    seconds = duration_ms / 1000
    index = next((i for i, bound in enumerate(DURATION_BUCKETS_S) if seconds <= bound), len(DURATION_BUCKETS_S))
    buckets[index] += 1
    db.execute("insert or replace into build_tallies (job, result, count, duration_ms_sum, buckets) "
               "values (?, ?, ?, ?, ?)", [job, result, (row["count"] if row else 0) + 1,
                                         (row["duration_ms_sum"] if row else 0) + duration_ms, json.dumps(buckets)])


@migrations()
def m003_webhooks_revision_and_deliveries(db: Database) -> None:
    """What a webhook asks to build (branch, commit, change request: JSON, see `orchestrator.webhooks.events`)
    travels from the queue item to its build; webhook delivery ids are remembered so a replay starts nothing;
    a cpsScm job keeps the Jenkinsfile its last build read, whose `triggers {}` webhooks then honour
    (Jenkins registers a pipeline's triggers when it runs)."""
    db["queue"].add_column("revision", str)
    db["builds"].add_column("revision", str)
    db["jobs"].add_column("scm_script", str)
    db["webhook_deliveries"].create({"id": str, "source": str, "received": int}, pk="id")
    db["webhook_deliveries"].create_index(["received"])


@migrations()
def m003_security_users_tokens_casc(db: Database) -> None:
    """Local users (password hashes only), their API tokens (SHA-256 of the token only), and the
    generations of the applied JCasC configuration every process follows (see live_config)."""
    db["users"].create({
        "id": str, "full_name": str,
        "password_hash": str,   # "scrypt$..." or "#jbcrypt:$2a$..." (security.passwords); never the password
        "seed": str,            # changes with the password: sessions signed with the old seed end
        "source": str,          # casc | setup | cli
        "created": int,
    }, pk="id")
    db["api_tokens"].create({
        "uuid": str, "user": str, "name": str,
        "digest": str,          # sha256 hex of the token value; the value itself is shown once
        "created": int,
    }, pk="uuid")
    db["api_tokens"].create_index(["user"])
    db["casc_state"].create({
        "generation": int, "digest": str, "sources": str, "applied_at": int,
    }, pk="generation")


@migrations()
def m003_webpages_stage_kind_and_inputs(db: Database) -> None:
    """Stage rows say whether they are parallel branches or matrix cells (for the stage graph);
    `inputs` holds the `input` steps a running build waits on and the answers the web gives."""
    db["stages"].add_column("kind", str, not_null_default="stage")   # stage, branch (parallel), cell (matrix)
    db["inputs"].create({
        "build_id": int, "input_id": str, "message": str, "ok": str,
        "state": str,           # pending, proceed, abort, cancelled (the build stopped waiting)
        "requested_at": int, "answered_by": str, "answered_at": int,
    }, pk=("build_id", "input_id"))


@migrations()
def m004_inputs_submitter(db: Database) -> None:
    """Who may answer an input: `input(submitter: 'alice,ops')`, comma-separated user ids and groups
    (NULL: anyone with Job/Build)."""
    db["inputs"].add_column("submitter", str)


def _connect(path: Path) -> Database:
    # owner-only: the database holds build parameters and password hashes; SQLite gives the -wal and
    # -shm files the database file's mode, so creating it 0600 first covers all three
    os.close(os.open(str(path), os.O_RDWR | os.O_CREAT, 0o600))
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn)


class Store:
    """Jobs, builds, stages, queue items and the artifact index of one home folder."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / "orchestrator.db"
        self._local = threading.local()
        db = self.db
        with open(self.home / "migrations.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # several gunicorn workers open the store at once
            if db.journal_mode != "wal":
                db.enable_wal()
            migrations.apply(db)
            for suffix in ("", "-wal", "-shm"):   # a home made before files were created owner-only
                if os.path.exists(f"{self.path}{suffix}"):
                    os.chmod(f"{self.path}{suffix}", 0o600)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = _connect(self.path)
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ------------------------------------------------------------------ jobs
    def upsert_job(self, name: str, script: str = "", *, config_xml: str = "", description: str = "",
                   disabled: bool = False, params: Iterable[dict] = (), props: Optional[dict] = None,
                   kind: str = "job", source: str = "api", create_only: bool = False) -> dict:
        """Create or replace a job's definition; its build history and numbering are kept."""
        with _exclusive(self.db) as db:
            _upsert_job(db, name, script, config_xml=config_xml, description=description, disabled=disabled,
                        params=params, props=props, kind=kind, source=source, create_only=create_only)
        return self.job(name)

    def job(self, name: str) -> dict:
        row = _one(self.db, "select * from jobs where name = ?", [name])
        if row is None:
            raise NotFound(f"No such job: {name}")
        return _decode_job(row)

    def find_job(self, name: str) -> Optional[dict]:
        row = _one(self.db, "select * from jobs where name = ?", [name])
        return _decode_job(row) if row else None

    def pipeline_jobs(self, enabled_only: bool = False) -> list[dict]:
        """Every pipeline job (folders left out), ordered by name: what webhooks match against (they say
        why a disabled job was not built) and, enabled only, what triggers look at once a minute."""
        return [_decode_job(r) for r in self.db.execute_returning_dicts(
            "select * from jobs where kind = 'job'" + (" and disabled = 0" if enabled_only else "") + " order by name")]

    def children(self, folder: str = "") -> list[dict]:
        """Direct children of a folder ("" = the root), ordered by name."""
        prefix = f"{folder}/" if folder else ""
        rows = self.db.execute_returning_dicts(
            "select * from jobs where name like ? escape '\\' order by name", [_like_prefix(prefix) + "%"])
        return [_decode_job(r) for r in rows if "/" not in r["name"][len(prefix):]]

    def remember_scm_script(self, name: str, script: str) -> None:
        """The Jenkinsfile a cpsScm job's build read from Git (kept across redefinitions of the job)."""
        with _exclusive(self.db) as db:
            db.execute("update jobs set scm_script = ? where name = ?", [script, name])

    def set_disabled(self, name: str, disabled: bool) -> None:
        self.job(name)
        with _exclusive(self.db) as db:
            db.execute("update jobs set disabled = ? where name = ?", [int(disabled), name])

    def delete_job(self, name: str) -> None:
        """Delete a job (or folder and everything inside), its builds, queue items and logs."""
        self.job(name)
        with _exclusive(self.db) as db:
            names = _delete_job(db, name)
        for job in names:
            shutil.rmtree(self.job_dir(job), ignore_errors=True)

    def job_dir(self, name: str) -> Path:
        return self.home / "jobs" / _dir_name(name)

    # ------------------------------------------------------------------ controller state
    def state(self, key: str) -> Optional[str]:
        row = _one(self.db, "select value from controller_state where key = ?", [key])
        return row["value"] if row else None

    def states(self, prefix: str) -> dict[str, str]:
        """Every key starting with `prefix` (the prefix removed) -> value."""
        rows = self.db.execute_returning_dicts(
            "select key, value from controller_state where key like ? escape '\\'", [_like_prefix(prefix) + "%"])
        return {r["key"][len(prefix):]: r["value"] for r in rows}

    def set_state(self, key: str, value: Optional[str]) -> None:
        with _exclusive(self.db) as db:
            _put_state(db, key, value)

    def enqueue_if(self, key: str, should: Callable[[Optional[str]], bool], value: str,
                   entries: Iterable[tuple[str, dict, list[dict], int]]) -> Optional[list[int]]:
        """In one transaction: when `should(current value of key)`, set the key to `value` and enqueue
        every (job, params, causes, delay_ms) and return their queue ids; otherwise change nothing and
        return None. What makes a trigger fire once: a second attempt sees the first one's value."""
        with _exclusive(self.db) as db:
            current = _one(db, "select value from controller_state where key = ?", [key])
            if not should(current["value"] if current else None):
                return None
            _put_state(db, key, value)
            return [_insert_item(db, *entry) for entry in entries]

    # ------------------------------------------------------------------ queue
    def enqueue(self, job: str, params: dict, causes: list[dict], delay_ms: int,
                revision: Optional[dict] = None) -> int:
        """A new queue item (never merged with an identical one: every trigger is a build).
        `revision`: what a webhook asks to build (branch to check out, environment), kept for the build."""
        with _exclusive(self.db) as db:
            return _insert_item(db, job, params, causes, delay_ms, revision)

    def enqueue_delivery(self, delivery: Optional[tuple[str, str]], items: list[dict]) -> list[int]:
        """One webhook delivery: remember its id (`(source, id)`, or None when the sender gives none) and
        enqueue its builds in one transaction. A delivery id seen before raises `ReplayedDelivery` and
        nothing is enqueued. Each item holds `enqueue`'s keyword arguments."""
        now = now_ms()
        with _exclusive(self.db) as db:
            if delivery is not None:
                source, delivery_id = delivery
                key = f"{source}:{delivery_id}"
                if _one(db, "select id from webhook_deliveries where id = ?", [key]):
                    raise ReplayedDelivery(f"Delivery {delivery_id} was already received: a replayed "
                                           "delivery starts nothing")
                db.execute("insert into webhook_deliveries (id, source, received) values (?, ?, ?)",
                           [key, source, now])
                db.execute("delete from webhook_deliveries where received < ?", [now - DELIVERY_MEMORY_MS])
                # rowids grow with each insert, so the newest DELIVERY_MEMORY_COUNT are those above this one
                db.execute("delete from webhook_deliveries where rowid <= (select rowid from webhook_deliveries "
                           "order by rowid desc limit 1 offset ?)", [DELIVERY_MEMORY_COUNT])
            return [_insert_item(db, **item) for item in items]

    def queue_item(self, item_id: int) -> dict:
        row = _one(self.db, "select * from queue where id = ?", [item_id])
        if row is None:
            raise NotFound(f"No queue item {item_id}")
        return _decode_item(row)

    def waiting_items(self, job: Optional[str] = None) -> list[dict]:
        if job is None:
            rows = self.db.execute_returning_dicts("select * from queue where state = 'waiting' order by id")
        else:
            rows = self.db.execute_returning_dicts(
                "select * from queue where state = 'waiting' and job = ? order by id", [job])
        return [_decode_item(r) for r in rows]

    def cancel_item(self, item_id: int) -> bool:
        """Cancel a waiting item; False when it already left the queue (or never existed)."""
        with _exclusive(self.db) as db:
            cursor = db.execute("update queue set state = 'cancelled', left_at = ?, why = null "
                                "where id = ? and state = 'waiting'", [now_ms(), item_id])
            return cursor.rowcount == 1

    def set_why(self, reasons: dict[int, Optional[str]]) -> None:
        with _exclusive(self.db) as db:
            for item_id, why in reasons.items():
                db.execute("update queue set why = ? where id = ? and state = 'waiting'", [why, item_id])

    def expire_left_items(self, older_than_ms: int = 5 * 60 * 1000) -> None:
        """Jenkins keeps left items ~5 minutes, then their URL is a 404."""
        with _exclusive(self.db) as db:
            db.execute("delete from queue where state != 'waiting' and left_at < ?", [now_ms() - older_than_ms])

    # ------------------------------------------------------------------ builds
    def start_build(self, item_id: int) -> Optional[dict]:
        """Claim a waiting item and number its build, in one transaction (scheduler only)."""
        with _exclusive(self.db) as db:
            item = _one(db, "select * from queue where id = ? and state = 'waiting'", [item_id])
            if item is None:
                return None
            job = _one(db, "select * from jobs where name = ?", [item["job"]])
            if job is None:
                db.execute("update queue set state = 'cancelled', left_at = ? where id = ?", [now_ms(), item_id])
                return None
            number = job["next_build_number"]
            db.execute("update jobs set next_build_number = ? where name = ?", [number + 1, job["name"]])
            log = str(Path("jobs") / _dir_name(job["name"]) / "builds" / str(number) / "log")
            now = now_ms()
            cursor = db.execute(
                "insert into builds (job, number, queue_id, state, timestamp, duration, queued_ms, params, causes, log, "
                "revision) values (?, ?, ?, 'running', ?, 0, ?, ?, ?, ?, ?)",
                [job["name"], number, item_id, now, now - item["in_queue_since"], item["params"], item["causes"], log,
                 item.get("revision")])
            db.execute("update queue set state = 'left', build_number = ?, left_at = ?, why = null where id = ?",
                       [number, now, item_id])
            build_id = cursor.lastrowid
        (self.home / log).parent.mkdir(parents=True, exist_ok=True)
        (self.home / log).touch()
        return self.build_by_id(build_id)

    def build_by_id(self, build_id: int) -> dict:
        row = _one(self.db, "select * from builds where id = ?", [build_id])
        if row is None:
            raise NotFound(f"No build {build_id}")
        return _decode_build(row)

    def build(self, job: str, number: int) -> dict:
        row = _one(self.db, "select * from builds where job = ? and number = ?", [job, number])
        if row is None:
            raise NotFound(f"No build #{number} of {job}")
        return _decode_build(row)

    def builds(self, job: str, limit: Optional[int] = 100) -> list[dict]:
        """Newest first."""
        sql = "select * from builds where job = ? order by number desc"
        args: list[Any] = [job]
        if limit is not None:
            sql += " limit ?"
            args.append(limit)
        return [_decode_build(r) for r in self.db.execute_returning_dicts(sql, args)]

    def running_builds(self) -> list[dict]:
        return [_decode_build(r) for r in self.db.execute_returning_dicts(
            "select * from builds where state = 'running' order by id")]

    def permalink(self, job: str, link: str) -> Optional[int]:
        """The build number a permalink (lastBuild, lastSuccessfulBuild, ...) points at."""
        where = _PERMALINKS.get(link)
        if where is None:
            return None
        if isinstance(where, tuple):   # one index lookup per result, not a scan of the history
            found = [self.permalink(job, f"_{r}") for r in where]
            return max((n for n in found if n is not None), default=None)
        order = "asc" if link == "firstBuild" else "desc"
        row = _one(self.db, f"select number from builds where job = ? and ({where}) order by number {order} limit 1",
                   [job])
        return row["number"] if row else None

    def permalinks(self, job: str) -> dict[str, Optional[int]]:
        """Every permalink of a job in one statement (one index lookup per link, no history scan)."""
        parts, args = [], []
        for link in PERMALINKS:
            where = _PERMALINKS[link]
            clauses = [f"result = '{r}'" for r in where] if isinstance(where, tuple) else [where]
            order = "asc" if link == "firstBuild" else "desc"
            lookups = [f"(select number from builds where job = ? and ({c}) order by number {order} limit 1)"
                       for c in clauses]
            args.extend([job] * len(lookups))
            # SQLite's multi-argument max() is NULL if any argument is: -1 stands for "none"
            parts.append(lookups[0] if len(lookups) == 1 else
                         "max(" + ", ".join(f"coalesce({x}, -1)" for x in lookups) + ")")
        row = self.db.execute(f"select {', '.join(parts)}", args).fetchone()
        return {link: (None if n is None or n < 0 else n) for link, n in zip(PERMALINKS, row, strict=True)}

    def request_stop(self, job: str, number: int, how: str) -> dict:
        build = self.build(job, number)
        with _exclusive(self.db) as db:
            db.execute("update builds set stop_request = ? where id = ? and state = 'running'", [how, build["id"]])
        return build

    def finish_build(self, build_id: int, result: str, duration_ms: int) -> None:
        with _exclusive(self.db) as db:
            cursor = db.execute("update builds set state = 'done', result = ?, duration = ? "
                                "where id = ? and state = 'running'", [result, duration_ms, build_id])
            if cursor.rowcount == 1:   # a build finishes once (a hard kill finishes it before its thread ends)
                job = _one(db, "select job from builds where id = ?", [build_id])
                if job["job"].startswith(DELETED_JOB) or _one(db, "select name from jobs where name = ?",
                                                              [job["job"]]) is None:
                    # its job was deleted while it ran: not counted; the row stays (its id must not be reused
                    # while the build's thread may still write) until purge_deleted_builds
                    return
                _tally(db, job["job"], result, duration_ms)

    def purge_deleted_builds(self) -> int:
        """Forget the finished builds of deleted jobs (the scheduler calls this when no build thread runs)."""
        with _exclusive(self.db) as db:
            ids = [r["id"] for r in db.execute_returning_dicts(
                "select id from builds where job like ? escape '\\' and state = 'done'", [_like_prefix(DELETED_JOB) + "%"])]
            for build_id in ids:
                for table in ("stages", "artifacts", "inputs"):
                    db.execute(f"delete from {table} where build_id = ?", [build_id])
                db.execute("delete from builds where id = ?", [build_id])
        return len(ids)

    def build_tallies(self) -> list[dict]:
        """Finished builds per (job, result): count, duration sum and duration buckets (see DURATION_BUCKETS_S)."""
        rows = self.db.execute_returning_dicts("select * from build_tallies order by job, result")
        return [dict(r, buckets=json.loads(r["buckets"])) for r in rows]

    def queue_length(self) -> int:
        return int(self.db.execute("select count(*) from queue where state = 'waiting'").fetchone()[0])

    def set_description(self, build_id: int, description: Optional[str]) -> None:
        with _exclusive(self.db) as db:
            db.execute("update builds set description = ? where id = ?", [description, build_id])

    def delete_build(self, job: str, number: int) -> None:
        build = self.build(job, number)
        with _exclusive(self.db) as db:
            db.execute("delete from stages where build_id = ?", [build["id"]])
            db.execute("delete from artifacts where build_id = ?", [build["id"]])
            db.execute("delete from inputs where build_id = ?", [build["id"]])
            db.execute("delete from builds where id = ?", [build["id"]])
        shutil.rmtree(self.log_path(build).parent, ignore_errors=True)

    def discard_old_builds(self, job: str, num_to_keep: int) -> list[int]:
        """buildDiscarder(logRotator(numToKeepStr)): drop finished builds beyond the newest N."""
        rows = self.db.execute_returning_dicts(
            "select number from builds where job = ? and state = 'done' order by number desc limit -1 offset ?",
            [job, num_to_keep])
        numbers = [r["number"] for r in rows]
        for number in numbers:
            self.delete_build(job, number)
        return numbers

    # ------------------------------------------------------------------ stages
    def save_stages(self, build_id: int, stages: list[dict]) -> None:
        with _exclusive(self.db) as db:
            if _one(db, "select id from builds where id = ?", [build_id]) is None:
                return   # the build went with its deleted job
            db.execute("delete from stages where build_id = ?", [build_id])
            for seq, stage in enumerate(stages):
                db.execute("insert into stages (build_id, seq, name, parent, status, start_ms, duration_ms, kind) "
                           "values (?, ?, ?, ?, ?, ?, ?, ?)",
                           [build_id, seq, stage["name"], stage.get("parent"), stage["status"],
                            stage["start_ms"], stage["duration_ms"], stage.get("kind") or "stage"])

    def stages(self, build_id: int) -> list[dict]:
        return list(self.db.execute_returning_dicts(
            "select * from stages where build_id = ? order by seq", [build_id]))

    # ------------------------------------------------------------------ input steps
    def open_input(self, build_id: int, input_id: str, message: str, ok: str,
                   submitter: Optional[str] = None) -> None:
        """A build's `input` step waits (scheduler only); asking again with the same id asks anew."""
        with _exclusive(self.db) as db:
            db.execute("insert or replace into inputs (build_id, input_id, message, ok, state, requested_at, "
                       "submitter) values (?, ?, ?, ?, 'pending', ?, ?)",
                       [build_id, input_id, message, ok, now_ms(), submitter or None])

    def pending_inputs(self, build_id: int) -> list[dict]:
        return list(self.db.execute_returning_dicts(
            "select * from inputs where build_id = ? and state = 'pending' order by requested_at", [build_id]))

    def input_state(self, build_id: int, input_id: str) -> Optional[dict]:
        return _one(self.db, "select * from inputs where build_id = ? and input_id = ?", [build_id, input_id])

    def answer_input(self, build_id: int, input_id: str, answer: str, user: str) -> None:
        """The web's answer ("proceed" or "abort") to a pending input; NotFound when none waits."""
        with _exclusive(self.db) as db:
            cursor = db.execute("update inputs set state = ?, answered_by = ?, answered_at = ? "
                                "where build_id = ? and input_id = ? and state = 'pending'",
                                [answer, user, now_ms(), build_id, input_id])
            if cursor.rowcount != 1:
                raise NotFound(f"No pending input with id {input_id}")

    def close_input(self, build_id: int, input_id: str) -> None:
        """The build stopped waiting (answered, aborted or finished): an unanswered input is withdrawn."""
        with _exclusive(self.db) as db:
            db.execute("update inputs set state = 'cancelled' where build_id = ? and input_id = ? "
                       "and state = 'pending'", [build_id, input_id])

    def index_artifacts(self, build_id: int, files: Iterable[tuple[str, int]]) -> None:
        with _exclusive(self.db) as db:
            for relative_path, size in files:
                db.execute("insert or replace into artifacts (build_id, relative_path, size) values (?, ?, ?)",
                           [build_id, relative_path, size])

    def archive_dir(self, build: dict) -> Path:
        """Where `archiveArtifacts` copied this build's files (the engine writes there, next to the log)."""
        return self.log_path(build).parent / "archive"

    def index_archive(self, build: dict) -> int:
        """Record the files under the build's archive folder in the artifacts index; how many there are."""
        root = self.archive_dir(build)
        files = [(p.relative_to(root).as_posix(), p.stat().st_size)
                 for p in sorted(root.rglob("*")) if p.is_file()] if root.is_dir() else []
        self.index_artifacts(build["id"], files)
        return len(files)

    def artifacts(self, build_id: int) -> list[dict]:
        return list(self.db.execute_returning_dicts(
            "select * from artifacts where build_id = ? order by relative_path", [build_id]))

    # ------------------------------------------------------------------ logs
    def log_path(self, build: dict) -> Path:
        return self.home / build["log"]

    def read_log(self, build: dict, start: int = 0) -> tuple[bytes, int]:
        """The log's bytes from `start`, and the offset to ask for next time."""
        path = self.log_path(build)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if start >= size:
                    return b"", max(start, size) if start <= size else size
                f.seek(max(0, start))
                data = f.read(size - max(0, start))
        except FileNotFoundError:
            return b"", 0
        return data, max(0, start) + len(data)

    def append_log(self, build: dict, text: str) -> None:
        path = self.log_path(build)
        if not path.parent.is_dir():
            return   # the job was deleted (with its folder) while the build ran
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)

    # ------------------------------------------------------------------ users, API tokens (hashes only)
    def user(self, user_id: str) -> Optional[dict]:
        return _one(self.db, "select * from users where id = ?", [user_id])

    def users(self) -> list[dict]:
        return list(self.db.execute_returning_dicts("select id, full_name, source, created from users order by id"))

    def put_user(self, user_id: str, full_name: str, password_hash: str, seed: str, source: str) -> None:
        with _exclusive(self.db) as db:
            _put_user(db, {"id": user_id, "full_name": full_name, "password_hash": password_hash, "seed": seed,
                           "source": source})

    def add_token(self, user_id: str, name: str, digest: str, uuid: str) -> None:
        with _exclusive(self.db) as db:
            if _one(db, "select id from users where id = ?", [user_id]) is None:
                raise NotFound(f"No such user: {user_id}")
            db["api_tokens"].insert({"uuid": uuid, "user": user_id, "name": name, "digest": digest,
                                     "created": now_ms()})

    def token_by_digest(self, user_id: str, digest: str) -> Optional[dict]:
        return _one(self.db, "select uuid, user, name, created from api_tokens where user = ? and digest = ?",
                    [user_id, digest])

    def tokens(self, user_id: str) -> list[dict]:
        return list(self.db.execute_returning_dicts(
            "select uuid, name, created from api_tokens where user = ? order by created, uuid", [user_id]))

    def revoke_token(self, user_id: str, uuid: str) -> bool:
        with _exclusive(self.db) as db:
            return db.execute("delete from api_tokens where user = ? and uuid = ?", [user_id, uuid]).rowcount == 1

    # ------------------------------------------------------------------ applied configuration generations
    def casc_generation(self) -> Optional[dict]:
        """The newest applied JCasC configuration: generation, digest of its snapshot, sources."""
        return _one(self.db, "select * from casc_state order by generation desc limit 1", [])

    def commit_configuration(self, jobs: list[dict], delete: Iterable[str], users: Iterable[dict], digest: str,
                             sources: str) -> int:
        """One transaction: the jobs (upsert_job keyword dicts with `name`), the deletions, the users
        and the new generation, so every process sees all of a reload or none of it."""
        with _exclusive(self.db) as db:
            for job in jobs:
                _upsert_job(db, **job)
            deleted = [n for name in delete for n in _delete_job(db, name)]
            for user in users:
                _put_user(db, user)
            row = _one(db, "select max(generation) as g from casc_state", [])
            generation = ((row or {}).get("g") or 0) + 1
            db["casc_state"].insert({"generation": generation, "digest": digest, "sources": sources,
                                     "applied_at": now_ms()})
            db.execute("delete from casc_state where generation < ?", [generation - 10])
        for name in deleted:
            shutil.rmtree(self.job_dir(name), ignore_errors=True)
        return generation


_PERMALINKS = {
    "lastBuild": "1",
    "firstBuild": "1",
    "lastCompletedBuild": "state = 'done'",
    "lastSuccessfulBuild": ("SUCCESS", "UNSTABLE"),
    "lastStableBuild": "result = 'SUCCESS'",
    "lastFailedBuild": "result = 'FAILURE'",
    "lastUnstableBuild": "result = 'UNSTABLE'",
    "lastUnsuccessfulBuild": ("UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED"),
}
PERMALINKS = tuple(_PERMALINKS)
_PERMALINKS.update({f"_{r}": f"result = '{r}'" for r in ("SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED")})


class _exclusive:
    """`BEGIN IMMEDIATE ... COMMIT`: take the write lock up front so read-then-write cannot race."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> Database:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _insert_item(db: Database, job: str, params: dict, causes: list[dict], delay_ms: int,
                 revision: Optional[dict] = None) -> int:
    now = now_ms()
    cursor = db.execute(
        "insert into queue (job, params, causes, in_queue_since, not_before, state, revision) "
        "values (?, ?, ?, ?, ?, 'waiting', ?)",
        [job, json.dumps(params), json.dumps(causes), now, now + delay_ms, json.dumps(revision) if revision else None])
    return int(cursor.lastrowid)


def _put_state(db: Database, key: str, value: Optional[str]) -> None:
    if value is None:
        db.execute("delete from controller_state where key = ?", [key])
    else:
        db.execute("insert or replace into controller_state (key, value, updated) values (?, ?, ?)",
                   [key, value, now_ms()])


def _upsert_job(db: Database, name: str, script: str = "", *, config_xml: str = "", description: str = "",
                disabled: bool = False, params: Iterable[dict] = (), props: Optional[dict] = None,
                kind: str = "job", source: str = "api", create_only: bool = False) -> None:
    """Inside a transaction: create or replace one job row."""
    row = {"name": name, "kind": kind, "script": script, "config_xml": config_xml,
           "description": description or "", "disabled": int(bool(disabled)),
           "params": json.dumps(list(params)), "props": json.dumps(props or {}), "source": source}
    existing = _one(db, "select name, kind from jobs where name = ?", [name])
    if existing and create_only:
        raise Conflict(f"A job already exists with the name ‘{name}’")
    if existing:
        db["jobs"].update(name, row)
    else:
        db["jobs"].insert({**row, "next_build_number": 1, "created": now_ms()})


def _delete_job(db: Database, name: str) -> list[str]:
    """Inside a transaction: delete a job or folder with everything inside; the names deleted."""
    like = _like_prefix(name + "/") + "%"
    names = [r["name"] for r in db.execute_returning_dicts(
        "select name from jobs where name = ? or name like ? escape '\\'", [name, like])]
    for job in names:
        db.execute("delete from stages where build_id in (select id from builds where job = ?)", [job])
        db.execute("delete from artifacts where build_id in (select id from builds where job = ?)", [job])
        db.execute("delete from inputs where build_id in (select id from builds where job = ? "
                   "and state != 'running')", [job])
        # its running builds are killed; until they end they belong to no job (`:deleted:<name>`; no job name
        # has a ':'), so a job made again under the name starts afresh
        db.execute("update builds set stop_request = 'kill', job = ? where job = ? and state = 'running'",
                   [DELETED_JOB + job, job])
        db.execute("delete from builds where job = ? and state != 'running'", [job])
        db.execute("update queue set state = 'cancelled', left_at = ? where job = ? and state = 'waiting'",
                   [now_ms(), job])
        db.execute("delete from jobs where name = ?", [job])
        db.execute("delete from build_tallies where job = ?", [job])
        # what the scheduler remembered about it (`<kind>:<job>`: triggers registered, last polled head...);
        # job names cannot contain ':', so the suffix is the job's alone
        db.execute("delete from controller_state where key like ? escape '\\'", ["%:" + _like_prefix(job)])
    return names


def _put_user(db: Database, user: dict) -> None:
    existing = _one(db, "select created from users where id = ?", [user["id"]])
    db["users"].upsert({**user, "created": existing["created"] if existing else now_ms()}, pk="id")


def _one(db: Database, sql: str, args: list) -> Optional[dict]:
    rows = db.execute_returning_dicts(sql, args)
    return rows[0] if rows else None


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _dir_name(job: str) -> str:
    """Job folders on disk: one folder per path segment (names were validated, no `..`)."""
    return "/jobs/".join(job.split("/"))


def _decode_job(row: dict) -> dict:
    job = dict(row)
    job["params"] = json.loads(row["params"] or "[]")
    job["props"] = json.loads(row["props"] or "{}")
    job["disabled"] = bool(row["disabled"])
    return job


def _decode_item(row: dict) -> dict:
    item = dict(row)
    item["params"] = json.loads(row["params"] or "{}")
    item["causes"] = json.loads(row["causes"] or "[]")
    item["revision"] = json.loads(row.get("revision") or "null")
    return item


def _decode_build(row: dict) -> dict:
    return _decode_item(row)   # the same JSON columns: params, causes, revision
