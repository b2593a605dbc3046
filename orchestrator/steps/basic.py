"""Steps that only talk to the console or the build: echo, error, unstable, sleep, tool, isUnix..."""
from __future__ import annotations

import os
import time

from orchestrator.engine.conditions import parse_duration
from orchestrator.errors import StepFailed
from orchestrator.results import Result

from . import step


@step("echo")
def echo(call, message=""):
    from orchestrator.script import to_groovy_string
    call.console.line(to_groovy_string(message) if not isinstance(message, str) else message)


@step("error")
def error(call, message):
    raise StepFailed(str(message), call.line)


@step("unstable")
def unstable(call, message):
    call.console.line(f"WARNING: {message}")
    call.ctx.build.set_result(Result.UNSTABLE)
    if call.ctx.stage is not None:
        call.ctx.stage.add_warning(Result.UNSTABLE)


@step("sleep")
def sleep(call, time, unit="SECONDS"):
    seconds = parse_duration(float(time), unit)
    call.console.line(f"Sleeping for {_span(seconds)}")
    call.ctx.token.sleep(seconds)


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} sec"
    return f"{seconds / 60:g} min"


@step("isUnix", marker=False)
def is_unix(call):
    return os.name == "posix"


@step("currentBuild", marker=False)
def current_build(call):
    return call.engine.binding.globals["currentBuild"]


@step("milestone")
def milestone(call, ordinal=None, label=None, unsafe=False):
    build = call.ctx.build
    number = ordinal if ordinal is not None else build.job_properties.get("_milestones", 0)
    build.job_properties["_milestones"] = int(number) + 1
    call.console.line(f"Trying to pass milestone {number}")


@step("properties")
def properties(call, properties=None):
    call.ctx.build.job_properties["properties"] = properties or []


def tool_environment(ctx, tool_type: str, name: str) -> dict[str, str]:
    """PATH and *_HOME for a configured tool installation; a clear error naming it otherwise."""
    installs = ctx.build.tools.get(tool_type, {})
    if name not in installs:
        known = ", ".join(sorted(installs)) or "none"
        raise StepFailed(f'Tool type "{tool_type}" does not have an install of "{name}" configured '
                         f"(configured {tool_type} installations: {known})")
    home = installs[name]
    env = {f"{tool_type.upper()}_HOME": home}
    if tool_type == "jdk":
        env["JAVA_HOME"] = home
    if tool_type == "maven":
        env["M2_HOME"] = home
    path = ctx.env_get("PATH") or os.environ.get("PATH", "")
    env["PATH"] = os.path.join(home, "bin") + (os.pathsep + path if path else "")
    return env


@step("tool")
def tool(call, name, type=None):  # noqa: A002 - Jenkins' parameter name
    tool_type = type or next((t for t, installs in call.ctx.build.tools.items() if name in installs), "tool")
    return tool_environment(call.ctx, tool_type, name)[f"{tool_type.upper()}_HOME"]


@step("timestamp", marker=False)
def timestamp(call):
    return int(time.time() * 1000)
