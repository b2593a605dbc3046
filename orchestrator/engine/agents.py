"""Agent allocation for `agent` sections: where a pipeline's or a stage's steps run.

`any`/`label`/`node` run on the local agent (the controller host, like Jenkins' built-in node);
`none` runs nowhere (node steps then fail with Jenkins' message). Pod-based agents (`kubernetes`,
`docker`, `dockerfile`, and labels a cloud's pod template carries) run in pods (engine/pods.py).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from orchestrator.agents.local import LocalAgent
from orchestrator.grammar import ast as a

from .context import ExecContext

if TYPE_CHECKING:
    from .runner import Engine

POD_AGENTS = ("kubernetes", "docker", "dockerfile")


class WorkspaceLeases:
    """Concurrent builds or parallel branches on one job never share a workspace: the second
    user of `ws` gets `ws@2`, then `ws@3`..., as Jenkins' WorkspaceList does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[Path] = set()

    def acquire(self, path: Path) -> Path:
        with self._lock:
            candidate, n = path, 1
            while candidate in self._busy:
                n += 1
                candidate = path.with_name(f"{path.name}@{n}")
            self._busy.add(candidate)
        candidate.mkdir(parents=True, exist_ok=True)
        return candidate

    def release(self, path: Path) -> None:
        with self._lock:
            self._busy.discard(path)


LEASES = WorkspaceLeases()


def allocate(engine: "Engine", ctx: ExecContext, agent: Optional[a.Agent], body: Callable[[ExecContext], None],
             root: bool, checkout: bool, environment: Optional[a.Environment] = None,
             subdirectory: Optional[str] = None) -> None:
    if agent is None:  # a stage without `agent` runs where its parent runs
        body(ctx)
        return
    if agent.type == "none":
        body(ctx.derive(agent=None, workspace=None, cwd=None))
        return
    if agent.type in POD_AGENTS:
        from .pods import allocate_pod
        allocate_pod(engine, ctx, agent, body, root=root, checkout=checkout)
        return
    # agent settings may use the same level's environment values (agent { label "${LABEL}" })
    from .runner import plain_environment
    ectx = ctx.with_env(plain_environment(engine, ctx, environment)) if environment is not None else ctx
    custom = _custom_workspace(engine, ectx, agent)
    label = _label(engine, ectx, agent)
    build = engine.build
    template = template_for_label(label, build.clouds) if build.clouds and custom is None else None
    if template is not None:   # Jenkins would provision this label from the cloud's pod template
        from .pods import allocate_pod
        allocate_pod(engine, ctx, agent, body, root=root, checkout=checkout, template=template)
        return
    local = LocalAgent(build.workspace_root)
    if build.custom_workspace is not None and custom is None:
        workspace = build.custom_workspace
        workspace.mkdir(parents=True, exist_ok=True)
        leased = None
    else:
        workspace = leased = LEASES.acquire(local.workspace_for(build.job_name, custom))
    console = build.console
    console.pipeline("node")
    console.line(f"Running on {local.node_name} in {workspace}")
    console.pipeline("{")
    try:
        actx = ctx.derive(agent=local, workspace=workspace, cwd=workspace)
        node_env = build.nodes.get(label or "", {})
        if node_env:
            actx = actx.with_env(node_env)
        if checkout and build.scm is not None:
            from orchestrator.steps.scm import checkout_scm
            cctx = actx
            if subdirectory:
                target = workspace / subdirectory
                target.mkdir(parents=True, exist_ok=True)
                cctx = actx.derive(cwd=target)
            if root:
                with engine.stage_block(cctx, "Declarative: Checkout SCM"):
                    scm_env = checkout_scm(engine, cctx)
            else:
                scm_env = checkout_scm(engine, cctx)
            actx = actx.with_env(scm_env)
        body(actx)
    finally:
        if leased is not None:
            LEASES.release(leased)
        console.pipeline("}")
        console.pipeline("// node")


def _label(engine: "Engine", ctx: ExecContext, agent: a.Agent) -> Optional[str]:
    value = agent.value if agent.type in ("label", "node") else None
    if value is None:
        value = agent.param("label")
    return engine.evaluate_string(value, ctx) if value is not None else None


def _custom_workspace(engine: "Engine", ctx: ExecContext, agent: a.Agent) -> Optional[str]:
    value = agent.param("customWorkspace")
    return engine.evaluate_string(value, ctx) if value is not None else None


def template_for_label(label: Optional[str], clouds) -> Optional[tuple]:
    """The first (cloud, pod template) of the JCasC clouds whose labels include `label`, as the plugin
    provisions a label from the first template that matches; None runs the agent here.
    Only plain labels match (no `&&`/`||` expressions)."""
    if not label or not label.strip():
        return None
    for cloud in clouds:
        for template in cloud.templates:
            if label.strip() in (template.label or "").split():
                return cloud, template
    return None
