"""`build_pod`: a declarative agent + the cloud's pod templates + the build -> a Pod manifest dict.

A pure function (no I/O, inputs never mutated) following the kubernetes plugin's PodTemplateBuilder
(reference/kubernetes-pods.md §1): template inheritance, then the pod built from template fields laid
over the pod YAML(s) (fields win), namespace defaulting, then the plugin's decorators (restartPolicy
Never, the linux nodeSelector, the shared `workspace-volume` mounted in every container at its
working directory, the restricted-PSS security context). Where this orchestrator differs, on purpose:

- **No jnlp container is added.** Steps are exec'ed into the containers directly, so no remoting
  agent runs in the pod. A `jnlp` container declared in YAML or a template is kept (with the
  plugin's agent image if it names none, kept alive by `sleep infinity` since nothing connects it);
  a pod with no container at all gets one `jnlp` container of that kind to run steps in.
- **Every container gets requests and limits** (`PodDefaults`), not only the agent container's
  requests; a default never contradicts an explicit value (a limit is never below the request).
- **Names and the generated label are hashes of the build identity**, not random, so the same
  build allocation always yields the same manifest.
- The default container (steps outside `container()`) is written to the standard annotation
  `kubectl.kubernetes.io/default-container`: `defaultContainer`, else `jnlp` if present, else the
  first container.
- `kubernetes.jenkins.io/last-refresh` (a timestamp) is left to the runtime that creates the pod.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional, Sequence, Union

import yaml

from orchestrator.casc.model import KubernetesCloud

from . import names
from .agentparams import symbol_name
from .podmerge import PodSpecError, combine_pods
from .podtemplates import declarative_template, pod_from_fields, unwrap, workspace_source

__all__ = ["AgentSettings", "BuildRef", "PodDefaults", "PodSpecError", "agent_settings", "build_pod",
           "docker_container", "select_cloud", "validate_pod"]

WORKSPACE_VOLUME = "workspace-volume"
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
AGENT_CONTAINER = "jnlp"


@dataclass(frozen=True)
class BuildRef:
    """Which build (and which agent allocation in it) a pod is for."""
    job_name: str               #: full name with folders: `team/app`
    number: int
    allocation: str = ""        #: "" for the pipeline's agent, else the stage path (`Build/Test`)
    attempt: int = 1            #: `retries`: each attempt gets a fresh pod name
    controller_url: str = ""    #: `http://orchestrator:8080/`, for the buildUrl annotation

    @property
    def externalizable_id(self) -> str:
        return f"{self.job_name}#{self.number}"

    @property
    def run_url(self) -> str:
        return "".join(f"job/{part}/" for part in self.job_name.split("/")) + f"{self.number}/"


@dataclass(frozen=True)
class PodDefaults:
    """Built-in defaults, used when neither the template nor the cloud says otherwise."""
    working_dir: str = "/home/jenkins/agent"
    #: every container gets these when it sets none (the plugin gives the jnlp container 100m/256Mi
    #: requests and no limits; limits here keep one build from starving a node)
    cpu_request: str = "100m"
    cpu_limit: str = "500m"
    memory_request: str = "256Mi"
    memory_limit: str = "512Mi"
    #: the plugin's DEFAULT_AGENT_IMAGE at the reference commit, for a `jnlp` container without image
    agent_image: str = "jenkins/inbound-agent:3355.v388858a_47b_33-3-jdk21"
    keep_alive: tuple[str, ...] = ("sleep", "infinity")
    #: the container a docker/dockerfile agent's pod runs its steps in
    docker_container: str = "build"


DEFAULTS = PodDefaults()


@dataclass(frozen=True)
class AgentSettings:
    """The non-manifest settings of an agent allocation, for the scheduler and the pod runtime."""
    kind: str
    cloud: Optional[str]
    label: Optional[str]
    default_container: Optional[str]
    retries: int = 1
    pod_retention: str = "default"
    idle_minutes: int = 0
    instance_cap: Optional[int] = None
    connect_timeout: int = 1000
    custom_workspace: str = ""
    show_raw_yaml: bool = True
    yaml_file: str = ""


def agent_settings(kind: str, params: Mapping[str, Any]) -> AgentSettings:
    def opt_int(key: str, default: Any) -> Any:
        value = params.get(key)
        return default if value in (None, "") else int(value)
    cap = opt_int("instanceCap", None)
    return AgentSettings(kind=kind, cloud=params.get("cloud") or None, label=params.get("label") or None,
                         default_container=params.get("defaultContainer") or None,
                         retries=max(1, opt_int("retries", 1)),
                         pod_retention=symbol_name(params.get("podRetention")) or "default",
                         idle_minutes=opt_int("idleMinutes", 0), instance_cap=cap if cap and cap > 0 else None,
                         connect_timeout=opt_int("slaveConnectTimeout", 1000),
                         custom_workspace=str(params.get("customWorkspace") or ""),
                         show_raw_yaml=params.get("showRawYaml") is not False, yaml_file=params.get("yamlFile") or "")


def select_cloud(name: Optional[str], clouds: Sequence[KubernetesCloud]) -> Optional[KubernetesCloud]:
    """The named cloud, else the first one (the plugin's default), else None (built-in defaults)."""
    if name:
        found = next((c for c in clouds if c.name == name), None)
        if found is None:
            raise PodSpecError(f"Cloud does not exist: {name}")
        return found
    return clouds[0] if clouds else None


# ---------------------------------------------------------------- the builder
Clouds = Union[KubernetesCloud, Sequence[KubernetesCloud], None]


def build_pod(agent_params: Mapping[str, Any], clouds: Clouds, build: BuildRef, *, kind: str = "kubernetes",
              yaml_file: Optional[str] = None, image: Optional[str] = None,
              defaults: PodDefaults = DEFAULTS) -> dict:
    """The Pod manifest (camelCase dict, `apiVersion: v1`, `kind: Pod`) for one agent allocation.

    agent_params: the agent block's parameters as values (`agentparams.literal_params`, or the
        engine's evaluated dict). kind: `kubernetes`, `docker` or `dockerfile`.
    clouds: the configuration's Kubernetes clouds (or one cloud, or None).
    yaml_file: the text of `yamlFile`, read from the repository by the caller.
    image: for `dockerfile` agents, the image the caller built.
    Raises PodSpecError when the agent cannot become a pod (bad YAML, unknown cloud or template...).
    """
    cloud_list = (clouds,) if isinstance(clouds, KubernetesCloud) else tuple(clouds or ())
    settings = agent_settings(kind, agent_params)
    cloud = select_cloud(settings.cloud, cloud_list)
    name = names.pod_name(build.job_name, build.number, f"{build.allocation}|{build.attempt}")
    if kind == "kubernetes":
        label = settings.label or names.generated_label(build.externalizable_id, build.allocation)
        yaml_text = _yaml_source(agent_params, yaml_file)
        resolved = unwrap(declarative_template(agent_params, yaml_text, name), cloud)
        template = resolved.template
        built = pod_from_fields(template)
        yamls = [_parse_yaml(y) for y in resolved.yamls]
        if resolved.strategy == "merge":
            base: dict = {}
            for y in yamls:
                base = combine_pods(base, y)
        else:
            base = yamls[-1] if yamls else {}
        pod = combine_pods(base, built)
        namespace = template.namespace
        working_dir = str(agent_params.get("workingDir") or defaults.working_dir)
        workspace = workspace_source(template.workspace_volume, name)
    elif kind in ("docker", "dockerfile"):
        label = settings.label or names.generated_label(build.externalizable_id, build.allocation)
        container, volumes = docker_container(agent_params, image, kind, defaults)
        pod = {"spec": {"containers": [container], **({"volumes": volumes} if volumes else {})}}
        namespace, working_dir, workspace = "", defaults.working_dir, {"emptyDir": {}}
    else:
        raise PodSpecError(f"agent type '{kind}' does not run in a pod")
    pod = _identity(pod, name, label, build, cloud, namespace)
    return _decorate(pod, settings, cloud, working_dir, workspace, defaults)


def _yaml_source(params: Mapping[str, Any], yaml_file: Optional[str]) -> str:
    if params.get("yamlFile"):
        if params.get("yaml"):
            raise PodSpecError("kubernetes agent: give either yaml or yamlFile, not both")
        if yaml_file is None:
            raise PodSpecError(f"yamlFile '{params['yamlFile']}' was not read from the repository")
        return yaml_file
    return str(params.get("yaml") or "")


def _parse_yaml(text: str) -> dict:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} of the pod YAML" if mark else ""
        raise PodSpecError(f"pod YAML is not valid YAML{where}: {getattr(e, 'problem', e)}") from e
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PodSpecError("pod YAML must be a Pod manifest (a mapping with metadata/spec)")
    value.setdefault("metadata", {})
    value.setdefault("spec", {})
    for field in ("metadata", "spec"):
        if value[field] is None:
            value[field] = {}
    return value


def docker_container(params: Mapping[str, Any], image: Optional[str], kind: str,
                     defaults: PodDefaults) -> tuple[dict, list[dict]]:
    """A `docker {}` / `dockerfile {}` agent's one container (and the hostPath volumes of its `-v`): the image kept alive with `cat` on a
    tty, as docker-workflow's `docker run -t -d ... cat` does. `-e`/`-u`/`-w`/`--privileged`/`-v`
    docker args are translated by `docker_args()`; others are reported by the checks."""
    if kind == "dockerfile":
        if not image:
            raise PodSpecError("dockerfile agent: the image must be built before its pod (no image name given)")
    else:
        image = str(params.get("image") or "")
        if not image:
            raise PodSpecError("docker agent: 'image' is required")
        registry = str(params.get("registryUrl") or "")
        if registry:
            host = registry.split("://", 1)[-1].rstrip("/")
            first = image.split("/", 1)[0]
            if "/" not in image or not ("." in first or ":" in first or first == "localhost"):
                image = f"{host}/{image}"
    container: dict[str, Any] = {"name": defaults.docker_container, "image": image,
                                 "imagePullPolicy": "Always" if params.get("alwaysPull") else "IfNotPresent",
                                 "command": ["cat"], "tty": True}
    patch, volumes, _unsupported = docker_args(str(params.get("args") or ""))
    container.update(patch)
    return container, volumes


def docker_args(args: str) -> tuple[dict, list[dict], list[str]]:
    """Translate the `docker run` args a pod can express: `-e K=V`, `-u uid[:gid]`, `-w dir`,
    `--privileged`, `-v /host:/ctr[:ro]` (hostPath). Returns (container fields, volumes, unsupported)."""
    import shlex
    words = shlex.split(args)
    env, mounts, volumes, unsupported, out = [], [], [], [], {}
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, inline = word.partition("=")
        takes = flag in ("-e", "--env", "-u", "--user", "-w", "--workdir", "-v", "--volume")
        value = inline if eq and flag.startswith("--") else (words[i + 1] if takes and i + 1 < len(words) else "")
        i += 2 if takes and not (eq and flag.startswith("--")) else 1
        if flag in ("-e", "--env"):
            key, _, val = value.partition("=")
            env.append({"name": key, "value": val})
        elif flag in ("-u", "--user"):
            user, _, group = value.partition(":")
            if user.isdigit():
                out.setdefault("securityContext", {})["runAsUser"] = int(user)
                if group.isdigit():
                    out["securityContext"]["runAsGroup"] = int(group)
            else:
                unsupported.append(word if eq else f"{word} {value}")
        elif flag in ("-w", "--workdir"):
            out["workingDir"] = value
        elif flag == "--privileged":
            out.setdefault("securityContext", {})["privileged"] = True
        elif flag in ("-v", "--volume"):
            parts = value.split(":")
            if len(parts) >= 2 and parts[0].startswith("/"):
                name = names.dns_label(f"docker-volume-{len(volumes)}")
                volumes.append({"name": name, "hostPath": {"path": parts[0]}})
                mounts.append({"name": name, "mountPath": parts[1], "readOnly": parts[2:3] == ["ro"]})
            else:
                unsupported.append(f"{word} {value}")
        elif flag.startswith("--") and not eq and i < len(words) and not words[i].startswith("-"):
            unsupported.append(f"{word} {words[i]}")  # `--network host`: a long option and its value
            i += 1
        else:
            unsupported.append(word)
    if env:
        out["env"] = env
    if mounts:
        out["volumeMounts"] = mounts
    return out, volumes, unsupported


def _identity(pod: dict, name: str, label: str, build: BuildRef, cloud: Optional[KubernetesCloud],
              namespace: str) -> dict:
    """§1.4 and §1.7: name, labels, annotations and namespace."""
    pod = copy.deepcopy(pod)
    meta = pod.setdefault("metadata", {})
    meta["name"] = name
    labels = dict(cloud.pod_labels) if cloud and cloud.pod_labels else {"jenkins": "slave"}
    labels.update({"jenkins/label": names.jenkins_label(label), "jenkins/label-digest": names.label_digest(label),
                   "orchestrator/job": names.label_value(build.job_name), "orchestrator/build": str(build.number)})
    if build.controller_url:
        labels["kubernetes.jenkins.io/controller"] = names.label_value(names.jenkins_label(build.controller_url))
    meta["labels"] = {**(meta.get("labels") or {}), **labels}
    annotations = {"runUrl": build.run_url}
    if build.controller_url:
        annotations["buildUrl"] = build.controller_url.rstrip("/") + "/" + build.run_url
    meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
    if not meta.get("namespace"):
        ns = namespace or (cloud.namespace if cloud else "")
        if ns:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
    pod["apiVersion"], pod["kind"] = "v1", "Pod"
    return pod


def _decorate(pod: dict, settings: AgentSettings, cloud: Optional[KubernetesCloud], working_dir: str,
              workspace: dict, defaults: PodDefaults) -> dict:
    """The agent container rules (ours, see the module docstring) and the plugin's PodDecorators."""
    spec = pod["spec"]
    containers = spec.setdefault("containers", [])
    if not containers:
        containers.append({"name": AGENT_CONTAINER})
    for c in containers:
        if c.get("name") == AGENT_CONTAINER and not c.get("image"):
            c["image"] = defaults.agent_image
            c.setdefault("command", list(defaults.keep_alive))
        if c.get("name") == AGENT_CONTAINER and "imagePullPolicy" not in c:
            c["imagePullPolicy"] = "IfNotPresent"
    default = settings.default_container or next(
        (c["name"] for c in containers if c.get("name") == AGENT_CONTAINER), containers[0].get("name"))
    pod["metadata"].setdefault("annotations", {})[DEFAULT_CONTAINER_ANNOTATION] = default
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Never"
    affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if not spec.get("runtimeClassName") and not spec.get("nodeSelector") and not affinity:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
    volumes = spec.setdefault("volumes", [])
    if not any(v.get("name") == WORKSPACE_VOLUME for v in volumes):
        volumes.insert(0, {"name": WORKSPACE_VOLUME, **workspace})
    restricted = bool(cloud and cloud.restricted_pss_security_context)
    for c in containers + spec.get("initContainers", []):
        for key in [k for k, v in c.items() if v is None]:
            del c[key]
        _normalize_resources(c, defaults)
        if restricted:
            _restricted(c)
    for c in containers:
        c.setdefault("workingDir", working_dir)
        mounts = c.setdefault("volumeMounts", [])
        if not any(m.get("mountPath") == c["workingDir"] for m in mounts):
            mounts.append({"name": WORKSPACE_VOLUME, "mountPath": c["workingDir"], "readOnly": False})
    return pod


def _restricted(c: dict) -> None:
    security = c.setdefault("securityContext", {})
    security.setdefault("allowPrivilegeEscalation", False)
    security.setdefault("runAsNonRoot", True)
    security.setdefault("seccompProfile", {"type": "RuntimeDefault"})
    security.setdefault("capabilities", {}).setdefault("drop", ["ALL"])


_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "m": Decimal("0.001"),
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def quantity(text: str) -> Optional[Decimal]:
    """A Kubernetes quantity as a number (`500m` -> 0.5, `1Gi` -> 1073741824), None if malformed."""
    text = str(text).strip()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text != suffix:
            try:
                return Decimal(text[: -len(suffix)]) * Decimal(_SUFFIXES[suffix])
            except InvalidOperation:
                return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _normalize_resources(c: dict, defaults: PodDefaults) -> None:
    """Numbers become quantity strings (the API accepts `cpu: 1`, the strict models do not), and
    cpu/memory requests and limits are filled from the defaults without crossing explicit values."""
    resources = c.get("resources") if isinstance(c.get("resources"), dict) else {}
    resources = c["resources"] = dict(resources)
    for kind in ("requests", "limits"):
        values = resources.get(kind)
        if isinstance(values, dict):
            resources[kind] = {k: (str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                               for k, v in values.items()}
    requests = resources.setdefault("requests", {}) if isinstance(resources.get("requests", {}), dict) else None
    limits = resources.setdefault("limits", {}) if isinstance(resources.get("limits", {}), dict) else None
    if requests is None or limits is None:
        return  # malformed resources: left for validate_pod to report
    for res, req_default, lim_default in (("cpu", defaults.cpu_request, defaults.cpu_limit),
                                          ("memory", defaults.memory_request, defaults.memory_limit)):
        request, limit = requests.get(res), limits.get(res)
        if request is None:
            q_lim = quantity(limit) if limit is not None else None
            request = limit if q_lim is not None and q_lim < (quantity(req_default) or 0) else req_default
            requests[res] = request
        if limit is None:
            q_req = quantity(request)
            limits[res] = request if q_req is not None and q_req > (quantity(lim_default) or 0) else lim_default


def validate_pod(manifest: Mapping[str, Any]) -> list[str]:
    """Errors the kubernetes client's strict (pydantic, `extra="forbid"`) models find, as
    `spec.containers.0.resources.cpu: Extra inputs are not permitted`; [] when the manifest is valid."""
    from kubernetes.client import V1Pod
    from pydantic import ValidationError
    try:
        V1Pod.model_validate(dict(manifest))
    except ValidationError as e:
        return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
    return []
