"""Checks shared by the two ways to declare jobs (`jobs:` Job DSL and `items:`).

Job names follow Jenkins' rules (Jenkins.checkGoodName and the project naming strategy), a job
inside a folder needs that folder declared, cron specs must parse as Jenkins parses them, and an
inline pipeline script must be a valid Declarative Pipeline: its errors are reported at the YAML
line they are on, so a bad Jenkinsfile inside jenkins.yaml is caught before anything changes.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from .errors import CascWarning, JobDslError, PipelineScriptError
from .model import Job, ProjectNamingStrategy
from .spec import Context

UNSAFE = "?*/\\%!@#$^&|<>[]:;"


def name_problem(name: str) -> Optional[str]:
    """Jenkins' wording for a bad job name (one path segment at a time), or None."""
    segments = name.split("/")
    for segment in segments:
        if not segment.strip():
            return "No name is specified"
        bad = next((c for c in segment if c in UNSAFE), None)
        if bad:
            return f"‘{bad}’ is an unsafe character"
        if segment.endswith("."):
            return "A name cannot end with ‘.’"
        if segment in (".", ".."):
            return f"‘{segment}’ is not an allowed name"
    return None


def cron_problem(spec: str) -> Optional[str]:
    """Jenkins' own message for a cron spec it would refuse (hudson.scheduler.CronTabList), or None."""
    from orchestrator.grammar.cron import check
    return check(spec)


def check_pipeline(ctx: Context, script: str, file: str, line_of: Callable[[int], int], path: str,
                   what: str) -> bool:
    """Validate an inline Jenkinsfile; errors land on the YAML line of the script line at fault."""
    from orchestrator.grammar import check
    result = check(script)
    for d in result.diagnostics:
        message = f"{what}: pipeline script line {d.line}: {d.message}"
        if d.severity == "error":
            ctx.errors.append(PipelineScriptError(message, file, line_of(d.line), path))
        else:
            ctx.warnings.append(CascWarning(message, file, line_of(d.line), path))
    return result.valid


def settle(ctx: Context, jobs: list[Job], naming: ProjectNamingStrategy) -> tuple[Job, ...]:
    """Apply Jenkins' rules across all declared jobs: a later declaration of a name replaces the
    earlier one (as a second Job DSL run would), parents must be folders, names must match the
    naming strategy."""
    by_name: dict[str, Job] = {}
    for job in jobs:
        earlier = by_name.get(job.name)
        if earlier is not None:
            where = f" (first at {earlier.origin.file}:{earlier.origin.line})" if earlier.origin else ""
            _warn(ctx, job, f"job '{job.name}' is declared again{where}: the later declaration is used")
            del by_name[job.name]  # keep declaration order: the replacement goes where it was declared last
        by_name[job.name] = job
    pattern = re.compile(naming.pattern) if naming.pattern else None
    settled = []
    for job in by_name.values():
        parent = job.parent
        if parent and (parent not in by_name or by_name[parent].kind != "folder"):
            _error(ctx, job, f"Could not create item, unknown parent path in \"{job.name}\": declare "
                             f"folder('{parent}') first")
            continue
        base = job.name.rpartition("/")[2]
        if pattern is not None and not pattern.fullmatch(base):
            _error(ctx, job, f"‘{base}’ does not match the job name convention pattern {naming.pattern}"
                             + (f": {naming.description}" if naming.description else ""))
            continue
        settled.append(job)
    return tuple(settled)


def _error(ctx: Context, job: Job, message: str) -> None:
    origin = job.origin
    ctx.errors.append(JobDslError(message, origin.file if origin else None, origin.line if origin else None,
                                  origin.path if origin else ""))


def _warn(ctx: Context, job: Job, message: str) -> None:
    origin = job.origin
    ctx.warnings.append(CascWarning(message, origin.file if origin else None, origin.line if origin else None,
                                    origin.path if origin else ""))

