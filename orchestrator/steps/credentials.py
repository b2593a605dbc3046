"""Credentials: `withCredentials([...])`, the binding helpers (string, usernamePassword, file,
sshUserPrivateKey, usernameColonPassword) and `credentials('id')` in `environment {}`.
Bound values are masked as `****` in the console for as long as they are bound."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Optional

from orchestrator.errors import StepFailed

from . import step


def _credential(ctx, cred_id, line):
    try:
        return ctx.build.credentials[str(cred_id)]
    except KeyError:
        raise StepFailed(f"Could not find credentials entry with ID '{cred_id}'", line) from None


def _secret_file(ctx, content: bytes, name: str) -> tuple[str, Callable[[], None]]:
    base = Path(str(ctx.workspace) + "@tmp") if ctx.workspace else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="secretFiles-", suffix="-" + (name or "secret"), dir=base)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.chmod(path, 0o400)

    def remove() -> None:
        try:
            os.unlink(path)
        except OSError:
            pass
    return path, remove


def credential_variables(ctx, name: str, cred_id, line: Optional[int]):
    """`NAME = credentials('id')`: NAME (and NAME_USR/NAME_PSW) by credential type (reference §4)."""
    cred = _credential(ctx, cred_id, line)
    if cred.kind == "string":
        return {name: cred.secret}, cred.secrets(), lambda: None
    if cred.kind == "usernamePassword":
        return ({name: f"{cred.username}:{cred.password}", f"{name}_USR": cred.username,
                 f"{name}_PSW": cred.password}, cred.secrets(), lambda: None)
    if cred.kind == "file":
        path, remove = _secret_file(ctx, cred.content, cred.file_name)
        return {name: path}, cred.secrets(), remove
    if cred.kind == "basicSSHUserPrivateKey":
        path, remove = _secret_file(ctx, cred.private_key.encode(), "key")
        values = {name: path, f"{name}_USR": cred.username}
        if cred.passphrase:
            values[f"{name}_PSW"] = cred.passphrase
        return values, cred.secrets(), remove
    java_type = {"certificate": "com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl"}.get(
        cred.kind, cred.kind)
    raise StepFailed(f"No suitable binding handler could be found for type {java_type}. Supported types are "
                     "StandardUsernamePasswordCredentials, FileCredentials, StringCredentials, "
                     f"SSHUserPrivateKey (credentials '{cred_id}')", line)


def _binding(kind: str, **fields):
    return {"$binding": kind, **fields}


@step("string", marker=False)
def string_binding(call, credentialsId=None, variable=None, name=None, value=None, **rest):
    if credentialsId is None:  # `string(name: 'X', value: 'v')`: a build parameter value
        return {"$class": "StringParameterValue", "name": name, "value": value}
    return _binding("string", credentialsId=credentialsId, variable=variable)


@step("usernamePassword", marker=False)
def username_password(call, credentialsId, usernameVariable, passwordVariable):
    return _binding("usernamePassword", credentialsId=credentialsId, usernameVariable=usernameVariable,
                    passwordVariable=passwordVariable)


@step("usernameColonPassword", marker=False)
def username_colon_password(call, credentialsId, variable):
    return _binding("usernameColonPassword", credentialsId=credentialsId, variable=variable)


@step("file", marker=False)
def file_binding(call, credentialsId=None, variable=None, name=None, **rest):
    return _binding("file", credentialsId=credentialsId, variable=variable)


@step("sshUserPrivateKey", marker=False)
def ssh_user_private_key(call, credentialsId, keyFileVariable, usernameVariable=None, passphraseVariable=None):
    return _binding("sshUserPrivateKey", credentialsId=credentialsId, keyFileVariable=keyFileVariable,
                    usernameVariable=usernameVariable, passphraseVariable=passphraseVariable)


@step("booleanParam", marker=False)
def boolean_param(call, name, value=False, **rest):
    return {"$class": "BooleanParameterValue", "name": name, "value": bool(value)}


def _bind(ctx, binding: dict, line) -> tuple[dict, list, Callable[[], None]]:
    if not isinstance(binding, dict) or "$binding" not in binding:
        raise StepFailed(f"withCredentials: not a credentials binding: {binding!r}", line)
    cred = _credential(ctx, binding["credentialsId"], line)
    kind = binding["$binding"]
    if kind == "string":
        return {binding["variable"]: cred.secret or cred.password}, cred.secrets(), lambda: None
    if kind == "usernamePassword":
        return ({binding["usernameVariable"]: cred.username, binding["passwordVariable"]: cred.password},
                cred.secrets(), lambda: None)
    if kind == "usernameColonPassword":
        return {binding["variable"]: f"{cred.username}:{cred.password}"}, cred.secrets(), lambda: None
    if kind == "file":
        path, remove = _secret_file(ctx, cred.content or cred.secret.encode(), cred.file_name)
        return {binding["variable"]: path}, cred.secrets(), remove
    if kind == "sshUserPrivateKey":
        path, remove = _secret_file(ctx, cred.private_key.encode(), "key")
        values = {binding["keyFileVariable"]: path}
        if binding.get("usernameVariable"):
            values[binding["usernameVariable"]] = cred.username
        if binding.get("passphraseVariable"):
            values[binding["passphraseVariable"]] = cred.passphrase
        return values, cred.secrets(), remove
    raise StepFailed(f"withCredentials: unsupported binding {kind}", line)


@step("withCredentials", block=True)
def with_credentials(call, bindings):
    values: dict = {}
    secrets: list = []
    undo: list = []
    try:
        for binding in bindings or []:
            bound, binding_secrets, remove = _bind(call.ctx, binding, call.line)
            values.update(bound)
            secrets.extend(binding_secrets)
            undo.append(remove)
        call.console.line("Masking supported pattern matches of " + ", ".join(f"${k}" for k in values))
        call.console.add_secrets(secrets)
        return call.block(call.ctx.with_env(values))
    finally:
        for remove in undo:
            remove()
