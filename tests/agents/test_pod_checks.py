"""agents.checks: problems found before any pod exists, as Jenkinsfile diagnostics; `orchestrator pod`."""
import yaml

from orchestrator.agents.agentparams import literal_params
from orchestrator.agents.checks import PodPolicy, allocations, check_pods
from orchestrator.agents.pods import BuildRef, build_pod
from orchestrator.casc.model import ContainerTemplate, KubernetesCloud, PodTemplate
from orchestrator.grammar import check
from orchestrator.grammar.errors import Diagnostic

JENKINSFILE = """pipeline {
  agent {
    kubernetes {
      yaml '''
spec:
  containers:
  - name: maven
    image: maven:3.9
  - name: tools
    image: busybox
    securityContext: {privileged: true}
  volumes:
  - name: sock
    hostPath: {path: /var/run/docker.sock}
'''
    }
  }
  stages {
    stage('Build') {
      steps {
        container('maven') { sh 'mvn -v' }
        container('golang') { sh 'go version' }
        script {
          if (true) { container(name: 'node:latest') { sh 'x' } }
        }
      }
    }
    stage('Other') {
      agent { docker { image 'alpine:latest'; args '--network host' } }
      steps { container('maven') { sh 'true' } }
    }
  }
  post { always { container('jnlp') { echo 'x' } } }
}
"""


def manifests_for(text, clouds=None):
    pipeline = check(text).pipeline
    out = {}
    for alloc in allocations(pipeline):
        params, _ = literal_params(alloc.agent)
        out[alloc.path] = build_pod(params, clouds, BuildRef("j", 1, alloc.path), kind=alloc.agent.type)
    return pipeline, out


def test_allocations_and_scopes():
    pipeline = check(JENKINSFILE).pipeline
    allocs = {a.path: a for a in allocations(pipeline)}
    assert list(allocs) == ["", "Other"]
    assert allocs[""].agent.type == "kubernetes" and allocs["Other"].agent.type == "docker"
    assert len(allocs[""].scopes) == 2  # pipeline post + stage Build
    assert len(allocs["Other"].scopes) == 1


def test_check_pods_reports_everything_with_lines():
    pipeline, manifests = manifests_for(JENKINSFILE)
    found = check_pods(pipeline, manifests)
    assert sorted((d.line, d.severity) for d in found) == [
        (3, "error"), (3, "error"), (3, "warning"), (22, "error"), (24, "error"), (29, "warning"), (30, "error"),
        (33, "error")]
    messages = "\n".join(d.message for d in found)
    assert "container 'tools' is privileged" in messages
    assert "volume 'sock' mounts the node's /var/run/docker.sock (hostPath)" in messages
    assert "container 'tools': image 'busybox' has no tag" in messages
    assert "container('golang'): the pod of the agent at line 3 has no container named 'golang' " \
           "(containers: maven, tools)" in messages
    assert "container('node:latest')" in messages                        # found inside script {}
    assert "container('maven'): the pod of the agent at line 29" in messages  # other allocation's pod
    assert "image 'alpine:latest' uses ':latest'" in messages
    assert "adds no jnlp agent container" in messages
    pipeline_params = {a.path: literal_params(a.agent)[0] for a in allocations(pipeline)}
    extra = set(check_pods(pipeline, manifests, params=pipeline_params)) - set(found)
    assert [d.message for d in extra] == ["docker agent: args '--network host' has no equivalent in a pod and is "
                                          "ignored"]


def test_policy_allows_privileged_and_host_path():
    pipeline, manifests = manifests_for(JENKINSFILE)
    found = check_pods(pipeline, manifests, PodPolicy(allow_privileged=True, allow_host_path=True))
    assert not any("privileged" in d.message or "hostPath" in d.message for d in found)


def test_policy_for_cloud():
    assert PodPolicy.for_cloud(None) == PodPolicy()
    cloud = KubernetesCloud(name="k", templates=(PodTemplate(name="dind", containers=(
        ContainerTemplate(name="docker", image="docker:27-dind", privileged=True),)),))
    assert PodPolicy.for_cloud(cloud) == PodPolicy(allow_privileged=True)
    restricted = KubernetesCloud(name="k", restricted_pss_security_context=True, templates=cloud.templates)
    assert PodPolicy.for_cloud(restricted) == PodPolicy()


def test_default_container_missing_and_invalid_manifest():
    text = """pipeline {
  agent { kubernetes { defaultContainer 'nope'
    yaml 'spec: {containers: [{name: a, image: a:1, resources: {cpu: {request: 1}}}]}' } }
  stages { stage('x') { steps { sh 'true' } } }
}"""
    pipeline, manifests = manifests_for(text)
    found = check_pods(pipeline, manifests)
    assert Diagnostic(2, 11, "defaultContainer 'nope' is not a container of the pod (containers: a)") in found
    assert any("not a valid Kubernetes Pod: spec.containers.0.resources.cpu" in d.message for d in found)


def test_clean_pipeline_has_no_diagnostics():
    text = """pipeline {
  agent { kubernetes { defaultContainer 'm'
    yaml 'spec: {containers: [{name: m, image: "maven:3.9"}]}' } }
  stages { stage('x') { steps { container('m') { sh 'true' } } } }
}"""
    assert check_pods(*manifests_for(text)) == []


def test_non_literal_values_warn():
    text = """pipeline {
  agent { kubernetes { yaml "${env.POD}" } }
  stages { stage('x') { steps { sh 'true' } } }
}"""
    params, warnings = literal_params(check(text).pipeline.agent)
    assert params == {}
    assert [(w.line, w.severity) for w in warnings] == [(2, "warning")]


def test_cli_pod_prints_yaml_and_diagnostics(tmp_path, capsys):
    from orchestrator.cli import main
    jf = tmp_path / "Jenkinsfile"
    jf.write_text(JENKINSFILE)
    assert main(["pod", str(jf), "--job", "demo"]) == 1
    out, err = capsys.readouterr()
    docs = list(yaml.safe_load_all(out))
    assert [d["kind"] for d in docs] == ["Pod", "Pod"]
    assert docs[0]["metadata"]["labels"]["orchestrator/job"] == "demo"
    assert "WorkflowScript: 22: container('golang')" in err
    assert "warning: WorkflowScript: 29:" in err
    assert main(["pod", str(jf), "--stage", "Other", "--allow-privileged", "--allow-host-path"]) == 1
    out, err = capsys.readouterr()
    assert len(list(yaml.safe_load_all(out))) == 1


def test_cli_pod_clean_exit_zero(tmp_path, capsys):
    from orchestrator.cli import main
    jf = tmp_path / "Jenkinsfile"
    jf.write_text("pipeline {\n agent { docker { image 'maven:3.9' } }\n stages { stage('x') { steps { sh 'true' } } }\n}\n")
    assert main(["pod", str(jf)]) == 0
    out, err = capsys.readouterr()
    assert yaml.safe_load(out)["spec"]["containers"][0]["image"] == "maven:3.9" and err == ""
