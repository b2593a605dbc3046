"""Pod agents in the engine: `agent { kubernetes {...} }` (and docker) as a Podman pod on this machine.

The manifest is `build_pod`'s; the pod's workspace volume is the job's workspace folder here, so the
automatic checkout and the file steps run on the controller side while `sh` runs in the containers.
The pod is removed afterwards, or kept after a failure with `podRetention onFailure()` (or always()).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Optional

from orchestrator.agents.local import LocalAgent
from orchestrator.errors import BuildError, StepFailed
from orchestrator.grammar import ast as a

from .context import ExecContext

if TYPE_CHECKING:
    from .runner import Engine


def allocate_pod(engine: "Engine", ctx: ExecContext, agent: a.Agent, body: Callable[[ExecContext], None],
                 root: bool, checkout: bool, template=None, markers: bool = True) -> None:
    """`agent { kubernetes/docker {...} }`, or (with `template`, a (cloud, pod template) of the JCasC clouds)
    an agent whose label a static pod template carries. markers=False: the caller (the `node` step) prints
    the `node { ... }` block markers itself."""
    from orchestrator.agents.agentparams import literal_params
    from orchestrator.agents.capacity import POD_SLOTS
    from orchestrator.agents.pods import BuildRef, PodSpecError, agent_settings, build_pod, select_cloud
    build = engine.build
    console = build.console
    if agent.type == "dockerfile":
        raise StepFailed("agent { dockerfile } needs an image build, which the Podman runtime does not do yet; "
                         "build the image first and use agent { docker { image '...' } }", agent.line)
    kind = "kubernetes" if template is not None else agent.type
    static = template[1] if template is not None else None   # the cloud's pod template the label chose
    if template is not None:
        params: dict = {"cloud": template[0].name, "inheritFrom": static.name}
    else:
        params, _warnings = literal_params(agent)
    allocation = ctx.stage.name if ctx.stage is not None else ""
    try:
        manifest = build_pod(params, build.clouds, BuildRef(build.job_name, build.number, allocation),
                             kind=kind)
        cloud = select_cloud(params.get("cloud"), build.clouds)
    except PodSpecError as e:
        raise StepFailed(f"The pod for this agent cannot be built: {e}", agent.line) from None
    if cloud is not None and cloud.runtime == "kubernetes":
        where = f"serverUrl {cloud.server_url}" if cloud.server_url else "ORCH_POD_RUNTIME=kubernetes"
        raise StepFailed(f"Cloud '{cloud.name}' runs its pods on a Kubernetes cluster ({where}), which this "
                         "orchestrator cannot do yet; set ORCH_POD_RUNTIME=podman (or serverUrl: podman://) to run "
                         "them with Podman on this machine", agent.line)
    settings = agent_settings(kind, params)
    cloud_name = cloud.name if cloud is not None else ""
    caps = [(cloud_name, cloud.container_cap if cloud is not None else None)]
    if static is not None:   # a declarative agent's own template is new each time: only static ones cap
        caps.append((f"{cloud_name}/{static.name}", static.instance_cap))

    def say_waiting(key: str, in_use: int) -> None:
        what = (f"pod template '{static.name}' already runs {in_use} pod(s), its instanceCap" if key != cloud_name
                else f"cloud '{cloud_name or 'default'}' already runs {in_use} pod(s), its containerCap")
        console.line(f"Waiting for a pod: {what}")
    if not POD_SLOTS.acquire(caps, ctx.token.event, say_waiting):
        ctx.token.check()   # aborted while waiting: raises the abort, no slot was taken
    try:
        _run_in_pod(engine, ctx, manifest, settings, body, checkout, markers, static.name if static else None)
    finally:
        POD_SLOTS.release([key for key, _cap in caps])


def _run_in_pod(engine: "Engine", ctx: ExecContext, manifest: dict, settings, body: Callable[[ExecContext], None],
                checkout: bool, markers: bool, template_name: Optional[str]) -> None:
    from orchestrator.agents.podman import PodAgent, PodmanRuntime, with_host_workspace

    from .agents import LEASES
    build = engine.build
    console = build.console

    def marker(text: str) -> None:
        if markers:
            console.pipeline(text)
    local = LocalAgent(build.workspace_root)
    workspace = LEASES.acquire(build.custom_workspace or local.workspace_for(build.job_name))
    manifest = with_host_workspace(manifest, workspace)
    containers = [c["name"] for c in manifest["spec"]["containers"]]
    default = manifest["metadata"].get("annotations", {}).get("kubectl.kubernetes.io/default-container",
                                                                containers[0])
    runtime = PodmanRuntime()
    name = manifest["metadata"]["name"]
    marker("podTemplate")
    marker("{")
    marker("node")
    failed = False
    created = False
    try:
        console.line(f"Created Pod: podman {name}")
        runtime.create(manifest)
        created = True
        console.line(f"Agent {name} is provisioned from template {template_name or name}")
        console.line(f"Running on {name} in {workspace}")
        marker("{")
        pod_agent = PodAgent(runtime, name, containers, default, workspace)
        actx = ctx.derive(agent=pod_agent, workspace=workspace, cwd=workspace, container=None)
        if checkout and build.scm is not None:
            from orchestrator.steps.scm import checkout_scm
            # the checkout runs on this machine, into the workspace the pod mounts
            scm_env = checkout_scm(engine, actx.derive(agent=local))
            actx = actx.with_env(scm_env)
        try:
            body(actx)
        except BuildError:
            failed = True
            raise
        finally:
            marker("}")
    finally:
        retention = str(settings.pod_retention or "default").lower()
        keep = "always" in retention or ("onfailure" in retention and failed)
        if created and not keep:
            runtime.delete(name)
        elif created:
            console.line(f"Pod {name} kept (podRetention {retention})")
        LEASES.release(workspace)
        marker("// node")
        marker("}")
        marker("// podTemplate")


def podman_available() -> bool:
    return any(os.access(os.path.join(d, "podman"), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep))
