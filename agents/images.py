"""Images for `agent { dockerfile {...} }`: `podman build` of a Dockerfile in the workspace.

As docker-workflow does, the image is named after what it is built from (the Dockerfile's text and the
build arguments), so an unchanged Dockerfile reuses the image podman already has (its layer cache makes a
rebuild cheap, and the tag stays stable across builds).
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import threading
import uuid
from pathlib import Path
from typing import Any, Mapping, Optional

from orchestrator.errors import StepFailed

from .podman import conmon_dir
from .processes import run_process


def dockerfile_path(params: Mapping[str, Any]) -> tuple[str, str]:
    """(context dir, Dockerfile path) relative to the workspace: `dir` (default `.`) and `filename` (default
    `Dockerfile`, relative to `dir`, as in Jenkins)."""
    folder = str(params.get("dir") or ".").strip() or "."
    filename = str(params.get("filename") or "Dockerfile").strip() or "Dockerfile"
    return folder, str(Path(folder) / filename)


def image_tag(job_name: str, dockerfile_text: str, build_args: str) -> str:
    """`localhost/orchestrator/<job>:<12 hex>`: the same Dockerfile and arguments give the same tag."""
    repo = re.sub(r"[^a-z0-9._-]+", "-", job_name.lower()).strip("-._") or "job"
    digest = hashlib.sha1(f"{dockerfile_text}\0{build_args}".encode()).hexdigest()[:12]
    return f"localhost/orchestrator/{repo[:100]}:{digest}"


def build_command(podman: str, tag: str, dockerfile: Path, context: Path, build_args: str) -> list[str]:
    return [podman, "build", "--tag", tag, "--file", str(dockerfile), *shlex.split(build_args), str(context)]


def build_image(params: Mapping[str, Any], workspace: Path, job_name: str, console: Any,
                stop: Optional[threading.Event] = None, podman: str = "podman") -> str:
    """Build the agent's image from the workspace, streaming podman's output to the console; its tag."""
    from orchestrator.console import decode
    folder, relative = dockerfile_path(params)
    root = Path(workspace).resolve()
    context, dockerfile = (root / folder).resolve(), (root / relative).resolve()
    if root not in (context, *context.parents) or root not in dockerfile.parents:
        raise StepFailed(f"agent {{ dockerfile }}: '{relative}' is outside the workspace")
    try:
        text = dockerfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise StepFailed(f"agent {{ dockerfile }}: there is no {relative} in the workspace {root} (checked out from "
                         "the job's repository, or --workspace); set `filename` and `dir` to where it is") from None
    build_args = str(params.get("additionalBuildArgs") or "")
    tag = image_tag(job_name, text, build_args)
    command = build_command(podman, tag, dockerfile, context, build_args)
    console.line("+ " + " ".join(shlex.quote(part) for part in command))
    try:
        result = run_process(command, cwd=conmon_dir(), env=dict(os.environ), cookie=uuid.uuid4().hex,
                             on_output=lambda data: console.write(decode(data)), stop=stop)
    except FileNotFoundError:
        raise StepFailed("podman is not installed on this machine; install it (Debian: apt-get install podman runc) "
                         "to build dockerfile agents") from None
    if result.interrupted:
        raise StepFailed("agent { dockerfile }: the image build was aborted")
    if result.exit_code != 0:
        raise StepFailed(f"agent {{ dockerfile }}: podman build of {relative} failed (exit code {result.exit_code}); "
                         "its output is above")
    return tag
