"""Applying a configuration: compute the job changes, then swap everything in one step.

`plan_jobs` is a pure function (the running jobs and the declared ones in, a `JobPlan` out) so a
store can persist exactly that diff in one transaction. `ConfigHolder` keeps the running
`Config` and job set in memory and replaces both with a single assignment under a lock: readers
see the old state or the new one, never a mix, and a load that fails changes nothing.

Job removal, documented choice: jobs that are no longer declared are kept (as Job DSL and JCasC
keep them, #2127) unless the configuration says otherwise with JCasC's own switch,
`items: {actionOnUndeclaredItems: delete-tracked}` (delete the jobs an earlier apply created from
`jobs:` or `items:`) or `delete-all` (delete every job not declared). A file using it stays
valid for Jenkins.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import AbstractSet, Callable, Mapping, Optional, Sequence, Union

from .errors import CascError
from .model import Config, Job


@dataclass(frozen=True)
class JobPlan:
    """What an apply does to jobs. Deletions are ordered children first."""
    create: tuple[Job, ...] = ()
    update: tuple[Job, ...] = ()
    delete: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()       # no longer declared, left alone by the policy
    unchanged: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.create or self.update or self.delete)


def plan_jobs(existing: Mapping[str, Job], tracked: AbstractSet[str], declared: Sequence[Job],
              action: str = "keep") -> JobPlan:
    """The job changes that make `existing` match `declared` under `actionOnUndeclaredItems`."""
    create, update, unchanged = [], [], []
    for job in declared:
        current = existing.get(job.name)
        if current is None:
            create.append(job)
        elif current != job:
            update.append(job)
        else:
            unchanged.append(job.name)
    names = {job.name for job in declared}
    undeclared = [name for name in existing if name not in names]
    if action == "delete-all":
        doomed = undeclared
    elif action == "delete-tracked":
        doomed = [name for name in undeclared if name in tracked]
    else:
        doomed = []
    kept = [name for name in undeclared if name not in doomed and not _inside(name, doomed)]
    doomed = [name for name in undeclared if name not in kept]  # a deleted folder takes its jobs with it
    return JobPlan(tuple(create), tuple(update), tuple(sorted(doomed, key=lambda n: (-n.count("/"), n))),
                   tuple(kept), tuple(unchanged))


def _inside(name: str, folders: Sequence[str]) -> bool:
    return any(name.startswith(folder + "/") for folder in folders)


@dataclass(frozen=True)
class _State:
    config: Config
    jobs: Mapping[str, Job]
    tracked: frozenset[str]  # jobs a configuration created (what delete-tracked may remove)


Commit = Callable[[Config, JobPlan], None]


class ConfigHolder:
    """The running configuration. `apply()` loads and checks everything first, then swaps.

    `commit(config, plan)`, when given, runs before the swap (a store persisting the plan): if it
    raises, nothing is swapped either. Applies are serialised; reads never block.
    """

    def __init__(self, config: Optional[Config] = None, jobs: Optional[Mapping[str, Job]] = None,
                 tracked: AbstractSet[str] = frozenset(), commit: Optional[Commit] = None) -> None:
        config = config or Config()
        if jobs is None:  # no store to restore from: the configuration's own jobs are what exists
            jobs = {job.name: job for job in config.jobs}
        self._state = _State(config, MappingProxyType(dict(jobs)), frozenset(tracked))
        self._lock = threading.Lock()
        self._commit = commit
        self.last_plan: Optional[JobPlan] = None
        self.sources: Union[str, Sequence[str], None] = None
        self.env: Optional[Mapping[str, str]] = None

    @property
    def config(self) -> Config:
        return self._state.config

    @property
    def jobs(self) -> Mapping[str, Job]:
        return self._state.jobs

    @property
    def tracked(self) -> frozenset[str]:
        return self._state.tracked

    def apply(self, sources: Union[str, Sequence[str], None] = None, env: Optional[Mapping[str, str]] = None) -> Config:
        """Load `sources` and make them the running configuration; raises CascLoadError and changes
        nothing when anything is wrong. Remembers the sources for `reload()`."""
        from .loader import load
        with self._lock:
            config = load(sources, env)
            self._swap(config)
            self.sources, self.env = sources, env
            return config

    def reload(self) -> Config:
        """Apply the sources of the last successful apply again (the reload endpoints' action)."""
        return self.apply(self.sources, self.env)

    def apply_config(self, config: Config) -> JobPlan:
        """Swap in an already loaded Config (e.g. from `casc.load_documents` on a posted body)."""
        with self._lock:
            return self._swap(config)

    def _swap(self, config: Config) -> JobPlan:
        state = self._state
        plan = plan_jobs(state.jobs, state.tracked, config.jobs, config.undeclared_jobs)
        if self._commit is not None:
            self._commit(config, plan)
        jobs = {name: job for name, job in state.jobs.items() if name not in plan.delete}
        jobs.update((job.name, job) for job in config.jobs)
        tracked = (state.tracked - set(plan.delete)) | {job.name for job in config.jobs}
        self._state = _State(config, MappingProxyType(jobs), frozenset(tracked))  # the one assignment readers see
        self.last_plan = plan
        return plan


def reload_failure(error: CascError) -> dict:
    """The JSON body of JCasC's token reload endpoint on failure (`HttpResponses.errorJSON`, HTTP 200)."""
    return {"status": "error", "message": f"Failed to reload configuration: {error.message}"}
