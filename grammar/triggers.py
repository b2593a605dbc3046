"""What a Declarative `triggers { }` section asks for, as plain values (pure).

    triggers {
        cron('H/15 * * * *')                       // or cron(spec: '...')
        pollSCM('H/5 * * * *')                     // or pollSCM(scmpoll_spec: '...')
        upstream(upstreamProjects: 'a,b', threshold: hudson.model.Result.SUCCESS)
    }

Only literal strings can be read without running Groovy; a spec built at run time (a GString with
`${...}`) is reported as not readable. The same values come from Job DSL (`orchestrator.casc`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import ast as a
from . import groovy as g

RESULTS = ("SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED")


@dataclass(frozen=True)
class TriggerDecl:
    kind: str                          # cron | pollSCM | upstream
    spec: str = ""                     # cron and pollSCM
    projects: tuple[str, ...] = ()     # upstream: the job names as written (relative or /absolute)
    threshold: str = "SUCCESS"         # upstream: the worst upstream result that still triggers
    line: int = 0
    problem: Optional[str] = None      # why the arguments could not be read (the trigger is then ignored)


def declared(pipeline: Optional[a.Pipeline]) -> tuple[TriggerDecl, ...]:
    """The cron, pollSCM and upstream triggers of a parsed pipeline (other triggers are webhooks')."""
    if pipeline is None or pipeline.triggers is None:
        return ()
    out = []
    for trigger in pipeline.triggers.triggers:
        decl = read_trigger(trigger)
        if decl is not None:
            out.append(decl)
    return tuple(out)


def read_trigger(trigger: a.Describable) -> Optional[TriggerDecl]:
    named, positional = trigger.named_args, trigger.positional_args
    if trigger.name in ("cron", "pollSCM"):
        key = "spec" if trigger.name == "cron" else "scmpoll_spec"
        expr = named.get(key) or (positional[0] if positional else None)
        spec = literal_string(expr)
        if spec is None:
            return TriggerDecl(trigger.name, line=trigger.line,
                               problem=f"{trigger.name}: the spec must be a literal string")
        return TriggerDecl(trigger.name, spec=spec, line=trigger.line)
    if trigger.name == "upstream":
        projects = literal_string(named.get("upstreamProjects"))
        threshold = result_name(named.get("threshold")) if "threshold" in named else "SUCCESS"
        if projects is None or threshold is None:
            return TriggerDecl("upstream", line=trigger.line,
                               problem="upstream: upstreamProjects must be a literal string and threshold one of "
                                       "hudson.model.Result." + ", hudson.model.Result.".join(RESULTS))
        names = tuple(p.strip() for p in projects.split(",") if p.strip())
        return TriggerDecl("upstream", projects=names, threshold=threshold, line=trigger.line)
    return None


def literal_string(expr: Optional[g.Expr]) -> Optional[str]:
    if isinstance(expr, g.Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, g.GString) and all(isinstance(p, str) for p in expr.parts):
        return "".join(expr.parts)  # type: ignore[arg-type]
    return None


def result_name(expr: Optional[g.Expr]) -> Optional[str]:
    """`hudson.model.Result.SUCCESS`, `Result.SUCCESS` or 'SUCCESS' -> 'SUCCESS'."""
    text = literal_string(expr)
    if text is None and isinstance(expr, g.Property) and isinstance(expr.name, str):
        text = expr.name
    text = (text or "").upper()
    return text if text in RESULTS else None
