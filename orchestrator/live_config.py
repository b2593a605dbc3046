"""The JCasC configuration every process runs with, shared through the home folder by generation.

`serve --casc` and the reload endpoints call `apply_sources`: read the sources once, check
everything (`casc.check_documents`), then commit in ONE store transaction the jobs, the local users
(password hashes only) and a new generation number pointing at a snapshot of the texts read. The
scheduler and every web worker follow with `LiveConfig.current()`: when the generation moved they
load that snapshot (interpolating `${VARS}` from their own environment, as the applier did), so
credentials, clouds, executors and security change everywhere without a restart, and a reload that
fails changes nothing anywhere. Snapshots hold the YAML as written (secrets stay `${VARS}` unless the
file itself has them in clear), in HOME/secrets/casc (mode 0700), named by their SHA-256.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from orchestrator.casc import sources as casc_sources
from orchestrator.casc.errors import CascLoadError, SourceError
from orchestrator.casc.loader import Report, check_documents
from orchestrator.casc.model import Config
from orchestrator.security.passwords import new_seed, stored_form, verify_password

log = logging.getLogger("orchestrator.config")
KEEP_SNAPSHOTS = 5


@dataclass(frozen=True)
class Live:
    generation: int = 0              # 0: no configuration applied to this home
    config: Optional[Config] = None
    sources: str = ""


@dataclass(frozen=True)
class Applied:
    generation: int
    config: Config
    applied: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    warnings: tuple[Any, ...] = field(default=())


def absolute_sources(value: str, cwd: Optional[Path] = None) -> str:
    """Relative file sources made absolute, so any process (and a later reload) reads the same files."""
    out = []
    for part in casc_sources.split(value):
        if urlsplit(part).scheme in ("http", "https", "file"):
            out.append(part)
        else:
            out.append(str((cwd or Path.cwd()) / part) if not os.path.isabs(part) else part)
    return ",".join(out)


def snapshot_dir(home: Path) -> Path:
    folder = Path(home) / "secrets" / "casc"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.parent, 0o700)
    os.chmod(folder, 0o700)
    return folder


def check_sources(sources: Optional[str], env: Optional[Mapping[str, str]] = None) -> tuple[Report, list]:
    """Read and check without applying: the dry run. Returns the report and the texts read."""
    env = dict(os.environ if env is None else env)
    value = sources or env.get("CASC_JENKINS_CONFIG", "")
    if not value or not casc_sources.split(value):
        return Report(None, (SourceError("No configuration source: start the server with --casc PATH "
                                         "or set CASC_JENKINS_CONFIG"),), ()), []
    try:
        documents = casc_sources.read(value)
    except SourceError as e:
        return Report(None, (e,), ()), []
    return check_documents(documents, env), documents


def apply_sources(store, sources: Optional[str], env: Optional[Mapping[str, str]] = None) -> Applied:
    """Check and apply all or nothing; raises CascLoadError (nothing changed) when anything is wrong.
    Applies are serialised per home (HOME/casc.lock), so the last one read is the last one committed."""
    env = dict(os.environ if env is None else env)
    with open(Path(store.home) / "casc.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        report, documents = check_sources(sources, env)
        if not report.ok or report.config is None:
            raise CascLoadError(report.errors, report.warnings)
        config = report.config
        value = sources or env.get("CASC_JENKINS_CONFIG", "")
        try:
            users = user_rows(store, config)
        except Exception as e:   # noqa: BLE001 - e.g. a bcrypt hash this system cannot check
            raise CascLoadError([SourceError(str(e))]) from None
        from orchestrator.casc_jobs import job_changes
        rows, deletions = job_changes(store, config)
        digest = write_snapshot(store.home, documents, value)
        generation = store.commit_configuration(rows, deletions, users, digest, value)
        prune_snapshots(store)
    return Applied(generation, config, tuple(j.name for j in config.jobs), tuple(deletions), report.warnings)


def user_rows(store, config: Config) -> list[dict]:
    """The realm's users as store rows: a password already stored keeps its hash (and sessions),
    a changed one gets a new hash and seed (signing its sessions out)."""
    realm = config.jenkins.security_realm
    rows = []
    for user in realm.users if realm is not None else ():
        existing = store.user(user.id)
        old_hash = existing["password_hash"] if existing else ""
        if existing and user.password and (old_hash == user.password or verify_password(user.password, old_hash)):
            password_hash, seed = old_hash, existing["seed"]
        else:
            password_hash = stored_form(user.password) if user.password else ""
            seed = new_seed()
        rows.append({"id": user.id, "full_name": user.name or user.id, "password_hash": password_hash,
                     "seed": seed, "source": "casc"})
    return rows


def write_snapshot(home: Path, documents: list, sources: str) -> str:
    data = json.dumps({"sources": sources, "documents": [{"name": d.name, "text": d.text} for d in documents]},
                      sort_keys=True).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    path = snapshot_dir(home) / f"{digest}.json"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return digest


def read_snapshot(home: Path, digest: str) -> list:
    path = snapshot_dir(home) / f"{digest}.json"
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise SourceError(f"configuration snapshot {path} does not match its digest")
    return [casc_sources.Source(d["name"], d["text"]) for d in json.loads(data)["documents"]]


def prune_snapshots(store) -> None:
    """Keep the snapshots of the last generations (a reader may be loading one of them)."""
    keep = {row["digest"] for row in store.db.execute_returning_dicts(
        "select digest from casc_state order by generation desc limit ?", [KEEP_SNAPSHOTS])}
    for path in snapshot_dir(store.home).glob("*.json"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)


class LiveConfig:
    """One process's view of the applied configuration: cheap to ask (one indexed SQLite read),
    reloaded from the snapshot only when the generation moved. A snapshot this process cannot
    load (e.g. a variable missing from its environment) fails closed: the configuration becomes None
    with the new generation, which the web treats as "deny everything but /healthz" (keeping the old
    one could enforce a more permissive policy than the one applied), and the log says why."""

    def __init__(self, env: Optional[Mapping[str, str]] = None) -> None:
        self._env = env
        self._live = Live()
        self._lock = threading.Lock()

    def current(self, store) -> Live:
        row = store.casc_generation()
        if row is None or row["generation"] == self._live.generation:
            return self._live
        with self._lock:
            if row["generation"] != self._live.generation:
                self._live = self._load(store, row)
        return self._live

    def _load(self, store, row: dict) -> Live:
        try:
            report = check_documents(read_snapshot(store.home, row["digest"]),
                                     dict(os.environ if self._env is None else self._env))
        except (OSError, ValueError, SourceError) as e:
            log.error("configuration generation %s cannot be read: %s; denying every request until it can",
                      row["generation"], e)
            return Live(row["generation"], None, row["sources"])
        if report.config is None:
            log.error("configuration generation %s does not load here: %s; denying every request until it can",
                      row["generation"], "; ".join(e.render() for e in report.errors))
            return Live(row["generation"], None, row["sources"])
        return Live(row["generation"], report.config, row["sources"])
