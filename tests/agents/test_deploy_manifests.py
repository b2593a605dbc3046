"""deploy/: the controller's Kubernetes manifests parse and pass the kubernetes client's strict models."""
from pathlib import Path

import pytest
import yaml
from kubernetes import client

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MODELS = {"ServiceAccount": client.V1ServiceAccount, "Role": client.V1Role, "RoleBinding": client.V1RoleBinding,
          "Deployment": client.V1Deployment, "Service": client.V1Service, "ConfigMap": client.V1ConfigMap,
          "PersistentVolumeClaim": client.V1PersistentVolumeClaim}


def documents():
    return [d for f in sorted(DEPLOY.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def by_kind():
    return {d["kind"]: d for d in documents()}


def test_every_kind_is_present_once():
    kinds = [d["kind"] for d in documents()]
    assert sorted(kinds) == sorted(MODELS)


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_document_passes_the_strict_model(doc):
    MODELS[doc["kind"]].model_validate(doc)


def test_role_grants_pods_exec_logs_events():
    rules = by_kind()["Role"]["rules"]
    granted = {(r, v) for rule in rules for r in rule["resources"] for v in rule["verbs"]}
    for needed in [("pods", "create"), ("pods", "delete"), ("pods", "watch"), ("pods/exec", "create"),
                   ("pods/exec", "get"), ("pods/log", "get"), ("events", "list")]:
        assert needed in granted
    binding = by_kind()["RoleBinding"]
    assert binding["roleRef"]["name"] == by_kind()["Role"]["metadata"]["name"]
    assert binding["subjects"][0]["name"] == by_kind()["ServiceAccount"]["metadata"]["name"]


def test_deployment_wiring():
    kinds = by_kind()
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert pod["serviceAccountName"] == kinds["ServiceAccount"]["metadata"]["name"]
    assert c["command"][:4] == ["orchestrator", "serve", "--host", "0.0.0.0"]
    assert c["ports"][0]["containerPort"] == 8080
    env = {e["name"]: e["value"] for e in c["env"]}
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert mounts["home"] == env["ORCHESTRATOR_HOME"] == "/var/orchestrator"
    assert env["CASC_JENKINS_CONFIG"] == mounts["casc"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["home"]["persistentVolumeClaim"]["claimName"] == kinds["PersistentVolumeClaim"]["metadata"]["name"]
    assert volumes["casc"]["configMap"]["name"] == kinds["ConfigMap"]["metadata"]["name"]
    assert c["resources"]["requests"] and c["resources"]["limits"]
    service = kinds["Service"]["spec"]
    assert service["selector"] == kinds["Deployment"]["spec"]["selector"]["matchLabels"]
    assert service["ports"][0]["port"] == 8080


def test_casc_configmap_loads(tmp_path):
    from orchestrator import casc
    for name, text in by_kind()["ConfigMap"]["data"].items():
        (tmp_path / name).write_text(text)
    config = casc.load(str(tmp_path), env={})
    assert [c.name for c in config.jenkins.clouds] == ["kubernetes"]


def test_dockerfile_agrees_with_the_deployment():
    """A static check (no image can be built here: no registry for the base image): user, home, port,
    health endpoint and entrypoint of the Dockerfile are the ones the Deployment relies on."""
    lines = [line.strip() for line in (DEPLOY.parent / "Dockerfile").read_text().splitlines()]
    pod = by_kind()["Deployment"]["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    env = {e["name"]: e["value"] for e in c["env"]}
    assert "USER orchestrator" in lines and "--uid 1000" in (DEPLOY.parent / "Dockerfile").read_text()
    assert pod["securityContext"]["runAsUser"] == 1000
    assert f"ENV ORCHESTRATOR_HOME={env['ORCHESTRATOR_HOME']}" in lines
    assert f'VOLUME ["{env["ORCHESTRATOR_HOME"]}"]' in lines
    assert f"EXPOSE {c['ports'][0]['containerPort']}" in lines
    probe = c["livenessProbe"]["httpGet"]["path"]
    assert any(line.startswith("HEALTHCHECK") and f":8080{probe}" in line for line in lines)
    entry = next(line for line in lines if line.startswith("ENTRYPOINT"))
    assert entry == "ENTRYPOINT " + str(c["command"][:6]).replace("'", '"')
