"""Kubernetes-safe names and label values for agent pods, derived from job and build names.

Job names are free text (`team/app`, `Ünïcode build`, 200 characters); Kubernetes wants DNS-1123
labels (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters) for pod names and label values of at
most 63 characters. Like kubespawner's `slugs.py`, a name that is already valid is kept as is, and
any other name becomes a readable prefix plus a short hash of the *original* text, so two different
names never collapse onto the same slug. Everything here is pure and deterministic: the plugin's
random pod-name suffixes become hashes of the build identity (job, number, allocation, attempt).
"""
from __future__ import annotations

import hashlib
import re

MAX_NAME = 63
HASH_LENGTH = 8

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    """The first `length` hex digits of the SHA-256 of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def is_dns_label(name: str) -> bool:
    """True for a valid DNS-1123 label (pod and container names): at most 63 characters."""
    return len(name) <= MAX_NAME and bool(_DNS_LABEL.match(name))


def is_label_value(value: str) -> bool:
    """True for a valid Kubernetes label value (may be empty)."""
    return len(value) <= MAX_NAME and bool(_LABEL_VALUE.match(value))


def _safe_prefix(name: str, max_length: int) -> str:
    """Lowercase alphanumerics and single hyphens, starting with a letter, never empty."""
    safe = _NOT_ALNUM.sub("-", name.lower()).strip("-")[:max_length].rstrip("-")
    if safe and not safe[0].isalpha():
        safe = ("x-" + safe)[:max_length].rstrip("-")
    return safe or "x"


def dns_label(name: str, max_length: int = MAX_NAME) -> str:
    """A DNS-1123 label for `name`: the name itself when valid (and without `--`), else
    `<safe prefix>---<hash>`. The `---` separator cannot come from a valid name kept as is, so a
    kept name never collides with a hashed one."""
    if max_length < HASH_LENGTH + 4:
        raise ValueError(f"cannot make DNS labels shorter than {HASH_LENGTH + 4} characters")
    if "--" not in name and len(name) <= max_length and is_dns_label(name):
        return name
    prefix = _safe_prefix(name, max_length - HASH_LENGTH - 3)
    return f"{prefix}---{short_hash(name)}"


def label_value(text: str) -> str:
    """A label value for arbitrary text: kept when valid, else a DNS-label slug (always valid)."""
    return text if is_label_value(text) else dns_label(text)


def jenkins_label(label: str | None) -> str:
    """The plugin's `sanitizeLabel` for the `jenkins/label` pod label: keep the last 57 characters
    (63 minus the `-xxxxx` suffix the plugin may add), replace characters outside `[_a-zA-Z0-9-]`
    with `_`, and turn a non-alphanumeric first or last character into `x`. No label: `slave-default`."""
    if label is None:
        return "slave-default"
    value = re.sub(r"[^_a-zA-Z0-9-]", "_", label[-(MAX_NAME - 6):])
    if not value:
        return "x"
    if not value[0].isascii() or not value[0].isalnum():
        value = "x" + value[1:]
    if not value[-1].isascii() or not value[-1].isalnum():
        value = value[:-1] + "x"
    return value


def label_digest(label: str | None) -> str:
    """`jenkins/label-digest`: the SHA-1 of the raw label, `0` without a label (as the plugin)."""
    return "0" if label is None else hashlib.sha1(label.encode("utf-8")).hexdigest()


def generated_label(externalizable_id: str, salt: str = "") -> str:
    """The label a declarative agent without `label` gets (the plugin's POD_LABEL): the sanitized
    `job#number` plus a 5-character suffix, here a hash of the build identity instead of random."""
    return f"{jenkins_label(externalizable_id)}-{short_hash(externalizable_id + '|' + salt, 5)}"


def pod_name(job_name: str, number: int, salt: str = "") -> str:
    """`<job slug>-<number>-<hash>`, at most 63 characters, e.g. `foo-12-3f9c2a1b`.

    The hash covers the job's full name, the number and `salt` (the agent allocation and attempt),
    so every allocation of every build gets its own, reproducible name."""
    suffix = f"-{number}-{short_hash(f'{job_name}#{number}|{salt}')}"
    prefix = _safe_prefix(job_name.replace("/", "-"), MAX_NAME - len(suffix))
    return prefix + suffix
