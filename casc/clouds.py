"""`jenkins: clouds: - kubernetes:` -> KubernetesCloud with its pod templates.

Every field the kubernetes plugin's JCasC accepts is declared here, with the plugin's symbols
(and the class names JCasC also accepts) for volumes, workspace volumes, env vars, pod retention
and yaml merge strategy. The `*Str` variants (`containerCapStr`, `instanceCapStr`...) are the
plugin's string forms of the same numbers: "" means the default, and caps of 0 or less (or
Integer.MAX_VALUE, as the Helm chart writes) mean unlimited, stored as None.

Pods can run without a cluster: `pod_runtime()` decides, per cloud, whether its pods go to
Kubernetes or to Podman on this machine (see its docstring); the agents layer reads
`KubernetesCloud.runtime`.
"""
from __future__ import annotations

import re
from typing import Any, Optional
from typing import Mapping as TMapping

import yaml

from .model import ContainerTemplate, EnvVar, KubernetesCloud, PodTemplate, PortMapping, Probe, Volume, WorkspaceVolume
from .spec import INVALID, Attr, Bool, Built, Enum, Int, ListOf, Obj, OneOf

PKG = "org.csanchez.jenkins.plugins.kubernetes"
RUNTIMES = ("podman", "kubernetes", "auto")
JAVA_MAX_INT = 2**31 - 1
_QUANTITY = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPE])?$")


def pod_runtime(server_url: str, env: TMapping[str, str]) -> str:
    """Where a cloud's pods run: `ORCH_POD_RUNTIME` (podman | kubernetes | auto) wins; otherwise a
    `serverUrl` starting with `podman://` means Podman on this machine, any other serverUrl means
    that Kubernetes API server, and no serverUrl means `auto` (in-cluster config or kubeconfig when
    there is one, else Podman). The YAML stays valid for Jenkins either way."""
    forced = (env.get("ORCH_POD_RUNTIME") or "").strip().lower()
    if forced:
        return forced
    if server_url.startswith("podman://"):
        return "podman"
    return "kubernetes" if server_url else "auto"


def _symbols(interface: str, build_kind: Any, impls: dict[str, list[Attr]], aliases: dict[str, str],
             java: Optional[dict[str, str]] = None) -> OneOf:
    """A OneOf whose implementations all build the same model class, told apart by `kind`."""
    return OneOf(interface, {symbol: Obj((java or {}).get(symbol, f"{interface}.{symbol}"), attrs,
                                         build=lambda b, s=symbol: build_kind(s, b))
                             for symbol, attrs in impls.items()}, aliases)


def _env_var(symbol: str, b: Built) -> EnvVar:
    return EnvVar(**b.values)


ENV_VAR = _symbols(f"{PKG}.model.TemplateEnvVar", _env_var, {
    "envVar": [Attr("key", required=True), Attr("value")],
    "secretEnvVar": [Attr("key", required=True), Attr("secretName", required=True), Attr("secretKey", required=True),
                     Attr("optional", Bool())],
}, {"KeyValueEnvVar": "envVar", "SecretEnvVar": "secretEnvVar"})

MOUNT = Attr("mountPath", required=True)
READ_ONLY = Attr("readOnly", Bool())
EPHEMERAL = [Attr("accessModes"), Attr("requestsSize"), Attr("storageClassName")]


def _volume(symbol: str, b: Built) -> Volume:
    return Volume(kind=symbol, **b.values)


VOLUME = _symbols(f"{PKG}.volumes.PodVolume", _volume, {
    "configMapVolume": [MOUNT, Attr("configMapName", required=True), Attr("subPath"), Attr("optional", Bool()),
                        Attr("defaultMode")],
    "emptyDirVolume": [MOUNT, Attr("memory", Bool())],
    "hostPathVolume": [MOUNT, Attr("hostPath", required=True), READ_ONLY],
    "nfsVolume": [MOUNT, Attr("serverAddress", required=True), Attr("serverPath", required=True), READ_ONLY],
    "persistentVolumeClaim": [MOUNT, Attr("claimName", required=True), READ_ONLY],
    "secretVolume": [MOUNT, Attr("secretName", required=True), Attr("subPath"), Attr("optional", Bool()),
                     Attr("defaultMode")],
    "genericEphemeralVolume": [MOUNT] + EPHEMERAL,
}, {"ConfigMapVolume": "configMapVolume", "EmptyDirVolume": "emptyDirVolume", "HostPathVolume": "hostPathVolume",
    "NfsVolume": "nfsVolume", "PersistentVolumeClaimVolume": "persistentVolumeClaim",
    "SecretVolume": "secretVolume", "GenericEphemeralVolume": "genericEphemeralVolume"})

WORKSPACE_KINDS = {"emptyDirWorkspaceVolume": "emptyDir", "hostPathWorkspaceVolume": "hostPath",
                   "nfsWorkspaceVolume": "nfs", "persistentVolumeClaimWorkspaceVolume": "persistentVolumeClaim",
                   "dynamicPVC": "dynamicPVC", "genericEphemeralVolume": "genericEphemeral"}
WORKSPACE_VOLUME = _symbols(f"{PKG}.volumes.workspace.WorkspaceVolume",
                            lambda s, b: WorkspaceVolume(kind=WORKSPACE_KINDS[s], **b.values), {
    "emptyDirWorkspaceVolume": [Attr("memory", Bool())],
    "hostPathWorkspaceVolume": [Attr("hostPath", required=True)],
    "nfsWorkspaceVolume": [Attr("serverAddress", required=True), Attr("serverPath", required=True), READ_ONLY],
    "persistentVolumeClaimWorkspaceVolume": [Attr("claimName", required=True), READ_ONLY],
    "dynamicPVC": EPHEMERAL,
    "genericEphemeralVolume": EPHEMERAL,
}, {  # JCasC also accepts the class name and the class name minus the interface name
    "emptyDir": "emptyDirWorkspaceVolume", "EmptyDirWorkspaceVolume": "emptyDirWorkspaceVolume",
    "hostPath": "hostPathWorkspaceVolume", "HostPathWorkspaceVolume": "hostPathWorkspaceVolume",
    "nfs": "nfsWorkspaceVolume", "NfsWorkspaceVolume": "nfsWorkspaceVolume",
    "persistentVolumeClaim": "persistentVolumeClaimWorkspaceVolume",
    "PersistentVolumeClaimWorkspaceVolume": "persistentVolumeClaimWorkspaceVolume",
    "DynamicPVCWorkspaceVolume": "dynamicPVC", "genericEphemeral": "genericEphemeralVolume",
    "GenericEphemeralWorkspaceVolume": "genericEphemeralVolume"})


def _named(interface: str, symbols: dict[str, str]) -> OneOf:
    """A describable whose implementations have no attributes: the value is the symbol's name."""
    return OneOf(interface, {s: Obj(f"{interface}.{s}", [], build=lambda b, s=s: s) for s in symbols.values()},
                 {alias: s for alias, s in symbols.items() if alias != s})


POD_RETENTION = _named(f"{PKG}.pod.retention.PodRetention", {
    "never": "never", "always": "always", "onFailure": "onFailure", "default": "default", "evicted": "evicted",
    "Never": "never", "Always": "always", "OnFailure": "onFailure", "Default": "default", "Evicted": "evicted"})
YAML_MERGE = _named(f"{PKG}.pod.yaml.YamlMergeStrategy", {
    "merge": "merge", "override": "override", "Merge": "merge", "Overrides": "override", "Override": "override"})

KEY_VALUE = Obj(f"{PKG}.PodLabel", [Attr("key", required=True), Attr("value")],
                build=lambda b: (b.values["key"], b.values.get("value", "")))
PROBE = Obj(f"{PKG}.ContainerLivenessProbe",
            [Attr("execArgs")] + [Attr(n, Int()) for n in ("timeoutSeconds", "initialDelaySeconds", "failureThreshold",
                                                          "periodSeconds", "successThreshold")], model=Probe)
PORT = Obj(f"{PKG}.PortMapping", [Attr("name"), Attr("containerPort", Int(1)), Attr("hostPort", Int(1))],
           model=PortMapping)

RESOURCES = ["resourceRequestCpu", "resourceRequestMemory", "resourceRequestEphemeralStorage",
             "resourceLimitCpu", "resourceLimitMemory", "resourceLimitEphemeralStorage"]


def _container(b: Built) -> Any:
    for name in RESOURCES:
        value = b.values.get(Attr(name).keyword, "")
        if value and not _QUANTITY.match(value):
            b.warn(f"'{value}' is not a Kubernetes quantity (like 500m, 1Gi): pods from this template will be "
                   "rejected", name)
    if "resourceLimitGpu" in b.present:
        b.warn("resourceLimitGpu has no effect here", "resourceLimitGpu")
    return ContainerTemplate(**b.values)


CONTAINER = Obj(f"{PKG}.ContainerTemplate", [
    Attr("name", required=True), Attr("image"), Attr("privileged", Bool()), Attr("alwaysPullImage", Bool()),
    Attr("workingDir"), Attr("command"), Attr("args"), Attr("ttyEnabled", Bool()), Attr("shell"),
    *[Attr(n) for n in RESOURCES], Attr("resourceLimitGpu", field=""),
    Attr("runAsUser"), Attr("runAsGroup"), Attr("envVars", ListOf(ENV_VAR)), Attr("ports", ListOf(PORT)),
    Attr("livenessProbe", PROBE),
], build=_container)


def _int_str(b: Built, name: str, fallback: Optional[int]) -> Any:
    """The `xStr` string form of a number: "" is the fallback."""
    text = b.values.pop(Attr(name).keyword, None)
    if text is None or not text.strip():
        return fallback
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        return b.error(f"Failed to configure '{name}': expected type: Integer, found: String '{text}'", name)
    return int(text.strip())


def _cap(value: Optional[int]) -> Optional[int]:
    return None if value is None or value <= 0 or value >= JAVA_MAX_INT else value


def _numbers(b: Built, pairs: list[tuple[str, str, Optional[int]]]) -> bool:
    """Fold each `xStr` into `x` (the plain number wins when both are given)."""
    for plain, text, fallback in pairs:
        keyword = Attr(plain).keyword
        value = _int_str(b, text, fallback)
        if value is INVALID:
            return False
        if keyword not in b.values and value is not None:
            b.values[keyword] = value
    return True


def _template(b: Built) -> Any:
    if not _numbers(b, [("instanceCap", "instanceCapStr", None), ("idleMinutes", "idleMinutesStr", None),
                        ("activeDeadlineSeconds", "activeDeadlineSecondsStr", None),
                        ("slaveConnectTimeout", "slaveConnectTimeoutStr", None)]):
        return INVALID
    values = b.values
    values["instance_cap"] = _cap(values.get("instance_cap"))
    values["label"] = " ".join(values.get("label", "").split())  # Jenkins parses labels on whitespace
    values["image_pull_secrets"] = tuple(values.get("image_pull_secrets", ()))
    selector = values.pop("node_selector", "")
    pairs = []
    for part in filter(None, (p.strip() for p in selector.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            return b.error(f"Failed to configure 'nodeSelector': '{part}' is not key=value "
                           "(write nodeSelector: \"disktype=ssd,zone=a\")", "nodeSelector")
        pairs.append((key.strip(), value.strip()))
    values["node_selector"] = tuple(pairs)
    if values.get("yaml"):
        try:
            parsed = yaml.safe_load(values["yaml"])
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f" (line {mark.line + 1} of the pod YAML)" if mark else ""
            return b.error(f"Failed to configure 'yaml': not valid YAML{at}: {getattr(e, 'problem', e)}", "yaml")
        if parsed is not None and not isinstance(parsed, dict):
            return b.error("Failed to configure 'yaml': expected a Pod manifest (a mapping)", "yaml")
    names = [c.name for c in values.get("containers", ())]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        return b.error(f"Duplicate container name '{duplicate}' in pod template", "containers")
    return PodTemplate(**values)


TEMPLATE = Obj(f"{PKG}.PodTemplate", [
    Attr("name"), Attr("namespace"), Attr("label"), Attr("nodeUsageMode", Enum("hudson.model.Node$Mode", "NORMAL",
                                                                              "EXCLUSIVE")),
    Attr("inheritFrom"), Attr("instanceCap", Int()), Attr("instanceCapStr"), Attr("idleMinutes", Int(0)),
    Attr("idleMinutesStr"), Attr("activeDeadlineSeconds", Int(0)), Attr("activeDeadlineSecondsStr"),
    Attr("slaveConnectTimeout", Int(0)), Attr("slaveConnectTimeoutStr"), Attr("podRetention", POD_RETENTION),
    Attr("nodeSelector"), Attr("serviceAccount"), Attr("schedulerName"), Attr("hostNetwork", Bool()),
    Attr("runAsUser"), Attr("runAsGroup"), Attr("supplementalGroups"),
    Attr("imagePullSecrets", ListOf(Obj(f"{PKG}.PodImagePullSecret", [Attr("name", required=True)],
                                        build=lambda b: b.values["name"]))),
    Attr("annotations", ListOf(KEY_VALUE)), Attr("volumes", ListOf(VOLUME)),
    Attr("workspaceVolume", WORKSPACE_VOLUME), Attr("envVars", ListOf(ENV_VAR)),
    Attr("containers", ListOf(CONTAINER)), Attr("yaml", help="raw Pod YAML merged into the generated pod"),
    Attr("yamlMergeStrategy", YAML_MERGE), Attr("inheritYamlMergeStrategy", Bool()),
    Attr("showRawYaml", Bool()), Attr("terminationGracePeriodSeconds", Int(0)),
    Attr("id", inert="the plugin's internal template id; templates are known by name here"),
    Attr("nodeProperties", unsupported="node properties on pod templates"),
    Attr("yamls", unsupported="the deprecated yamls list: use yaml"),
], build=_template)


def _cloud(b: Built) -> Any:
    if not _numbers(b, [("containerCap", "containerCapStr", None),
                        ("maxRequestsPerHost", "maxRequestsPerHostStr", None)]):
        return INVALID
    values = b.values
    values["container_cap"] = _cap(values.get("container_cap"))
    runtime = pod_runtime(values.get("server_url", ""), b.ctx.env)
    if runtime not in RUNTIMES:
        return b.error(f"ORCH_POD_RUNTIME='{runtime}': expected one of {', '.join(RUNTIMES)}")
    values["runtime"] = runtime
    if values.get("credentials_id"):
        node = b.present["credentialsId"]
        b.ctx.credential_refs.append((values["credentials_id"], node.file, node.line, f"{b.path}.credentialsId",
                                      f"cloud '{values['name']}'"))
    templates = values.get("templates", ())
    names = [t.name for t in templates if t.name]
    for t in templates:
        if names.count(t.name) > 1:
            return b.error(f"Duplicate pod template name '{t.name}' in cloud '{values['name']}'", "templates")
        if t.inherit_from and any(parent not in names for parent in t.inherit_from.split()):
            b.warn(f"pod template '{t.name}' inherits from '{t.inherit_from}', which this cloud does not declare",
                   "templates")
    return KubernetesCloud(**values)


KUBERNETES = Obj(f"{PKG}.KubernetesCloud", [
    Attr("name", required=True), Attr("serverUrl"), Attr("serverCertificate"), Attr("skipTlsVerify", Bool()),
    Attr("credentialsId"), Attr("namespace"), Attr("jenkinsUrl"), Attr("jenkinsTunnel"),
    Attr("containerCap", Int()), Attr("containerCapStr"), Attr("retentionTimeout", Int(0)),
    Attr("connectTimeout", Int(0)), Attr("readTimeout", Int(0)), Attr("maxRequestsPerHost", Int(0)),
    Attr("maxRequestsPerHostStr"), Attr("waitForPodSec", Int(0)), Attr("podLabels", ListOf(KEY_VALUE)),
    Attr("podRetention", POD_RETENTION), Attr("usageRestricted", Bool()), Attr("webSocket", Bool()),
    Attr("directConnection", Bool()), Attr("addMasterProxyEnvVars", Bool()),
    Attr("restrictedPssSecurityContext", Bool()), Attr("defaultsProviderTemplate"),
    Attr("templates", ListOf(TEMPLATE)),
    Attr("capOnlyOnAlivePods", inert="caps count the pods this orchestrator started"),
    Attr("useJenkinsProxy", inert="pods reach the controller directly"),
    Attr("garbageCollection", inert="pods are deleted by the orchestrator that created them"),
    Attr("traits", inert="cloud traits"),
], build=_cloud)

CLOUD = OneOf("hudson.slaves.Cloud", {"kubernetes": KUBERNETES})
