"""Who may do what: the security policy in force and pure permission decisions.

`policy_for(config, default)` turns the JCasC `jenkins:` security settings (or, without any, the
server's default) into a `Policy`; `allowed(policy, identity, permission, job_grants)` answers one
question, with Jenkins' implications: Overall/Administer implies everything, Job/Build implies
Job/Cancel, Job/Read implies Job/Discover, Job/Configure implies Job/ExtendedRead. Like Jenkins,
nothing below the root is reachable without Overall/Read (`effective_permissions`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from orchestrator.casc.model import LoggedInUsersCanDoAnything, MatrixAuthorization, PermissionGrant, Unsecured

ADMINISTER = "Overall/Administer"
READ = "Overall/Read"
#: permission -> the permissions (besides Overall/Administer) that imply it
IMPLIED_BY = {
    "Job/Cancel": ("Job/Build",),
    "Job/Discover": ("Job/Read",),
    "Job/ExtendedRead": ("Job/Configure",),
}
#: what `allowAnonymousRead` gives anonymous (Jenkins' Permission.READ and what it implies)
ANONYMOUS_READ = frozenset({READ, "Job/Read", "Job/Discover", "View/Read"})
ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Policy:
    """The security in force. `enforced=False` is the loopback default: no login, credentials
    ignored, no crumbs (the server before security existed). `crumbs`: CSRF crumbs required on
    POSTs that a browser could forge (cookie sessions and anonymous requests)."""
    strategy: Any = Unsecured()
    enforced: bool = False
    crumbs: bool = False
    exclude_client_ip: bool = False
    origin: str = "default"   # casc | secured-default | default

    @property
    def use_security(self) -> bool:
        return self.enforced


@dataclass(frozen=True)
class Identity:
    """Who sent the request: `name` None is anonymous; `via` is anonymous, session, password or token."""
    name: Optional[str] = None
    via: str = "anonymous"
    full_name: str = ""

    @property
    def anonymous(self) -> bool:
        return self.name is None

    @property
    def id(self) -> str:
        return self.name or ANONYMOUS


def policy_for(config: Any, default: str) -> Policy:
    """JCasC security when the configuration has any, else the server default: `secured` (log in,
    users from the store) or `unsecured` (the loopback default)."""
    jenkins = getattr(config, "jenkins", None)
    if jenkins is not None and (jenkins.security_realm is not None or jenkins.authorization_strategy is not None):
        crumb = jenkins.crumb_issuer
        return Policy(jenkins.authorization_strategy or LoggedInUsersCanDoAnything(False), True,
                      crumb is not None, bool(crumb and crumb.exclude_client_ip_from_crumb), "casc")
    if default == "secured":
        return Policy(LoggedInUsersCanDoAnything(False), True, True, False, "secured-default")
    return Policy()


def _implied(permission: str) -> set[str]:
    return {permission, ADMINISTER, *IMPLIED_BY.get(permission, ())}


def _sids(identity: Identity) -> list[tuple[str, set[str]]]:
    """The sids a grant may name for this identity, each with the sid types that match it."""
    if identity.anonymous:
        return [(ANONYMOUS, {"USER", "EITHER"})]
    return [(identity.name or "", {"USER", "EITHER"}), (AUTHENTICATED, {"GROUP", "EITHER"})]


def _granted(grants: Iterable[PermissionGrant], identity: Identity, wanted: set[str]) -> bool:
    sids = _sids(identity)
    return any(g.permission in wanted and any(g.sid == sid and g.sid_type in types for sid, types in sids)
               for g in grants)


def allowed(policy: Policy, identity: Identity, permission: str,
            job_grants: Iterable[PermissionGrant] = ()) -> bool:
    """Whether `identity` holds `permission` (on a job whose projectMatrix grants are `job_grants`)."""
    strategy = policy.strategy
    if not policy.enforced or isinstance(strategy, Unsecured):
        return True
    if isinstance(strategy, LoggedInUsersCanDoAnything):
        if not identity.anonymous:
            return True
        return strategy.allow_anonymous_read and permission in ANONYMOUS_READ
    if isinstance(strategy, MatrixAuthorization):
        grants = list(strategy.grants)
        if strategy.project_based and not is_overall(permission):
            # a job's own matrix grants item permissions only: its config.xml never makes anyone an administrator
            grants += [g for g in job_grants if not is_overall(g.permission)]
        return _granted(grants, identity, _implied(permission))
    return False   # an unknown strategy never grants anything


def is_overall(permission: str) -> bool:
    """Overall/* permissions are about the whole server: only the global matrix grants them."""
    return permission.startswith("Overall/")


def effective_permissions(permission: Optional[str]) -> tuple[str, ...]:
    """What a URL needing `permission` really needs: Overall/Read too, as everything hangs off the root."""
    if permission is None:
        return ()
    return (READ,) if permission == READ else (READ, permission)


def submitter_refusal(identity: Identity, submitter: Optional[str], administer: bool) -> Optional[str]:
    """Why `identity` may not answer an `input(submitter: ...)` (None when they may), as Jenkins decides:
    a listed user id, a listed group they are in (here only `authenticated`) or Overall/Administer."""
    if not submitter or administer:
        return None
    allowed_sids = {s.strip().lower() for s in submitter.split(",") if s.strip()}
    mine = {identity.id.lower()} | ({AUTHENTICATED} if not identity.anonymous else set())
    if allowed_sids & mine:
        return None
    return f"You need to be {submitter} (or a member of it) to submit this input; {identity.id} is not"


def denial(identity: Identity, permission: str) -> str:
    """Jenkins' wording for a missing permission."""
    if identity.anonymous:
        return f"Authentication required: anonymous is missing the {permission} permission"
    return f"{identity.name} is missing the {permission} permission"
