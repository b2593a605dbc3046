"""Pod agents in the engine: `agent { kubernetes {...} }` (and docker) as a Podman pod on this machine.

The manifest is `build_pod`'s; the pod's workspace volume is the job's workspace folder here, so the
automatic checkout and the file steps run on the controller side while `sh` runs in the containers.
The pod is removed afterwards, or kept after a failure with `podRetention onFailure()` (or always()).
"""
from __future__ import annotations

import functools
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
    kind = "kubernetes" if template is not None else agent.type
    static = template[1] if template is not None else None   # the cloud's pod template the label chose
    if template is not None:
        params: dict = {"cloud": template[0].name, "inheritFrom": static.name}
    else:
        params, _warnings = literal_params(agent)
    allocation = ctx.stage.name if ctx.stage is not None else ""
    try:
        cloud = select_cloud(params.get("cloud"), build.clouds)
        # checked now, before anything runs (a dockerfile agent's image is built later, from the workspace)
        build_pod(params, build.clouds, BuildRef(build.job_name, build.number, allocation), kind=kind,
                  image="dockerfile" if kind == "dockerfile" else None)
    except PodSpecError as e:
        raise StepFailed(f"The pod for this agent cannot be built: {e}", agent.line) from None
    settings = agent_settings(kind, params)
    try:
        runtime = runtime_for(cloud, build.credentials)
    except StepFailed as e:   # no credentials / no kubeconfig: say it at the agent's line
        e.line = e.line or agent.line
        raise
    if kind == "dockerfile" and runtime is not None:
        runtime.close()
        raise StepFailed(f"agent {{ dockerfile }} on cloud '{cloud.name}' (a Kubernetes cluster): its nodes cannot use "
                         "an image built on this machine; build and push the image to a registry the cluster pulls "
                         "from, then use agent { kubernetes { yaml ... } } or agent { docker { image '...' } }",
                         agent.line)
    cloud_name = cloud.name if cloud is not None else ""
    caps = [(cloud_name, cloud.container_cap if cloud is not None else None)]
    if static is not None:   # a declarative agent's own template is new each time: only static ones cap
        caps.append((f"{cloud_name}/{static.name}", static.instance_cap))

    def say_waiting(key: str, in_use: int) -> None:
        what = (f"pod template '{static.name}' already runs {in_use} pod(s), its instanceCap" if key != cloud_name
                else f"cloud '{cloud_name or 'default'}' already runs {in_use} pod(s), its containerCap")
        console.line(f"Waiting for a pod: {what}")
    template_name = static.name if static else None
    try:
        for attempt in range(1, settings.retries + 1):
            # a fresh pod name for each attempt, as the plugin's retry does
            ref = BuildRef(build.job_name, build.number, allocation, attempt=attempt)
            if kind == "dockerfile":
                make_pod = functools.partial(_dockerfile_pod, engine, ctx, params, ref)
            elif runtime is None:
                make_pod = functools.partial(_PodmanPod, build_pod(params, build.clouds, ref, kind=kind),
                                             console=console)
            else:
                make_pod = functools.partial(_ClusterPod, runtime, build_pod(params, build.clouds, ref, kind=kind),
                                             console=console, cloud_name=cloud_name)
            if not POD_SLOTS.acquire(caps, ctx.token.event, say_waiting):
                ctx.token.check()   # aborted while waiting: raises the abort, no slot was taken
            try:
                _run_in_pod(engine, ctx, make_pod, settings, body, checkout, markers, template_name,
                            checkout_first=kind == "dockerfile")
                return
            except StepFailed as e:
                if not getattr(e, "retryable", False) or attempt == settings.retries:
                    if e.line is None:
                        e.line = agent.line
                    raise
                console.line(f"{e}")
                console.line(f"Retrying with a new pod (attempt {attempt + 1} of {settings.retries})")
            finally:
                POD_SLOTS.release([key for key, _cap in caps])
    finally:
        if runtime is not None:
            runtime.close()


def _dockerfile_pod(engine: "Engine", ctx: ExecContext, params: dict, ref, *, workspace) -> "_PodmanPod":
    """`agent { dockerfile {...} }`: `podman build` the workspace's Dockerfile, then a one-container pod of it."""
    from orchestrator.agents.images import build_image
    from orchestrator.agents.pods import build_pod
    build = engine.build
    image = build_image(params, workspace, build.job_name, build.console, ctx.token.event)
    return _PodmanPod(build_pod(params, build.clouds, ref, kind="dockerfile", image=image), workspace=workspace,
                      console=build.console)


def remove_cluster_pods(clouds, credentials: Optional[dict], job_name: str, number: int) -> int:
    """After a controller crash: delete a build's leftover pods on every cloud that is a cluster; how many.
    A cloud that cannot be reached is skipped (its pods stay; the log says how many were removed)."""
    removed = 0
    for cloud in clouds or ():
        try:
            runtime = runtime_for(cloud, credentials)
        except StepFailed:
            continue
        if runtime is None:
            continue
        try:
            namespaces = tuple(t.namespace for t in cloud.templates if t.namespace)
            removed += runtime.remove_build_pods(job_name, number, namespaces)
        except StepFailed:
            pass
        finally:
            runtime.close()
    return removed


def runtime_for(cloud, credentials: Optional[dict]):
    """None: Podman on this machine; else a KubernetesRuntime for the cloud's cluster. A cloud's runtime is
    `podman`, `kubernetes`, or `auto` (the cluster when this process runs in one or has a kubeconfig)."""
    if cloud is None or cloud.runtime == "podman":
        return None
    if cloud.runtime == "auto" and not (os.environ.get("KUBERNETES_SERVICE_HOST") or os.environ.get("KUBECONFIG")
                                        or os.path.exists(os.path.expanduser("~/.kube/config"))):
        return None
    from orchestrator.agents.kubernetes import KubernetesRuntime, Timings, api_client_for, kubeconfig_namespace
    token = None
    if cloud.credentials_id:
        credential = (credentials or {}).get(cloud.credentials_id)
        if credential is None:
            raise StepFailed(f"Cloud '{cloud.name}': credentials '{cloud.credentials_id}' not found")
        token = getattr(credential, "secret", None) or getattr(credential, "password", None)
    namespace = cloud.namespace or ("default" if cloud.server_url else kubeconfig_namespace())
    return KubernetesRuntime(api_client_for(cloud, token), namespace,
                             Timings.from_env(os.environ, ready_timeout=cloud.wait_for_pod_sec or 600))


class _PodmanPod:
    """A pod on this machine: the workspace volume is the job's workspace folder itself."""

    def __init__(self, manifest: dict, workspace, console) -> None:
        from orchestrator.agents.podman import PodmanRuntime, with_host_workspace
        self.manifest = with_host_workspace(manifest, workspace)
        self.workspace = workspace
        self.name = self.manifest["metadata"]["name"]
        self.runtime = PodmanRuntime()
        self.console = console
        self.created = False

    def create(self, token) -> None:  # noqa: ARG002 - kube play is one short call
        self.console.line(f"Created Pod: podman {self.name}")
        self.created = True   # a half-made pod is removed too
        self.runtime.create(self.manifest)

    def agent(self, containers: list[str], default: str):
        from orchestrator.agents.podman import PodAgent
        return PodAgent(self.runtime, self.name, containers, default, self.workspace)

    def delete(self) -> None:
        self.runtime.delete(self.name)


class _ClusterPod:
    """A pod on a Kubernetes cluster; its workspace is copied to and from the job's workspace folder."""

    def __init__(self, runtime, manifest: dict, workspace, console, cloud_name: str) -> None:
        self.runtime = runtime
        self.manifest = manifest
        self.workspace = workspace
        self.name = manifest["metadata"]["name"]
        self.ns = runtime.namespace_of(manifest)
        self.console = console
        self.cloud_name = cloud_name
        self.monitor = None
        self.created = False

    def create(self, token) -> None:
        self.runtime.create(self.manifest, self.console.line, token.event)
        self.created = True
        self.console.line(f"Created Pod: {self.cloud_name or 'kubernetes'} {self.ns}/{self.name}")
        self.runtime.wait_ready(self.ns, self.name, self.console.line, token.event)
        self.monitor = self.runtime.monitor(self.ns, self.name, self.console.line)

    def agent(self, containers: list[str], default: str):
        from orchestrator.agents.kubernetes import KubernetesPodAgent
        return KubernetesPodAgent(self.runtime, self.ns, self.name, containers, default, self.workspace,
                                  self.monitor)

    def delete(self) -> None:
        if not self.created:
            return
        try:
            self.runtime.delete(self.ns, self.name)
        except Exception as e:  # noqa: BLE001 - the build's result stands; say what is left behind
            self.console.line(f"WARNING: Failed to delete pod for agent {self.ns}/{self.name}: {e}")
            return
        self.console.line(f"Terminated Kubernetes instance for agent {self.ns}/{self.name}")


def _run_in_pod(engine: "Engine", ctx: ExecContext, make_pod: Callable, settings, body: Callable[[ExecContext], None],
                checkout: bool, markers: bool, template_name: Optional[str], checkout_first: bool = False) -> None:
    """Lease the workspace, create the pod, run the body with the pod's agent, and delete the pod (or keep
    it per podRetention), printing the `podTemplate { node {` markers as the plugin's steps do.
    checkout_first: check out before the pod is made (a dockerfile agent builds its image from the checkout)."""
    from orchestrator.steps.scm import checkout_scm

    from .agents import LEASES
    build = engine.build
    console = build.console

    def marker(text: str) -> None:
        if markers:
            console.pipeline(text)
    local = LocalAgent(build.workspace_root)
    workspace = LEASES.acquire(build.custom_workspace or local.workspace_for(build.job_name))
    marker("podTemplate")
    marker("{")
    marker("node")
    failed = False
    created = False
    pod = None
    scm_env = None
    try:
        if checkout and checkout_first and build.scm is not None:
            scm_env = checkout_scm(engine, ctx.derive(agent=local, workspace=workspace, cwd=workspace, container=None))
        pod = make_pod(workspace=workspace)
        containers = [c["name"] for c in pod.manifest["spec"]["containers"]]
        default = pod.manifest["metadata"].get("annotations", {}).get("kubectl.kubernetes.io/default-container",
                                                                        containers[0])
        try:
            pod.create(ctx.token)
        finally:
            created = pod.created   # a pod that failed to start is deleted (or kept) too
        console.line(f"Agent {pod.name} is provisioned from template {template_name or pod.name}")
        console.line(f"Running on {pod.name} in {workspace}")
        marker("{")
        actx = ctx.derive(agent=pod.agent(containers, default), workspace=workspace, cwd=workspace, container=None)
        if checkout and not checkout_first and build.scm is not None:
            # the checkout runs on this machine, into the workspace folder the pod sees
            scm_env = checkout_scm(engine, actx.derive(agent=local))
        if scm_env is not None:
            actx = actx.with_env(scm_env)
        try:
            body(actx)
        finally:
            marker("}")
    except BuildError:
        failed = True
        raise
    finally:
        retention = str(settings.pod_retention or "default").lower()
        keep = "always" in retention or ("onfailure" in retention and failed)
        if created and not keep:
            pod.delete()
        elif created:
            console.line(f"Pod {pod.name} kept (podRetention {retention})")
        LEASES.release(workspace)
        marker("// node")
        marker("}")
        marker("// podTemplate")
