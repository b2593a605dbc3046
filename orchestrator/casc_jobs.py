"""JCasC jobs into the store: what `orchestrator serve --casc` serves.

The loader (`orchestrator.casc`) has already checked every job and inline pipeline; this module
only turns its `Job` values into store rows and applies JCasC's rule for jobs that left the YAML
(kept, unless `items: {actionOnUndeclaredItems: delete-tracked|delete-all}`).
"""
from __future__ import annotations

from typing import Any

from orchestrator.casc.apply import plan_jobs
from orchestrator.casc.model import Config, InlineScript, Job, ScmScript
from orchestrator.triggers.definitions import to_props
from orchestrator.security.passwords import token_digest

_PARAM_TYPES = {"string": "StringParameterDefinition", "text": "TextParameterDefinition",
                "boolean": "BooleanParameterDefinition", "choice": "ChoiceParameterDefinition",
                "password": "PasswordParameterDefinition"}


def job_row(job: Job) -> dict[str, Any]:
    """The store's `upsert_job` keyword arguments for one JCasC job."""
    if job.kind == "folder":
        return {"kind": "folder", "description": job.description}
    params = []
    for p in job.parameters:
        param: dict[str, Any] = {"type": _PARAM_TYPES.get(p.kind, "StringParameterDefinition"), "name": p.name,
                                 "description": p.description}
        if p.kind == "choice":
            param["choices"] = list(p.choices)
            param["default"] = p.choices[0] if p.choices else ""
        else:
            param["default"] = p.default
        params.append(param)
    props: dict[str, Any] = {}
    if not job.concurrent_builds:
        props["disable_concurrent"] = True
    if job.quiet_period is not None:
        props["quiet_period"] = job.quiet_period
    if job.auth_token:
        props["auth_token_sha256"] = token_digest(job.auth_token)
    if job.log_rotator is not None and job.log_rotator.num_to_keep > 0:
        props["num_to_keep"] = job.log_rotator.num_to_keep
    if job.triggers:
        props["triggers"] = to_props(job.triggers)
    script = ""
    if isinstance(job.definition, InlineScript):
        script = job.definition.script
        # what Jenkins records on the job at its first build, known up front (as for jobs created by the API):
        # the Jenkinsfile's `parameters {}` and options, where the Job DSL did not say otherwise
        from orchestrator.jobs import from_jenkinsfile
        declared = from_jenkinsfile(script)
        named = {p["name"] for p in params}
        params += [p for p in declared["params"] if p["name"] not in named]
        for key, value in declared["props"].items():
            props.setdefault(key, value)
    elif isinstance(job.definition, ScmScript):
        props["scm"] = {"url": job.definition.url, "branch": job.definition.branch,
                        "script_path": job.definition.script_path,
                        "credentials_id": job.definition.credentials_id}
    return {"kind": "job", "script": script, "description": job.description, "disabled": job.disabled,
            "params": params, "props": props}


def job_changes(store, config: Config) -> tuple[list[dict], list[str]]:
    """The store rows for the declared jobs (folders first) and the jobs to delete under the
    configuration's `actionOnUndeclaredItems` (kept by default)."""
    existing = {row["name"]: row for row in store.db.execute_returning_dicts(
        "select name, source from jobs")}
    tracked = {name for name, row in existing.items() if row.get("source") == "casc"}
    plan = plan_jobs({name: None for name in existing}, tracked, config.jobs, config.undeclared_jobs)
    rows = [{"name": job.name, "source": "casc", **job_row(job)}
            for job in sorted(config.jobs, key=lambda j: j.name.count("/"))]
    return rows, list(plan.delete)


def apply_jobs(store, config: Config) -> dict[str, list[str]]:
    """Create/update the declared jobs and folders; delete undeclared ones only as configured."""
    rows, deletions = job_changes(store, config)
    for row in rows:
        store.upsert_job(**row)
    for name in deletions:
        store.delete_job(name)
    return {"applied": [j.name for j in config.jobs], "deleted": deletions}
