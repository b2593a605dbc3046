"""Steps that need someone or something outside the build: input, build, mail."""
from __future__ import annotations

import sys
from typing import Any, Optional

from orchestrator.errors import FlowInterrupted, StepFailed

from . import step


def _parameter_defaults(engine, ctx, parameters) -> list[tuple[str, Any]]:
    """(name, default) of declarative `parameters {}` (a.Parameters) or step-style parameter maps."""
    out = []
    if parameters is None:
        return out
    from orchestrator.engine.parameters import definition_default
    items = getattr(parameters, "parameters", parameters)
    for item in items:
        if hasattr(item, "named_args"):
            out.append(definition_default(item, lambda e: engine.evaluate(e, ctx)))
        elif isinstance(item, dict):
            out.append((str(item.get("name")), item.get("value", item.get("defaultValue"))))
    return out


def ask(engine, ctx, message: str, ok: Optional[str] = None, parameters=None,
        submitter_parameter: Optional[str] = None) -> Any:
    """Pause for an answer. In `orchestrator run`: a terminal prompt, or the --input answer."""
    console = ctx.build.console
    console.line(message)
    console.line(f"{ok or 'Proceed'} or Abort")
    answer = ctx.build.input_answer
    if answer is None and sys.stdin is not None and sys.stdin.isatty():
        try:
            answer = input(f"{message} [{ok or 'Proceed'}/abort]: ").strip() or "proceed"
        except EOFError:
            answer = "abort"
    if answer is None:
        raise FlowInterrupted("Rejected: no answer to input (orchestrator run --input proceed answers it)", "ABORTED")
    if answer.lower() in ("abort", "no", "n", "reject"):
        console.line("Rejected by cli")
        raise FlowInterrupted("Rejected by cli", "ABORTED")
    console.line("Approved by cli")
    values = dict(_parameter_defaults(engine, ctx, parameters))
    if submitter_parameter:
        values[submitter_parameter] = "cli"
    if not values:
        return None
    if len(values) == 1:
        return next(iter(values.values())) if not submitter_parameter else values
    return values


@step("input")
def input_step(call, message, id=None, ok=None, parameters=None, submitter=None,  # noqa: A002
               submitterParameter=None):
    result = ask(call.engine, call.ctx, str(message), ok, parameters, submitterParameter)
    return result


@step("build")
def build(call, job, parameters=None, propagate=True, wait=True, quietPeriod=None, waitForStart=False):
    if call.ctx.build.cli_mode:
        raise StepFailed(f"build(job: '{job}') triggers another job; `orchestrator run` runs a single Jenkinsfile "
                         "with no other jobs. Run it under `orchestrator serve`, or remove the step for local runs.",
                         call.line)
    raise StepFailed("the build step needs the server scheduler", call.line)


@step("mail")
def mail(call, subject, body, to=None, cc=None, bcc=None, replyTo=None, mimeType=None, charset=None, **rest):
    call.console.line(f"mail not sent (no mail server configured): to={to} subject={subject}")


@step("emailext")
def emailext(call, **options):
    call.console.line(f"emailext not sent (no mail server configured): to={options.get('to')} "
                      f"subject={options.get('subject')}")
