"""`clouds: - kubernetes:` into pod templates: the kubernetes plugin's own JCasC files, every field."""
from __future__ import annotations

import pytest
from casc_helpers import messages, only_error, warning_texts

from orchestrator.casc import load
from orchestrator.casc.clouds import pod_runtime
from orchestrator.casc.model import EnvVar, Probe, Volume, WorkspaceVolume


def cloud_of(config):
    assert len(config.jenkins.clouds) == 1
    return config.jenkins.clouds[0]


@pytest.fixture
def chart_secrets(tmp_path) -> dict[str, str]:
    """The Helm chart passes the admin user as Docker-style secret files (read trimmed)."""
    (tmp_path / "chart-admin-username").write_text("admin\n")
    (tmp_path / "chart-admin-password").write_text("s3cret\n")
    return {"SECRETS": str(tmp_path)}


def test_every_kubernetes_casc_file_loads_into_pod_templates(k8s_casc_corpus, chart_secrets, report):
    files = sorted(k8s_casc_corpus.glob("*.yaml"))
    assert len(files) == 18
    for path in files:
        cloud = cloud_of(load(str(path), env=chart_secrets))
        assert cloud.name == "kubernetes" and cloud.templates, path.name
    report(f"casc kubernetes corpus: {len(files)}/{len(files)} cloud configurations load into pod templates")


def test_plugin_casc_test_expectations(k8s_casc_corpus):
    cloud = cloud_of(load(str(k8s_casc_corpus / "configuration-as-code.yaml"), env={}))
    assert (cloud.container_cap, cloud.jenkins_url, cloud.max_requests_per_host) == (
        10, "http://jenkinshost:8080/jenkins/", 32)
    java, pvc, test = cloud.templates
    assert (java.name, java.label, java.instance_cap, java.slave_connect_timeout, java.idle_minutes,
            java.active_deadline_seconds, java.host_network) == ("default-java", "java", 10, 123, 5, 66, False)
    assert pvc.workspace_volume == WorkspaceVolume(kind="dynamicPVC", access_modes="ReadWriteOnce", requests_size="1",
                                                   storage_class_name="hostpath")
    assert (pvc.yaml_merge_strategy, pvc.inherit_yaml_merge_strategy) == ("override", False)
    maven, default = test.containers
    assert (maven.name, maven.image, maven.command, maven.args, maven.tty_enabled, maven.working_dir) == (
        "maven", "maven:3.6.3-jdk-8", "/bin/sh -c", "cat", True, "/src")
    assert maven.liveness_probe == Probe(failure_threshold=1, initial_delay_seconds=2, period_seconds=3,
                                         success_threshold=4, timeout_seconds=5)
    assert default.name == "maven-with-default-entrypoint" and test.yaml_merge_strategy == "merge"
    assert test.container("maven") is maven and cloud.templates_for("test") == (test,)


@pytest.mark.parametrize("name, volume", [
    ("configMap", Volume("configMapVolume", mount_path="/mnt/path", config_map_name="my-configmap")),
    ("emptyDir", Volume("emptyDirVolume", mount_path="/mnt/path")),
    ("emptyDir_memory", Volume("emptyDirVolume", mount_path="/mnt/path", memory=True)),
    ("genericEphemeral", Volume("genericEphemeralVolume", mount_path="/mnt/path", access_modes="ReadWriteMany",
                                storage_class_name="test-storageclass", requests_size="10Gi")),
    ("hostPath", Volume("hostPathVolume", mount_path="/mnt/path", host_path="/host/path")),
    ("nfs", Volume("nfsVolume", mount_path="/mnt/path", server_address="serverAddress", server_path="/path")),
    ("pvc", Volume("persistentVolumeClaim", mount_path="/mnt/path", claim_name="my-claim")),
])
def test_volume_casc_test(k8s_casc_corpus, name, volume):
    template = cloud_of(load(str(k8s_casc_corpus / f"casc_volume_{name}.yaml"), env={})).templates[0]
    assert template.volumes == (volume,)


@pytest.mark.parametrize("name, workspace", [
    ("dynamicPVC", WorkspaceVolume("dynamicPVC", access_modes="ReadWriteOnce", requests_size="1",
                                   storage_class_name="hostpath")),
    ("emptyDir", WorkspaceVolume("emptyDir")),
    ("emptyDir_memory", WorkspaceVolume("emptyDir", memory=True)),
    ("genericEphemeral", WorkspaceVolume("genericEphemeral", storage_class_name="test-storageclass",
                                         access_modes="ReadWriteMany", requests_size="10Gi")),
    ("hostPath", WorkspaceVolume("hostPath", host_path="/host/path")),
    ("nfs", WorkspaceVolume("nfs", server_address="serverAddress", server_path="/path")),
    ("pvc", WorkspaceVolume("persistentVolumeClaim", claim_name="my-claim")),
])
def test_workspace_volume_casc_test(k8s_casc_corpus, name, workspace):
    template = cloud_of(load(str(k8s_casc_corpus / f"casc_workspaceVolume_{name}.yaml"), env={})).templates[0]
    assert template.workspace_volume == workspace


def test_env_var_casc_test(k8s_casc_corpus):
    plain = cloud_of(load(str(k8s_casc_corpus / "casc_envVar_keyValue.yaml"), env={})).templates[0]
    secret = cloud_of(load(str(k8s_casc_corpus / "casc_envVar_secret.yaml"), env={})).templates[0]
    assert plain.env_vars == (EnvVar("key", "value"),)
    assert secret.env_vars == (EnvVar("key", secret_name="secretName", secret_key="secretKey"),)
    assert secret.env_vars[0].from_secret


def test_helm_chart_rendering(k8s_casc_corpus, chart_secrets):
    config = load(str(k8s_casc_corpus / "helm-chart-rendered-default.yaml"), env=chart_secrets)
    cloud = cloud_of(config)
    assert (cloud.container_cap, cloud.connect_timeout, cloud.read_timeout, cloud.wait_for_pod_sec) == (10, 5, 15, 600)
    assert (cloud.namespace, cloud.jenkins_tunnel, cloud.pod_labels) == (
        "my-namespace", "my-release-jenkins-agent.my-namespace.svc.cluster.local:50000",
        (("jenkins/my-release-jenkins-agent", "true"),))
    template = cloud.templates[0]
    assert template.label == "my-release-jenkins-agent"  # the chart's trailing space is not part of the label
    assert (template.instance_cap, template.pod_retention, template.slave_connect_timeout) == (None, "never", 100)
    jnlp = template.containers[0]
    assert jnlp.args == "${computer.jnlpmac} ${computer.name}"  # ^${ escapes survive for the agent side
    assert jnlp.privileged is False and jnlp.resources() == {
        "requests": {"cpu": "512m", "memory": "512Mi"}, "limits": {"cpu": "512m", "memory": "512Mi"}}
    admin = config.jenkins.security_realm.users[0]
    assert (admin.id, admin.password) == ("admin", "s3cret")
    assert cloud.runtime == "kubernetes"


@pytest.mark.parametrize("server_url, env, runtime", [
    ("", {}, "auto"),
    ("https://k8s:443", {}, "kubernetes"),
    ("podman://", {}, "podman"),
    ("https://k8s:443", {"ORCH_POD_RUNTIME": "podman"}, "podman"),
    ("", {"ORCH_POD_RUNTIME": "Kubernetes"}, "kubernetes"),
])
def test_pod_runtime_choice(server_url, env, runtime):
    assert pod_runtime(server_url, env) == runtime


def test_bad_runtime_override_is_an_error(check):
    report = check("jenkins:\n  clouds:\n    - kubernetes: {name: k}\n", {"ORCH_POD_RUNTIME": "docker"})
    assert "ORCH_POD_RUNTIME='docker'" in only_error(report).message


def test_caps_and_string_forms(load):
    cloud = cloud_of(load("""
        jenkins:
          clouds:
            - kubernetes:
                name: k
                containerCapStr: ""
                templates:
                  - {name: a, instanceCapStr: "3", idleMinutesStr: "7"}
                  - {name: b, instanceCap: 0}
                  - {name: c, instanceCap: 2147483647}
        """))
    assert cloud.container_cap is None
    a, b, c = cloud.templates
    assert (a.instance_cap, a.idle_minutes, b.instance_cap, c.instance_cap) == (3, 7, None, None)


def test_node_selector_and_pod_yaml_are_checked(check):
    report = check("""
        jenkins:
          clouds:
            - kubernetes:
                name: k
                templates:
                  - name: a
                    nodeSelector: "disktype=ssd, zone"
                  - name: b
                    yaml: |
                      spec: [unclosed
        """)
    text = messages(report)
    assert "'zone' is not key=value" in text
    assert "Failed to configure 'yaml': not valid YAML" in text
    assert sorted(e.line for e in report.errors) == [7, 9]


def test_quantities_template_references_and_names(check):
    report = check("""
        jenkins:
          clouds:
            - kubernetes:
                name: k
                templates:
                  - name: child
                    inheritFrom: parent
                    containers: [{name: c, resourceLimitMemory: lots}]
        """)
    assert report.ok
    warnings = warning_texts(report)
    assert "'lots' is not a Kubernetes quantity" in warnings and "inherits from 'parent'" in warnings
    duplicate = check("jenkins:\n  clouds:\n    - kubernetes: {name: k}\n    - kubernetes: {name: k}\n")
    assert "Duplicate cloud name 'k'" in only_error(duplicate).message


def test_other_clouds_name_their_plugin(check):
    error = only_error(check("jenkins:\n  clouds:\n    - docker: {name: d}\n"))
    assert error.message == ("No hudson.slaves.Cloud implementation found for docker\n'docker' belongs to the Jenkins "
                             "plugin 'docker-plugin', which this orchestrator does not implement.")


def test_cloud_name_is_required(check):
    assert only_error(check("jenkins:\n  clouds:\n    - kubernetes: {serverUrl: x}\n")).message == (
        "name is required to configure org.csanchez.jenkins.plugins.kubernetes.KubernetesCloud")
