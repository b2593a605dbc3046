"""`sh` (and `bat`/`powershell`, which fail clearly on a Unix agent): run a script on the agent."""
from __future__ import annotations

from orchestrator.console import decode
from orchestrator.errors import FlowInterrupted, StepFailed

from . import step


def _run(call, script, returnStdout=False, returnStatus=False, encoding=None, label=None):
    ctx = call.ctx
    if label:
        call.console.line(label)
    console = call.console
    result = ctx.agent.run_shell(
        str(script), cwd=str(ctx.cwd or ctx.workspace), env=ctx.environment(),
        on_output=lambda data: console.write(decode(data)), capture_stdout=bool(returnStdout),
        stop=ctx.token.event, container=ctx.container,
    )
    if result.interrupted or ctx.token.cancelled:
        ctx.token.check()
        raise FlowInterrupted()
    if result.exit_code != 0 and not returnStatus:
        raise StepFailed(f"script returned exit code {result.exit_code}", call.line)
    if returnStdout:
        return decode(result.stdout)
    if returnStatus:
        return result.exit_code
    return None


@step("sh", needs_node=True)
def sh(call, script, returnStdout=False, returnStatus=False, encoding=None, label=None):
    return _run(call, script, returnStdout, returnStatus, encoding, label)


@step("bat", needs_node=True)
def bat(call, script, returnStdout=False, returnStatus=False, encoding=None, label=None):
    raise StepFailed("bat needs a Windows agent; this agent runs Linux (use sh)", call.line)


@step("powershell", needs_node=True)
def powershell(call, script, returnStdout=False, returnStatus=False, encoding=None, label=None):
    raise StepFailed("powershell needs a Windows agent; use pwsh or sh", call.line)


@step("pwsh", needs_node=True)
def pwsh(call, script, returnStdout=False, returnStatus=False, encoding=None, label=None):
    import shutil
    if shutil.which("pwsh") is None:
        raise StepFailed("pwsh is not installed on this agent", call.line)
    return _run(call, "pwsh -NoProfile -Command " + _quote(str(script)), returnStdout, returnStatus, encoding, label)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
