"""Credentials as JCasC declares them (`credentials: system: domainCredentials: ... credentials:`).

Only the credentials part of JCasC, enough for `orchestrator run --credentials FILE`; secrets are
kept out of `repr()` so they never reach a log or an error message.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from orchestrator.errors import OrchestratorError

KINDS = ("string", "usernamePassword", "file", "basicSSHUserPrivateKey", "certificate")


class CredentialsError(OrchestratorError):
    exit_code = 2
    status = 400


@dataclass(frozen=True)
class Credential:
    """A secret as the credentials store holds it; `kind` is the JCasC type name."""
    id: str
    kind: str
    secret: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    file_name: str = ""
    content: bytes = field(default=b"", repr=False)
    private_key: str = field(default="", repr=False)
    passphrase: str = field(default="", repr=False)
    description: str = ""
    username_secret: bool = False  # JCasC `usernameSecret: true` masks the username too

    def secrets(self) -> list[str]:
        values = [self.secret, self.password, self.private_key, self.passphrase]
        if self.kind == "usernamePassword" and self.password:
            values.append(f"{self.username}:{self.password}")
        if self.username_secret and self.username:
            values.append(self.username)
        if self.kind == "file" and self.content:
            try:
                values.append(self.content.decode().strip())
            except UnicodeDecodeError:
                pass
        return [v for v in values if v]


def _one(kind: str, spec: dict, where: str) -> Credential:
    if not isinstance(spec, dict) or not spec.get("id"):
        raise CredentialsError(f"{where}: a {kind} credential needs an id")
    cid = str(spec["id"])
    desc = str(spec.get("description") or "")
    if kind == "string":
        return Credential(cid, kind, secret=str(spec.get("secret", "")), description=desc)
    if kind == "usernamePassword":
        return Credential(cid, kind, username=str(spec.get("username", "")), password=str(spec.get("password", "")),
                          description=desc, username_secret=bool(spec.get("usernameSecret", False)))
    if kind == "file":
        if "secretBytes" in spec:
            content = base64.b64decode(str(spec["secretBytes"]))
        else:
            content = str(spec.get("secret", spec.get("content", ""))).encode()
        return Credential(cid, kind, file_name=str(spec.get("fileName", "secret")), content=content,
                          description=desc)
    if kind == "basicSSHUserPrivateKey":
        source = spec.get("privateKeySource") or {}
        key = ""
        if isinstance(source, dict):
            direct = source.get("directEntry") or {}
            key = str(direct.get("privateKey", "")) if isinstance(direct, dict) else ""
        return Credential(cid, kind, username=str(spec.get("username", "")), private_key=key,
                          passphrase=str(spec.get("passphrase", "")), description=desc)
    if kind == "certificate":
        return Credential(cid, kind, password=str(spec.get("password", "")), description=desc)
    raise CredentialsError(f"{where}: unsupported credential type {kind!r}; supported: {', '.join(KINDS)}")


def credentials_from_config(data: Any, where: str = "credentials") -> dict[str, Credential]:
    """The `credentials:` root of a JCasC document -> credentials by id."""
    out: dict[str, Credential] = {}
    system = (data or {}).get("system") if isinstance(data, dict) else None
    domains = (system or {}).get("domainCredentials") if isinstance(system, dict) else None
    if domains is None:
        raise CredentialsError(f"{where}: expected credentials: system: domainCredentials: [...]")
    for d, domain in enumerate(domains or []):
        for c, entry in enumerate((domain or {}).get("credentials") or []):
            if not isinstance(entry, dict) or len(entry) != 1:
                raise CredentialsError(f"{where}.system.domainCredentials[{d}].credentials[{c}]: expected one "
                                       f"credential type key, one of {', '.join(KINDS)}")
            kind, spec = next(iter(entry.items()))
            credential = _one(kind, spec, f"{where}.system.domainCredentials[{d}].credentials[{c}].{kind}")
            out[credential.id] = credential
    return out


def load_credentials_file(path: str) -> dict[str, Credential]:
    """A JCasC-style YAML file with a `credentials:` root (other roots are ignored)."""
    import yaml
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise CredentialsError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise CredentialsError(f"{path}{at}: invalid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(data, dict) or "credentials" not in data:
        raise CredentialsError(f"{path}: no `credentials:` root")
    return credentials_from_config(data["credentials"], f"{path}: credentials")
