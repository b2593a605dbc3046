"""Which triggers fire (pure: job triggers and a time or a finished build in, job names out)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Optional

from orchestrator.grammar.cron import CronError, CronTabList, parse
from orchestrator.grammar.triggers import TriggerDecl
from orchestrator.results import Result

#: after a pause longer than this (the controller was down), missed minutes are not fired, as in Jenkins
MAX_CATCH_UP_MINUTES = 5


def minutes_to_check(last: Optional[int], now: int) -> list[int]:
    """Epoch minutes to evaluate: each one since the last checked (a slow iteration must not skip a
    minute), but never a backlog from before a restart; the current one on the very first tick."""
    if last is None:
        return [now]
    return list(range(max(last + 1, now - MAX_CATCH_UP_MINUTES + 1), now + 1))


@lru_cache(maxsize=4096)
def crontab(spec: str, job: str) -> Optional[CronTabList]:
    """The spec hashed by the job's full name (Jenkins' Hash.from(job.getFullName())); None if invalid."""
    try:
        return parse(spec, job)
    except CronError:
        return None


def due(triggers: Mapping[str, Iterable[TriggerDecl]], kind: str, when: datetime) -> list[str]:
    """Jobs with a `kind` (cron or pollSCM) trigger firing at the minute `when`, by name."""
    out = []
    for job in sorted(triggers):
        for t in triggers[job]:
            if t.kind == kind and (tab := crontab(t.spec, job)) is not None and tab.matches(when):
                out.append(job)
                break
    return out


def downstream(upstream: str, result: str, triggers: Mapping[str, Iterable[TriggerDecl]],
               resolve: Callable[[str, str], Optional[str]]) -> list[str]:
    """Jobs whose `upstream` trigger names `upstream` and whose threshold `result` meets
    (jenkins.triggers.ReverseBuildTrigger: result.isBetterOrEqualTo(threshold))."""
    try:
        finished = Result.parse(result)
    except ValueError:
        return []
    out = []
    for job in sorted(triggers):
        for t in triggers[job]:
            if t.kind != "upstream" or job == upstream:
                continue
            if finished.ordinal <= Result.parse(t.threshold).ordinal and \
                    any(resolve(name, job) == upstream for name in t.projects):
                out.append(job)
                break
    return out
