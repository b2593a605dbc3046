"""Webhook secrets: GitHub's `X-Hub-Signature-256`, compared in constant time (GitLab's token: gitlab_access)."""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable, Optional

from orchestrator.errors import OrchestratorError


class Forbidden(OrchestratorError):
    status = 403


class Unauthorized(OrchestratorError):
    status = 401


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_github_signature(secrets: Iterable[str], body: bytes, header: Optional[str]) -> None:
    """With secrets configured, the body must be signed with one of them; raises Forbidden otherwise."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return
    if not header:
        raise Forbidden("Signature was expected, but not provided: this server has a GitHub webhook secret, "
                        "so deliveries need X-Hub-Signature-256")
    given = header.strip().encode()
    # every secret is tried, so the time taken does not say which (or whether any) came close
    matched = [hmac.compare_digest(given, github_signature(s, body).encode()) for s in secrets]
    if not any(matched):
        raise Forbidden("Provided signature did not match the calculated one: check the webhook's secret")
