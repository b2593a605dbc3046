"""Agent allocation for `agent` sections: where a pipeline's or a stage's steps run.

`any`/`label`/`node` run on the local agent (the controller host, like Jenkins' built-in node);
`none` runs nowhere (node steps then fail with Jenkins' message). Pod-based agents (`kubernetes`,
`docker`, `dockerfile`) are refused with a clear message until the pod runtime lands.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from orchestrator.agents.local import LocalAgent
from orchestrator.errors import StepFailed
from orchestrator.grammar import ast as a

from .context import ExecContext

if TYPE_CHECKING:
    from .runner import Engine

POD_AGENTS = ("kubernetes", "docker", "dockerfile")


def allocate(engine: "Engine", ctx: ExecContext, agent: Optional[a.Agent], body: Callable[[ExecContext], None],
             root: bool, checkout: bool) -> None:
    if agent is None:  # a stage without `agent` runs where its parent runs
        body(ctx)
        return
    if agent.type == "none":
        body(ctx.derive(agent=None, workspace=None, cwd=None))
        return
    if agent.type in POD_AGENTS:
        raise StepFailed(f"agent {{ {agent.type} ... }} needs pod agents, which this orchestrator build cannot run "
                         "yet; use `agent any` or `agent { label '...' }` to run the steps locally",
                         agent.line)
    custom = _custom_workspace(engine, ctx, agent)
    build = engine.build
    local = LocalAgent(build.workspace_root)
    if build.custom_workspace is not None and custom is None:
        workspace = build.custom_workspace
        workspace.mkdir(parents=True, exist_ok=True)
    else:
        workspace = local.workspace_for(build.job_name, custom)
    console = build.console
    console.pipeline("node")
    console.line(f"Running on {local.node_name} in {workspace}")
    console.pipeline("{")
    try:
        actx = ctx.derive(agent=local, workspace=workspace, cwd=workspace)
        if checkout and build.scm is not None:
            from orchestrator.steps.scm import checkout_scm
            if root:
                with engine.stage_block(actx, "Declarative: Checkout SCM"):
                    scm_env = checkout_scm(engine, actx)
            else:
                scm_env = checkout_scm(engine, actx)
            actx = actx.with_env(scm_env)
        body(actx)
    finally:
        console.pipeline("}")
        console.pipeline("// node")


def _custom_workspace(engine: "Engine", ctx: ExecContext, agent: a.Agent) -> Optional[str]:
    value = agent.param("customWorkspace")
    return engine.evaluate_string(value, ctx) if value is not None else None
