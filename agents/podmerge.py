"""The kubernetes plugin's `PodTemplateUtils.combine(Pod parent, Pod child)` on manifest dicts.

It is used twice, exactly as in the plugin: to fold several pod YAMLs together under the `merge`
yamlMergeStrategy, and to lay the pod built from template fields (the child) over the YAML pod (the
parent), so explicit fields win over YAML. Rules (reference/kubernetes-pods.md §4):

- metadata labels/annotations map-merged (child wins); name/namespace child-else-parent;
- spec scalars child-else-parent, nodeSelector map-merged, imagePullSecrets ordered union,
  tolerations concatenated, volumes merged by name (child wins), securityContext
  runAsUser/runAsGroup child-else-parent, every other spec field taken from the parent;
- containers and initContainers merged by name, parent order first; same-name containers merged
  field by field (env by name, resources per key, volumeMounts by mountPath, ...).

Inputs are never mutated; results share no mutable structure with them.
"""
from __future__ import annotations

import copy
from typing import Any, Optional

from orchestrator.errors import OrchestratorError

Manifest = dict[str, Any]

_SPEC_SCALARS = ("serviceAccount", "serviceAccountName", "schedulerName", "activeDeadlineSeconds", "hostNetwork",
                 "shareProcessNamespace", "restartPolicy", "runtimeClassName", "terminationGracePeriodSeconds")
_CONTAINER_SCALARS = ("image", "imagePullPolicy", "command", "args", "workingDir", "tty")


class PodSpecError(OrchestratorError):
    """A pod cannot be built from this agent, template or YAML: the message says which and why."""


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _pick(parent: Any, child: Any) -> Any:
    """Child unless unset (None, "" or empty), as the plugin's `isNullOrEmpty` checks."""
    return copy.deepcopy(parent if _empty(child) else child)


def _merge_by(parent: list, child: list, key: str, merge=None) -> list:
    """Entries of both lists keyed by `key`: parent order first, then new child entries;
    same-key entries merged by `merge(parent, child)` or replaced by the child."""
    out: dict[Any, Any] = {}
    for item in parent or ():
        out[item.get(key)] = copy.deepcopy(item)
    for item in child or ():
        k = item.get(key)
        out[k] = merge(out[k], item) if merge and k in out else copy.deepcopy(item)
    return list(out.values())


def _unique_names(containers: list, where: str) -> None:
    names = [c.get("name") for c in containers or ()]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise PodSpecError(f"Duplicate container name '{duplicate}' in {where}")


def combine_containers(parent: Manifest, child: Manifest) -> Manifest:
    """One container from a parent and a child definition with the same name."""
    out = copy.deepcopy(parent)
    for field in _CONTAINER_SCALARS:
        value = _pick(parent.get(field), child.get(field))
        if value is not None:
            out[field] = value
    resources: dict[str, Any] = copy.deepcopy(parent.get("resources") or {})
    for kind, values in (child.get("resources") or {}).items():
        if isinstance(values, dict) and isinstance(resources.get(kind), dict):
            resources[kind] = {**resources[kind], **copy.deepcopy(values)}
        else:
            resources[kind] = copy.deepcopy(values)
    if resources or "resources" in parent or "resources" in child:
        out["resources"] = resources
    env = _merge_by(parent.get("env") or [], child.get("env") or [], "name")
    if env:
        out["env"] = env
    env_from = [e for e in (parent.get("envFrom") or []) + (child.get("envFrom") or [])
                if (e.get("configMapRef") or e.get("secretRef") or {}).get("name")]
    if env_from:
        out["envFrom"] = copy.deepcopy(env_from)
    mounts = _merge_by(parent.get("volumeMounts") or [], child.get("volumeMounts") or [], "mountPath")
    if mounts:
        out["volumeMounts"] = mounts
    security = _combine_security(parent.get("securityContext"), child.get("securityContext"))
    if security is not None:
        out["securityContext"] = security
    for field, value in child.items():  # anything else the child says (probes, ports...) wins
        if field not in out or (field not in _HANDLED and not _empty(value)):
            out[field] = copy.deepcopy(value)
    return out


_HANDLED = set(_CONTAINER_SCALARS) | {"name", "resources", "env", "envFrom", "volumeMounts", "securityContext"}


def _combine_security(parent: Optional[dict], child: Optional[dict]) -> Optional[dict]:
    if parent is None and child is None:
        return None
    out = copy.deepcopy(parent or {})
    for field, value in (child or {}).items():
        if field == "capabilities":
            caps = copy.deepcopy(out.get("capabilities") or {})
            for part in ("add", "drop"):  # lists are the child's when present
                if (value or {}).get(part) is not None:
                    caps[part] = list(value[part])
            out["capabilities"] = caps
        elif value is not None:
            out[field] = copy.deepcopy(value)
    return out


def combine_pods(parent: Manifest, child: Manifest) -> Manifest:
    """The plugin's `combine(Pod parent, Pod child)`: the child's explicit values win."""
    p_meta, c_meta = parent.get("metadata") or {}, child.get("metadata") or {}
    p_spec, c_spec = parent.get("spec") or {}, child.get("spec") or {}
    metadata = copy.deepcopy(p_meta)
    for field in ("labels", "annotations"):
        merged = {**(p_meta.get(field) or {}), **(c_meta.get(field) or {})}
        if merged:
            metadata[field] = merged
    for field in ("name", "namespace"):
        value = _pick(p_meta.get(field), c_meta.get(field))
        if value:
            metadata[field] = value
    spec = copy.deepcopy(p_spec)
    for field in _SPEC_SCALARS:
        value = _pick(p_spec.get(field), c_spec.get(field))
        if value is not None:
            spec[field] = value
    node_selector = {**(p_spec.get("nodeSelector") or {}), **(c_spec.get("nodeSelector") or {})}
    if node_selector:
        spec["nodeSelector"] = node_selector
    pulls = []
    for secret in (p_spec.get("imagePullSecrets") or []) + (c_spec.get("imagePullSecrets") or []):
        if secret not in pulls:
            pulls.append(copy.deepcopy(secret))
    if pulls:
        spec["imagePullSecrets"] = pulls
    tolerations = copy.deepcopy((p_spec.get("tolerations") or []) + (c_spec.get("tolerations") or []))
    if tolerations:
        spec["tolerations"] = tolerations
    volumes = _merge_by(p_spec.get("volumes") or [], c_spec.get("volumes") or [], "name")
    if volumes:
        spec["volumes"] = volumes
    security = dict(p_spec.get("securityContext") or {})
    for field in ("runAsUser", "runAsGroup"):
        if (c_spec.get("securityContext") or {}).get(field) is not None:
            security[field] = c_spec["securityContext"][field]
    if security:
        spec["securityContext"] = copy.deepcopy(security)
    for field in ("containers", "initContainers"):
        _unique_names(p_spec.get(field), f"spec.{field}")
        _unique_names(c_spec.get(field), f"spec.{field}")
        merged = _merge_by(p_spec.get(field) or [], c_spec.get(field) or [], "name", combine_containers)
        if merged or field == "containers":
            spec[field] = merged
    out = copy.deepcopy({k: v for k, v in parent.items() if k not in ("metadata", "spec")})
    out.update({k: copy.deepcopy(v) for k, v in child.items() if k not in ("metadata", "spec")})
    out["metadata"] = metadata
    out["spec"] = spec
    return out
