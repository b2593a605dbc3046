"""Real pods with Podman: an `agent { kubernetes { yaml ... } }` pipeline runs in a pod on this machine.

Needs podman (`.ci/run` installs it with runc and busybox-static); the image is built here from a
busybox-static rootfs, since no registry is reachable.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from orchestrator.results import Result
from orchestrator.runlocal import RunOptions, run

IMAGE = "localhost/orchestrator-test-busybox:1"
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
"""


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (.ci/run installs podman, runc and busybox-static)")
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        pytest.skip("busybox-static is not installed")
    base = tmp_path_factory.mktemp("podman")
    conf = base / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    old = os.environ.get("CONTAINERS_CONF")
    os.environ["CONTAINERS_CONF"] = str(conf)
    rootfs = base / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "tmp").mkdir()
    shutil.copy(busybox, rootfs / "bin" / "busybox")
    for tool in ("sh", "cat", "echo", "sleep", "ls", "pwd", "mkdir", "kill", "head", "tr", "dd", "true", "false"):
        (rootfs / "bin" / tool).symlink_to("busybox")
    tar = base / "rootfs.tar"
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
    done = subprocess.run(["podman", "import", "--change", "ENV=PATH=/usr/local/bin:/usr/bin:/bin", str(tar),
                           IMAGE], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"podman cannot import an image here: {done.stderr.strip()[-300:]}")
    yield IMAGE
    if old is None:
        os.environ.pop("CONTAINERS_CONF", None)
    else:
        os.environ["CONTAINERS_CONF"] = old


def pipeline(steps: str, retention: str = "") -> str:
    return textwrap.dedent(f"""
        pipeline {{
            agent {{
                kubernetes {{
                    defaultContainer 'build'
                    {retention}
                    yaml '''
        apiVersion: v1
        kind: Pod
        spec:
          containers:
          - name: build
            image: {IMAGE}
            command: ['sleep', '3600']
            resources:
              limits: {{cpu: 500m, memory: 96Mi}}
              requests: {{cpu: 100m, memory: 64Mi}}
          - name: tools
            image: {IMAGE}
            command: ['sleep', '3600']
            resources:
              limits: {{cpu: 250m, memory: 160Mi}}
        '''
                }}
            }}
            stages {{ stage('Build') {{ steps {{
        {textwrap.indent(textwrap.dedent(steps), '        ')}
            }} }} }}
        }}
        """)


MEMORY = "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"


def run_pipeline(tmp_path: Path, text: str, job: str, clouds: tuple = ()) -> tuple[Result, str]:
    folder = tmp_path / job
    folder.mkdir()
    (folder / "Jenkinsfile").write_text(text)
    result = run(RunOptions(jenkinsfile=folder / "Jenkinsfile", job=job, home=tmp_path / "home", quiet=True,
                            workspace=folder / "ws", clouds=clouds))
    return result, (tmp_path / "home/jobs" / job / "builds/1/log").read_text()


def pods_named(prefix: str) -> list[str]:
    done = subprocess.run(["podman", "pod", "ls", "--format", "{{.Name}}"], capture_output=True, text=True)
    return [name for name in done.stdout.split() if name.startswith(prefix)]


def test_two_containers_limits_shared_workspace_and_cleanup(podman, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline(f"""
        sh 'echo "build-mem=$({MEMORY})"; echo shared > from-build.txt'
        container('tools') {{
            sh 'echo "tools-mem=$({MEMORY})"; cat from-build.txt'
        }}
        writeFile file: 'from-controller.txt', text: 'controller'
        sh 'cat from-controller.txt; echo; echo "ws=$WORKSPACE"'
    """), "pods-ok")
    assert result == Result.SUCCESS, log
    assert "build-mem=100663296" in log and "tools-mem=167772160" in log   # 96Mi and 160Mi, as in the manifest
    assert "\nshared\n" in log and "controller" in log and "ws=/home/jenkins/agent" in log
    assert pods_named("pods-ok-") == []                                     # removed after SUCCESS


def test_failing_step_fails_the_build_and_on_failure_retention_keeps_the_pod(podman, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'exit 3'", retention="podRetention onFailure()"), "pods-bad")
    try:
        assert result == Result.FAILURE
        assert "script returned exit code 3" in log
        kept = pods_named("pods-bad-")
        assert len(kept) == 1 and f"Pod {kept[0]} kept" in log
    finally:
        for name in pods_named("pods-bad-"):
            subprocess.run(["podman", "pod", "rm", "--force", name], capture_output=True)


def test_container_the_pod_lacks_is_a_clear_error(podman, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("container('maven') { sh 'mvn -v' }"), "pods-missing")
    assert result == Result.FAILURE
    assert "the pod has no container named 'maven' (it has build, tools)" in log
    assert pods_named("pods-missing-") == []


def test_a_step_over_its_memory_limit_is_reported_as_oom(podman, tmp_path):
    hog = "a=$(head -c 200000000 /dev/zero | tr '\\\\0' a); echo survived"
    result, log = run_pipeline(tmp_path, pipeline(f"sh \"{hog}\""), "pods-oom")
    assert result == Result.FAILURE, log
    assert "survived" not in log.replace("echo survived", "")
    assert "script returned exit code 137" in log
    assert "killed by the out-of-memory killer in container 'build' (memory limit 96Mi)" in log
    assert not (tmp_path / "pods-oom" / "ws" / "oom").exists()   # conmon's marker file stays out of the workspace


def test_leftover_pods_of_a_build_are_removed(podman, tmp_path):
    """What the scheduler's restart recovery does for a build interrupted by a controller crash."""
    from orchestrator.agents.podman import PodmanRuntime, remove_build_pods
    from orchestrator.agents.pods import BuildRef, build_pod
    manifest = build_pod({"yaml": f"spec:\n  containers:\n  - name: build\n    image: {IMAGE}\n"
                                  "    command: ['sleep', '3600']\n"}, (), BuildRef("crashed/job", 7))
    runtime = PodmanRuntime()
    runtime.create(manifest)
    other = build_pod({"yaml": f"spec:\n  containers:\n  - name: build\n    image: {IMAGE}\n"
                               "    command: ['sleep', '3600']\n"}, (), BuildRef("crashed/job", 8))
    runtime.create(other)
    try:
        assert runtime.exists(manifest["metadata"]["name"])
        assert remove_build_pods("crashed/job", 7) == 1
        assert not runtime.exists(manifest["metadata"]["name"])
        assert runtime.exists(other["metadata"]["name"])  # only that build's pods
    finally:
        runtime.delete(manifest["metadata"]["name"])
        runtime.delete(other["metadata"]["name"])


def test_cloud_container_cap_makes_a_second_pod_wait(podman, tmp_path):
    """Two parallel branches, each with its own pod, on a cloud with containerCap 1: they run one after the other."""
    from orchestrator.casc.model import KubernetesCloud
    branch = """
              stage('%s') {
                agent { kubernetes { yaml \'\'\'
        spec:
          containers:
          - name: build
            image: %s
            command: ['sleep', '3600']
        \'\'\' } }
                steps { sh 'echo in-%s; sleep 1' }
              }"""
    text = ("pipeline {\n  agent none\n  stages { stage('Both') { parallel {"
            + branch % ("one", IMAGE, "one") + branch % ("two", IMAGE, "two") + "\n  } } }\n}\n")
    result, log = run_pipeline(tmp_path, text, "pods-cap", (KubernetesCloud(name="local", container_cap=1),))
    assert result == Result.SUCCESS, log
    assert "Waiting for a pod: cloud 'local' already runs 1 pod(s), its containerCap" in log
    assert "in-one" in log and "in-two" in log
    created = [line for line in log.splitlines() if "Created Pod" in line]
    assert len(created) == 2
    # the second pod is created only after the first branch left its podTemplate (its pod removed)
    assert log.index(created[1]) > log.index("[Pipeline] // podTemplate"), log
    assert pods_named("pods-cap-") == []


def test_label_agent_runs_in_a_pod_from_the_matching_cloud_template_within_its_instance_cap(podman, tmp_path):
    """`agent { label 'maven' }` with a JCasC cloud template labelled maven (instanceCap 1): pods, one at a time."""
    from orchestrator import casc
    (tmp_path / "jenkins.yaml").write_text(textwrap.dedent(f"""
        jenkins:
          clouds:
          - kubernetes:
              name: local
              containerCap: 5
              templates:
              - name: maven
                label: maven java
                instanceCap: 1
                containers:
                - name: build
                  image: {IMAGE}
                  command: sleep
                  args: "3600"
                  resourceLimitMemory: 128Mi
        """))
    clouds = tuple(casc.load(str(tmp_path / "jenkins.yaml")).jenkins.clouds)
    branch = "stage('%s') {\n agent { label 'maven' }\n steps { sh 'echo in-%s; " + MEMORY + "; sleep 1' }\n}"
    text = ("pipeline {\n  agent none\n  stages { stage('Both') { parallel {\n"
            + branch % ("one", "one") + "\n" + branch % ("two", "two") + "\n  } } }\n}\n")
    result, log = run_pipeline(tmp_path, text, "pods-label", clouds)
    assert result == Result.SUCCESS, log
    assert "Waiting for a pod: pod template 'maven' already runs 1 pod(s), its instanceCap" in log
    created = [line for line in log.splitlines() if "Created Pod" in line]
    assert len(created) == 2 and "in-one" in log and "in-two" in log
    assert log.count(str(128 * 1024 * 1024)) >= 2       # the template's memory limit, in each pod's cgroup
    assert log.index(created[1]) > log.index("[Pipeline] // podTemplate"), log
    assert pods_named("pods-label-") == []


def test_node_step_with_a_template_label_runs_in_its_pod(podman, tmp_path):
    from orchestrator.casc.model import ContainerTemplate, KubernetesCloud, PodTemplate
    template = PodTemplate(name="tools", label="tools", containers=(
        ContainerTemplate(name="build", image=IMAGE, command="sleep", args="3600"),))
    text = textwrap.dedent("""
        pipeline {
          agent none
          stages { stage('S') { steps { script {
            node('tools') { sh 'echo in-pod; cat /etc/hostname' }
          } } } }
        }
        """)
    result, log = run_pipeline(tmp_path, text, "pods-node", (KubernetesCloud(name="local", templates=(template,)),))
    assert result == Result.SUCCESS, log
    assert "Created Pod: podman pods-node-1-" in log and "in-pod" in log
    assert "is provisioned from template tools" in log
    assert log.count("[Pipeline] node") == 1 and log.count("[Pipeline] // node") == 1
    assert pods_named("pods-node-") == []


def test_dockerfile_agent_builds_its_image_with_podman_and_runs_steps_in_it(podman, tmp_path):
    folder = tmp_path / "df-job"
    (folder / "ws" / "ci").mkdir(parents=True)
    (folder / "ws" / "ci" / "Dockerfile.build").write_text(
        f"FROM {IMAGE}\nARG FLAVOUR=plain\nRUN echo \"built-$FLAVOUR\" > /etc/built-by\n")
    text = textwrap.dedent("""
        pipeline {
            agent { dockerfile { filename 'Dockerfile.build'; dir 'ci'; additionalBuildArgs '--build-arg FLAVOUR=tasty' } }
            stages { stage('In the image') { steps { sh 'cat /etc/built-by; echo made > out.txt' } } }
        }
        """)
    (folder / "Jenkinsfile").write_text(text)
    result = run(RunOptions(jenkinsfile=folder / "Jenkinsfile", job="df-job", home=tmp_path / "home", quiet=True,
                            workspace=folder / "ws"))
    log = (tmp_path / "home/jobs/df-job/builds/1/log").read_text()
    assert result == Result.SUCCESS, log
    assert "podman build --tag localhost/orchestrator/df-job:" in log and "--build-arg FLAVOUR=tasty" in log
    assert "\nbuilt-tasty\n" in log                                   # the step ran in the image it built
    assert (folder / "ws" / "out.txt").read_text() == "made\n"          # in the job's workspace
    assert pods_named("df-job-") == []
    tag = next(line.split("--tag ")[1].split()[0] for line in log.splitlines() if "podman build --tag" in line)
    subprocess.run(["podman", "rmi", "--force", tag], capture_output=True)


def test_dockerfile_agent_without_its_dockerfile_says_where_it_looked(podman, tmp_path):
    text = "pipeline { agent { dockerfile true }\n stages { stage('x') { steps { sh 'true' } } } }\n"
    result, log = run_pipeline(tmp_path, text, "df-missing")
    assert result == Result.FAILURE
    assert "agent { dockerfile }: there is no Dockerfile in the workspace" in log
    assert "Created Pod" not in log


def test_an_image_that_is_not_here_and_cannot_be_pulled_is_named(podman, tmp_path):
    text = pipeline("sh 'true'").replace(f"image: {IMAGE}", "image: localhost:1/no-such-image:1", 1)
    assert "no-such-image" in text
    result, log = run_pipeline(tmp_path, text, "pods-pull")
    assert result == Result.FAILURE, log
    assert 'Unable to pull container image "localhost:1/no-such-image:1" for pod pods-pull-1-' in log
    assert "Check if image tag name is spelled correctly" in log
    assert pods_named("pods-pull-") == []
