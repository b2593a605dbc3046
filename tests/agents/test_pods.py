"""agents.pods.build_pod: table of cases by dict equality (kubespawner style), merge rules, corpus."""
import copy
from pathlib import Path

import pytest

from orchestrator.agents import names
from orchestrator.agents.agentparams import Symbol, literal_params
from orchestrator.agents.checks import allocations
from orchestrator.agents.pods import BuildRef, PodDefaults, PodSpecError, build_pod, quantity, validate_pod
from orchestrator.casc.model import ContainerTemplate, EnvVar, KubernetesCloud, PodTemplate, Volume
from orchestrator.grammar import check

BUILD = BuildRef("foo", 12)
NAME = names.pod_name("foo", 12, "|1")
LABEL = names.generated_label("foo#12", "")
WS = {"name": "workspace-volume", "mountPath": "/home/jenkins/agent", "readOnly": False}
RES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


def meta(default, label=LABEL, **extra):
    return {"name": NAME,
            "labels": {"jenkins": "slave", "jenkins/label": names.jenkins_label(label),
                       "jenkins/label-digest": names.label_digest(label), "orchestrator/job": "foo",
                       "orchestrator/build": "12", **extra.get("labels", {})},
            "annotations": {**extra.get("annotations", {}), "runUrl": "job/foo/12/",
                            "kubectl.kubernetes.io/default-container": default},
            **({"namespace": extra["namespace"]} if "namespace" in extra else {})}


def spec(*containers, **extra):
    return {"containers": list(containers), "restartPolicy": "Never",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "volumes": [{"name": "workspace-volume", "emptyDir": {}}], **extra}


def pod(default, *containers, meta_extra=None, **spec_extra):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(default, **(meta_extra or {})),
            "spec": spec(*containers, **spec_extra)}


YAML_MAVEN = """
metadata:
  labels: {team: a}
spec:
  containers:
  - name: maven
    image: maven:3.9
    command: [cat]
    tty: true
"""

CASES = {
    "empty kubernetes block: one keep-alive jnlp container": (
        {}, None,
        pod("jnlp", {"name": "jnlp", "image": PodDefaults().agent_image, "command": ["sleep", "infinity"],
                     "imagePullPolicy": "IfNotPresent", "resources": RES, "workingDir": "/home/jenkins/agent",
                     "volumeMounts": [WS]})),
    "yaml container, defaults filled": (
        {"yaml": YAML_MAVEN}, None,
        pod("maven", {"name": "maven", "image": "maven:3.9", "command": ["cat"], "tty": True, "resources": RES,
                      "workingDir": "/home/jenkins/agent", "volumeMounts": [WS]},
            meta_extra={"labels": {"team": "a"}})),
    "containerTemplate, defaultContainer, namespace, retention": (
        {"containerTemplate": {"name": "go", "image": "golang:1.22", "command": "sleep", "args": "99d",
                               "resourceRequestCpu": "1", "resourceLimitMemory": "1Gi"},
         "defaultContainer": "go", "namespace": "ci", "podRetention": Symbol("onFailure"),
         "activeDeadlineSeconds": 600, "serviceAccount": "builder", "nodeSelector": "disktype=ssd"}, None,
        {"apiVersion": "v1", "kind": "Pod", "metadata": meta("go", namespace="ci"),
         "spec": {**spec({"name": "go", "image": "golang:1.22", "imagePullPolicy": "IfNotPresent",
                            "command": ["sleep"], "args": ["99d"], "workingDir": "/home/jenkins/agent",
                            "resources": {"requests": {"cpu": "1", "memory": "256Mi"},
                                          "limits": {"memory": "1Gi", "cpu": "1"}},
                            "volumeMounts": [WS]}),
                    "activeDeadlineSeconds": 600, "serviceAccountName": "builder",
                    "nodeSelector": {"disktype": "ssd"}}}),
    "docker agent: one container kept alive with cat": (
        {"image": "maven:3.9", "args": "-e A=1 -u 1000:1000"}, None, None),
}


def _docker_expected():
    c = {"name": "build", "image": "maven:3.9", "imagePullPolicy": "IfNotPresent", "command": ["cat"], "tty": True,
         "securityContext": {"runAsUser": 1000, "runAsGroup": 1000}, "env": [{"name": "A", "value": "1"}],
         "resources": RES, "workingDir": "/home/jenkins/agent", "volumeMounts": [WS]}
    return pod("build", c)


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_pod_table(case):
    params, cloud, expected = CASES[case]
    kind = "docker" if case.startswith("docker") else "kubernetes"
    expected = expected or _docker_expected()
    before = copy.deepcopy(params)
    got = build_pod(params, cloud, BUILD, kind=kind)
    assert got == expected
    assert params == before  # inputs untouched
    assert validate_pod(got) == []


CLOUD = KubernetesCloud(
    name="k8s", namespace="jenkins", pod_labels=(("team", "ci"),),
    templates=(
        PodTemplate(name="base", containers=(ContainerTemplate(name="jnlp", image="agent:1"),),
                    env_vars=(EnvVar("A", "base"),), volumes=(Volume(kind="emptyDirVolume", mount_path="/cache"),),
                    yaml="spec:\n  tolerations: [{key: a, operator: Exists}]\n"),
        PodTemplate(name="java", containers=(ContainerTemplate(name="maven", image="maven:3", privileged=True,
                                                               resource_limit_cpu="2"),),
                    env_vars=(EnvVar("A", "java"), EnvVar("B", "b")),
                    yaml="spec:\n  containers:\n  - name: maven\n    tty: true\n", yaml_merge_strategy="merge"),
        PodTemplate(name="docker", containers=(ContainerTemplate(name="maven", image="maven:4"),)),
    ))


def test_inherit_from_multiple_parents_later_wins():
    got = build_pod({"inheritFrom": "base java docker", "defaultContainer": "maven"}, CLOUD, BUILD)
    containers = {c["name"]: c for c in got["spec"]["containers"]}
    assert list(containers) == ["maven", "jnlp"]  # the (last) YAML pod is the parent: its containers first
    assert containers["maven"]["tty"] is True
    assert containers["maven"]["image"] == "maven:4"          # docker (last parent) wins
    assert containers["maven"]["securityContext"] == {"privileged": True}  # kept from java
    assert containers["maven"]["resources"]["limits"]["cpu"] == "2"
    assert containers["maven"]["env"] == [{"name": "A", "value": "java"}, {"name": "B", "value": "b"}]
    assert containers["jnlp"]["volumeMounts"] == [{"name": "volume-0", "mountPath": "/cache", "readOnly": False},
                                                  WS]
    assert got["metadata"]["namespace"] == "jenkins"
    assert got["metadata"]["labels"]["team"] == "ci" and "jenkins" not in got["metadata"]["labels"]
    assert validate_pod(got) == []


def test_yaml_override_keeps_only_the_last_yaml():
    got = build_pod({"inheritFrom": "base", "yaml": "spec:\n  hostNetwork: false\n"}, CLOUD, BUILD)
    assert "tolerations" not in got["spec"]  # parent's yaml dropped by the default override strategy


def test_yaml_merge_strategy_merges_parent_yaml():
    got = build_pod({"inheritFrom": "base", "yamlMergeStrategy": Symbol("merge"),
                     "yaml": "spec:\n  tolerations: [{key: b, operator: Exists}]\n"}, CLOUD, BUILD)
    assert [t["key"] for t in got["spec"]["tolerations"]] == ["a", "b"]


def test_fields_win_over_yaml_and_yaml_namespace_wins():
    got = build_pod({"containerTemplate": {"name": "maven", "image": "maven:field"}, "namespace": "fromfield",
                     "yaml": "metadata: {namespace: fromyaml}\nspec:\n  containers:\n"
                             "  - {name: maven, image: maven:yaml, env: [{name: X, value: y}]}\n"}, None, BUILD)
    (maven,) = got["spec"]["containers"]
    assert maven["image"] == "maven:field" and maven["env"] == [{"name": "X", "value": "y"}]
    assert got["metadata"]["namespace"] == "fromyaml"


def test_unknown_parent_and_cloud_are_errors():
    with pytest.raises(PodSpecError, match="pod template 'nope' not found in cloud 'k8s'"):
        build_pod({"inheritFrom": "nope"}, CLOUD, BUILD)
    with pytest.raises(PodSpecError, match="Cloud does not exist: other"):
        build_pod({"cloud": "other"}, CLOUD, BUILD)


@pytest.mark.parametrize("params, message", [
    ({"yaml": "spec: [unclosed"}, "not valid YAML"),
    ({"yaml": "- a list"}, "must be a Pod manifest"),
    ({"yaml": "spec:\n  containers: [{name: a, image: x}, {name: a, image: y}]"}, "Duplicate container name 'a'"),
    ({"yamlFile": "pod.yaml"}, "was not read"),
    ({"podRetention": "sometimes"}, "podRetention"),
])
def test_bad_agents_raise(params, message):
    with pytest.raises(PodSpecError, match=message):
        build_pod(params, None, BUILD)


def test_yaml_file_content_is_used():
    got = build_pod({"yamlFile": "pod.yaml"}, None, BUILD, yaml_file=YAML_MAVEN)
    assert [c["name"] for c in got["spec"]["containers"]] == ["maven"]


def test_dockerfile_needs_image_and_uses_it():
    with pytest.raises(PodSpecError, match="dockerfile"):
        build_pod({}, None, BUILD, kind="dockerfile")
    got = build_pod({"args": "-v /tmp:/tmp"}, None, BUILD, kind="dockerfile", image="localhost/foo:12")
    assert got["spec"]["containers"][0]["image"] == "localhost/foo:12"
    assert {"name": "docker-volume-0", "hostPath": {"path": "/tmp"}} in got["spec"]["volumes"]


def test_resources_never_contradict_explicit_values():
    got = build_pod({"yaml": "spec:\n  containers:\n  - name: big\n    image: a:1\n    resources:\n"
                             "      requests: {cpu: 2, memory: 4Gi}\n      limits: {memory: 100Mi}\n"}, None, BUILD)
    res = got["spec"]["containers"][0]["resources"]
    assert res == {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "100Mi", "cpu": "2"}}
    # memory request above the explicit limit is the user's mistake, kept visible (the API rejects it)


def test_restricted_pss_cloud_and_workspace_volume_variants():
    cloud = KubernetesCloud(name="k", restricted_pss_security_context=True)
    got = build_pod({"workspaceVolume": Symbol("emptyDirWorkspaceVolume", {}, (True,))}, cloud, BUILD)
    c = got["spec"]["containers"][0]
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                    "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}
    assert got["spec"]["volumes"][0] == {"name": "workspace-volume", "emptyDir": {"medium": "Memory"}}
    got = build_pod({"workspaceVolume": Symbol("dynamicPVC", {"requestsSize": "1Gi"})}, None, BUILD)
    assert got["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == f"pvc-workspace-{NAME}"


def test_custom_working_dir_gets_the_workspace_there():
    got = build_pod({"yaml": "spec:\n  containers:\n  - {name: m, image: m:1, workingDir: /w}\n",
                     "workingDir": "/home/other"}, None, BUILD)
    assert got["spec"]["containers"][0]["volumeMounts"] == [
        {"name": "workspace-volume", "mountPath": "/w", "readOnly": False}]
    got = build_pod({"yaml": "spec:\n  containers:\n  - {name: m, image: m:1}\n", "workingDir": "/home/other"},
                    None, BUILD)
    assert got["spec"]["containers"][0]["workingDir"] == "/home/other"


@pytest.mark.parametrize("text, value", [("500m", 0.5), ("1Gi", 2**30), ("2", 2), ("1e3", 1000), ("x", None)])
def test_quantity(text, value):
    assert (quantity(text) if value is None else float(quantity(text))) == value


def test_validate_pod_reports_paths():
    assert validate_pod({"apiVersion": "v1", "kind": "Pod", "metadata": {"nmae": "x"}}) == [
        "metadata.nmae: Extra inputs are not permitted"]


# ---------------------------------------------------------------- corpus
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
#: corpus files whose pods the kubernetes models reject, on purpose (the YAML is wrong)
INVALID = {"kubernetes/pipeline/killsProcessesWindows.groovy": "resources.cpu: Extra inputs are not permitted"}


def corpus_files():
    if not CORPUS.is_dir():
        return []
    files = [p for d in (CORPUS / "kubernetes", CORPUS / "declarative" / "extra") for p in sorted(d.rglob("*"))
             if p.is_file() and (p.suffix == ".groovy" or p.name.endswith("Jenkinsfile"))]
    out = []
    for p in files:
        text = p.read_text(encoding="utf-8")
        if "pipeline" in text and any(f"{k} " in text or f"{k}{{" in text for k in ("kubernetes", "docker", "dockerfile")):
            result = check(text)
            if result.pipeline is not None and allocations(result.pipeline):
                out.append(p)
    return out


def _yaml_file(path: Path, name: str):
    for candidate in (path.parent / name, path.parent / Path(name).name,
                      path.parent / ("examples-" + Path(name).name), path.parent / "declarativeYamlFile.yml"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None


def corpus_manifests(path: Path):
    result = check(path.read_text(encoding="utf-8"))
    for alloc in allocations(result.pipeline):
        params, _ = literal_params(alloc.agent)
        yaml_file = _yaml_file(path, params["yamlFile"]) if params.get("yamlFile") else None
        yield alloc, build_pod(params, None, BuildRef("corpus/" + path.stem, 3, alloc.path), kind=alloc.agent.type,
                               yaml_file=yaml_file, image="localhost/built:3")


def assert_invariants(manifest):
    assert manifest["apiVersion"] == "v1" and manifest["kind"] == "Pod"
    name = manifest["metadata"]["name"]
    assert len(name) <= 63 and names.is_dns_label(name)
    spec = manifest["spec"]
    assert spec["restartPolicy"] == "Never"
    assert {"name": "workspace-volume"}.items() <= next(v for v in spec["volumes"]
                                                       if v["name"] == "workspace-volume").items()
    for c in spec["containers"]:
        assert set(c["resources"]["requests"]) >= {"cpu", "memory"}, c["name"]
        assert set(c["resources"]["limits"]) >= {"cpu", "memory"}, c["name"]
        assert any(m["name"] == "workspace-volume" and m["mountPath"] == c["workingDir"]
                   for m in c["volumeMounts"]), c["name"]
    default = manifest["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"]
    assert default in [c["name"] for c in spec["containers"]]
    for label in manifest["metadata"]["labels"].values():
        assert names.is_label_value(label)


@needs_corpus
def test_corpus_has_the_pod_agent_examples():
    assert len(corpus_files()) >= 50


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_pods(path):
    rel = str(path.relative_to(CORPUS))
    for _alloc, manifest in corpus_manifests(path):
        assert_invariants(manifest)
        problems = validate_pod(manifest)
        if rel in INVALID:
            assert any(INVALID[rel] in p for p in problems), problems
        else:
            assert problems == []


@needs_corpus
def test_corpus_declarative_from_yaml_full_manifest():
    path = CORPUS / "declarative" / "extra" / "kubernetes-plugin" / "declarativeFromYaml.groovy"
    ((_alloc, got),) = corpus_manifests(path)
    name = names.pod_name("corpus/declarativeFromYaml", 3, "|1")
    label = names.generated_label("corpus/declarativeFromYaml#3", "")
    jnlp_env = [{"name": "CONTAINER_ENV_VAR", "value": "jnlp"}]

    def ctr(cname, image, **extra):
        c = {"name": cname, "image": image, **extra, "resources": RES, "workingDir": "/home/jenkins/agent",
             "volumeMounts": [WS]}
        return c
    assert got == {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name,
                     "labels": {"some-label": "some-label-value", "class": "KubernetesDeclarativeAgentTest",
                                "jenkins": "slave", "jenkins/label": names.jenkins_label(label),
                                "jenkins/label-digest": names.label_digest(label),
                                "orchestrator/job": names.label_value("corpus/declarativeFromYaml"),
                                "orchestrator/build": "3"},
                     "annotations": {"runUrl": "job/corpus/job/declarativeFromYaml/3/",
                                     "kubectl.kubernetes.io/default-container": "jnlp"}},
        "spec": {"containers": [
            {"name": "jnlp", "env": jnlp_env, "image": PodDefaults().agent_image,
             "command": ["sleep", "infinity"], "imagePullPolicy": "IfNotPresent", "resources": RES,
             "workingDir": "/home/jenkins/agent", "volumeMounts": [WS]},
            ctr("maven", "maven:3.3.9-jdk-8-alpine", command=["cat"], tty=True,
                env=[{"name": "CONTAINER_ENV_VAR", "value": "maven"}]),
            ctr("busybox", "busybox", command=["cat"], tty=True,
                env=[{"name": "CONTAINER_ENV_VAR", "value": "busybox"}]),
        ], "restartPolicy": "Never", "nodeSelector": {"kubernetes.io/os": "linux"},
            "volumes": [{"name": "workspace-volume", "emptyDir": {}}]},
    }


def test_dockerfile_image_tag_follows_what_it_is_built_from():
    from orchestrator.agents.images import dockerfile_path, image_tag
    one = image_tag("Team/App build", "FROM busybox\n", "")
    assert one.startswith("localhost/orchestrator/team-app-build:") and len(one.rsplit(":", 1)[1]) == 12
    assert image_tag("Team/App build", "FROM busybox\n", "") == one
    assert image_tag("Team/App build", "FROM busybox\nRUN true\n", "") != one
    assert image_tag("Team/App build", "FROM busybox\n", "--build-arg A=1") != one
    assert dockerfile_path({}) == (".", "Dockerfile")
    assert dockerfile_path({"dir": "ci", "filename": "Dockerfile.build"}) == ("ci", "ci/Dockerfile.build")
