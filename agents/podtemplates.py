"""Pod templates: declarative `kubernetes {}` parameters -> PodTemplate, inheritance, fields -> pod.

This is the plugin's template half (reference/kubernetes-pods.md §1, §3-§5, §7): a declarative agent
becomes a dynamic `PodTemplate` (the casc model's dataclass, so static and dynamic templates are one
type), `unwrap()` folds the cloud's `defaultsProviderTemplate` and every `inheritFrom` parent into it
with `combine_templates()`, and `pod_from_fields()` builds the pod the template's *fields* describe
(its YAML is laid under that pod by `pods.build_pod`). Pure functions over frozen dataclasses.
"""
from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from orchestrator.casc.model import (ContainerTemplate, EnvVar, KubernetesCloud, PodTemplate, PortMapping, Probe,
                                     Volume, WorkspaceVolume)

from .agentparams import Symbol, symbol_name
from .podmerge import PodSpecError

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_CONTAINER_FIELDS = {f.name for f in dataclasses.fields(ContainerTemplate)}
_RETENTIONS = ("never", "always", "onFailure", "default", "evicted")
_WORKSPACE_SYMBOLS = {"emptyDirWorkspaceVolume": "emptyDir", "emptyDir": "emptyDir", "dynamicPVC": "dynamicPVC",
                      "hostPathWorkspaceVolume": "hostPath", "nfsWorkspaceVolume": "nfs",
                      "persistentVolumeClaimWorkspaceVolume": "persistentVolumeClaim",
                      "genericEphemeralVolume": "genericEphemeral"}


@dataclass(frozen=True)
class Resolved:
    """A template after inheritance: the combined fields, every YAML in order (parents first) and
    the merge strategy that applies to them."""
    template: PodTemplate
    yamls: tuple[str, ...] = ()
    strategy: str = "override"
    strategy_explicit: bool = False


def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _env_var(value: Any) -> EnvVar:
    if isinstance(value, EnvVar):
        return value
    if isinstance(value, Symbol):
        args = dict(value.args)
        if value.name in ("secretEnvVar",):
            return EnvVar(key=_text(args.get("key")), secret_name=_text(args.get("secretName")),
                          secret_key=_text(args.get("secretKey")), optional=bool(args.get("optional")))
        return EnvVar(key=_text(args.get("key")), value=_text(args.get("value")))
    if isinstance(value, Mapping):
        return EnvVar(key=_text(value.get("key")), value=_text(value.get("value")))
    raise PodSpecError(f"envVars: cannot read {value!r} (write envVar(key: 'K', value: 'V'))")


def container_template(params: Mapping[str, Any]) -> ContainerTemplate:
    """`containerTemplate { name 'maven'; image 'maven:3'; command 'cat'; ttyEnabled true }`."""
    if isinstance(params, Symbol):  # containerTemplate(name: ..., image: ...) in a list
        params = params.args
    values: dict[str, Any] = {}
    for key, value in params.items():
        name = _snake(key)
        if name not in _CONTAINER_FIELDS:
            raise PodSpecError(f"containerTemplate: unknown parameter '{key}'")
        if name == "env_vars":
            value = tuple(_env_var(v) for v in (value or ()))
        elif name in ("privileged", "always_pull_image", "tty_enabled"):
            value = bool(value)
        elif name == "ports":
            value = tuple(PortMapping(**{_snake(k): v for k, v in (p.args if isinstance(p, Symbol) else p).items()})
                          for p in value or ())
        elif name == "liveness_probe":
            value = Probe(**{_snake(k): v for k, v in (value.args if isinstance(value, Symbol) else value).items()})
        else:
            value = _text(value)
        values[name] = value
    if not values.get("name"):
        raise PodSpecError("containerTemplate: 'name' is required")
    return ContainerTemplate(**values)


def workspace_volume(value: Any) -> WorkspaceVolume:
    """`emptyDirWorkspaceVolume(true)`, `dynamicPVC(requestsSize: '1Gi')`, a JCasC-style mapping
    `{dynamicPVC: {...}}` or a WorkspaceVolume."""
    if isinstance(value, WorkspaceVolume):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((symbol, args),) = value.items()
        value = Symbol(symbol, args or {})
    if not isinstance(value, Symbol) or value.name not in _WORKSPACE_SYMBOLS:
        raise PodSpecError(f"workspaceVolume: expected one of {', '.join(sorted(_WORKSPACE_SYMBOLS))}, "
                           f"got {value!r}")
    kind = _WORKSPACE_SYMBOLS[value.name]
    args = {_snake(k): v for k, v in value.args.items()}
    if kind == "emptyDir" and value.positional:
        args["memory"] = bool(value.positional[0])
    fields = {f.name for f in dataclasses.fields(WorkspaceVolume)}
    unknown = sorted(set(args) - fields)
    if unknown:
        raise PodSpecError(f"workspaceVolume {value.name}: unknown parameter(s) {', '.join(unknown)}")
    return WorkspaceVolume(kind=kind, **args)


def _node_selector(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        return tuple((str(k), _text(v)) for k, v in value.items())
    pairs = []
    for part in filter(None, (p.strip() for p in _text(value).split(","))):
        key, sep, val = part.partition("=")
        if not sep or not key.strip():
            raise PodSpecError(f"nodeSelector: '{part}' is not key=value (write nodeSelector 'disktype=ssd,zone=a')")
        pairs.append((key.strip(), val.strip()))
    return tuple(pairs)


def declarative_template(params: Mapping[str, Any], yaml_text: str, name: str) -> Resolved:
    """The dynamic template a declarative `kubernetes {}` block registers (before inheritance)."""
    values: dict[str, Any] = {"name": name}
    simple = {"namespace": "namespace", "serviceAccount": "service_account", "schedulerName": "scheduler_name",
              "supplementalGroups": "supplemental_groups", "runAsUser": "run_as_user", "runAsGroup": "run_as_group"}
    for key, attr in simple.items():
        if params.get(key) not in (None, ""):
            values[attr] = _text(params[key])
    for key in ("activeDeadlineSeconds", "idleMinutes", "slaveConnectTimeout"):
        if params.get(key) not in (None, ""):
            values[_snake(key)] = int(params[key])
    if params.get("instanceCap") not in (None, ""):
        values["instance_cap"] = int(params["instanceCap"]) if int(params["instanceCap"]) > 0 else None
    if params.get("inheritFrom"):
        values["inherit_from"] = " ".join(_text(params["inheritFrom"]).split())
    if params.get("nodeSelector"):
        values["node_selector"] = _node_selector(params["nodeSelector"])
    if params.get("podRetention") is not None:
        retention = symbol_name(params["podRetention"])
        if retention not in _RETENTIONS:
            raise PodSpecError(f"podRetention: expected one of {', '.join(r + '()' for r in _RETENTIONS)}, "
                               f"got {params['podRetention']!r}")
        values["pod_retention"] = retention
    if params.get("workspaceVolume") is not None:
        values["workspace_volume"] = workspace_volume(params["workspaceVolume"])
    containers = []
    if params.get("containerTemplate"):
        containers.append(container_template(params["containerTemplate"]))
    containers += [container_template(c) for c in params.get("containerTemplates") or ()]
    values["containers"] = tuple(containers)
    if params.get("showRawYaml") is not None:
        values["show_raw_yaml"] = bool(params["showRawYaml"])
    strategy = symbol_name(params.get("yamlMergeStrategy"))
    if strategy not in (None, "merge", "override"):
        raise PodSpecError(f"yamlMergeStrategy: expected merge() or override(), got {params['yamlMergeStrategy']!r}")
    values["yaml_merge_strategy"] = strategy or "override"
    values["inherit_yaml_merge_strategy"] = bool(params.get("inheritYamlMergeStrategy"))
    values["yaml"] = yaml_text
    return Resolved(PodTemplate(**values), (yaml_text,) if yaml_text.strip() else (),
                    strategy or "override", strategy is not None)


# ---------------------------------------------------------------- inheritance
def _child_else_parent(parent: Any, child: Any, unset: Any) -> Any:
    return parent if child == unset or child in (None, "", ()) else child


def _merge_keyed(parent: tuple, child: tuple, key) -> tuple:
    out = {key(x): x for x in parent}
    out.update({key(x): x for x in child})
    return tuple(out.values())


def combine_container_templates(parent: ContainerTemplate, child: ContainerTemplate) -> ContainerTemplate:
    """Each field child-else-parent (unset = "" / False / None); env merged by key, ports by name."""
    base = ContainerTemplate(name=child.name)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(ContainerTemplate):
        p, c, unset = getattr(parent, f.name), getattr(child, f.name), getattr(base, f.name)
        values[f.name] = _child_else_parent(p, c, unset)
    values["env_vars"] = _merge_keyed(parent.env_vars, child.env_vars, lambda e: e.key)
    values["ports"] = _merge_keyed(parent.ports, child.ports, lambda p: p.name)
    return ContainerTemplate(**values)


def combine_templates(parent: Resolved, child: Resolved) -> Resolved:
    """The plugin's `combine(PodTemplate parent, PodTemplate child)` (§4)."""
    p, c = parent.template, child.template
    default = PodTemplate()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(PodTemplate):
        values[f.name] = _child_else_parent(getattr(p, f.name), getattr(c, f.name), getattr(default, f.name))
    for always_child in ("name", "label", "pod_retention", "yaml", "yaml_merge_strategy"):
        values[always_child] = getattr(c, always_child)
    values["show_raw_yaml"] = p.show_raw_yaml and c.show_raw_yaml  # false wins
    parents = {x.name: x for x in p.containers}
    merged = dict(parents)
    for container in c.containers:
        merged[container.name] = (combine_container_templates(parents[container.name], container)
                                  if container.name in parents else container)
    values["containers"] = tuple(merged.values())
    values["volumes"] = _merge_keyed(p.volumes, c.volumes, lambda v: v.mount_path)
    values["workspace_volume"] = c.workspace_volume if c.workspace_volume != WorkspaceVolume() else p.workspace_volume
    values["env_vars"] = _merge_keyed(p.env_vars, c.env_vars, lambda e: e.key)
    values["annotations"] = _merge_keyed(p.annotations, c.annotations, lambda kv: kv[0])
    values["image_pull_secrets"] = tuple(dict.fromkeys(p.image_pull_secrets + c.image_pull_secrets))
    values["node_selector"] = c.node_selector or p.node_selector
    strategy, explicit = child.strategy, child.strategy_explicit
    if not explicit and p.inherit_yaml_merge_strategy:
        strategy, explicit = parent.strategy, parent.strategy_explicit
    return Resolved(PodTemplate(**values), parent.yamls + child.yamls, strategy, explicit)


def _as_resolved(template: PodTemplate) -> Resolved:
    yamls = (template.yaml,) if template.yaml.strip() else ()
    return Resolved(template, yamls, template.yaml_merge_strategy, template.yaml_merge_strategy != "override")


def unwrap(child: Resolved, cloud: Optional[KubernetesCloud], strict: bool = True,
           _seen: tuple[str, ...] = ()) -> Resolved:
    """Fold the cloud's defaultsProviderTemplate, then each `inheritFrom` parent (left to right,
    later parents override earlier ones), under `child`. Parents are looked up by template name.

    Unlike the plugin, which ignores unknown parent names silently, an unknown name in the
    agent's own `inheritFrom` (`strict`) is an error naming the templates the cloud has."""
    if cloud is None:
        if strict and child.template.inherit_from:
            raise PodSpecError(f"inheritFrom '{child.template.inherit_from}': no Kubernetes cloud is configured")
        return child
    names = ([cloud.defaults_provider_template] if cloud.defaults_provider_template else [])
    names += [n for n in child.template.inherit_from.split() if n not in names]
    result: Optional[Resolved] = None
    for name in names:
        if name in _seen or name == child.template.name and _seen:
            raise PodSpecError(f"pod template '{name}' inherits from itself ({' -> '.join(_seen + (name,))})")
        template = cloud.template(name)
        if template is None:
            if strict and name != cloud.defaults_provider_template:
                known = ", ".join(t.name for t in cloud.templates if t.name) or "none"
                raise PodSpecError(f"inheritFrom: pod template '{name}' not found in cloud '{cloud.name}' "
                                   f"(its templates: {known})")
            continue
        parent = unwrap(_as_resolved(template), cloud, strict=False, _seen=_seen + (name,))
        result = parent if result is None else combine_templates(result, parent)
    return child if result is None else combine_templates(result, child)


# ---------------------------------------------------------------- fields -> pod
def _volume(index: int, volume: Volume) -> tuple[dict, dict]:
    name = f"volume-{index}"
    kind = volume.kind
    if kind == "emptyDirVolume":
        source: dict[str, Any] = {"emptyDir": {"medium": "Memory"} if volume.memory else {}}
    elif kind == "hostPathVolume":
        source = {"hostPath": {"path": volume.host_path}}
    elif kind == "persistentVolumeClaim":
        source = {"persistentVolumeClaim": {"claimName": volume.claim_name, "readOnly": volume.read_only}}
    elif kind == "configMapVolume":
        source = {"configMap": {"name": volume.config_map_name, "optional": volume.optional}}
    elif kind == "secretVolume":
        source = {"secret": {"secretName": volume.secret_name, "optional": volume.optional}}
    elif kind == "nfsVolume":
        source = {"nfs": {"server": volume.server_address, "path": volume.server_path, "readOnly": volume.read_only}}
    else:  # genericEphemeralVolume
        source = {"ephemeral": {"volumeClaimTemplate": {"spec": _claim_spec(volume)}}}
    if volume.default_mode and kind in ("configMapVolume", "secretVolume"):
        key = "configMap" if kind == "configMapVolume" else "secret"
        source[key]["defaultMode"] = int(volume.default_mode, 8) if volume.default_mode.startswith("0") \
            else int(volume.default_mode)
    mount = {"name": name, "mountPath": volume.mount_path.rstrip("/") or "/", "readOnly": volume.read_only}
    if volume.sub_path:
        mount["subPath"] = volume.sub_path
    return {"name": name, **source}, mount


def _claim_spec(v: Any) -> dict:
    spec: dict[str, Any] = {"accessModes": [v.access_modes or "ReadWriteOnce"],
                            "resources": {"requests": {"storage": v.requests_size or "10Gi"}}}
    if v.storage_class_name:
        spec["storageClassName"] = v.storage_class_name
    return spec


def workspace_source(volume: WorkspaceVolume, pod_name: str) -> dict:
    """The `workspace-volume` source for a template's workspaceVolume."""
    if volume.kind == "emptyDir":
        return {"emptyDir": {"medium": "Memory"} if volume.memory else {}}
    if volume.kind == "hostPath":
        return {"hostPath": {"path": volume.host_path}}
    if volume.kind == "nfs":
        return {"nfs": {"server": volume.server_address, "path": volume.server_path, "readOnly": volume.read_only}}
    if volume.kind == "persistentVolumeClaim":
        return {"persistentVolumeClaim": {"claimName": volume.claim_name, "readOnly": volume.read_only}}
    if volume.kind == "dynamicPVC":  # the runtime creates the PVC, owned by the pod
        return {"persistentVolumeClaim": {"claimName": f"pvc-workspace-{pod_name}"[:253], "readOnly": False}}
    return {"ephemeral": {"volumeClaimTemplate": {"spec": _claim_spec(volume)}}}


def _env(values: tuple[EnvVar, ...]) -> list[dict]:
    out = []
    for e in values:
        if e.from_secret:
            ref: dict[str, Any] = {"name": e.secret_name, "key": e.secret_key}
            if e.optional:
                ref["optional"] = True
            out.append({"name": e.key, "valueFrom": {"secretKeyRef": ref}})
        else:
            out.append({"name": e.key, "value": e.value})
    return out


def container_from_template(t: ContainerTemplate, pod_env: tuple[EnvVar, ...], mounts: list[dict]) -> dict:
    """`createContainer()`: a ContainerTemplate as a container dict."""
    c: dict[str, Any] = {"name": t.name, "image": t.image,
                         "imagePullPolicy": "Always" if t.always_pull_image else "IfNotPresent"}
    if t.command.strip():
        c["command"] = shlex.split(t.command)
    if t.args.strip():
        c["args"] = shlex.split(t.args)
    if t.tty_enabled:
        c["tty"] = True
    if t.working_dir:
        c["workingDir"] = t.working_dir
    env = _env(_merge_keyed(pod_env, t.env_vars, lambda e: e.key))
    if env:
        c["env"] = env
    c["resources"] = t.resources()
    if t.ports:
        c["ports"] = [{k: v for k, v in (("name", p.name or None), ("containerPort", p.container_port),
                                         ("hostPort", p.host_port)) if v} for p in t.ports]
    security: dict[str, Any] = {}
    if t.privileged:
        security["privileged"] = True
    if t.run_as_user:
        security["runAsUser"] = int(t.run_as_user)
    if t.run_as_group:
        security["runAsGroup"] = int(t.run_as_group)
    if security:
        c["securityContext"] = security
    if t.liveness_probe and t.liveness_probe.exec_args:
        p = t.liveness_probe
        probe: dict[str, Any] = {"exec": {"command": shlex.split(p.exec_args)}}
        for key in ("initial_delay_seconds", "timeout_seconds", "failure_threshold", "period_seconds",
                    "success_threshold"):
            if getattr(p, key):
                probe[re.sub(r"_(\w)", lambda m: m.group(1).upper(), key)] = getattr(p, key)
        c["livenessProbe"] = probe
    if mounts:
        c["volumeMounts"] = [dict(m) for m in mounts]
    return c


def pod_from_fields(t: PodTemplate) -> dict:
    """§1 steps 1-5: the pod the template's fields describe (no name, no YAML, no defaults yet)."""
    volumes, mounts, seen = [], [], {}
    for v in t.volumes:
        path = v.mount_path.rstrip("/") or "/"
        if path in seen:
            continue
        seen[path] = len(seen)
        volume, mount = _volume(seen[path], v)
        volumes.append(volume)
        mounts.append(mount)
    spec: dict[str, Any] = {"containers": [container_from_template(c, t.env_vars, mounts) for c in t.containers]}
    if t.active_deadline_seconds > 0:
        spec["activeDeadlineSeconds"] = t.active_deadline_seconds
    if volumes:
        spec["volumes"] = volumes
    if t.service_account:
        spec["serviceAccountName"] = t.service_account
    if t.scheduler_name:
        spec["schedulerName"] = t.scheduler_name
    if t.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": n} for n in t.image_pull_secrets]
    if t.node_selector:
        spec["nodeSelector"] = dict(t.node_selector)
    if t.termination_grace_period_seconds is not None:
        spec["terminationGracePeriodSeconds"] = t.termination_grace_period_seconds
    security: dict[str, Any] = {}
    if t.run_as_user:
        security["runAsUser"] = int(t.run_as_user)
    if t.run_as_group:
        security["runAsGroup"] = int(t.run_as_group)
    if t.supplemental_groups:
        security["supplementalGroups"] = [int(g) for g in t.supplemental_groups.split(",") if g.strip()]
    if security:
        spec["securityContext"] = security
    if t.host_network:
        spec["hostNetwork"] = True
    metadata: dict[str, Any] = {}
    if t.annotations:
        metadata["annotations"] = dict(t.annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
