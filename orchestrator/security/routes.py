"""Which permission each URL needs: one table for the whole server, a pure function of method and path.

`requirement(method, path)` returns a `Requirement`; `orchestrator.web.auth` enforces it before any
view runs. Views a blueprint adds later get the safe defaults (reading needs Overall/Read, changing
needs Overall/Administer) unless listed here or marked with `auth.public` / `auth.requires`.
Paths are the raw request paths (`/job/a/job/b/7/stop`), so an item path is read exactly as the
API views read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote

from orchestrator.store import PERMALINKS


@dataclass(frozen=True)
class Requirement:
    permission: Optional[str] = None     # None with public=True: anyone
    job: Optional[str] = None            # the item the permission is checked on (projectMatrix)
    public: bool = False                 # no permission needed (the view protects itself, if at all)
    crumb_exempt: bool = False           # never needs a CSRF crumb (webhooks, token reload, login form)
    job_token: bool = False              # the job's `?token=` (authToken) grants it anonymously
    queue_item: bool = False             # the job is the queue item's (`id=`, or /queue/item/N/)
    user: Optional[str] = None           # that user may do it without the permission (own API tokens)


PUBLIC = Requirement(public=True)
HOOK = Requirement(public=True, crumb_exempt=True)
#: prefixes anyone may reach; each protects itself (signatures, tokens) or shows nothing secret
PUBLIC_PREFIXES: dict[str, Requirement] = {
    "/healthz": PUBLIC, "/login": PUBLIC, "/loginError": PUBLIC, "/logout": PUBLIC,
    "/j_spring_security_check": HOOK, "/whoAmI/": PUBLIC, "/crumbIssuer/": PUBLIC, "/static/": PUBLIC,
    "/github-webhook": HOOK, "/project/": HOOK, "/generic-webhook-trigger/": HOOK,
    "/reload-configuration-as-code": HOOK,
}
ADMIN, SYSTEM_READ = "Overall/Administer", "Overall/SystemRead"
#: /configuration-as-code/<action> (JCasC's own permissions)
CASC_ACTIONS = {"reload": "Overall/Manage", "check": ADMIN, "checkNewSource": ADMIN, "export": SYSTEM_READ,
                "viewExport": SYSTEM_READ, "schema": SYSTEM_READ, "": SYSTEM_READ}
#: job actions (the path after the item) -> permission; GET of anything else needs Job/Read
JOB_ACTIONS = {
    ("config.xml", "POST"): "Job/Configure", ("config.xml", "GET"): "Job/ExtendedRead",
    ("build", "*"): "Job/Build", ("buildWithParameters", "*"): "Job/Build",
    ("doDelete", "*"): "Job/Delete", ("enable", "*"): "Job/Configure", ("disable", "*"): "Job/Configure",
    ("cancelQueue", "*"): "Job/Cancel", ("createItem", "*"): "Job/Create", ("polling", "*"): "Job/Build",
}
BUILD_ACTIONS = {
    "stop": "Job/Cancel", "term": "Job/Cancel", "kill": "Job/Cancel", "doDelete": "Run/Delete",
    "input": "Job/Build", "replay": "Job/Build", "rebuild": "Job/Build", "submitDescription": "Run/Update",
}
TOKEN_ACTIONS = ("generateNewToken", "revoke", "revokeAll")


def requirement(method: str, path: str) -> Requirement:
    method = "GET" if method in ("GET", "HEAD", "OPTIONS") else "POST"
    for prefix, req in PUBLIC_PREFIXES.items():
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return req
    segments = [unquote(s) for s in path.lstrip("/").split("/")]
    while segments and segments[-1] == "":
        segments.pop()
    head = segments[0] if segments else ""
    if head == "job":
        return _job(method, segments)
    if head == "createItem":
        return Requirement("Job/Create")
    if head == "queue" and segments[1:2] == ["cancelItem"]:
        return Requirement("Job/Cancel", queue_item=True)
    if head == "queue" and segments[1:2] == ["item"]:   # an item shows its job: Job/Read on it
        return Requirement("Job/Read" if method == "GET" else "Job/Cancel", queue_item=True)
    if head in ("configuration-as-code", "manage") and "configuration-as-code" in segments[:2]:
        rest = segments[segments.index("configuration-as-code") + 1:]
        return Requirement(CASC_ACTIONS.get(rest[0] if rest else "", ADMIN))
    if head == "user" and len(segments) >= 2:
        if segments[-1] in TOKEN_ACTIONS or "descriptorByName" in segments:
            return Requirement(ADMIN, user=segments[1])
        return Requirement("Overall/Read")
    return Requirement("Overall/Read" if method == "GET" else ADMIN)


def job_path(segments: list[str]) -> tuple[str, list[str]]:
    """`["job", "a", "job", "b", "7", "stop"]` -> ("a/b", ["7", "stop"])."""
    names: list[str] = []
    i = 0
    while i + 1 < len(segments) and segments[i] == "job" and segments[i + 1] != "":
        names.append(segments[i + 1])
        i += 2
    return "/".join(names), segments[i:]


def _job(method: str, segments: list[str]) -> Requirement:
    name, rest = job_path(segments)
    if not name:
        return Requirement("Overall/Read" if method == "GET" else ADMIN)
    first = rest[0] if rest else ""
    if first.isdigit() or first in PERMALINKS:
        action = rest[1] if len(rest) > 1 else ""
        if action == "wfapi" and rest[2:3] == ["inputSubmit"]:
            return Requirement("Job/Build", job=name)
        permission = BUILD_ACTIONS.get(action) if method == "POST" else None
        if method == "POST" and permission is None:
            permission = "Job/Configure"
        return Requirement(permission or "Job/Read", job=name)
    permission = JOB_ACTIONS.get((first, method)) or JOB_ACTIONS.get((first, "*"))
    if permission is None:
        permission = "Job/Read" if method == "GET" else "Job/Configure"
    if first == "createItem":
        return Requirement(permission, job=name)
    return Requirement(permission, job=name, job_token=first in ("build", "buildWithParameters"))
