"""Benchmark: a one-pod, three-step pipeline through the Podman runtime against raw podman.

Both sides use the same manifest (the one `orchestrator pod` prints for the pipeline, with the
workspace bound to a host folder as the runtime binds it) in the same run:
- orchestrator: `orchestrator run` of the pipeline (parse, pod create, 3 x sh, pod removal);
- raw: `podman kube play` + the same three `podman exec` + `podman pod rm`.
Prints both medians and the ratio (target at most 1.5). Needs podman and busybox-static (as root,
with CONTAINERS_CONF set where the default runtime cannot run).

Usage: python bench/pods.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMAGE = "localhost/orchestrator-bench-busybox:1"
CONF = '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n'
JENKINSFILE = f"""pipeline {{
    agent {{
        kubernetes {{
            yaml '''
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: build
    image: {IMAGE}
    command: ['sleep', '3600']
'''
        }}
    }}
    stages {{
        stage('Three steps') {{
            steps {{
                sh 'echo one'
                sh 'echo two'
                sh 'echo three'
            }}
        }}
    }}
}}
"""


def build_image(tmp: Path, env: dict) -> None:
    rootfs = tmp / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", rootfs / "bin" / "busybox")
    for tool in ("sh", "echo", "sleep", "cat", "kill"):
        (rootfs / "bin" / tool).symlink_to("busybox")
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tmp / "rootfs.tar"), "."], check=True)
    subprocess.run(["podman", "import", "--change", "ENV=PATH=/usr/local/bin:/usr/bin:/bin", str(tmp / "rootfs.tar"),
                    IMAGE], check=True, capture_output=True, env=env)


def raw_run(manifest: Path, pod: str, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(["podman", "kube", "play", "--replace", str(manifest)], check=True, capture_output=True, env=env)
    for word in ("one", "two", "three"):
        subprocess.run(["podman", "exec", "-w", "/home/jenkins/agent", f"{pod}-build", "sh", "-xe", "-c",
                        f"echo {word}"], check=True, capture_output=True, env=env)
    subprocess.run(["podman", "pod", "rm", "--force", "--time", "0", pod], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("podman") is None:
        print("podman is not installed")
        return 2
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        conf = tmp / "containers.conf"
        conf.write_text(CONF)
        env = dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", str(conf)),
                   ORCHESTRATOR_HOME=str(tmp / "home"), XDG_CACHE_HOME=str(tmp / "cache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        build_image(tmp, env)
        folder = tmp / "job"
        folder.mkdir()
        (folder / "Jenkinsfile").write_text(JENKINSFILE)
        workspace = tmp / "ws"
        workspace.mkdir()
        manifest_text = subprocess.run([sys.executable, "-m", "orchestrator", "pod", str(folder / "Jenkinsfile")],
                                       capture_output=True, text=True, env=env, check=True).stdout
        import yaml
        manifest = yaml.safe_load(manifest_text)
        from orchestrator.agents.podman import with_host_workspace
        manifest = with_host_workspace(manifest, workspace)
        pod = manifest["metadata"]["name"]
        manifest_path = tmp / "pod.yaml"
        manifest_path.write_text(yaml.safe_dump(manifest))
        command = [sys.executable, "-m", "orchestrator", "run", str(folder / "Jenkinsfile"), "--workspace",
                   str(workspace)]
        subprocess.run(command, capture_output=True, env=env)  # warm caches (parser, image layers)
        ours, raw = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            ours.append(time.perf_counter() - start)
            if done.returncode != 0 or "three" not in done.stdout:
                print(done.stdout[-2000:], done.stderr[-2000:])
                return 1
            raw.append(raw_run(manifest_path, pod, env))
        ours_median, raw_median = statistics.median(ours), statistics.median(raw)
        print(f"orchestrator_run_median_s: {ours_median:.3f}")
        print(f"raw_podman_median_s: {raw_median:.3f}")
        print(f"ratio: {ours_median / raw_median:.2f} (target <= 1.5)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
