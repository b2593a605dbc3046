"""Credentials as JCasC declares them (`credentials: system: domainCredentials: ... credentials:`).

The `credentials:` root of a full load, and `orchestrator run --credentials FILE` (a YAML file of
which only that root is read), go through the same declaration below, so both interpolate
`${...}`, report file:line and refuse unknown keys alike. Secrets are kept out of `repr()` so they
never reach a log or an error message.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from .errors import CascError, CascLoadError
from .spec import INVALID, ROOT_ATTR, Attr, Bool, Built, Context, Enum, ListOf, Obj, OneOf
from .yaml_lines import AnyNode, Mapping, Scalar, Sequence

KINDS = ("string", "usernamePassword", "file", "basicSSHUserPrivateKey", "certificate")


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
    scope: str = "GLOBAL"          # GLOBAL (builds may use it) or SYSTEM (the controller only)
    domain: str = ""               # "" is the global domain
    keystore: bytes = field(default=b"", repr=False)  # certificate: the uploaded PKCS#12 keystore

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


@dataclass(frozen=True)
class CredentialDomain:
    name: str = ""  # "" is the global domain
    description: str = ""
    # (kind, ((attribute, value), ...)) as declared, e.g. ("hostnameSpecification", (("includes", "*.a.com"),))
    specifications: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


class CredentialsError(CascLoadError):
    """`run --credentials FILE` could not read its credentials (a usage error for the CLI)."""

    exit_code = 2


# ---------------------------------------------------------------- declaration
SCOPE = Attr("scope", Enum("com.cloudbees.plugins.credentials.CredentialsScope", "GLOBAL", "SYSTEM"))
ID = Attr("id", required=True, help="what pipelines name: credentials('id'), withCredentials(...)")
DESCRIPTION = Attr("description")


def _base64(b: Built, attr: str, keyword: str) -> Any:
    text = b.values.pop(keyword, "")
    try:
        return base64.b64decode(text.encode(), validate=True)
    except (binascii.Error, ValueError):
        return b.error(f"Failed to configure '{attr}': the value is not base64 (use ${{readFileBase64:path}} "
                       f"or ${{base64:text}})", attr)


def _file(b: Built) -> Any:
    content = _base64(b, "secretBytes", "secret_bytes")
    if content is INVALID:
        return INVALID
    return Credential(kind="file", content=content, **b.values)


def _ssh(b: Built) -> Any:
    key = b.values.pop("private_key_source", "")
    if key and "-----BEGIN" not in key:
        b.warn("privateKey does not look like a PEM private key (-----BEGIN ...): use ${readFile:path}, "
               "not ${readFileBase64:path}", "privateKeySource")
    return Credential(kind="basicSSHUserPrivateKey", private_key=key, **b.values)


def _certificate(b: Built) -> Any:
    keystore = b.values.pop("key_store_source", b"")
    return Credential(kind="certificate", keystore=keystore, **b.values)


def _uploaded(b: Built) -> Any:
    return _base64(b, "uploadedKeystore", "uploaded_keystore")


COMMON = [SCOPE, ID, DESCRIPTION]
SSH = "com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey"
PRIVATE_KEY_SOURCE = OneOf(f"{SSH}$PrivateKeySource", {
    "directEntry": Obj(f"{SSH}$DirectEntryPrivateKeySource",
                       [Attr("privateKey", secret=True, help="the PEM text (${readFile:path})")],
                       build=lambda b: b.values.get("private_key", "")),
})
KEY_STORE_SOURCE = OneOf("com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl$KeyStoreSource", {
    "uploaded": Obj("com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl$UploadedKeyStoreSource",
                    [Attr("uploadedKeystore", secret=True, help="base64 PKCS#12 (${readFileBase64:path})")],
                    build=_uploaded),
})
CREDENTIAL = OneOf("com.cloudbees.plugins.credentials.Credentials", {
    "string": Obj("org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl",
                  COMMON + [Attr("secret", secret=True)],
                  build=lambda b: Credential(kind="string", **b.values)),
    "usernamePassword": Obj("com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl",
                            COMMON + [Attr("username"), Attr("password", secret=True),
                                      Attr("usernameSecret", Bool())],
                            build=lambda b: Credential(kind="usernamePassword", **b.values)),
    "file": Obj("org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl",
                COMMON + [Attr("fileName"), Attr("secretBytes", secret=True, help="base64 content")],
                build=_file),
    "basicSSHUserPrivateKey": Obj(SSH,
                                  COMMON + [Attr("username"), Attr("usernameSecret", Bool()),
                                            Attr("passphrase", secret=True),
                                            Attr("privateKeySource", PRIVATE_KEY_SOURCE)],
                                  build=_ssh),
    "certificate": Obj("com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl",
                       COMMON + [Attr("password", secret=True), Attr("keyStoreSource", KEY_STORE_SOURCE)],
                       build=_certificate),
}, aliases={"UsernamePasswordCredentialsImpl": "usernamePassword", "StringCredentialsImpl": "string",
            "FileCredentialsImpl": "file", "BasicSSHUserPrivateKey": "basicSSHUserPrivateKey",
            "CertificateCredentialsImpl": "certificate"})


def _spec(kind: str, attrs: list[str]) -> Obj:
    def build(b: Built) -> tuple[str, tuple[tuple[str, str], ...]]:
        return kind, tuple((a, b.values[Attr(a).keyword]) for a in attrs if Attr(a).keyword in b.values)
    return Obj(f"com.cloudbees.plugins.credentials.domains.{kind[0].upper()}{kind[1:]}",
               [Attr(a) for a in attrs], build=build)


SPECIFICATION = OneOf("com.cloudbees.plugins.credentials.domains.DomainSpecification", {
    "hostnameSpecification": _spec("hostnameSpecification", ["includes", "excludes"]),
    "hostnamePortSpecification": _spec("hostnamePortSpecification", ["includes", "excludes"]),
    "schemeSpecification": _spec("schemeSpecification", ["schemes"]),
    "pathSpecification": _spec("pathSpecification", ["includes", "excludes", "caseSensitive"]),
})
DOMAIN = Obj("com.cloudbees.plugins.credentials.domains.Domain",
             [Attr("name"), DESCRIPTION, Attr("specifications", ListOf(SPECIFICATION))], model=CredentialDomain)


def _domain_credentials(b: Built) -> tuple[CredentialDomain, tuple[Credential, ...]]:
    domain = b.values.get("domain") or CredentialDomain()
    return domain, tuple(replace(c, domain=domain.name) for c in b.values.get("credentials", ()))


DOMAIN_CREDENTIALS = Obj("com.cloudbees.plugins.credentials.domains.DomainCredentials",
                         [Attr("domain", DOMAIN), Attr("credentials", ListOf(CREDENTIAL))], build=_domain_credentials)


def _system(b: Built) -> tuple[tuple[CredentialDomain, ...], tuple[Credential, ...]]:
    pairs = b.values.get("domain_credentials", ())
    credentials: list[Credential] = []
    seen: set[str] = set()
    for _, creds in pairs:
        for credential in creds:
            if credential.id in seen:
                return b.error(f"Duplicate credentials id '{credential.id}': every id must be unique",
                               "domainCredentials")
            seen.add(credential.id)
            credentials.append(credential)
    return tuple(domain for domain, _ in pairs), tuple(credentials)


SYSTEM = Obj("com.cloudbees.plugins.credentials.SystemCredentialsProvider",
             [Attr("domainCredentials", ListOf(DOMAIN_CREDENTIALS))], build=_system)
ROOT = Obj("com.cloudbees.plugins.credentials.casc.CredentialsRootConfigurator", [Attr("system", SYSTEM)],
           build=lambda b: b.values.get("system", ((), ())),
           help="Credentials in the system store; a reload replaces them all, as in JCasC.")


def check_root(ctx: Context, node: AnyNode, path: str = "credentials") -> Any:
    """The `credentials:` root -> (domains, credentials), or INVALID with errors on ctx."""
    return ROOT.check(ctx, node, path, ROOT_ATTR)


# ---------------------------------------------------------------- `run --credentials`
def credentials_from_config(data: Any, where: str = "credentials") -> dict[str, Credential]:
    """The `credentials:` root of a JCasC document (plain data) -> credentials by id."""
    from .yaml_lines import from_plain
    return _checked(_legacy_file_content(from_plain(data, where)), where, {})


def load_credentials_file(path: str) -> dict[str, Credential]:
    """A JCasC-style YAML file with a `credentials:` root (other roots are ignored)."""
    import os

    from .yaml_lines import parse
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise CredentialsError([CascError(f"cannot read: {e.strerror}", path)]) from None
    except UnicodeDecodeError:
        raise CredentialsError([CascError("cannot read: not UTF-8 text", path)]) from None
    try:
        tree, _ = parse(text, path, dict(os.environ))
    except CascError as e:
        raise CredentialsError([e]) from None
    root = None
    if isinstance(tree, Mapping):
        root = next((v for k, v in tree if k.text.lower() == "credentials"), None)
    if root is None:
        raise CredentialsError([CascError("no `credentials:` root", path, tree.line)])
    return _checked(_legacy_file_content(root), path, dict(os.environ), {path: text})


def _checked(node: AnyNode, where: str, env: dict, texts: Optional[dict] = None) -> dict[str, Credential]:
    ctx = Context(env, texts)
    result = check_root(ctx, node)
    if ctx.errors or result is INVALID:
        raise CredentialsError(ctx.errors or [CascError("invalid credentials", where)], ctx.warnings)
    return {c.id: c for c in result[1]}


def _legacy_file_content(node: AnyNode) -> AnyNode:
    """`file: {secret: text}` (the form `run --credentials` always took) -> `secretBytes: <base64>`."""
    if isinstance(node, Sequence):
        return Sequence(node.file, node.line, node.column, tuple(_legacy_file_content(n) for n in node))
    if not isinstance(node, Mapping):
        return node
    entries = []
    for key, value in node:
        if key.text == "file" and isinstance(value, Mapping) and value.get("secretBytes") is None:
            value = Mapping(value.file, value.line, value.column, tuple(
                (Scalar(k.file, k.line, k.column, "secretBytes"),
                 Scalar(v.file, v.line, v.column, base64.b64encode(v.text.encode()).decode()))
                if k.text in ("secret", "content") and isinstance(v, Scalar) else (k, v) for k, v in value))
        entries.append((key, _legacy_file_content(value)))
    return Mapping(node.file, node.line, node.column, tuple(entries))
