"""The global-configuration roots: `unclassified:`, `security:`, `tool:` and `appearance:`.

In Jenkins each of these holds one entry per plugin descriptor. Few of them mean anything here:
`unclassified: location` (the controller's URL, used in BUILD_URL and links), `unclassified:
gitHubPluginConfig` (the secrets GitHub webhooks are signed with) and `security: apiToken` are applied; script-approval and Job DSL security settings are accepted with a
warning (nothing here executes unreviewed Groovy); every other entry is refused naming the
plugin it belongs to (see plugins.py), or only warned about under `unknown: warn`.
"""
from __future__ import annotations

from .model import ApiTokenSettings, GitHubPluginConfig, Location
from .spec import Attr, Bool, Built, Enum, ListOf, Obj

CATEGORY = "jenkins.model.GlobalConfigurationCategory"


def _location(b: Built) -> Location:
    url = b.values.get("url", "")
    if url and not url.startswith(("http://", "https://")):
        b.warn(f"location url '{url}' is not an http(s) URL: BUILD_URL and links will be wrong", "url")
    if url and not url.endswith("/"):
        b.values["url"] = url + "/"  # Jenkins stores the root URL with its trailing slash
    return Location(**b.values)


LOCATION = Obj("jenkins.model.JenkinsLocationConfiguration", [Attr("url"), Attr("adminAddress")], build=_location)
API_TOKEN = Obj("jenkins.security.apitoken.ApiTokenPropertyConfiguration", [
    Attr("creationOfLegacyTokenEnabled", Bool()), Attr("tokenGenerationOnCreationEnabled", Bool()),
    Attr("usageStatisticsEnabled", Bool())], model=ApiTokenSettings)



def _hook_secret(b: Built) -> str:
    credentials_id = b.values["credentials_id"]
    b.ctx.credential_refs.append((credentials_id, b.node.file, b.node.line, f"{b.path}.credentialsId",
                                  "a GitHub hook secret"))
    return credentials_id


def _github(b: Built) -> GitHubPluginConfig:
    return GitHubPluginConfig(hook_secret_ids=tuple(b.values.get("hook_secret_ids", ())),
                              hook_url=b.values.get("hook_url", ""))


HOOK_SECRET = Obj("org.jenkinsci.plugins.github.webhook.HookSecretConfig", [
    Attr("credentialsId", required=True, help="a string credential: the secret of the GitHub webhook"),
    Attr("signatureAlgorithm", Enum("org.jenkinsci.plugins.github.webhook.SignatureAlgorithm", "SHA256"),
         field="", help="X-Hub-Signature-256 (HMAC-SHA256) is what is verified"),
], build=_hook_secret)
GITHUB = Obj("org.jenkinsci.plugins.github.config.GitHubPluginConfig", [
    Attr("hookSecretConfigs", ListOf(HOOK_SECRET), field="hook_secret_ids",
         help="webhook deliveries to /github-webhook/ must be signed with one of these secrets"),
    Attr("hookUrl", help="the URL GitHub posts to (informational: the endpoint is /github-webhook/)"),
    Attr("configs", unsupported="GitHub API servers (managed hooks, commit statuses) are not implemented; create "
                                "the webhook in GitHub, pointing at JENKINS_URL/github-webhook/"),
], build=_github)

UNCLASSIFIED = Obj(f"{CATEGORY}$Unclassified", [Attr("location", LOCATION),
                                                 Attr("gitHubPluginConfig", GITHUB, field="github")],
                   owner="unclassified",
                   build=lambda b: b.values)
SECURITY = Obj("jenkins.model.GlobalConfigurationCategory$Security", [
    Attr("apiToken", API_TOKEN),
    Attr("globalJobDslSecurityConfiguration", inert="Job DSL scripts are read, never executed, here"),
    Attr("scriptApproval", inert="pipelines run in the orchestrator's own sandboxed Groovy subset; there is "
                                 "nothing to approve"),
    Attr("downloadSettings", inert="there are no plugins or tool installers to download"),
    Attr("updateSiteWarningsConfiguration", inert="there are no plugins"),
], owner="security", build=lambda b: b.values)
TOOL = Obj("hudson.tools.ToolConfigurationCategory", [], owner="tool", build=lambda b: b.values,
           help="tool installations are not supported: use container images that have the tools")
APPEARANCE = Obj("jenkins.appearance.AppearanceCategory", [], owner="appearance", build=lambda b: b.values)
