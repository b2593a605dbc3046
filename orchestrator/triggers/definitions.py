"""Which triggers a job has (pure).

Two sources, as in Jenkins: the job's configuration (Job DSL / config.xml: `props["triggers"]`) and
the Jenkinsfile's `triggers { }`. Jenkins registers a Jenkinsfile's triggers when a build runs it;
here an inline script's triggers count from the moment the job is saved (the script is known), and
a `cpsScm` job's from its last build, which records the Jenkinsfile it fetched (`registered`). A
Jenkinsfile trigger replaces a configured trigger of the same kind.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from orchestrator.grammar.triggers import TriggerDecl, declared


def job_triggers(job: dict, registered: Optional[tuple[TriggerDecl, ...]] = None) -> tuple[TriggerDecl, ...]:
    """The readable cron/pollSCM/upstream triggers of a stored job row (disabled jobs and folders have none)."""
    if job.get("kind") != "job" or job.get("disabled"):
        return ()
    configured = tuple(from_props(job.get("props") or {}))
    scripted = script_triggers(job["script"]) if job.get("script") else (registered or ())
    scripted = tuple(t for t in scripted if t.problem is None)
    kinds = {t.kind for t in scripted}
    return tuple(t for t in configured if t.kind not in kinds) + scripted


def from_props(props: dict) -> list[TriggerDecl]:
    out = []
    for t in props.get("triggers") or ():
        out.append(TriggerDecl(t["kind"], spec=t.get("spec", ""), projects=tuple(t.get("projects") or ()),
                               threshold=t.get("threshold") or "SUCCESS"))
    return out


def to_props(triggers) -> list[dict]:
    """TriggerDecls (or casc Triggers) -> the JSON kept in a job's props."""
    out = []
    for t in triggers:
        if t.kind == "upstream":
            projects = t.projects if hasattr(t, "projects") else tuple(
                p.strip() for p in t.spec.split(",") if p.strip())
            out.append({"kind": "upstream", "projects": list(projects), "threshold": t.threshold or "SUCCESS"})
        else:
            out.append({"kind": t.kind, "spec": t.spec})
    return out


@lru_cache(maxsize=1024)
def script_triggers(script: str) -> tuple[TriggerDecl, ...]:
    """The triggers a Jenkinsfile declares; none when it does not parse (the build says why)."""
    from orchestrator.grammar.cache import cached_check
    checked = cached_check(script)
    return declared(checked.pipeline) if checked.valid else ()


def resolve(name: str, downstream: str, exists) -> Optional[str]:
    """An upstream name as Jenkins resolves it from the downstream job: relative to the downstream's
    folder (`..` goes up), else absolute; a leading `/` is absolute. None when no such job."""
    folder = downstream.rpartition("/")[0]
    candidates = []
    if name.startswith("/"):
        candidates.append(name.strip("/"))
    else:
        parts = folder.split("/") if folder else []
        for segment in name.split("/"):
            if segment == "..":
                if parts:
                    parts.pop()
            elif segment not in ("", "."):
                parts.append(segment)
        candidates += ["/".join(parts), name.strip("/")]
    return next((c for c in candidates if c and exists(c)), None)
