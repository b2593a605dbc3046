"""Where webhook secrets come from: JCasC first, then the environment.

- GitHub: `unclassified: gitHubPluginConfig: hookSecretConfigs: [{credentialsId: x}]` names string
  credentials (as in Jenkins); without it, `ORCHESTRATOR_GITHUB_WEBHOOK_SECRET` (comma-separated for
  several). No secret at all: deliveries are accepted unsigned, as Jenkins does.
- GitLab: the job's `triggers { gitlab(secretToken: '...') }`, else `ORCHESTRATOR_GITLAB_SECRET_TOKEN`
  (see gitlab_access: without either, only an unsecured server accepts the delivery).
- Generic Webhook Trigger: the job's `token:` or `tokenCredentialId:` (a string credential).
"""
from __future__ import annotations

from typing import Any, Mapping

from orchestrator.errors import OrchestratorError

GITHUB_SECRET_VAR = "ORCHESTRATOR_GITHUB_WEBHOOK_SECRET"
GITLAB_TOKEN_VAR = "ORCHESTRATOR_GITLAB_SECRET_TOKEN"


class SecretUnavailable(OrchestratorError):
    """A configured secret cannot be read: deliveries are refused rather than accepted unchecked."""
    status = 503


def credential_secret(config: Any, credentials_id: str, who: str) -> str:
    credential = config.credential(credentials_id) if config is not None else None
    if credential is None:
        raise SecretUnavailable(f"{who} names credentials '{credentials_id}', which the configuration does not declare")
    if credential.kind != "string" or not credential.secret:
        raise SecretUnavailable(f"{who} names credentials '{credentials_id}', which is not a string credential "
                                "with a secret")
    return credential.secret


def github_secrets(config: Any, env: Mapping[str, str]) -> list[str]:
    ids = config.github.hook_secret_ids if config is not None else ()
    if ids:
        return [credential_secret(config, i, "gitHubPluginConfig.hookSecretConfigs") for i in ids]
    return [s.strip() for s in (env.get(GITHUB_SECRET_VAR) or "").split(",") if s.strip()]
