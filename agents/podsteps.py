"""What every pod agent shares, whatever runs its pods: the container a step runs in, where the job's
workspace folder is inside the containers, and which environment variables travel into an exec."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from orchestrator.errors import StepFailed

CONTAINER_WORKSPACE = "/home/jenkins/agent"   # the shared workspace volume's mount path (the plugin's)


class PodSteps:
    """Base of the Podman and Kubernetes pod agents: `sh` runs in the default container or the one
    `container('x')` names; the workspace is mounted (or copied) at CONTAINER_WORKSPACE."""

    is_unix = True

    def __init__(self, pod: str, containers: list[str], default_container: str, host_workspace: Path) -> None:
        self.pod = pod
        self.node_name = pod
        self.containers = containers
        self.default_container = default_container
        self.host_workspace = Path(host_workspace)

    def container_for(self, container: Optional[str]) -> str:
        name = container or self.default_container
        if name not in self.containers:
            raise StepFailed(f"container('{name}'): the pod has no container named '{name}' "
                             f"(it has {', '.join(self.containers)})")
        return name

    def container_path(self, host_path: str) -> str:
        try:
            relative = Path(host_path).resolve().relative_to(self.host_workspace.resolve())
        except ValueError:
            return CONTAINER_WORKSPACE
        return str(Path(CONTAINER_WORKSPACE) / relative) if str(relative) != "." else CONTAINER_WORKSPACE

    @staticmethod
    def exec_env(env: dict[str, str]) -> dict[str, str]:
        """The build's variables for an exec: what differs from the controller's own environment (the
        image keeps its PATH and HOME), with WORKSPACE the path inside the container."""
        build_env = {k: v for k, v in env.items() if os.environ.get(k) != v and k not in ("PATH", "HOME")}
        build_env["WORKSPACE"] = CONTAINER_WORKSPACE
        return build_env
