"""Pods on one machine with Podman: `podman kube play` / `podman exec` / `podman pod rm`.

The manifest is the one `build_pod` makes for a cluster, with one change: the workspace volume is
the job's workspace folder on this machine (a hostPath) instead of an emptyDir, so the controller's
file steps (writeFile, stash, archiveArtifacts...) and the pod's containers see the same files.
"""
from __future__ import annotations

import copy
import os
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Callable, Optional

from orchestrator.errors import StepFailed

from .podsteps import PodSteps
from .processes import ProcessResult, run_process



def _mebibytes(limit: Optional[int]) -> str:
    if not limit or limit >= 1 << 60:
        return "unlimited"
    return f"{limit / (1 << 20):g}Mi"


def with_host_workspace(manifest: dict, host_path: Path) -> dict:
    """The manifest with `workspace-volume` bound to `host_path` (a new dict; the input is kept)."""
    pod = copy.deepcopy(manifest)
    for volume in pod.get("spec", {}).get("volumes", []):
        if volume.get("name") == "workspace-volume":
            for key in [k for k in volume if k != "name"]:
                del volume[key]
            volume["hostPath"] = {"path": str(host_path), "type": "Directory"}
    return pod



def conmon_dir() -> str:
    """The working directory for podman commands. On cgroup v1 podman's conmon writes a file named `oom`
    into the directory it was started from when a container is OOM-killed; this keeps it out of the
    caller's folder and the build's workspace (where `archiveArtifacts '**'` would pick it up)."""
    path = Path(tempfile.gettempdir()) / "orchestrator-podman"
    path.mkdir(exist_ok=True)
    return str(path)

def _images(manifest: dict) -> list[str]:
    spec = manifest.get("spec", {})
    return list(dict.fromkeys(c.get("image", "") for c in spec.get("initContainers", []) + spec.get("containers", [])
                              if c.get("image")))


class PodmanRuntime:
    """Creates, runs commands in and removes pods with the podman CLI."""

    def __init__(self, podman: str = "podman", timeout: float = 300) -> None:
        self.podman = podman
        self.timeout = timeout

    def _run(self, *args: str, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self.podman, *args], capture_output=True, text=True, cwd=conmon_dir(),
                                  timeout=timeout or self.timeout)
        except FileNotFoundError:
            raise StepFailed("podman is not installed on this machine; install it (Debian: apt-get install "
                             "podman runc) or configure a Kubernetes cloud") from None

    def create(self, manifest: dict) -> str:
        """`podman kube play`: start the pod and wait until its containers run. Returns the pod name."""
        import yaml
        name = manifest["metadata"]["name"]
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            yaml.safe_dump(manifest, f, sort_keys=False)
            path = f.name
        try:
            done = self._run("kube", "play", "--replace", path)
        finally:
            os.unlink(path)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            reason_text = reason[-1] if reason else "podman failed"
            missing = [image for image in _images(manifest)
                       if self._run("image", "exists", image, timeout=30).returncode != 0]
            if missing:   # what a cluster reports as ImagePullBackOff
                raise StepFailed(f'Unable to pull container image "{missing[0]}" for pod {name}: it is not on this '
                                 f"machine and could not be pulled ({reason_text}). Check if image tag name is spelled "
                                 "correctly; `podman images` lists the local ones (`podman load`/`podman build` "
                                 "add images where no registry is reachable)")
            raise StepFailed(f"Pod {name} could not be created: {reason_text}")
        return name

    def delete(self, name: str) -> None:
        self._run("pod", "rm", "--force", "--time", "0", name, timeout=120)

    def exists(self, name: str) -> bool:
        return self._run("pod", "exists", name, timeout=30).returncode == 0

    def container_name(self, pod: str, container: str) -> str:
        return f"{pod}-{container}"

    def exec_argv(self, pod: str, container: str, cwd: str, env: dict[str, str], argv: list[str]) -> list[str]:
        command = [self.podman, "exec", "-w", cwd]
        for key, value in sorted(env.items()):
            command += ["-e", f"{key}={value}"]
        return command + [self.container_name(pod, container), *argv]

    def memory_state(self, pod: str, container: str) -> tuple[int, Optional[int]]:
        """(OOM kills so far, memory limit in bytes) from the container's memory cgroup (v2 or v1)."""
        script = ("cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control; "
                  "echo limit $(cat /sys/fs/cgroup/memory.max 2>/dev/null || "
                  "cat /sys/fs/cgroup/memory/memory.limit_in_bytes)")
        done = self._run("exec", self.container_name(pod, container), "sh", "-c", script, timeout=30)
        kills, limit = 0, None
        for line in done.stdout.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                kills = int(value)
            elif key == "limit" and value.strip().isdigit():
                limit = int(value)
        return kills, limit

    def kill_processes(self, pod: str, container: str) -> None:
        """What an abort does inside the container: every process but the container's own init."""
        self._run("exec", self.container_name(pod, container), "sh", "-c", "kill -9 -1 2>/dev/null; true",
                  timeout=30)


class PodAgent(PodSteps):
    """Steps of a pod agent: `sh` runs in a container of the pod (the default one, or the one
    `container('x')` names); the workspace is the shared folder mounted at /home/jenkins/agent."""

    def __init__(self, runtime: PodmanRuntime, pod: str, containers: list[str], default_container: str,
                 host_workspace: Path) -> None:
        super().__init__(pod, containers, default_container, host_workspace)
        self.runtime = runtime
        # OOM kills seen so far per container: a new pod's memory cgroups start at 0, so nothing needs
        # reading before a step (that would cost a podman exec per step)
        self.oom_kills: dict[str, int] = {}

    def run_shell(self, script: str, *, cwd: str, env: dict[str, str], on_output: Callable[[bytes], None],
                  capture_stdout: bool = False, stop: Optional[threading.Event] = None,
                  shell: tuple[str, ...] = ("sh", "-xe"), container: Optional[str] = None) -> ProcessResult:
        name = self.container_for(container)
        argv = self.runtime.exec_argv(self.pod, name, self.container_path(cwd), self.exec_env(env),
                                      [*shell, "-c", script])
        result = run_process(argv, cwd=conmon_dir(), env=dict(os.environ), cookie=uuid.uuid4().hex,
                             on_output=on_output, capture_stdout=capture_stdout, stop=stop)
        if result.interrupted:
            self.runtime.kill_processes(self.pod, name)
        elif result.exit_code != 0:
            kills, limit = self.runtime.memory_state(self.pod, name)
            seen, self.oom_kills[name] = self.oom_kills.get(name, 0), kills
            if kills > seen:  # the kernel's oom_kill counter moved: say so, with the limit
                on_output(f"ERROR: the step was killed by the out-of-memory killer in container '{name}' "
                          f"(memory limit {_mebibytes(limit)})\n".encode())
        return result


def remove_build_pods(job_name: str, number: int, podman: str = "podman") -> int:
    """Remove the pods a build left behind (after a controller crash); returns how many.
    Pods carry `orchestrator/job` and `orchestrator/build` labels (see pods.build_pod)."""
    import shutil

    from .names import label_value
    if shutil.which(podman) is None:
        return 0
    listed = subprocess.run([podman, "pod", "ls", "--format", "{{.Name}}",
                             "--filter", f"label=orchestrator/job={label_value(job_name)}",
                             "--filter", f"label=orchestrator/build={number}"],
                            capture_output=True, text=True, timeout=60, cwd=conmon_dir())
    names = listed.stdout.split() if listed.returncode == 0 else []
    for name in names:
        subprocess.run([podman, "pod", "rm", "--force", "--time", "0", name], capture_output=True, timeout=120,
                       cwd=conmon_dir())
    return len(names)
