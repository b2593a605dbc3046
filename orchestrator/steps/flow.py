"""Block steps that shape the flow: timeout, retry, waitUntil, catchError, warnError, withEnv, dir,
node, script, stage, parallel, lock, timestamps, ansiColor."""
from __future__ import annotations

import threading
from pathlib import Path

from orchestrator.engine.conditions import parse_duration
from orchestrator.engine.globals import duration_string
from orchestrator.errors import BuildError, FlowInterrupted, StepFailed
from orchestrator.results import Result

from . import step


@step("timeout", block=True)
def timeout(call, time, unit="MINUTES", activity=False):
    seconds = parse_duration(float(time), unit)
    token = call.ctx.token.child()
    expired = FlowInterrupted("Timeout has been exceeded", "ABORTED")
    timer = threading.Timer(seconds, token.cancel, args=(expired,))
    timer.daemon = True
    timer.start()
    try:
        return call.block(call.ctx.derive(token=token),
                          note=f"Timeout set to expire in {duration_string(seconds)}")
    except FlowInterrupted:
        if token.reason is expired and not call.ctx.token.cancelled:
            call.console.line("Timeout has been exceeded")
            raise FlowInterrupted("Timeout has been exceeded", "ABORTED", call.line) from None
        raise
    finally:
        timer.cancel()
        token.detach()


@step("retry", block=True)
def retry(call, count, conditions=None):
    attempts = max(1, int(count))
    for attempt in range(1, attempts + 1):
        try:
            return call.block()
        except FlowInterrupted:
            raise
        except BuildError as e:
            if attempt == attempts:
                raise
            call.console.line(f"ERROR: {e}")
            call.console.line("Retrying")


@step("waitUntil", block=True)
def wait_until(call, initialRecurrencePeriod=250, quiet=False):
    from orchestrator.script import truthy
    delay = max(0.01, float(initialRecurrencePeriod) / 1000)
    call.console.pipeline("{")
    try:
        while True:
            if truthy(call.body()):
                return None
            if not quiet:
                call.console.line(f"Will try again after {duration_string(delay)}")
            call.ctx.token.sleep(delay)
            delay = min(delay * 1.2, 15.0)
    finally:
        call.console.pipeline("}")
        call.console.pipeline("// waitUntil")


def _catch(call, build_result: str, stage_result: str, message, catch_interruptions: bool):
    try:
        return call.block()
    except BuildError as e:
        if isinstance(e, FlowInterrupted) and (not catch_interruptions or call.ctx.token.cancelled):
            raise
        call.console.line(f"ERROR: {message or e}")
        build = Result.parse(build_result)
        stage = Result.parse(stage_result)
        if build != Result.SUCCESS:
            call.ctx.build.set_result(build)
        if stage != Result.SUCCESS and call.ctx.stage is not None:
            call.ctx.stage.add_warning(stage)
        return None


@step("catchError", block=True)
def catch_error(call, buildResult="FAILURE", stageResult="SUCCESS", message=None, catchInterruptions=True):
    return _catch(call, buildResult or "SUCCESS", stageResult or "SUCCESS", message, catchInterruptions)


@step("warnError", block=True)
def warn_error(call, message, catchInterruptions=True):
    return _catch(call, "UNSTABLE", "UNSTABLE", message, catchInterruptions)


@step("withEnv", block=True)
def with_env(call, overrides):
    values = {}
    for item in overrides or []:
        key, sep, value = str(item).partition("=")
        if not sep:
            raise StepFailed(f"withEnv entries must look like NAME=value, got {item!r}", call.line)
        values[key] = value
    return call.block(call.ctx.with_env(values))


@step("dir", block=True)
def dir_(call, path):
    base = Path(call.ctx.cwd or call.ctx.workspace or ".")
    target = (base / str(path)).resolve() if not Path(str(path)).is_absolute() else Path(str(path))
    target.mkdir(parents=True, exist_ok=True)
    return call.block(call.ctx.derive(cwd=target), note=f"Running in {target}")


@step("ws", block=True)
def ws(call, dir):  # noqa: A002 - Jenkins' parameter name
    target = Path(str(dir))
    target.mkdir(parents=True, exist_ok=True)
    return call.block(call.ctx.derive(workspace=target, cwd=target), note=f"Running in {target}")


@step("node", block=True)
def node(call, label=None):
    from orchestrator.agents.local import LocalAgent
    from orchestrator.engine.agents import template_for_label
    build = call.ctx.build
    template = template_for_label(str(label), build.clouds) if label is not None and build.clouds else None
    if template is not None:   # as `agent { label ... }`: a pod from the cloud template carrying the label
        from orchestrator.engine.pods import allocate_pod
        from orchestrator.grammar import ast as a
        line = call.line or 0
        allocate_pod(call.engine, call.ctx, a.Agent(line=line, column=0, type="label"), call.block,
                     root=False, checkout=False, template=template, markers=False)
        return None
    agent = LocalAgent(build.workspace_root)
    workspace = build.custom_workspace or agent.workspace_for(build.job_name)
    ctx = call.ctx.derive(agent=agent, workspace=workspace, cwd=workspace)
    node_env = build.nodes.get(str(label or ""), {})
    if node_env:
        ctx = ctx.with_env(node_env)
    return call.block(ctx, note=f"Running on {agent.node_name} in {workspace}")


@step("container", block=True)
def container(call, name, shell=None):
    """Run the block's steps in another container of the pod agent."""
    agent = call.ctx.agent
    known = getattr(agent, "containers", None)
    if known is not None and str(name) not in known:
        raise call.fail(f"container('{name}'): the pod has no container named '{name}' (it has {', '.join(known)})")
    return call.block(call.ctx.derive(container=str(name)))


@step("script", block=True)
def script(call):
    return call.block()


@step("stage", block=True)
def stage(call, name, concurrency=None):
    with call.engine.stage_block(call.ctx, str(name)) as state:
        return call.body(call.ctx.derive(stage=state))


@step("parallel", raw=True)
def parallel(call, args, kwargs):
    branches = dict(kwargs)
    if args and isinstance(args[0], dict):
        branches.update(args[0])
    fail_fast = bool(branches.pop("failFast", False))
    engine = call.engine
    bodies = [(str(name), (lambda c: lambda ctx: engine.run_body(c, ctx))(closure))
              for name, closure in branches.items()]
    engine.parallel(call.ctx, bodies, fail_fast)


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@step("lock", block=True)
def lock(call, resource=None, label=None, quantity=1, variable=None, inversePrecedence=False, skipIfLocked=False,
         extra=None):
    name = str(resource or label or "default")
    with _LOCKS_GUARD:
        held = _LOCKS.setdefault(name, threading.Lock())
    if skipIfLocked and held.locked():
        call.console.line(f"[{name}] is locked, skipping execution...")
        return None
    call.console.line(f"Trying to acquire lock on [Resource: {name}]")
    while not held.acquire(timeout=0.2):
        call.ctx.token.check()
    call.console.line(f"Lock acquired on [Resource: {name}]")
    try:
        ctx = call.ctx.with_env({variable: name}) if variable else call.ctx
        return call.block(ctx)
    finally:
        held.release()
        call.console.line(f"Lock released on resource [Resource: {name}]")


@step("timestamps", block=True)
def timestamps(call):
    from orchestrator.console import TIMESTAMPS
    token = TIMESTAMPS.set(True)
    try:
        return call.block()
    finally:
        TIMESTAMPS.reset(token)


@step("ansiColor", block=True)
def ansi_color(call, colorMapName="xterm"):
    return call.block()
