"""`unclassified: gitHubPluginConfig`: the string credentials GitHub webhook deliveries are signed with."""
from __future__ import annotations

import pytest
from casc_helpers import messages, warning_texts

from orchestrator.casc.exporter import export
from orchestrator.webhooks.settings import SecretUnavailable, github_secrets

GITHUB = """
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: gh-hook, secret: "${HOOK_SECRET}"}
              - usernamePassword: {id: login, username: u, password: p}
    unclassified:
      gitHubPluginConfig:
        hookUrl: https://ci.example.com/github-webhook/
        hookSecretConfigs:
          - credentialsId: gh-hook
            signatureAlgorithm: SHA256
"""


def test_hook_secrets_resolve_to_string_credentials(load, check):
    config = load(GITHUB, {"HOOK_SECRET": "s3cret"})
    assert config.github.hook_secret_ids == ("gh-hook",)
    assert github_secrets(config, {"ORCHESTRATOR_GITHUB_WEBHOOK_SECRET": "ignored"}) == ["s3cret"]
    managed = check(GITHUB.replace("hookUrl:", "configs: [{name: GitHub, manageHooks: true}]\n        hookUrl:"),
                    {"HOOK_SECRET": "s3cret"})
    assert "'configs' is not supported by this orchestrator" in messages(managed)
    assert "configs" in warning_texts(check(GITHUB.replace("unclassified:", "configuration-as-code: {unknown: warn}\n"
                                                            "    unclassified:").replace(
        "hookUrl:", "configs: [{name: GitHub}]\n        hookUrl:"), {"HOOK_SECRET": "s3cret"}))
    exported = export(config)["unclassified"]["gitHubPluginConfig"]
    assert exported == {"hookSecretConfigs": [{"credentialsId": "gh-hook"}],
                        "hookUrl": "https://ci.example.com/github-webhook/"}


def test_without_jcasc_the_environment_gives_the_secrets():
    assert github_secrets(None, {"ORCHESTRATOR_GITHUB_WEBHOOK_SECRET": "a, b"}) == ["a", "b"]
    assert github_secrets(None, {}) == []


def test_a_secret_that_is_not_a_string_credential_refuses_deliveries(load):
    config = load(GITHUB.replace("- credentialsId: gh-hook\n", "- credentialsId: login\n"), {"HOOK_SECRET": "x"})
    with pytest.raises(SecretUnavailable, match="'login', which is not a string credential"):
        github_secrets(config, {})


def test_wrong_shapes_are_errors_with_their_line(check):
    report = check("""
        unclassified:
          gitHubPluginConfig:
            hookSecretConfigs:
              - signatureAlgorithm: SHA1
    """)
    text = messages(report)
    assert "credentialsId is required" in text and "SHA1" in text and "jenkins.yaml:4" in text
