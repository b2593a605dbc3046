"""The triggers' effects, run by the scheduler process (the only one that may start builds).

`tick()` is called on every scheduler iteration and does work once per new minute of its clock:
cron triggers due that minute are enqueued (in the same transaction that records the minute, so a
minute fires once even across a restart), and due pollSCM triggers start a poll in a thread (a slow
remote must not hold up builds). `build_finished()` enqueues the downstream jobs of a finished build.
Tests pass `clock` (epoch seconds) and `tz`, and `wait_for_polls()`.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone, tzinfo
from typing import Callable, Optional

from orchestrator.grammar.triggers import TriggerDecl
from orchestrator.store import Store

from . import definitions, plan
from .causes import scm_cause, timer_cause, upstream_cause
from .git import PollError, remote_head

log = logging.getLogger("orchestrator.triggers")
LAST_MINUTE = "cron:last-minute"
SCM_HEAD = "scm-head:"        # + job: the commit the job last polled or built
REGISTERED = "registered:"    # + job: the triggers its fetched Jenkinsfile declared (cpsScm jobs)


class TriggerService:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time, tz: Optional[tzinfo] = None,
                 quiet_period: int = 5, head_of: Callable[[str, str], str] = remote_head) -> None:
        self.store = store
        self.clock = clock
        self.tz = tz                       # None: the controller's local time, as Jenkins' JVM default zone
        self.quiet_period_ms = quiet_period * 1000
        self.head_of = head_of
        self._minute_seen: Optional[int] = None
        self._polls: dict[str, threading.Thread] = {}

    # ------------------------------------------------------------ what jobs have
    def table(self) -> dict[str, tuple[TriggerDecl, ...]]:
        registered = self.store.states(REGISTERED)
        table = {}
        for job in self.store.pipeline_jobs(enabled_only=True):
            found = definitions.job_triggers(job, _decls(registered.get(job["name"])))
            if found:
                table[job["name"]] = found
        return table

    def register(self, job: str, script: str) -> None:
        """A cpsScm build fetched this Jenkinsfile: its triggers are the job's from now on (as Jenkins)."""
        found = definitions.script_triggers(script)
        self.store.set_state(REGISTERED + job, json.dumps(definitions.to_props(found)) if found else None)

    # ------------------------------------------------------------ cron and pollSCM
    def tick(self) -> list[int]:
        """Once per minute of the clock: enqueue due cron jobs, start due polls. The queue ids enqueued."""
        minute = int(self.clock() // 60)
        if minute == self._minute_seen:
            return []
        self._minute_seen = minute
        last = self.store.state(LAST_MINUTE)
        enqueued: list[int] = []
        checks = plan.minutes_to_check(int(last) if last else None, minute)
        table = self.table() if checks else {}
        for m in checks:
            when = self.local(m * 60)
            entries = [(job, self.defaults(job), [timer_cause()], 0) for job in plan.due(table, "cron", when)]
            ids = self.store.enqueue_if(LAST_MINUTE, lambda v, m=m: v is None or int(v) < m, str(m), entries)
            if ids is None:
                continue   # this minute was already handled (a restart within the minute)
            enqueued += ids
            for job in plan.due(table, "pollSCM", when):
                self.start_poll(job)
        return enqueued

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, tz=self.tz or timezone.utc).astimezone(self.tz)

    def start_poll(self, job: str) -> None:
        running = self._polls.get(job)
        if running is not None and running.is_alive():
            return    # Jenkins skips a poll while the previous one of the job still runs
        thread = threading.Thread(target=self.poll, args=(job,), daemon=True, name=f"poll-{job}")
        self._polls[job] = thread
        thread.start()

    def wait_for_polls(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in list(self._polls.values()):
            thread.join(max(0.0, deadline - time.monotonic()))

    def poll(self, name: str) -> Optional[int]:
        """Ask the job's Git remote for its head; a new head (or none known yet) enqueues a build.
        Writes Jenkins' polling log (`jobs/<job>/scm-polling.log`). The queue id, if any."""
        started = time.monotonic()
        lines = [f"Started on {datetime.now().strftime('%b %d, %Y, %I:%M:%S %p')}"]
        try:
            job = self.store.find_job(name)
            scm = (job or {}).get("props", {}).get("scm")
            if job is None or not scm:
                lines.append("No SCM to poll: pollSCM needs a job whose Jenkinsfile comes from Git (cpsScm)")
                return None
            lines.append(f"Polling {scm['url']} {scm.get('branch') or 'HEAD'}")
            baseline = self.store.state(SCM_HEAD + name)
            try:
                head = self.head_of(scm["url"], scm.get("branch") or "")
            except PollError as e:
                lines.append(f"ERROR: {e}")
                return None
            lines.append(f"[poll] Last Built Revision: {baseline or 'none'}; remote head: {head}")
            ids = self.store.enqueue_if(SCM_HEAD + name, lambda v: v != head, head,
                                        [(name, self.defaults(name), [scm_cause()], self.quiet_ms(job))])
            lines.append("Changes found" if ids else "No changes")
            return ids[0] if ids else None
        except Exception as e:  # noqa: BLE001 - a poll thread must log, never die silently
            log.exception("polling %s failed", name)
            lines.append(f"ERROR: {e}")
            return None
        finally:
            lines.append(f"Done. Took {int((time.monotonic() - started) * 1000)} ms")
            self._write_poll_log(name, lines)

    def _write_poll_log(self, job: str, lines: list[str]) -> None:
        try:
            folder = self.store.job_dir(job)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "scm-polling.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError:
            log.warning("could not write the polling log of %s", job)

    # ------------------------------------------------------------ upstream
    def build_finished(self, build: dict) -> list[int]:
        """Enqueue the jobs whose upstream trigger this finished build satisfies."""
        if not build.get("result"):
            return []
        jobs = {j["name"]: j for j in self.store.pipeline_jobs(enabled_only=True)}
        table = self.table()

        def resolve(name: str, downstream: str) -> Optional[str]:
            return definitions.resolve(name, downstream, lambda n: n in jobs)
        ids = []
        for job in plan.downstream(build["job"], build["result"], table, resolve):
            ids.append(self.store.enqueue(job, self.defaults(job), [upstream_cause(build["job"], build["number"])],
                                          self.quiet_ms(jobs[job])))
        return ids

    # ------------------------------------------------------------ helpers
    def defaults(self, name: str) -> dict:
        """A triggered build gets the parameters' default values, as in Jenkins."""
        from orchestrator.jobs import parameter_values
        job = self.store.find_job(name)
        return parameter_values(job["params"], {}) if job else {}

    def quiet_ms(self, job: Optional[dict]) -> int:
        quiet = (job or {}).get("props", {}).get("quiet_period")
        return int(quiet) * 1000 if quiet is not None else self.quiet_period_ms


def _decls(text: Optional[str]) -> Optional[tuple[TriggerDecl, ...]]:
    return tuple(definitions.from_props({"triggers": json.loads(text)})) if text else None
