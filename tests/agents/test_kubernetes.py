"""The Kubernetes runtime through the official client, against the fake API server in fakekube.py (real REST,
watch and exec-websocket protocols on 127.0.0.1): pipelines run in pods, failures end builds with the reason.

Tests at the end run against a real cluster only when KUBECONFIG points to one.
"""
from __future__ import annotations

import os
import textwrap
import threading
import time
from pathlib import Path

import pytest

from orchestrator.casc.model import KubernetesCloud
from orchestrator.results import Result
from orchestrator.runlocal import RunOptions, run

pytest.importorskip("aiohttp", reason="the fake API server needs aiohttp (the test extra installs it)")
from fakekube import FakeKube  # noqa: E402 - tests/agents is on sys.path (no __init__)


@pytest.fixture(scope="module")
def kube():
    fake = FakeKube().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def quick_timings(monkeypatch):
    monkeypatch.setenv("ORCH_K8S_IMAGE_PULL_GRACE", "0.5")
    monkeypatch.setenv("ORCH_K8S_UNSCHEDULABLE_GRACE", "0.5")
    monkeypatch.setenv("ORCH_K8S_QUOTA_RETRIES", "2")
    monkeypatch.setenv("ORCH_K8S_QUOTA_BACKOFF", "0.1")
    monkeypatch.setenv("ORCH_K8S_READY_TIMEOUT", "60")


def cloud_of(kube: FakeKube, **kw) -> KubernetesCloud:
    return KubernetesCloud(name="fake", server_url=kube.url, runtime="kubernetes", **kw)


def pipeline(steps: str, *, image: str = "busybox:1.36", options: str = "", node_selector: str = "") -> str:
    return textwrap.dedent(f"""
        pipeline {{
            agent {{
                kubernetes {{
                    defaultContainer 'build'
                    {options}
                    yaml '''
        spec:
          {node_selector}
          containers:
          - name: build
            image: {image}
            command: ['sleep', '3600']
            resources:
              limits: {{cpu: 500m, memory: 96Mi}}
          - name: tools
            image: busybox:1.36
            command: ['sleep', '3600']
            env:
            - {{name: TOOL_VAR, value: from-the-manifest}}
        '''
                }}
            }}
            stages {{ stage('Build') {{ steps {{
        {textwrap.indent(textwrap.dedent(steps), '        ')}
            }} }} }}
        }}
        """)


def run_pipeline(tmp_path: Path, text: str, job: str, clouds: tuple) -> tuple[Result, str]:
    folder = tmp_path / job
    folder.mkdir()
    (folder / "Jenkinsfile").write_text(text)
    result = run(RunOptions(jenkinsfile=folder / "Jenkinsfile", job=job, home=tmp_path / "home", quiet=True,
                            workspace=folder / "ws", clouds=clouds))
    return result, (tmp_path / "home/jobs" / job / "builds/1/log").read_text()


def pods_of(kube: FakeKube, job: str) -> list[str]:
    return [name for (_ns, name) in list(kube.pods) if name.startswith(job)]


def test_steps_run_in_both_containers_with_outputs_exit_codes_and_the_workspace(kube, tmp_path):
    requests_before = len(kube.requests)
    result, log = run_pipeline(tmp_path, pipeline("""
        sh 'echo "in-build container=$POD_CONTAINER"; echo shared > from-build.txt'
        container('tools') {
            sh 'echo "in-tools $TOOL_VAR"; cat from-build.txt; echo err-line >&2'
        }
        writeFile file: 'from-controller.txt', text: 'controller-text'
        sh 'cat from-controller.txt; echo; mkdir -p out; echo artifact > out/made-in-pod.txt'
        script {
            def code = sh(script: 'exit 4', returnStatus: true)
            def text = sh(script: 'echo captured-out', returnStdout: true).trim()
            echo "status=${code} stdout=${text} read=${readFile('out/made-in-pod.txt').trim()}"
        }
        dir('sub') { sh 'pwd; echo in-sub > here.txt' }
        withEnv(['GREETING=hello world']) { sh 'echo "greeting=$GREETING"' }
        sh 'rm from-build.txt'
        script { echo "still-there=${fileExists('from-build.txt')}" }
    """), "k8s-ok", (cloud_of(kube),))
    assert result == Result.SUCCESS, log
    assert "+ echo in-build container=build\nin-build container=build\n" in log   # stderr and stdout in order
    assert "in-tools from-the-manifest" in log and "\nshared\n" in log and "err-line" in log
    assert "controller-text" in log                                    # the controller's file reached the pod
    assert "status=4 stdout=captured-out read=artifact" in log          # ...and the pod's file the controller
    assert (tmp_path / "k8s-ok/ws/sub/here.txt").read_text() == "in-sub\n"
    assert "greeting=hello world" in log
    assert "still-there=false" in log                                    # a deletion in the pod reaches the copy
    assert "Created Pod: fake default/k8s-ok-1-" in log and "Terminated Kubernetes instance" in log
    assert pods_of(kube, "k8s-ok-") == []                                # deleted after SUCCESS
    made = [r for r in kube.requests[requests_before:]]
    kinds = [k for k, _p, _q in made]
    # watched, not polled: no GET of the pod at all, one create, one delete
    assert kinds.count("create") == 1 and kinds.count("delete") == 1 and kinds.count("get") == 0, kinds
    assert kinds.count("watch") >= 2                                     # wait-until-ready + the loss monitor


def test_failing_step_fails_the_build_and_on_failure_retention_keeps_the_pod(kube, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'echo before; exit 3'", options="podRetention onFailure()"),
                               "k8s-bad", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert "before" in log and "script returned exit code 3" in log
    kept = pods_of(kube, "k8s-bad-")
    assert len(kept) == 1 and f"Pod {kept[0]} kept (podRetention onfailure" in log
    kube.kill_pod(kept[0])


def test_image_pull_backoff_fails_fast_with_the_image(kube, tmp_path):
    started = time.monotonic()
    result, log = run_pipeline(tmp_path, pipeline("sh 'echo never'", image="registry.local/imagepullbackoff:1"),
                               "k8s-pull", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert time.monotonic() - started < 30          # the ready timeout is 60 s: it did not wait for it
    assert "[PodInfo] default/k8s-pull-1-" in log
    assert 'Container [build] waiting [ImagePullBackOff] Back-off pulling image "registry.local/imagepullbackoff:1"' in log
    assert ('Unable to pull container image "registry.local/imagepullbackoff:1" for container \'build\' '
            "(ImagePullBackOff). Check if image tag name is spelled correctly.") in log
    assert "never" not in log.replace("echo never", "")
    assert pods_of(kube, "k8s-pull-") == []


def test_unschedulable_pod_fails_with_the_scheduler_message(kube, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'true'", node_selector="nodeSelector: {fake/unschedulable: 'yes'}"),
                               "k8s-sched", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert "Pod [Pending][Unschedulable] 0/1 nodes are available: 1 node(s) didn't match Pod's node" in log
    assert "cannot be scheduled: 0/1 nodes are available" in log
    assert pods_of(kube, "k8s-sched-") == []


def test_oom_killed_container_ends_the_step_with_the_reason_and_is_not_retried(kube, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'echo working; sleep 20; echo finished'",
                                                  image="registry.local/oomkilled:1", options="retries 2"),
                               "k8s-oom", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert "working" in log and "finished" not in log.replace("echo finished", "")
    assert "Container build was terminated (exit code 137). Reason: OOMKilled: the container ran out of memory " \
           "(its memory limit is 96Mi)" in log
    assert "Retrying with a new pod" not in log     # a new pod would run out of memory the same way


def test_exceeded_quota_is_retried_then_reported(kube, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'true'", options="namespace 'quota-full'"),
                               "k8s-quota", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert log.count("WARNING: Unable to create pod quota-full/k8s-quota-1-") == 2   # ORCH_K8S_QUOTA_RETRIES
    assert "because kubernetes resource quota exceeded: pods \"k8s-quota-1-" in log
    assert "is forbidden: exceeded quota: pod-quota" in log and "(gave up after 3 attempts)" in log
    assert "Created Pod" not in log


def test_a_lost_pod_is_replaced_per_retries(kube, tmp_path):
    def kill_first_pod_mid_step():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any("sleep 3" in " ".join(c) for c in kube.exec_commands):
                for name in pods_of(kube, "k8s-lost-1-"):
                    kube.kill_pod(name)
                return
            time.sleep(0.05)
    killer = threading.Thread(target=kill_first_pod_mid_step)
    killer.start()
    result, log = run_pipeline(tmp_path, pipeline("sh 'echo attempt; sleep 3; echo survived'", options="retries 2"),
                               "k8s-lost", (cloud_of(kube),))
    killer.join()
    assert result == Result.SUCCESS, log
    assert "was deleted (node lost, evicted or removed by someone)" in log
    assert "Retrying with a new pod (attempt 2 of 2)" in log
    assert log.count("Created Pod: fake default/k8s-lost-1-") == 2, log
    assert "\nsurvived\n" in log, log
    assert pods_of(kube, "k8s-lost-") == []


def test_active_deadline_exceeded_fails_the_build(kube, tmp_path):
    result, log = run_pipeline(tmp_path, pipeline("sh 'sleep 20'", options="activeDeadlineSeconds 1"),
                               "k8s-deadline", (cloud_of(kube),))
    assert result == Result.FAILURE, log
    assert "Pod just failed. Reason: DeadlineExceeded, Message: Pod was active on the node longer than the " \
           "specified deadline." in log


def test_unreachable_api_server_is_a_clear_error_at_the_agent_line(tmp_path):
    cloud = KubernetesCloud(name="prod", server_url="http://127.0.0.1:9", runtime="kubernetes")
    result, log = run_pipeline(tmp_path, pipeline("sh 'true'"), "k8s-down", (cloud,))
    assert result == Result.FAILURE
    assert "Cannot reach the Kubernetes API server at http://127.0.0.1:9" in log
    assert "Traceback" not in log


# ---------------------------------------------------------------- a real cluster, when there is one
needs_cluster = pytest.mark.skipif(not os.environ.get("KUBECONFIG"),
                                   reason="KUBECONFIG does not point to a cluster (these tests need a real one)")
CLUSTER_IMAGE = os.environ.get("ORCH_TEST_IMAGE", "busybox:1.36")


@needs_cluster
def test_real_cluster_two_containers_exit_codes_and_cleanup(tmp_path):
    text = pipeline("""
        sh 'echo shared > from-build.txt; echo "limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"'
        container('tools') { sh 'cat from-build.txt; echo "$TOOL_VAR"' }
        script { echo "status=${sh(script: 'exit 5', returnStatus: true)}" }
    """, image=CLUSTER_IMAGE)
    cloud = KubernetesCloud(name="cluster", runtime="kubernetes", namespace=os.environ.get("ORCH_TEST_NAMESPACE", ""))
    result, log = run_pipeline(tmp_path, text, "real-k8s", (cloud,))
    assert result == Result.SUCCESS, log
    assert "\nshared\n" in log and "from-the-manifest" in log and "status=5" in log
    assert "limit=100663296" in log
    assert "Terminated Kubernetes instance for agent" in log


@needs_cluster
def test_real_cluster_bad_image_fails_fast(tmp_path):
    cloud = KubernetesCloud(name="cluster", runtime="kubernetes", namespace=os.environ.get("ORCH_TEST_NAMESPACE", ""))
    result, log = run_pipeline(tmp_path, pipeline("sh 'true'", image="registry.invalid/no-such-image:0"),
                               "real-k8s-pull", (cloud,))
    assert result == Result.FAILURE, log
    assert 'Unable to pull container image "registry.invalid/no-such-image:0"' in log


def test_a_crashed_builds_leftover_pods_are_removed_from_the_cluster(kube, tmp_path):
    """What the scheduler's restart recovery does for a build whose controller died mid-build."""
    from orchestrator.agents.pods import BuildRef, build_pod
    from orchestrator.engine.pods import remove_cluster_pods, runtime_for
    cloud = cloud_of(kube)
    runtime = runtime_for(cloud, {})
    spec = "spec:\n  containers:\n  - name: build\n    image: busybox:1.36\n"
    mine = build_pod({"yaml": spec}, (cloud,), BuildRef("crashed/job", 7))
    other = build_pod({"yaml": spec}, (cloud,), BuildRef("crashed/job", 8))
    try:
        for manifest in (mine, other):
            runtime.create(manifest, print)
        assert remove_cluster_pods((cloud,), {}, "crashed/job", 7) == 1
        names = [name for (_ns, name) in kube.pods]
        assert mine["metadata"]["name"] not in names and other["metadata"]["name"] in names   # only that build's
        assert remove_cluster_pods((KubernetesCloud(name="down", server_url="http://127.0.0.1:9",
                                                    runtime="kubernetes"),), {}, "crashed/job", 8) == 0
    finally:
        runtime.delete("default", other["metadata"]["name"])
        runtime.close()


def test_stash_and_unstash_between_two_pods(kube, tmp_path):
    agent = "agent { kubernetes { yaml '''\nspec:\n  containers:\n  - name: build\n    image: busybox:1.36\n''' } }"
    text = textwrap.dedent(f"""
        pipeline {{
            agent none
            stages {{
                stage('Make') {{
                    {agent}
                    steps {{ sh 'mkdir -p dist && echo from-pod-one > dist/app.txt'; stash name: 'app', includes: 'dist/**' }}
                }}
                stage('Use') {{
                    {agent}
                    steps {{ sh 'rm -rf dist'; unstash 'app'; sh 'cat dist/app.txt' }}
                }}
            }}
        }}
        """)
    result, log = run_pipeline(tmp_path, text, "k8s-stash", (cloud_of(kube),))
    assert result == Result.SUCCESS, log
    assert log.count("Created Pod: fake default/k8s-stash-1-") == 2
    assert "+ cat dist/app.txt\nfrom-pod-one\n" in log


def test_the_clouds_credential_is_the_bearer_token_and_a_missing_one_is_named_at_the_agent_line(kube, tmp_path):
    creds = tmp_path / "credentials.yaml"
    creds.write_text("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                     "          - string: {id: k8s-token, secret: t0ken-for-the-cluster}\n")
    text = pipeline("sh 'echo with-a-token'")
    folder = tmp_path / "k8s-token"
    folder.mkdir()
    (folder / "Jenkinsfile").write_text(text)
    seen = len(kube.authorizations)
    result = run(RunOptions(jenkinsfile=folder / "Jenkinsfile", job="k8s-token", home=tmp_path / "home", quiet=True,
                            workspace=folder / "ws", credentials=creds,
                            clouds=(cloud_of(kube, credentials_id="k8s-token"),)))
    log = (tmp_path / "home/jobs/k8s-token/builds/1/log").read_text()
    assert result == Result.SUCCESS, log
    assert "t0ken-for-the-cluster" not in log
    assert set(kube.authorizations[seen:]) == {"Bearer t0ken-for-the-cluster"}
    result, log = run_pipeline(tmp_path, text, "k8s-nocred", (cloud_of(kube, credentials_id="nope"),))
    assert result == Result.FAILURE
    assert "Cloud 'fake': credentials 'nope' not found (Jenkinsfile line 4)" in log   # the kubernetes { line
