"""Job definitions: Jenkins' `config.xml` in and out, plus what the Jenkinsfile itself declares.

Pure functions (text in, dicts out, `JobConfigError` on bad input). A job definition is the dict
`Store.upsert_job` takes: script, description, disabled, parameter definitions and the scheduler
properties (quiet period, disableConcurrentBuilds, buildDiscarder). JCasC jobs can produce the same
dict from their own source and call `Store.upsert_job(..., source="casc")`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Optional
from xml.sax.saxutils import escape

from orchestrator.errors import UsageError

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
CPS = "org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"
CPS_SCM = "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"
GIT_SCM = "hudson.plugins.git.GitSCM"
#: characters Jenkins refuses in item names (Jenkins.checkGoodName)
_UNSAFE = set("?*/\\%!@#$^&|<>[]:;")
MAX_NAME = 255


class JobConfigError(UsageError):
    """config.xml (or a job name) Jenkins would reject: answered 400 with X-Error."""


def check_name(name: str) -> str:
    """Jenkins' checkGoodName, plus what keeps names safe as folder names on disk."""
    if not name or not name.strip():
        raise JobConfigError("No name is specified")
    if name in (".", ".."):
        raise JobConfigError(f"“{name}” is not an allowed name")
    if len(name) > MAX_NAME:
        raise JobConfigError(f"Name is too long (at most {MAX_NAME} characters)")
    for ch in name:
        if ch in _UNSAFE or ord(ch) < 32 or ord(ch) == 127:
            shown = repr(ch)[1:-1] if ord(ch) < 32 or ord(ch) == 127 else ch
            raise JobConfigError(f"‘{shown}’ is an unsafe character")
    return name


def parse_config(xml_text: str | bytes) -> dict[str, Any]:
    """config.xml -> job definition dict (kind, script, description, disabled, params, props)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        raise JobConfigError(f"Malformed config.xml: {e}") from None
    if root.tag == FOLDER_CLASS:
        grants = matrix_grants(root)
        return {"kind": "folder", "script": "", "description": _text(root, "description"),
                "disabled": False, "params": [], "props": {"grants": grants} if grants else {}}
    if root.tag != "flow-definition":
        raise JobConfigError(f"Unsupported job type <{root.tag}>: only Pipeline jobs (<flow-definition>) "
                             "and folders are supported")
    definition = root.find("definition")
    cls = definition.get("class") if definition is not None else None
    if cls not in (CPS, CPS_SCM):
        raise JobConfigError(f"Unsupported pipeline definition {cls!r}: use {CPS} with an inline <script>, "
                             f"or {CPS_SCM} with a {GIT_SCM}")
    script = _text(definition, "script") if cls == CPS else ""
    params = [_param(p) for p in root.iterfind("properties/hudson.model.ParametersDefinitionProperty/"
                                                "parameterDefinitions/*")]
    props: dict[str, Any] = {}
    keep = root.find("properties/jenkins.model.BuildDiscarderProperty/strategy/numToKeep")
    if keep is not None and (keep.text or "").strip().lstrip("-").isdigit() and int(keep.text) > 0:
        props["num_to_keep"] = int(keep.text)
    if root.find("properties/org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty") \
            is not None:
        props["disable_concurrent"] = True
    if cls == CPS_SCM:
        props["scm"] = _git_scm(definition)
    quiet = _text(root, "quietPeriod")
    if quiet.strip().isdigit():
        props["quiet_period"] = int(quiet)
    triggers = _triggers(root)
    if triggers:
        props["triggers"] = triggers
    grants = matrix_grants(root)
    if grants:
        props["grants"] = grants
    token = _text(root, "authToken").strip()
    if token:   # "Trigger builds remotely": only its digest is compared (config_xml keeps it, as Jenkins does)
        from orchestrator.security.passwords import token_digest
        props["auth_token_sha256"] = token_digest(token)
    return {"kind": "job", "script": script, "description": _text(root, "description"),
            "disabled": _text(root, "disabled").strip() == "true", "params": params, "props": props}


_TRIGGERS = "properties/org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty/triggers/"


def _triggers(root: ET.Element) -> list[dict[str, Any]]:
    """PipelineTriggersJobProperty's TimerTrigger, SCMTrigger and ReverseBuildTrigger; a spec Jenkins
    would refuse is refused with Jenkins' message."""
    from orchestrator.grammar.cron import check
    out: list[dict[str, Any]] = []
    for node in root.iterfind(_TRIGGERS + "*"):
        kind = {"hudson.triggers.TimerTrigger": "cron", "hudson.triggers.SCMTrigger": "pollSCM",
                "jenkins.triggers.ReverseBuildTrigger": "upstream"}.get(node.tag)
        if kind == "upstream":
            projects = [p.strip() for p in _text(node, "upstreamProjects").split(",") if p.strip()]
            out.append({"kind": kind, "projects": projects,
                        "threshold": _text(node, "threshold/name").strip() or "SUCCESS"})
        elif kind is not None:
            spec = _text(node, "spec")
            problem = check(spec)
            if problem:
                raise JobConfigError(f"<{node.tag}>: {problem}")
            out.append({"kind": kind, "spec": spec})
    return out


def _git_scm(definition: ET.Element) -> dict[str, Any]:
    """`<definition class="...CpsScmFlowDefinition"><scm class="hudson.plugins.git.GitSCM">`: the same
    `scm` property a JCasC `cpsScm` job has (first remote, first branch spec, scriptPath)."""
    scm = definition.find("scm")
    if scm is None or scm.get("class") != GIT_SCM:
        raise JobConfigError(f"Unsupported SCM {scm.get('class') if scm is not None else None!r} in {CPS_SCM}: "
                             f"only {GIT_SCM} is supported")
    remote = scm.find("userRemoteConfigs/hudson.plugins.git.UserRemoteConfig")
    url = _text(remote, "url").strip() if remote is not None else ""
    if not url:
        raise JobConfigError(f"{GIT_SCM} has no <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>")
    return {"url": url, "branch": _text(scm, "branches/hudson.plugins.git.BranchSpec/name").strip(),
            "script_path": _text(definition, "scriptPath").strip() or "Jenkinsfile",
            "credentials_id": _text(remote, "credentialsId").strip()}


#: Java permission groups -> the names JCasC and the UI use
_PERMISSION_GROUPS = {"hudson.model.Item": "Job", "hudson.model.Run": "Run", "hudson.model.Hudson": "Overall",
                      "jenkins.model.Jenkins": "Overall", "hudson.model.View": "View", "hudson.scm.SCM": "SCM",
                      "com.cloudbees.plugins.credentials.CredentialsProvider": "Credentials",
                      "hudson.model.Computer": "Agent"}


def password_names(job: Optional[dict]) -> frozenset[str]:
    """The job's password parameters: their values never leave the server (Jenkins keeps them as Secret)."""
    return frozenset(p["name"] for p in (job or {}).get("params") or () if p["type"] == "PasswordParameterDefinition")


def matrix_grants(root: ET.Element) -> list[dict]:
    """A job's or folder's own matrix grants (projectMatrix), from `AuthorizationMatrixProperty`:
    `<permission>USER:hudson.model.Item.Build:bob</permission>` (or without the USER:/GROUP: prefix)."""
    grants = []
    for prop in root.iter():
        if not prop.tag.endswith("AuthorizationMatrixProperty"):
            continue
        for entry in prop.iterfind("permission"):
            parts = (entry.text or "").strip().split(":")
            sid_type = parts.pop(0) if len(parts) == 3 and parts[0] in ("USER", "GROUP") else "EITHER"
            if len(parts) != 2:
                raise JobConfigError(f"Invalid matrix permission entry {entry.text!r}: expected "
                                     "[USER:|GROUP:]hudson.model.Item.Build:sid")
            java, sid = parts
            group, _, name = java.rpartition(".")
            if group not in _PERMISSION_GROUPS or _PERMISSION_GROUPS[group] == "Overall":
                continue   # a plugin's permission, or an Overall one (only the global matrix grants those)
            grants.append({"permission": f"{_PERMISSION_GROUPS[group]}/{name}", "sid": sid, "type": sid_type})
    return grants


def _text(node: ET.Element, path: str) -> str:
    child = node.find(path)
    return (child.text or "") if child is not None else ""


_PARAM_TYPES = {
    "hudson.model.StringParameterDefinition": "StringParameterDefinition",
    "hudson.model.TextParameterDefinition": "TextParameterDefinition",
    "hudson.model.BooleanParameterDefinition": "BooleanParameterDefinition",
    "hudson.model.ChoiceParameterDefinition": "ChoiceParameterDefinition",
    "hudson.model.PasswordParameterDefinition": "PasswordParameterDefinition",
}


def _param(node: ET.Element) -> dict[str, Any]:
    kind = _PARAM_TYPES.get(node.tag)
    if kind is None:
        raise JobConfigError(f"Unsupported parameter type <{node.tag}>")
    name = _text(node, "name").strip()
    if not name:
        raise JobConfigError(f"<{node.tag}> has no <name>")
    param = {"type": kind, "name": name, "description": _text(node, "description")}
    if kind == "ChoiceParameterDefinition":
        param["choices"] = [s.text or "" for s in node.iter("string")]
        param["default"] = param["choices"][0] if param["choices"] else ""
    elif kind == "BooleanParameterDefinition":
        param["default"] = _text(node, "defaultValue").strip() == "true"
    else:
        param["default"] = _text(node, "defaultValue")
    return param


def render_config(job: dict) -> str:
    """The config.xml of a job that has none stored (e.g. from JCasC)."""
    if job["kind"] == "folder":
        return (f"<?xml version='1.1' encoding='UTF-8'?>\n<{FOLDER_CLASS} plugin=\"cloudbees-folder\">\n"
                f"  <description>{escape(job.get('description') or '')}</description>\n</{FOLDER_CLASS}>\n")
    params = "".join(_render_param(p) for p in job.get("params") or ())
    properties = (f"<hudson.model.ParametersDefinitionProperty><parameterDefinitions>{params}"
                  f"</parameterDefinitions></hudson.model.ParametersDefinitionProperty>") if params else ""
    return ("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin=\"workflow-job\">\n"
            f"  <description>{escape(job.get('description') or '')}</description>\n"
            f"  <properties>{properties}</properties>\n"
            f"  {_render_definition(job)}\n"
            f"  <disabled>{'true' if job.get('disabled') else 'false'}</disabled>\n</flow-definition>\n")


def _render_definition(job: dict) -> str:
    scm = (job.get("props") or {}).get("scm")
    if not scm:
        return (f"<definition class=\"{CPS}\" plugin=\"workflow-cps\"><script>{escape(job.get('script') or '')}"
                "</script><sandbox>true</sandbox></definition>")
    credentials = f"<credentialsId>{escape(scm['credentials_id'])}</credentialsId>" if scm.get("credentials_id") else ""
    return (f"<definition class=\"{CPS_SCM}\" plugin=\"workflow-cps\"><scm class=\"{GIT_SCM}\" plugin=\"git\">"
            "<configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>"
            f"<url>{escape(scm['url'])}</url>{credentials}</hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>"
            f"<branches><hudson.plugins.git.BranchSpec><name>{escape(scm.get('branch') or '**')}</name>"
            "</hudson.plugins.git.BranchSpec></branches></scm>"
            f"<scriptPath>{escape(scm.get('script_path') or 'Jenkinsfile')}</scriptPath>"
            "<lightweight>true</lightweight></definition>")


def _render_param(p: dict) -> str:
    tag = "hudson.model." + p["type"]
    if p["type"] == "ChoiceParameterDefinition":
        values = "".join(f"<string>{escape(c)}</string>" for c in p.get("choices") or ())
        body = f"<choices class=\"java.util.Arrays$ArrayList\"><a class=\"string-array\">{values}</a></choices>"
    else:
        default = p.get("default")
        body = f"<defaultValue>{escape(str(default).lower() if isinstance(default, bool) else str(default))}" \
               "</defaultValue>"
    return f"<{tag}><name>{escape(p['name'])}</name><description>{escape(p.get('description') or '')}" \
           f"</description>{body}</{tag}>"


# ---------------------------------------------------------------- what the Jenkinsfile declares
def from_jenkinsfile(script: str) -> dict[str, Any]:
    """Parameters and scheduler options declared in the Jenkinsfile (literal arguments only).

    Jenkins records these on the job when a build runs; reading them up front means the first
    trigger already knows the parameters. Errors are the engine's business: a script that does not
    parse gives an empty dict here and fails its build with the full report.
    """
    from orchestrator.grammar.cache import cached_check
    result = cached_check(script)
    if not result.valid or result.pipeline is None:
        return {"params": [], "props": {}}
    pipeline = result.pipeline
    params = [p for p in (_jf_param(d) for d in (pipeline.parameters.parameters if pipeline.parameters else ()))
              if p is not None]
    props: dict[str, Any] = {}
    for option in (pipeline.options.options if pipeline.options else ()):
        if option.name == "disableConcurrentBuilds":
            props["disable_concurrent"] = True
        elif option.name == "quietPeriod":
            value = _literal(option.args[0].value if option.args and hasattr(option.args[0], "value") else None)
            if isinstance(value, int):
                props["quiet_period"] = value
        elif option.name == "buildDiscarder":
            keep = _find_named(option.args, "numToKeepStr") or _find_named(option.args, "numToKeep")
            if keep is not None and str(keep).strip().isdigit() and int(keep) > 0:
                props["num_to_keep"] = int(keep)
    return {"params": params, "props": props}


_JF_TYPES = {"string": "StringParameterDefinition", "text": "TextParameterDefinition",
             "booleanParam": "BooleanParameterDefinition", "choice": "ChoiceParameterDefinition",
             "password": "PasswordParameterDefinition"}


def _jf_param(d) -> Optional[dict]:
    kind = _JF_TYPES.get(d.name)
    named = {k: _literal(v) for k, v in d.named_args.items()}
    if kind is None or not isinstance(named.get("name"), str):
        return None
    param = {"type": kind, "name": named["name"], "description": str(named.get("description") or "")}
    if kind == "ChoiceParameterDefinition":
        choices = named.get("choices") or []
        choices = choices.split("\n") if isinstance(choices, str) else \
            [str(c) for c in choices] if isinstance(choices, list) else []   # computed choices: none known
        param["choices"] = choices
        param["default"] = choices[0] if choices else ""
    elif kind == "BooleanParameterDefinition":
        param["default"] = bool(named.get("defaultValue", False))
    else:
        default = named.get("defaultValue")
        param["default"] = "" if default is None or isinstance(default, _Unknown) else str(default)
    return param


class _Unknown:
    pass


def _literal(expr) -> Any:
    """The value of a literal expression (strings, numbers, lists of literals); _Unknown otherwise."""
    if expr is None:
        return None
    name = type(expr).__name__
    if name == "Literal":
        return expr.value
    if name in ("ListLit", "ListExpr", "ListLiteral", "List"):
        items = getattr(expr, "items", None) or getattr(expr, "elements", None) or ()
        return [_literal(i) for i in items]
    return _Unknown()


def _find_named(node: Any, key: str) -> Any:
    """A literal named argument anywhere inside an option call
    (`buildDiscarder(logRotator(numToKeepStr: '5'))`)."""
    import dataclasses
    if type(node).__name__ == "NamedArg" and _literal(node.key) == key:
        return _literal(node.value)
    children: list = []
    if dataclasses.is_dataclass(node):
        children = [getattr(node, f.name) for f in dataclasses.fields(node) if f.name not in ("call",)]
    elif isinstance(node, (list, tuple)):
        children = list(node)
    for child in children:
        if dataclasses.is_dataclass(child) or isinstance(child, (list, tuple)):
            found = _find_named(child, key)
            if found is not None and not isinstance(found, _Unknown):
                return found
    return None


def definition(xml_text: str | bytes) -> dict[str, Any]:
    """config.xml -> everything `Store.upsert_job` takes, Jenkinsfile declarations merged in."""
    job = parse_config(xml_text)
    if job["kind"] == "job" and job["script"]:
        declared = from_jenkinsfile(job["script"])
        known = {p["name"] for p in job["params"]}
        job["params"] += [p for p in declared["params"] if p["name"] not in known]
        job["props"] = {**declared["props"], **job["props"]}
    job["config_xml"] = xml_text.decode("utf-8", "replace") if isinstance(xml_text, bytes) else xml_text
    return job


def parameter_values(params: list[dict], given: dict[str, str]) -> dict[str, Any]:
    """Values for a build: defined parameters only (undefined ones are ignored, SECURITY-170),
    defaults for missing ones, booleans typed, choices checked."""
    values: dict[str, Any] = {}
    for p in params:
        name = p["name"]
        if name not in given:
            values[name] = p.get("default", "")
            continue
        raw = given[name]
        if p["type"] == "BooleanParameterDefinition":
            values[name] = str(raw).strip().lower() in ("true", "on", "1", "yes")
        elif p["type"] == "ChoiceParameterDefinition" and p.get("choices") and raw not in p["choices"]:
            raise JobConfigError(f"Illegal choice for parameter {name}: {raw}")
        else:
            values[name] = raw
    return values


_DELAY = re.compile(r"^\s*(\d+)\s*(ms|millis|milliseconds|s|sec|secs|second|seconds|m|min|mins|minute|minutes|"
                    r"h|hr|hrs|hour|hours|d|day|days)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 1, "millis": 1, "milliseconds": 1, "s": 1000, "sec": 1000, "secs": 1000, "second": 1000,
          "seconds": 1000, "m": 60000, "min": 60000, "mins": 60000, "minute": 60000, "minutes": 60000,
          "h": 3600000, "hr": 3600000, "hrs": 3600000, "hour": 3600000, "hours": 3600000,
          "d": 86400000, "day": 86400000, "days": 86400000}


def parse_delay(text: str) -> int:
    """Jenkins' TimeDuration.fromString: `5sec` is seconds, a bare number is milliseconds."""
    match = _DELAY.match(text or "")
    if not match:
        raise JobConfigError(f"Invalid delay: {text!r} (use e.g. 5sec or a number of milliseconds)")
    return int(match.group(1)) * _UNITS[(match.group(2) or "ms").lower()]
