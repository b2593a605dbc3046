"""The scheduler: the one process per home that turns queue items into running builds.

Exactly one runs per home (an exclusive `flock` on HOME/scheduler.lock). Each iteration:
1. read the waiting items, the running builds and the jobs they name;
2. `plan()` (pure) decides which items start now and why the others wait;
3. the effects: number each started build in one transaction, run it on the engine in a thread,
   act on stop/term/kill requests the web workers wrote, record stages, apply `buildDiscarder`.
On start it recovers from a crash: builds the store says are running were interrupted, so they are
marked ABORTED with a console line saying why and their leftover processes are killed.

Capacity is `numExecutors` for now; cloud `containerCap` / template `instanceCap` plug into
`capacity_for()` when pod agents arrive.
"""
from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Optional

from orchestrator.errors import FlowInterrupted, OrchestratorError
from orchestrator.jobs import password_names
from orchestrator.store import Store, now_ms

log = logging.getLogger("orchestrator.scheduler")
BUILD_KEY_VAR = "ORCHESTRATOR_BUILD_KEY"
GAUGE_EXECUTORS = "gauge:executors"
GAUGE_PODS = "gauge:pods:"    # + cloud name, or cloud/template
RESTART_MESSAGE = ("The controller stopped while this build was running (killed or crashed); "
                   "the build was interrupted and is marked ABORTED.")


class SchedulerLocked(OrchestratorError):
    exit_code = 3


# ---------------------------------------------------------------- pure decisions
@dataclass(frozen=True)
class Plan:
    start: tuple[int, ...]                 # queue item ids to start now, in order
    why: dict[int, Optional[str]] = field(default_factory=dict)   # the others: why they wait


def plan(items: list[dict], running: list[dict], jobs: dict[str, dict], now: int, capacity: int) -> Plan:
    """Which waiting items start now. Items are taken in queue order; an item waits for its quiet
    period, for its job's running build under `disableConcurrentBuilds`, or for a free executor."""
    free = capacity - len(running)
    busy: dict[str, int] = {}
    for build in running:
        busy[build["job"]] = max(busy.get(build["job"], 0), build["number"])
    start: list[int] = []
    why: dict[int, Optional[str]] = {}
    for item in items:
        job = jobs.get(item["job"])
        if job is None:
            start.append(item["id"])        # the store cancels it: the job is gone
            continue
        if item["not_before"] > now:
            why[item["id"]] = None          # the quiet period message is computed when read
            continue
        if job["props"].get("disable_concurrent") and item["job"] in busy:
            number = busy[item["job"]]
            why[item["id"]] = f"Build #{number} is already in progress" if number else \
                "A build is already in progress"
            continue
        if free <= 0:
            why[item["id"]] = "Waiting for next available executor"
            continue
        start.append(item["id"])
        busy.setdefault(item["job"], 0)
        free -= 1
    return Plan(tuple(start), why)


_CHILD_KIND = {"parallel": "branch", "matrix": "cell"}


def stage_rows(stages: list[Any]) -> list[dict]:
    """Engine StageState objects -> store rows (parent as an index into the list; kind: a parallel
    branch or matrix cell runs beside its siblings, a plain stage after them)."""
    index = {id(s): i for i, s in enumerate(stages)}
    rows = []
    for s in stages:
        duration = s.duration if s.duration else max(0.0, time.time() - s.started)
        status = s.status
        if status == "NOT_EXECUTED" and not s.duration:
            status = "IN_PROGRESS"
        kind = _CHILD_KIND.get(getattr(s.parent, "fans_out", None) or "", "stage")
        rows.append({"name": s.name, "parent": index.get(id(s.parent)) if s.parent is not None else None,
                     "kind": kind, "status": status, "start_ms": int(s.started * 1000), "duration_ms": int(duration * 1000)})
    return rows


# ---------------------------------------------------------------- effects
@dataclass
class Running:
    row: dict
    build: Any = None                       # engine Build once set up
    thread: Optional[threading.Thread] = None
    stop_seen: Optional[str] = None
    last_stage_save: float = 0.0


class Scheduler:
    def __init__(self, store: Store, *, executors: int = 2, url: str = "http://localhost:8080/",
                 poll_interval: float = 0.02, credentials: Optional[dict] = None, clouds: tuple = (),
                 triggers: Any = None, follow_config: bool = False) -> None:
        from orchestrator.triggers.service import TriggerService
        self.store = store
        # cron, pollSCM and upstream triggers; tests pass one with their own clock
        self.triggers = triggers if triggers is not None else TriggerService(
            store, quiet_period=int(os.environ.get("ORCHESTRATOR_QUIET_PERIOD", "5")))
        self.credentials = dict(credentials or {})   # JCasC credentials by id, for every build
        self.clouds = tuple(clouds)                  # JCasC Kubernetes clouds, for pod agents
        self.executors = executors
        self.url = url if url.endswith("/") else url + "/"
        self.poll_interval = poll_interval
        self.running: dict[int, Running] = {}
        self._lock_file: Optional[IO[str]] = None
        self._stopping = threading.Event()
        self._last_expire = 0.0
        self._gauges: dict[str, str] = {}
        self._last_gauges = 0.0
        # follow the JCasC generation in the store (serve): reloads reach new builds without a restart
        self.live: Any = None
        if follow_config:
            from orchestrator.live_config import LiveConfig
            self.live = LiveConfig()
        self.generation = 0
        self.executors_fixed = False   # --executors given: numExecutors from JCasC does not change it
        self._last_config_check = 0.0

    # ------------------------------------------------------------ lifecycle
    def acquire(self) -> None:
        """Take HOME/scheduler.lock or raise SchedulerLocked: one scheduler per home."""
        f = open(self.store.home / "scheduler.lock", "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise SchedulerLocked(f"another scheduler is running for {self.store.home}") from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._lock_file = f

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def capacity_for(self) -> int:
        """Builds that may run at once: local executors (cloud caps join here with pod agents)."""
        return self.executors

    def recover(self) -> list[dict]:
        """After a crash: every build still marked running was interrupted."""
        interrupted = []
        for row in self.store.running_builds():
            if row["id"] in self.running:
                continue
            killed = kill_build_processes(self.build_key(row))
            from orchestrator.agents.podman import remove_build_pods
            from orchestrator.engine.pods import remove_cluster_pods
            pods = remove_build_pods(row["job"], row["number"])
            pods += remove_cluster_pods(self.clouds, self.credentials, row["job"], row["number"])
            self.store.append_log(row, f"\n{RESTART_MESSAGE}\n" +
                                  (f"Killed {killed} leftover process(es) of this build.\n" if killed else "") +
                                  (f"Removed {pods} leftover pod(s) of this build.\n" if pods else "") +
                                  "Finished: ABORTED\n")
            self.store.index_archive(row)   # what it archived before the crash stays downloadable
            self.store.finish_build(row["id"], "ABORTED", max(0, now_ms() - row["timestamp"]))
            interrupted.append(row)
        self.store.purge_deleted_builds()
        return interrupted

    def serve_forever(self) -> None:
        self.recover()
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the loop must survive one bad iteration
                log.exception("scheduler iteration failed")
            self._stopping.wait(self.poll_interval)
        self.shutdown()

    def stop(self) -> None:
        self._stopping.set()

    def shutdown(self, grace: float = 10.0) -> None:
        for running in list(self.running.values()):
            if running.build is not None:
                running.build.root_token.cancel(FlowInterrupted("Aborted: the controller is shutting down"))
        deadline = time.monotonic() + grace
        for running in list(self.running.values()):
            if running.thread is not None:
                running.thread.join(max(0.0, deadline - time.monotonic()))

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Test/inline mode: step until nothing is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.step()
            if not self.running and not self.store.waiting_items():
                return
            time.sleep(self.poll_interval)
        raise TimeoutError("scheduler still busy")

    # ------------------------------------------------------------ one iteration
    def follow_config(self) -> None:
        """Take up a newer applied configuration: credentials, clouds and numExecutors for the
        builds that start from now on. Running builds keep the values they started with."""
        if self.live is None or time.monotonic() - self._last_config_check < 0.2:
            return
        self._last_config_check = time.monotonic()
        live = self.live.current(self.store)
        if live.generation == self.generation:
            return
        self.generation = live.generation
        if live.config is not None:
            self.credentials = live.config.credentials_by_id()   # a new dict: builds hold the old one
            self.clouds = tuple(live.config.jenkins.clouds)
            if not self.executors_fixed:
                self.executors = live.config.jenkins.num_executors
            log.info("configuration generation %s: %d executor(s), %d credential(s), %d cloud(s)",
                     live.generation, self.executors, len(self.credentials), len(self.clouds))

    def step(self) -> None:
        self.follow_config()
        self._reap()
        try:
            self.triggers.tick()
        except Exception:  # noqa: BLE001 - a bad trigger must not stop builds from running
            log.exception("triggers failed")
        self._handle_stop_requests()
        self._save_stages()
        items = self.store.waiting_items()
        if items:
            names = {i["job"] for i in items} | {r.row["job"] for r in self.running.values()}
            jobs = {n: j for n in names if (j := self.store.find_job(n)) is not None}
            decision = plan(items, [r.row for r in self.running.values()], jobs, now_ms(), self.capacity_for())
            changed = {i: w for i, w in decision.why.items()
                       if w != next(x["why"] for x in items if x["id"] == i)}
            if changed:
                self.store.set_why(changed)
            for item_id in decision.start:
                row = self.store.start_build(item_id)
                if row is not None:
                    self._launch(row)
        if time.monotonic() - self._last_gauges > 1:
            self._last_gauges = time.monotonic()
            self.publish_gauges()
        if time.monotonic() - self._last_expire > 10:
            self._last_expire = time.monotonic()
            self.store.expire_left_items()

    def publish_gauges(self) -> None:
        """What only this process knows, for /prometheus in the web workers: its executor count and the
        pods in use per cloud and pod template (written only when they change)."""
        from orchestrator.agents.capacity import POD_SLOTS
        gauges = {GAUGE_EXECUTORS: str(self.capacity_for())}
        gauges.update({GAUGE_PODS + key: str(n) for key, n in POD_SLOTS.snapshot().items()})
        for key, value in gauges.items():
            if self._gauges.get(key) != value:
                self.store.set_state(key, value)
        self._gauges = gauges

    def _launch(self, row: dict) -> None:
        running = Running(row)
        self.running[row["id"]] = running
        running.thread = threading.Thread(target=self._run_build, args=(running,), daemon=True,
                                          name=f"build-{row['job']}-{row['number']}")
        running.thread.start()

    def _reap(self) -> None:
        for build_id, running in list(self.running.items()):
            if running.thread is not None and not running.thread.is_alive():
                del self.running[build_id]
                try:
                    self.triggers.build_finished(self.store.build_by_id(build_id))
                except Exception:  # noqa: BLE001 - e.g. the build was deleted meanwhile
                    log.exception("upstream triggers after %s #%s failed", running.row["job"], running.row["number"])

    def _handle_stop_requests(self) -> None:
        if not self.running:
            return
        for row in self.store.db.execute_returning_dicts(
                "select id, stop_request from builds where state = 'running' and stop_request is not null"):
            running = self.running.get(row["id"])
            if running is None or running.stop_seen == row["stop_request"] or running.build is None:
                continue
            how = running.stop_seen = row["stop_request"]
            running.build.root_token.cancel(FlowInterrupted("Aborted by user", "ABORTED"))
            if how in ("term", "kill"):
                kill_build_processes(self.build_key(running.row))
            if how == "kill":   # Jenkins' hard kill: the build is over now; its thread may not write any more
                running.build.console.close()
                self.store.append_log(running.row, "Hard kill!\nFinished: ABORTED\n")
                self.store.finish_build(row["id"], "ABORTED", max(0, now_ms() - running.row["timestamp"]))

    def _save_stages(self) -> None:
        now = time.monotonic()
        for running in list(self.running.values()):
            if running.build is not None and now - running.last_stage_save > 0.5:
                running.last_stage_save = now
                self.store.save_stages(running.row["id"], stage_rows(list(running.build.stages)))

    # ------------------------------------------------------------ one build (in its thread)
    def build_key(self, row: dict) -> str:
        return f"{self.store.home}|{row['job']}|{row['number']}"

    def _run_build(self, running: Running) -> None:
        store = self.store
        row = running.row
        started = time.time()
        result = "FAILURE"
        try:
            result = self._execute(running)
        except Exception as e:  # noqa: BLE001 - a build's crash must not take the scheduler down
            log.exception("build %s #%s crashed", row["job"], row["number"])
            store.append_log(row, f"ERROR: the orchestrator failed running this build: {e}\nFinished: FAILURE\n")
        finally:
            if running.build is not None:
                store.save_stages(row["id"], stage_rows(list(running.build.stages)))
            store.index_archive(row)
            store.finish_build(row["id"], result, int((time.time() - started) * 1000))
            job = store.find_job(row["job"])
            keep = job["props"].get("num_to_keep") if job else None
            if keep:
                store.discard_old_builds(row["job"], keep)
            store.close()

    def _execute(self, running: Running) -> str:
        from orchestrator.console import Console
        from orchestrator.engine.context import Build
        from orchestrator.engine.runner import Engine
        from orchestrator.grammar.cache import cached_check
        from orchestrator.grammar.errors import render_report
        from orchestrator.results import Result

        store, row = self.store, running.row
        job = store.job(row["job"])
        console = Console(str(store.log_path(row)), None)
        try:
            for cause in row["causes"] or [{"shortDescription": "Started by user anonymous"}]:
                console.line(cause.get("shortDescription", "Started"))
            revision = row.get("revision") or {}
            scm = scm_to_build(job["props"].get("scm"), revision)
            if scm and not job["script"]:
                source = trusted_jenkinsfile_source(job["props"]["scm"], scm, revision)
                script, head = fetch_jenkinsfile_at(source, console)
                job = dict(job, script=script)
                if reads_the_configured_branch(job["props"]["scm"], source):
                    if script:
                        store.remember_scm_script(job["name"], script)
                    self.record_scm_build(row["job"], script, head)
            checked = cached_check(job["script"] or "")
            if not checked.valid or checked.pipeline is None:
                console.line(render_report(checked.diagnostics, job["script"] or ""))
                console.line("Finished: FAILURE")
                return "FAILURE"
            previous = store.db.execute_returning_dicts(
                "select result from builds where job = ? and number < ? and state = 'done' "
                "order by number desc limit 1", [row["job"], row["number"]])
            build = Build(job_name=row["job"], number=row["number"], console=console, home=store.home,
                          workspace_root=store.home / "workspace", url=self.url, cli_mode=False,
                          build_dir=store.log_path(row).parent, clouds=self.clouds,
                          previous_result=Result.parse(previous[0]["result"]) if previous else None,
                          credentials=self.credentials,
                          scm={"url": scm["url"], "branch": scm.get("branch") or None} if scm else None)
            build.param_overrides = {k: ("true" if v is True else "false" if v is False else str(v))
                                     for k, v in row["params"].items()}
            build.password_params = password_names(job)
            build.base_env.update(base_env(build, self.build_key(row)))
            build.base_env.update(revision.get("env") or {})   # BRANCH_NAME, GIT_COMMIT, CHANGE_*: the webhook's
            build.input_waiter = InputWaiter(store, row["id"])
            running.build = build
            return Engine(build, checked.script, checked.pipeline).run().value
        finally:
            console.close()


    def record_scm_build(self, job: str, script: str, head: Optional[str]) -> None:
        """What Jenkins remembers of a cpsScm build: the Jenkinsfile's triggers become the job's, and the
        commit built is the baseline pollSCM compares the remote with."""
        from orchestrator.triggers.service import SCM_HEAD
        if script:
            self.triggers.register(job, script)
        if head:
            self.store.set_state(SCM_HEAD + job, head)


def scm_to_build(scm: Optional[dict], revision: dict) -> Optional[dict]:
    """The job's git remote, pointed at what a webhook asked to build (its branch, tag or change request
    ref). The URL is always the job's own: a request body never chooses what is cloned."""
    if not scm or not revision.get("checkout"):
        return scm
    return dict(scm, branch=revision["checkout"])


def trusted_jenkinsfile_source(job_scm: dict, scm: dict, revision: dict) -> dict:
    """Where the Jenkinsfile is read: the revision being built, except for a change request from a fork,
    whose Jenkinsfile comes from its target branch in the job's own repository (as Jenkins' branch sources
    do for untrusted forks: a fork may change the code under test, not the pipeline the controller runs)."""
    if revision.get("trusted_branch"):
        return dict(job_scm, branch=revision["trusted_branch"])
    return scm


def reads_the_configured_branch(job_scm: dict, source: dict) -> bool:
    """Whether a Jenkinsfile read from `source` is the job's own: only one from the branch the job is
    configured with. One a webhook chose (another branch, a tag, a change request: anyone may send an
    unsigned push naming any of them) runs for that build, but its triggers (GenericTrigger token, cron)
    and commit never become the job's."""
    from orchestrator.steps.scm import branch_to_clone, other_ref
    if source.get("branch") == job_scm.get("branch"):
        return True
    chosen = source.get("branch") or ""
    if other_ref(chosen) or chosen.startswith("refs/tags/"):
        return False
    return branch_to_clone(chosen) is not None and branch_to_clone(chosen) == branch_to_clone(job_scm.get("branch"))


class InputWaiter:
    """A build thread's `input` step under the server: the question goes to the store, where the web
    shows it (`wfapi/pendingInputActions`) and writes the answer (`input/ID/proceedEmpty`, `/abort`);
    the thread polls for it and wakes at once when the build is aborted."""

    def __init__(self, store: Store, build_id: int, poll: float = 0.1) -> None:
        self.store = store
        self.build_id = build_id
        self.poll = poll

    def __call__(self, ctx: Any, input_id: str, message: str, ok: str,
                 submitter: Optional[str] = None) -> tuple[str, str]:
        self.store.open_input(self.build_id, input_id, message, ok, submitter)
        try:
            while True:
                row = self.store.input_state(self.build_id, input_id)
                if row is not None and row["state"] in ("proceed", "abort"):
                    return row["state"], row["answered_by"] or "anonymous"
                ctx.token.sleep(self.poll)   # raises when the build is aborted meanwhile
        finally:
            self.store.close_input(self.build_id, input_id)


def fetch_jenkinsfile_at(scm: dict, console: Any) -> tuple[str, Optional[str]]:
    """A `cpsScm` job's Jenkinsfile: a shallow clone of its repository, read at `scriptPath`; and the
    commit it was read at."""
    import subprocess
    import tempfile
    from orchestrator.steps.scm import branch_to_clone, other_ref
    change_ref = other_ref(scm.get("branch"))
    branch = branch_to_clone(scm.get("branch"))
    console.line(f"Obtained {scm.get('script_path') or 'Jenkinsfile'} from git {scm['url']}")
    with tempfile.TemporaryDirectory() as tmp:
        if change_ref:   # not a branch `clone -b` takes: fetch the ref itself
            commands = [["git", "init", "-q", tmp],
                        ["git", "-C", tmp, "fetch", "-q", "--depth", "1", "--", scm["url"], change_ref],
                        ["git", "-C", tmp, "checkout", "-q", "FETCH_HEAD"]]
        else:
            commands = [["git", "clone", "-q", "--depth", "1"] + (["-b", branch] if branch else [])
                        + ["--", scm["url"], tmp]]
        for command in commands:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                console.line(done.stderr.strip())
                return "", None
        head = subprocess.run(["git", "-C", tmp, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=60)
        commit = head.stdout.strip() if head.returncode == 0 else None
        path = Path(tmp) / (scm.get("script_path") or "Jenkinsfile")
        try:
            return path.read_text(encoding="utf-8", errors="surrogateescape"), commit
        except OSError as e:
            console.line(f"ERROR: {path.name} not found in {scm['url']}: {e.strerror}")
            return "", commit


def base_env(build: Any, key: str) -> dict[str, str]:
    env = dict(os.environ)
    job = build.job_name
    env.update({
        "BUILD_NUMBER": str(build.number), "BUILD_ID": str(build.number), "BUILD_DISPLAY_NAME": f"#{build.number}",
        "BUILD_TAG": build.tag, "BUILD_URL": build.build_url, "JOB_NAME": job, "JOB_BASE_NAME": job.split("/")[-1],
        "JOB_URL": build.build_url.rsplit("/", 2)[0] + "/", "JENKINS_URL": build.url, "EXECUTOR_NUMBER": "0",
        "JENKINS_HOME": str(build.home), "CI": "true", BUILD_KEY_VAR: key,
    })
    return env


def kill_build_processes(key: str) -> int:
    """SIGKILL every process whose environment carries this build's key (Linux /proc)."""
    needle = f"{BUILD_KEY_VAR}={key}".encode()
    me = os.getpid()
    killed = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            os.kill(int(entry), signal.SIGKILL)
            killed += 1
        except (OSError, ProcessLookupError):
            continue
    return killed


# ---------------------------------------------------------------- the process
def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator.scheduler")
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--url", default="http://localhost:8080/")
    parser.add_argument("--executors", type=int, default=None)
    parser.add_argument("--casc", default=None, help="JCasC sources: credentials and numExecutors for builds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    executors = args.executors
    if executors is None:
        executors = int(os.environ.get("ORCHESTRATOR_EXECUTORS", "2"))
    store = Store(args.home)
    if args.casc:   # standalone use; `serve` applies the configuration before starting the scheduler
        from orchestrator.live_config import absolute_sources, apply_sources
        apply_sources(store, absolute_sources(args.casc))
    scheduler = Scheduler(store, executors=executors, url=args.url, follow_config=True)
    scheduler.follow_config()
    if args.executors is not None:
        scheduler.executors, scheduler.executors_fixed = args.executors, True
    try:
        scheduler.acquire()
    except SchedulerLocked as e:
        log.error("%s", e)
        return e.exit_code
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: scheduler.stop())
    log.info("scheduler running for %s with %d executor(s)", args.home, scheduler.executors)
    try:
        scheduler.serve_forever()
    finally:
        scheduler.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
