"""Who may start a job through `POST /project/<job>` (GitLab's webhook), decided without I/O.

As the gitlab plugin: only a job that declares `triggers { gitlab(...) }` is started, and with a secret
token (the trigger's `secretToken`, else ORCHESTRATOR_GITLAB_SECRET_TOKEN) the request must carry it in
X-Gitlab-Token. Without any token the endpoint would let anyone start the job, bypassing Job/Build: that
is accepted only on an unsecured server (where anyone may build anyway). Under security every refusal,
whether the job is unknown, triggerless or the token wrong, answers the same 401, so an anonymous caller
cannot tell which job names exist.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Optional

SECURED_REFUSAL = ("Invalid token: this server is secured, so GitLab must send the project's secret token "
                   "(X-Gitlab-Token), and a secret token must be configured for the project (its "
                   "gitlab(secretToken: ...) trigger or ORCHESTRATOR_GITLAB_SECRET_TOKEN)")


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def token_matches(expected: Optional[str], given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def refusal(*, secured: bool, env_token: str, given: Optional[str], name: str, has_trigger: bool,
            job_token: str) -> Optional[Refusal]:
    """Why the request may not start the job (None: it may). `has_trigger`: the job exists and declares
    a gitlab trigger; `job_token`: that trigger's secretToken ("" without one)."""
    vouched = token_matches(env_token, given)   # the server-wide token: the caller may learn job names
    if not has_trigger:
        if secured and not vouched:
            return Refusal(401, SECURED_REFUSAL)
        if env_token and not vouched:   # the token is checked before the job's existence is told
            return Refusal(401, "Invalid token")
        return Refusal(404, f"No such project with a gitlab trigger (triggers {{ gitlab(...) }}): {name}")
    expected = job_token or env_token
    if expected:
        if token_matches(expected, given):
            return None
        return Refusal(401, SECURED_REFUSAL if secured else "Invalid token")
    return Refusal(401, SECURED_REFUSAL) if secured else None
