"""The running configuration as JCasC YAML that loads back into the same Config.

Only values that differ from the defaults are written. Secrets are never written: each becomes
a `${VARIABLE}` named after where it sits (e.g. `${CREDENTIALS_GITHUB_TOKEN_SECRET}`), so the
export can be committed, and re-imported by providing those variables (strict secret resolution
makes a missing one an error). Other text has `${` escaped as `^${`, as JCasC's export does.
Unlike JCasC, jobs are exported too, as the Job DSL subset the loader reads; freestyle items are
written as the pipelineJob they were turned into.
"""
from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import yaml

from .interpolation import encode
from .items import groovy_string
from .model import (Config, ContainerTemplate, EnvVar, Job, KubernetesCloud, LocalSecurityRealm,
                    LoggedInUsersCanDoAnything, MatrixAuthorization, PodTemplate, ScmScript, Unsecured, Volume,
                    WorkspaceVolume)


class _Dumper(yaml.SafeDumper):
    """Multi-line text (scripts, messages) as `|` blocks, the way people write JCasC by hand."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def export_yaml(config: Config, include_jobs: bool = True) -> str:
    """`include_jobs=False` leaves the job definitions (their pipeline scripts) out: for readers who may
    see the system configuration (Overall/SystemRead) but not every job."""
    header = ("# Exported by orchestrator casc export. Secrets are not included: set the ${VARIABLES}\n"
              "# below in the environment (or $SECRETS) to load this file back.\n")
    data = export(config)
    if not include_jobs and data.pop("jobs", None) is not None:
        header += "# Job definitions are left out: exporting them needs Overall/Administer.\n"
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                              allow_unicode=True, width=120)


def export(config: Config) -> dict:
    """The configuration as plain JCasC data (dicts, lists, strings, numbers, booleans)."""
    out: dict[str, Any] = {}
    options = _changed(config.options, {"version": "version", "unknown": "unknown", "restricted": "restricted",
                                        "deprecated": "deprecated"})
    if options:
        out["configuration-as-code"] = options
    jenkins = _jenkins(config)
    if jenkins:
        out["jenkins"] = jenkins
    location = _changed(config.location, {"url": "url", "adminAddress": "admin_address"})
    if location:
        out["unclassified"] = {"location": location}
    if config.github.hook_secret_ids or config.github.hook_url:
        github: dict[str, Any] = {"hookSecretConfigs": [{"credentialsId": i} for i in config.github.hook_secret_ids]}
        if config.github.hook_url:
            github["hookUrl"] = config.github.hook_url
        out.setdefault("unclassified", {})["gitHubPluginConfig"] = github
    api = _changed(config.api_token, {"creationOfLegacyTokenEnabled": "creation_of_legacy_token_enabled",
                                      "tokenGenerationOnCreationEnabled": "token_generation_on_creation_enabled",
                                      "usageStatisticsEnabled": "usage_statistics_enabled"})
    if api:
        out["security"] = {"apiToken": api}
    if config.credentials:
        out["credentials"] = _credentials(config)
    if config.undeclared_jobs != "keep":
        out["items"] = {"actionOnUndeclaredItems": config.undeclared_jobs}
    if config.jobs:
        out["jobs"] = [{"script": encode(job_dsl(config.jobs))}]
    return out


# ---------------------------------------------------------------- helpers
def _text(value: Any) -> Any:
    return encode(value) if isinstance(value, str) else value


def _changed(obj: Any, names: dict[str, str]) -> dict:
    """{jcasc_name: value} for the fields that differ from the dataclass defaults."""
    defaults = {f.name: f.default for f in fields(obj)}
    out = {}
    for jcasc, field in names.items():
        value = getattr(obj, field)
        if value != defaults.get(field) and value not in (None, ()):
            out[jcasc] = _text(value)
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _auto(obj: Any, skip: tuple[str, ...] = ()) -> dict:
    """Every changed scalar field under its JCasC (camelCase) name."""
    return _changed(obj, {_camel(f.name): f.name for f in fields(obj)
                          if f.name not in skip and not isinstance(getattr(obj, f.name), tuple)})


def secret_variable(*parts: str) -> str:
    """`${CREDENTIALS_GITHUB_TOKEN_SECRET}` for a secret at credentials/github-token/secret."""
    name = "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").upper() for p in parts if p)
    return "${" + name + "}"


# ---------------------------------------------------------------- jenkins
def _jenkins(config: Config) -> dict:
    j = config.jenkins
    out = _changed(j, {"systemMessage": "system_message", "numExecutors": "num_executors",
                       "labelString": "label_string", "mode": "mode", "quietPeriod": "quiet_period",
                       "scmCheckoutRetryCount": "scm_checkout_retry_count", "markupFormatter": "markup_formatter"})
    if j.security_realm is not None:
        out["securityRealm"] = _realm(j.security_realm)
    if j.authorization_strategy is not None:
        out["authorizationStrategy"] = _authorization(j.authorization_strategy)
    if j.crumb_issuer is None or j.crumb_issuer.exclude_client_ip_from_crumb:
        out["crumbIssuer"] = {"standard": {"excludeClientIPFromCrumb": True}}
    naming = j.project_naming_strategy
    if naming.pattern:
        out["projectNamingStrategy"] = {"pattern": {"namePattern": naming.pattern, **_changed(
            naming, {"description": "description", "forceExistingJobs": "force_existing_jobs"})}}
    if j.global_env:
        out["globalNodeProperties"] = [{"envVars": {"env": [{"key": k, "value": _text(v)} for k, v in j.global_env]}}]
    if j.clouds:
        out["clouds"] = [{"kubernetes": _cloud(c)} for c in j.clouds]
    if j.proxy is not None:
        proxy = _auto(j.proxy, skip=("secret_password",))
        proxy["name"] = j.proxy.name
        if j.proxy.secret_password:
            proxy["secretPassword"] = secret_variable("PROXY", "PASSWORD")
        out["proxy"] = proxy
    return out


def _realm(realm: LocalSecurityRealm) -> dict:
    users = []
    for user in realm.users:
        entry: dict[str, Any] = {"id": user.id}
        if user.password:
            entry["password"] = secret_variable("USER", user.id, "PASSWORD")
        entry.update(_changed(user, {"name": "name", "description": "description"}))
        properties = [{symbol: {attr: _text(getattr(user, field))}} for symbol, attr, field in (
            ("mailer", "emailAddress", "email"), ("timezone", "timeZoneName", "time_zone"),
            ("sshPublicKey", "authorizedKeys", "ssh_public_keys")) if getattr(user, field)]
        if properties:
            entry["properties"] = properties
        users.append(entry)
    local: dict[str, Any] = {"allowsSignup": realm.allows_signup}
    if users:
        local["users"] = users
    return {"local": local}


def _authorization(strategy: Any) -> Any:
    if isinstance(strategy, Unsecured):
        return "unsecured"
    if isinstance(strategy, LoggedInUsersCanDoAnything):
        return {"loggedInUsersCanDoAnything": {"allowAnonymousRead": strategy.allow_anonymous_read}}
    assert isinstance(strategy, MatrixAuthorization)
    entries: dict[tuple[str, str], list[str]] = {}
    for grant in strategy.grants:
        entries.setdefault((grant.sid_type, grant.sid), []).append(grant.permission)
    symbol = {"USER": "user", "GROUP": "group", "EITHER": "userOrGroup"}
    return {"projectMatrix" if strategy.project_based else "globalMatrix": {"entries": [
        {symbol[kind]: {"name": sid, "permissions": permissions}} for (kind, sid), permissions in entries.items()]}}


# ---------------------------------------------------------------- kubernetes
def _cloud(cloud: KubernetesCloud) -> dict:
    out = {"name": cloud.name}
    out.update(_auto(cloud, skip=("name", "container_cap", "pod_retention", "runtime")))
    if cloud.container_cap is not None:
        out["containerCap"] = cloud.container_cap
    if cloud.pod_retention != "never":
        out["podRetention"] = cloud.pod_retention
    if cloud.pod_labels:
        out["podLabels"] = [{"key": k, "value": _text(v)} for k, v in cloud.pod_labels]
    if cloud.templates:
        out["templates"] = [_template(t) for t in cloud.templates]
    return out


def _template(t: PodTemplate) -> dict:
    out = _auto(t, skip=("instance_cap", "pod_retention", "yaml_merge_strategy", "workspace_volume",
                         "termination_grace_period_seconds"))
    if t.instance_cap is not None:
        out["instanceCap"] = t.instance_cap
    if t.termination_grace_period_seconds is not None:
        out["terminationGracePeriodSeconds"] = t.termination_grace_period_seconds
    if t.pod_retention != "default":
        out["podRetention"] = t.pod_retention
    if t.yaml_merge_strategy != "override":
        out["yamlMergeStrategy"] = t.yaml_merge_strategy
    if t.node_selector:
        out["nodeSelector"] = ",".join(f"{k}={v}" for k, v in t.node_selector)
    if t.image_pull_secrets:
        out["imagePullSecrets"] = [{"name": n} for n in t.image_pull_secrets]
    if t.annotations:
        out["annotations"] = [{"key": k, "value": _text(v)} for k, v in t.annotations]
    if t.volumes:
        out["volumes"] = [_volume(v) for v in t.volumes]
    if t.workspace_volume != WorkspaceVolume():
        out["workspaceVolume"] = _workspace(t.workspace_volume)
    if t.env_vars:
        out["envVars"] = [_env(e) for e in t.env_vars]
    if t.containers:
        out["containers"] = [_container(c) for c in t.containers]
    return out


def _container(c: ContainerTemplate) -> dict:
    out = {"name": c.name}
    out.update(_auto(c, skip=("name", "liveness_probe")))
    if c.env_vars:
        out["envVars"] = [_env(e) for e in c.env_vars]
    if c.ports:
        out["ports"] = [_auto(p) for p in c.ports]
    if c.liveness_probe is not None:
        out["livenessProbe"] = _auto(c.liveness_probe)
    return out


def _env(e: EnvVar) -> dict:
    if e.from_secret:
        return {"secretEnvVar": {"key": e.key, "secretName": e.secret_name, "secretKey": e.secret_key,
                                 **({"optional": True} if e.optional else {})}}
    return {"envVar": {"key": e.key, "value": _text(e.value)}}


def _volume(v: Volume) -> dict:
    return {v.kind: _auto(v, skip=("kind",))}


WORKSPACE_SYMBOLS = {"emptyDir": "emptyDirWorkspaceVolume", "hostPath": "hostPathWorkspaceVolume",
                     "nfs": "nfsWorkspaceVolume", "persistentVolumeClaim": "persistentVolumeClaimWorkspaceVolume",
                     "dynamicPVC": "dynamicPVC", "genericEphemeral": "genericEphemeralVolume"}


def _workspace(w: WorkspaceVolume) -> dict:
    return {WORKSPACE_SYMBOLS[w.kind]: _auto(w, skip=("kind",))}


# ---------------------------------------------------------------- credentials
def _credentials(config: Config) -> dict:
    by_domain: dict[str, list[dict]] = {}
    for c in config.credentials:
        by_domain.setdefault(c.domain, []).append(_credential(c))
    domains = {d.name: d for d in config.credential_domains}
    out = []
    for name, creds in by_domain.items():
        entry: dict[str, Any] = {}
        domain = domains.get(name)
        if name and domain is not None:
            spec: dict[str, Any] = {"name": name}
            if domain.description:
                spec["description"] = _text(domain.description)
            if domain.specifications:
                spec["specifications"] = [{kind: {k: _text(v) for k, v in pairs}}
                                          for kind, pairs in domain.specifications]
            entry["domain"] = spec
        entry["credentials"] = creds
        out.append(entry)
    return {"system": {"domainCredentials": out}}


def _credential(c: Any) -> dict:
    def secret(field: str) -> str:
        return secret_variable("CREDENTIALS", c.id, field)
    out: dict[str, Any] = {"scope": c.scope, "id": c.id}
    if c.description:
        out["description"] = _text(c.description)
    if c.kind == "string":
        out["secret"] = secret("SECRET")
    elif c.kind == "usernamePassword":
        out.update({"username": _text(c.username), "password": secret("PASSWORD")})
        if c.username_secret:
            out["usernameSecret"] = True
    elif c.kind == "file":
        out.update({"fileName": _text(c.file_name), "secretBytes": secret("BASE64")})
    elif c.kind == "basicSSHUserPrivateKey":
        out["username"] = _text(c.username)
        if c.username_secret:
            out["usernameSecret"] = True
        if c.passphrase:
            out["passphrase"] = secret("PASSPHRASE")
        out["privateKeySource"] = {"directEntry": {"privateKey": secret("PRIVATE_KEY")}}
    elif c.kind == "certificate":
        if c.password:
            out["password"] = secret("PASSWORD")
        out["keyStoreSource"] = {"uploaded": {"uploadedKeystore": secret("KEYSTORE_BASE64")}}
    return {c.kind: out}


def secret_values(config: Config) -> dict[str, str]:
    """The environment that makes `export(config)` load back into `config` (for tests and migrations)."""
    import base64
    env: dict[str, str] = {}

    def put(reference: str, value: str) -> None:
        env[reference[2:-1]] = value
    for c in config.credentials:
        for field, value in (("SECRET", c.secret), ("PASSWORD", c.password), ("PASSPHRASE", c.passphrase),
                             ("PRIVATE_KEY", c.private_key)):
            if value:
                put(secret_variable("CREDENTIALS", c.id, field), value)
        if c.kind == "file":
            put(secret_variable("CREDENTIALS", c.id, "BASE64"), base64.b64encode(c.content).decode())
        if c.kind == "certificate":
            put(secret_variable("CREDENTIALS", c.id, "KEYSTORE_BASE64"), base64.b64encode(c.keystore).decode())
    realm = config.jenkins.security_realm
    for user in realm.users if realm else ():
        if user.password:
            put(secret_variable("USER", user.id, "PASSWORD"), user.password)
    if config.jenkins.proxy and config.jenkins.proxy.secret_password:
        put(secret_variable("PROXY", "PASSWORD"), config.jenkins.proxy.secret_password)
    return env


# ---------------------------------------------------------------- jobs
def job_dsl(jobs: tuple[Job, ...]) -> str:
    """The Job DSL (subset) that declares these jobs."""
    return "\n".join(_job(job) for job in jobs)


def _job(job: Job) -> str:
    lines: list[str] = []

    def add(text: str, depth: int = 1) -> None:
        lines.append("    " * depth + text)
    if job.description:
        add(f"description({groovy_string(job.description)})")
    if job.display_name:
        add(f"displayName({groovy_string(job.display_name)})")
    if job.disabled:
        add("disabled()")
    if job.quiet_period is not None:
        add(f"quietPeriod({job.quiet_period})")
    if job.parameters:
        add("parameters {")
        for p in job.parameters:
            add(_parameter(p), 2)
        add("}")
    if job.log_rotator is not None:
        r = job.log_rotator
        add(f"logRotator({r.days_to_keep}, {r.num_to_keep}, {r.artifact_days_to_keep}, {r.artifact_num_to_keep})")
    if job.triggers:
        add("triggers {")
        for t in job.triggers:
            if t.kind == "upstream":
                add(f"upstream({groovy_string(t.spec)}, {groovy_string(t.threshold)})", 2)
            else:
                add(f"{'cron' if t.kind == 'cron' else 'scm'}({groovy_string(t.spec)})", 2)
        add("}")
    if not job.concurrent_builds and job.kind != "folder":
        add("properties {")
        add("disableConcurrentBuilds()", 2)
        add("}")
    if job.definition is not None:
        _definition(job.definition, add)
    kind = "folder" if job.kind == "folder" else "pipelineJob"
    block = " {\n" + "\n".join(lines) + "\n}" if lines else ""
    return f"{kind}({groovy_string(job.name)}){block}\n"


def _parameter(p: Any) -> str:
    name, desc = groovy_string(p.name), groovy_string(p.description)
    if p.kind == "boolean":
        return f"booleanParam({name}, {'true' if p.default else 'false'}, {desc})"
    if p.kind == "choice":
        return f"choiceParam({name}, [{', '.join(groovy_string(c) for c in p.choices)}], {desc})"
    if p.kind == "password":
        return f"nonStoredPasswordParam({name}, {desc})"
    maker = "textParam" if p.kind == "text" else "stringParam"
    return f"{maker}({name}, {groovy_string(str(p.default))}, {desc})"


def _definition(definition: Any, add: Any) -> None:
    add("definition {")
    if isinstance(definition, ScmScript):
        add("cpsScm {", 2)
        add("scm {", 3)
        add("git {", 4)
        add("remote {", 5)
        add(f"url({groovy_string(definition.url)})", 6)
        if definition.credentials_id:
            add(f"credentials({groovy_string(definition.credentials_id)})", 6)
        add("}", 5)
        if definition.branch:
            add(f"branch({groovy_string(definition.branch)})", 5)
        add("}", 4)
        add("}", 3)
        add(f"scriptPath({groovy_string(definition.script_path)})", 3)
        if definition.lightweight:
            add("lightweight()", 3)
    else:
        add("cps {", 2)
        add(f"script({_triple_quoted(definition.script)})", 3)  # its own lines stay as they are
        if definition.sandbox:
            add("sandbox()", 3)
    add("}", 2)
    add("}")


def _triple_quoted(text: str) -> str:
    """A '''...''' Groovy literal holding exactly `text`; keeps a pipeline's lines readable."""
    body = text.replace("\\", "\\\\").replace("'''", "\\'\\'\\'")
    if body.endswith("'"):
        body = body[:-1] + "\\'"
    return "'''" + body + "'''"
