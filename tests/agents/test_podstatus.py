"""Pure decisions on pod status: what the console says and whether the build goes on, waits or fails."""
from __future__ import annotations

import json

import pytest

from orchestrator.agents.podstatus import create_failure, loss_of, pod_info_lines, startup_verdict


def pod(phase="Pending", statuses=(), conditions=(), reason=None, message=None, limit="96Mi") -> dict:
    status = {"phase": phase, "containerStatuses": list(statuses), "conditions": list(conditions)}
    if reason:
        status.update(reason=reason, message=message)
    return {"metadata": {"namespace": "ci", "name": "app-1-x"},
            "spec": {"containers": [{"name": "build", "image": "maven:3.9",
                                     "resources": {"limits": {"memory": limit}}}]},
            "status": status}


def state(**kind) -> dict:
    return {"name": "build", "ready": "running" in kind, "state": kind}


RUNNING = state(running={"startedAt": "2026-11-26T10:00:00Z"})
PULL = state(waiting={"reason": "ImagePullBackOff", "message": 'Back-off pulling image "maven:3.9"'})
OOM = state(terminated={"exitCode": 137, "reason": "OOMKilled"})
UNSCHEDULABLE = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                 "message": "0/3 nodes are available: 3 Insufficient memory."}


@pytest.mark.parametrize("given, expected", [
    (pod("Running", [RUNNING]), ("ready", "")),
    (pod("Pending"), ("starting", "")),
    (pod("Pending", [state(waiting={"reason": "ContainerCreating"})]), ("starting", "")),
    (pod("Pending", [PULL]), ("starting", "ImagePullBackOff")),
    (pod("Pending", [state(waiting={"reason": "ErrImagePull"})]), ("starting", "ErrImagePull")),
    (pod("Pending", conditions=[UNSCHEDULABLE]), ("starting", "Unschedulable")),
    (pod("Running", [OOM]), ("failed", "OOMKilled")),
    (pod("Failed", reason="DeadlineExceeded", message="too long"), ("failed", "DeadlineExceeded")),
    (pod("Pending", [state(waiting={"reason": "CreateContainerConfigError", "message": 'secret "x" not found'})]),
     ("starting", "CreateContainerConfigError")),
])
def test_startup_verdict(given, expected):
    verdict = startup_verdict(given)
    assert (verdict.state, verdict.reason) == expected


def test_startup_messages_name_the_cause():
    assert startup_verdict(pod("Pending", [PULL])).message == (
        "Unable to pull container image \"maven:3.9\" for container 'build' (ImagePullBackOff). "
        "Check if image tag name is spelled correctly.")
    assert startup_verdict(pod("Pending", conditions=[UNSCHEDULABLE])).message == (
        "Pod 'ci/app-1-x' cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.")
    assert "its memory limit is 96Mi" in startup_verdict(pod("Running", [OOM])).message


def test_pod_info_lines_as_the_plugin_prints_them():
    assert pod_info_lines(pod("Running", [RUNNING])) == []
    assert pod_info_lines(pod("Pending", [PULL], [UNSCHEDULABLE])) == [
        "[PodInfo] ci/app-1-x",
        '\tContainer [build] waiting [ImagePullBackOff] Back-off pulling image "maven:3.9"',
        "\tPod [Pending][Unschedulable] 0/3 nodes are available: 3 Insufficient memory.",
    ]


@pytest.mark.parametrize("given, deleted, reason, retryable", [
    (pod("Running", [RUNNING]), False, None, None),
    (pod("Running", [RUNNING]), True, "Deleted", True),
    (None, False, "Deleted", True),
    (pod("Running", [OOM]), False, "OOMKilled", False),
    (pod("Failed", reason="DeadlineExceeded"), False, "DeadlineExceeded", False),
    (pod("Failed", reason="Evicted", message="The node was low on resource: memory."), False, "Evicted", True),
    (pod("Running", [state(terminated={"exitCode": 0, "reason": "Completed"})]), False, "Completed", False),
    (pod("Running", [state(terminated={"exitCode": 1, "reason": "Error"})]), False, "Error", True),
])
def test_loss_and_whether_a_new_pod_may_help(given, deleted, reason, retryable):
    loss = loss_of(given, deleted)
    assert (loss.reason if loss else None) == reason
    if loss is not None:
        assert loss.retryable is retryable


def test_create_failures_retry_what_the_plugin_retries():
    def body(message):
        return json.dumps({"kind": "Status", "message": message})
    quota = 'pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3'
    assert create_failure(403, body(quota), "ci/p") == (
        True, f"Unable to create pod ci/p because kubernetes resource quota exceeded: {quota}")
    assert create_failure(409, body('Operation cannot be fulfilled on resourcequotas "q"'), "ci/p")[0] is True
    assert create_failure(503, body("etcd leader changed"), "ci/p")[0] is True
    assert create_failure(422, body('Pod "p" is invalid: spec.containers[0].image: Required value'), "ci/p") == (
        False, 'Unable to create pod ci/p: Pod "p" is invalid: spec.containers[0].image: Required value')
    assert create_failure(403, body('pods is forbidden: User "x" cannot create resource'), "ci/p")[0] is False
    assert create_failure(400, "not json", "ci/p") == (False, "Unable to create pod ci/p: not json")
