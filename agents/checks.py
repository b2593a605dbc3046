"""Checks on a pipeline's pods before any pod exists: what Jenkins only finds once the pod runs.

Given the declarative model and the manifest built for each pod agent allocation, report as
Jenkinsfile diagnostics (with the line of the offending call or agent):
- `container('x')` naming a container that allocation's pod does not have (error), found in
  declarative steps and in `script {}` Groovy; also a `defaultContainer` the pod lacks;
- manifests the kubernetes models reject (error);
- privileged containers and hostPath volumes, unless the policy allows them (error);
- images without a tag or tagged `:latest` (warning: builds are not reproducible);
- docker agent `args` a pod cannot express (warning: ignored).
Pure: the caller builds the manifests (`pods.build_pod`) and passes them in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

from orchestrator.casc.model import KubernetesCloud
from orchestrator.grammar import ast as a
from orchestrator.grammar import groovy as g
from orchestrator.grammar.errors import Diagnostic

from .pods import AGENT_CONTAINER, DEFAULT_CONTAINER_ANNOTATION, docker_args, validate_pod

POD_AGENTS = ("kubernetes", "docker", "dockerfile")


@dataclass(frozen=True)
class Allocation:
    """One pod agent allocation: `path` is "" for the pipeline's agent, else the stage path
    (`Build/Linux`); `scopes` are the Steps whose steps run on it (stage steps and post blocks)."""
    path: str
    agent: a.Agent
    scopes: tuple[a.Steps, ...]


@dataclass(frozen=True)
class PodPolicy:
    """What a cloud lets user pods do. Clouds have no setting for it yet, so `for_cloud` derives it:
    a cloud whose own (admin-written) templates use privileged containers or hostPath volumes
    allows them; a cloud with `restrictedPssSecurityContext` never does."""
    allow_privileged: bool = False
    allow_host_path: bool = False

    @classmethod
    def for_cloud(cls, cloud: Optional[KubernetesCloud]) -> "PodPolicy":
        if cloud is None or cloud.restricted_pss_security_context:
            return cls()
        privileged = any(c.privileged for t in cloud.templates for c in t.containers)
        host_path = any(v.kind == "hostPathVolume" for t in cloud.templates for v in t.volumes) or any(
            t.workspace_volume.kind == "hostPath" for t in cloud.templates)
        return cls(privileged, host_path)


# ---------------------------------------------------------------- where agents apply
def _stage_scopes(stage: a.Stage) -> list[a.Steps]:
    scopes = [stage.steps] if stage.steps else []
    scopes += [branch.steps for branch in stage.parallel_branches]
    if stage.post:
        scopes += [c.steps for c in stage.post.conditions]
    return scopes


def _walk_stages(stages: tuple[a.Stage, ...], path: str, owner: Optional[str],
                 agents: dict[str, a.Agent], scopes: dict[str, list[a.Steps]]) -> None:
    """Assign each stage's steps to the allocation they run on: the stage's own pod agent, else
    the enclosing one (`agent none` or no agent inherits; another agent type leaves pods)."""
    for stage in stages:
        stage_path = f"{path}/{stage.name}" if path else stage.name
        agent = stage.agent or (stage.matrix.agent if stage.matrix else None)
        current = owner
        if agent is not None and agent.type != "none":
            current = stage_path if agent.type in POD_AGENTS else None
            if current is not None:
                agents[current], scopes[current] = agent, []
        if current is not None:
            scopes[current] += _stage_scopes(stage)
        children = stage.stages or stage.parallel or (stage.matrix.stages if stage.matrix else None) or ()
        _walk_stages(children, stage_path, current, agents, scopes)


def allocations(pipeline: a.Pipeline) -> list[Allocation]:
    """Every pod agent allocation of the pipeline, with the steps that run on it."""
    agents: dict[str, a.Agent] = {}
    scopes: dict[str, list[a.Steps]] = {}
    top = None
    if pipeline.agent is not None and pipeline.agent.type in POD_AGENTS:
        top, agents[""] = "", pipeline.agent
        scopes[""] = [c.steps for c in pipeline.post.conditions] if pipeline.post else []
    _walk_stages(pipeline.stages, "", top, agents, scopes)
    return [Allocation(path, agent, tuple(scopes[path])) for path, agent in agents.items()]


# ---------------------------------------------------------------- container() calls
def _container_name(args: tuple) -> tuple[Optional[str], g.Node | None]:
    for arg in args:
        if isinstance(arg, g.NamedArg) and a.literal_key(arg.key) == "name":
            arg = arg.value
        elif isinstance(arg, g.NamedArg):
            continue
        if isinstance(arg, g.Literal) and isinstance(arg.value, str):
            return arg.value, arg
        return None, arg
    return None, None


def container_calls(steps: a.Steps) -> Iterator[tuple[str, int, int]]:
    """(name, line, column) of every `container('name')` with a constant name under `steps`."""
    for step in steps.steps:
        if step.name == "container":
            name, _ = _container_name(step.args)
            if name is not None:
                yield name, step.line, step.column
        if step.children is not None:
            yield from container_calls(step.children)
        if step.script is not None:
            for node in g.walk(step.script):
                if isinstance(node, g.Call) and node.receiver is None and node.name == "container":
                    name, _ = _container_name(node.args)
                    if name is not None:
                        yield name, node.line, node.column


# ---------------------------------------------------------------- manifest checks
def _image_warning(image: str) -> Optional[str]:
    if not image or "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image '{image}' has no tag: it means ':latest', which changes under the build; pin a version"
    if last.endswith(":latest"):
        return f"image '{image}' uses ':latest', which changes under the build; pin a version"
    return None


def check_manifest(manifest: Mapping[str, Any], agent: a.Agent, policy: PodPolicy = PodPolicy(),
                   params: Optional[Mapping[str, Any]] = None) -> list[Diagnostic]:
    """Diagnostics for one pod, positioned at its agent block."""
    line, column = agent.line, agent.column
    found: list[Diagnostic] = []

    def report(message: str, severity: str = "error") -> None:
        found.append(Diagnostic(line, column, message, severity))

    for problem in validate_pod(manifest):
        report(f"{agent.type} agent: the pod is not a valid Kubernetes Pod: {problem}")
    spec = manifest.get("spec") or {}
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    names = [c.get("name") for c in spec.get("containers") or []]
    default = ((manifest.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    if default and default not in names:
        report(f"defaultContainer '{default}' is not a container of the pod (containers: {', '.join(names)})")
    for c in containers:
        security = c.get("securityContext") or {}
        if isinstance(security, dict) and security.get("privileged") and not policy.allow_privileged:
            report(f"container '{c.get('name')}' is privileged, which the cloud does not allow")
        warning = _image_warning(str(c.get("image") or ""))
        if warning:
            report(f"container '{c.get('name')}': {warning}", "warning")
    for v in spec.get("volumes") or []:
        if isinstance(v, dict) and "hostPath" in v and not policy.allow_host_path:
            path = (v.get("hostPath") or {}).get("path", "")
            report(f"volume '{v.get('name')}' mounts the node's {path} (hostPath), which the cloud does not allow")
    if agent.type == "docker" and params and params.get("args"):
        for word in docker_args(str(params["args"]))[2]:
            report(f"docker agent: args '{word}' has no equivalent in a pod and is ignored", "warning")
    return found


def check_pods(pipeline: a.Pipeline, manifests: Mapping[str, Mapping[str, Any]],
               policy: PodPolicy = PodPolicy(),
               params: Optional[Mapping[str, Mapping[str, Any]]] = None) -> list[Diagnostic]:
    """All diagnostics for the pipeline's pods. `manifests` maps each allocation's path (see
    `allocations`) to its manifest; allocations without one are skipped. `params` (same keys, the
    agents' parameters) adds the docker-args warnings."""
    found: list[Diagnostic] = []
    for alloc in allocations(pipeline):
        manifest = manifests.get(alloc.path)
        if manifest is None:
            continue
        found += check_manifest(manifest, alloc.agent, policy, (params or {}).get(alloc.path))
        names = [c.get("name") for c in (manifest.get("spec") or {}).get("containers") or []]
        for scope in alloc.scopes:
            for name, line, column in container_calls(scope):
                if name in names:
                    continue
                hint = (" (this orchestrator runs steps in the pod's containers directly and adds no jnlp agent "
                        "container: declare one in the pod yaml, or use one of the containers above)"
                        if name == AGENT_CONTAINER else "")
                found.append(Diagnostic(line, column, f"container('{name}'): the pod of the agent at line "
                                        f"{alloc.agent.line} has no container named '{name}' "
                                        f"(containers: {', '.join(names)}){hint}"))
    return sorted(found)
