"""Pure decisions about a pod's status (Kubernetes Pod JSON as dicts), for the Kubernetes runtime.

The kubernetes plugin's users suffer from builds that hang on a pod which will never run; these
functions name the reason as soon as the cluster shows it:
- `pod_info_lines`: the `[PodInfo]` console lines the plugin's PodStatusEventHandler prints;
- `startup_verdict`: is the pod ready, still starting, or never going to run (and why);
- `loss_of`: while steps run, has the pod or one of its containers died (and may a retry help);
- `create_failure`: what an error answer to the create call means (retry or give up).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

# Kubernetes reasons for which a new pod would fail the same way: not retried (the plugin's
# KubernetesAgentErrorCondition ignores the same ones)
NOT_RETRYABLE = frozenset({"OOMKilled", "Completed", "DeadlineExceeded"})
IMAGE_PULL = frozenset({"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"})
HOPELESS_WAITING = frozenset({"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
                              "CreateContainerError", "RunContainerError"})


@dataclass(frozen=True)
class Verdict:
    state: str                      # ready | starting | failed
    reason: str = ""                # ImagePullBackOff, Unschedulable, OOMKilled, ...
    message: str = ""               # what the console says


@dataclass(frozen=True)
class Loss:
    reason: str
    message: str

    @property
    def retryable(self) -> bool:
        return self.reason not in NOT_RETRYABLE


def _meta(pod: dict) -> tuple[str, str]:
    meta = pod.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


def _statuses(pod: dict) -> list[dict]:
    status = pod.get("status") or {}
    return list(status.get("initContainerStatuses") or []) + list(status.get("containerStatuses") or [])


def _image_of(pod: dict, container: str) -> str:
    spec = pod.get("spec") or {}
    for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
        if c.get("name") == container:
            return c.get("image", "")
    return ""


def _limit_of(pod: dict, container: str) -> str:
    for c in (pod.get("spec") or {}).get("containers") or []:
        if c.get("name") == container:
            return ((c.get("resources") or {}).get("limits") or {}).get("memory", "")
    return ""


def pod_info_lines(pod: dict) -> list[str]:
    """`[PodInfo] ns/name` and one line per container and per condition that is not fine, as the
    kubernetes plugin prints them (empty when nothing is worth saying)."""
    ns, name = _meta(pod)
    status = pod.get("status") or {}
    lines: list[str] = []
    for s in _statuses(pod):
        state = s.get("state") or {}
        for kind in ("waiting", "terminated"):
            detail = state.get(kind)
            if detail and detail.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
                text = f"\tContainer [{s.get('name')}] {kind} [{detail.get('reason')}]"
                if detail.get("message"):
                    text += f" {detail['message']}"
                lines.append(text)
    for c in status.get("conditions") or []:
        if c.get("status") == "False" and c.get("reason"):
            lines.append(f"\tPod [{status.get('phase', 'Unknown')}][{c['reason']}] {c.get('message', '')}".rstrip())
    if status.get("phase") == "Failed" and status.get("reason"):
        lines.append(f"\tPod [Failed][{status['reason']}] {status.get('message', '')}".rstrip())
    return [f"[PodInfo] {ns}/{name}"] + lines if lines else []


def startup_verdict(pod: dict) -> Verdict:
    """After create: ready (every container running and ready), still starting, or failed for good."""
    ns, name = _meta(pod)
    status = pod.get("status") or {}
    phase = status.get("phase", "Pending")
    if phase in ("Failed", "Succeeded"):
        reason = status.get("reason") or phase
        return Verdict("failed", reason, f"Pod '{ns}/{name}' is terminated. Status: {reason}"
                                         + (f": {status['message']}" if status.get("message") else ""))
    for s in _statuses(pod):
        state = s.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated:
            reason = terminated.get("reason") or "Error"
            return Verdict("failed", reason, container_terminated(pod, s.get("name", ""), terminated))
        if waiting and waiting.get("reason") in IMAGE_PULL | HOPELESS_WAITING:
            reason = waiting["reason"]
            if reason in IMAGE_PULL:
                image = _image_of(pod, s.get("name", ""))
                return Verdict("starting", reason, f'Unable to pull container image "{image}" for container '
                                                   f"'{s.get('name')}' ({reason}). Check if image tag name is "
                                                   "spelled correctly.")
            return Verdict("starting", reason, f"Container '{s.get('name')}' cannot start: {reason}"
                                               + (f": {waiting['message']}" if waiting.get("message") else ""))
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable":
            return Verdict("starting", "Unschedulable",
                           f"Pod '{ns}/{name}' cannot be scheduled: {c.get('message', 'Unschedulable')}")
    containers = (pod.get("spec") or {}).get("containers") or []
    ready = [s for s in status.get("containerStatuses") or [] if s.get("ready")]
    if phase == "Running" and len(ready) >= len(containers):
        return Verdict("ready")
    return Verdict("starting")


def container_terminated(pod: dict, container: str, terminated: dict) -> str:
    ns, name = _meta(pod)
    reason = terminated.get("reason") or "Error"
    text = f"{ns}/{name} Container {container} was terminated (exit code {terminated.get('exitCode', '?')})." \
           f" Reason: {reason}"
    if terminated.get("message"):
        text += f", Message: {terminated['message']}"
    if reason == "OOMKilled":
        limit = _limit_of(pod, container)
        text += (f": the container ran out of memory (its memory limit is {limit})" if limit else
                 ": the container ran out of memory")
    return text + "."


def loss_of(pod: Optional[dict], deleted: bool = False) -> Optional[Loss]:
    """While steps run: the pod was deleted, failed, or one of its containers ended."""
    if pod is None or deleted:
        ns, name = _meta(pod or {})
        return Loss("Deleted", f"Pod {ns}/{name} was deleted (node lost, evicted or removed by someone)"
                    if name else "The pod was deleted")
    ns, name = _meta(pod)
    status = pod.get("status") or {}
    if status.get("phase") == "Failed":
        reason = status.get("reason") or "Failed"
        return Loss(reason, f"{ns}/{name} Pod just failed. Reason: {reason}"
                    + (f", Message: {status['message']}." if status.get("message") else "."))
    for s in status.get("containerStatuses") or []:
        terminated = (s.get("state") or {}).get("terminated")
        if terminated:
            return Loss(terminated.get("reason") or "Error", container_terminated(pod, s.get("name", ""), terminated))
    return None


def create_failure(status: int, body: str, name: str) -> tuple[bool, str]:
    """(retry?, message) for an error answer to creating pod `name` (the plugin's KubernetesLauncher rules)."""
    try:
        message = json.loads(body).get("message") or body
    except (ValueError, AttributeError):
        message = body or f"HTTP {status}"
    if status == 403 and "exceeded quota" in message:
        return True, f"Unable to create pod {name} because kubernetes resource quota exceeded: {message}"
    if status == 409 and "resourcequotas" in message:
        return True, f"Unable to create pod {name}: {message}"
    if status >= 500 or status in (0, 429):
        return True, f"Unable to create pod {name}: the API server answered {status}: {message}"
    return False, f"Unable to create pod {name}: {message}"
