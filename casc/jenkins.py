"""The `jenkins:` root: system settings, security realm, authorization, clouds, proxy.

Supported keys become `JenkinsSettings`; keys Jenkins has but this orchestrator has no use for
are `inert` (accepted, with a warning saying why nothing happens) or `unsupported` (refused with
the reason, unless `unknown: warn`). Security is never loosened by ignoring something: an
unknown security realm or authorization strategy is always an error, whatever the policy.
"""
from __future__ import annotations

import re
from typing import Any

from .clouds import CLOUD
from .model import (CrumbIssuer, JenkinsSettings, LocalSecurityRealm, LocalUser, LoggedInUsersCanDoAnything,
                    MatrixAuthorization, PermissionGrant, ProjectNamingStrategy, Proxy, Unsecured)
from .spec import Attr, Bool, Built, Enum, Int, ListOf, Obj, OneOf, Text

# Jenkins core and credentials-plugin permission ids (`Group/Name`), as matrix-auth names them
PERMISSIONS = {
    "Overall": ("Administer", "Read", "Manage", "SystemRead", "RunScripts", "UploadPlugins", "ConfigureUpdateCenter"),
    "Job": ("Build", "Cancel", "Configure", "Create", "Delete", "Discover", "ExtendedRead", "Move", "Read",
            "Workspace", "ViewStatus"),
    "Run": ("Delete", "Replay", "Update", "Artifacts"),
    "View": ("Configure", "Create", "Delete", "Read"),
    "SCM": ("Tag",),
    "Credentials": ("Create", "Delete", "ManageDomains", "Update", "View", "UseItem", "UseOwn"),
    "Agent": ("Build", "Configure", "Connect", "Create", "Delete", "Disconnect", "ExtendedRead", "Provision"),
}
KNOWN_PERMISSIONS = {f"{group}/{name}" for group, names in PERMISSIONS.items() for name in names}


# ---------------------------------------------------------------- security realm
def _user_property(key: str, attr: str) -> Obj:
    return Obj(f"hudson.model.UserProperty.{key}", [Attr(attr)],
               build=lambda b: (key, b.values.get(Attr(attr).keyword, "")))


USER_PROPERTY = OneOf("hudson.model.UserProperty", {
    "mailer": _user_property("email", "emailAddress"),
    "timezone": _user_property("time_zone", "timeZoneName"),
    "sshPublicKey": _user_property("ssh_public_keys", "authorizedKeys"),
    "preferredProvider": _user_property("", "providerId"),
})


def _user(b: Built) -> Any:
    if not b.values.get("id", "").strip():
        return b.error("Failed to configure 'id': a user id cannot be empty", "id")
    properties = dict(p for p in b.values.pop("properties", ()) if p[0])
    return LocalUser(**b.values, **properties)


USER = Obj("io.jenkins.plugins.casc.core.HudsonPrivateSecurityRealmConfigurator$UserWithPassword", [
    Attr("id", required=True), Attr("password", secret=True, help='plain, or "#jbcrypt:<hash>"'), Attr("name"),
    Attr("description"), Attr("properties", ListOf(USER_PROPERTY)),
], build=_user)


def _realm(b: Built) -> Any:
    users = b.values.get("users", ())
    ids = [u.id for u in users]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        return b.error(f"Duplicate user id '{duplicate}'", "users")
    return LocalSecurityRealm(**b.values)


SECURITY_REALM = OneOf("hudson.security.SecurityRealm", {
    "local": Obj("hudson.security.HudsonPrivateSecurityRealm", [
        Attr("allowsSignup", Bool()), Attr("users", ListOf(USER)),
        Attr("enableCaptcha", inert="sign-up has no captcha here"),
    ], build=_realm),
}, {"HudsonPrivateSecurityRealm": "local"})


# ---------------------------------------------------------------- authorization
def _grants(b: Built, sid_type: str) -> Any:
    name = b.values.get("name", "")
    grants = []
    for permission in b.values.get("permissions", ()):
        if permission not in KNOWN_PERMISSIONS:
            b.warn(f"Unknown permission '{permission}' for {sid_type.lower()} '{name}': ignored (a plugin's "
                   "permission, or misspelt)", "permissions")
            continue
        grants.append(PermissionGrant(permission, name, sid_type))
    return tuple(grants)


def _entry(sid_type: str) -> Obj:
    return Obj(f"org.jenkinsci.plugins.matrixauth.integrations.casc.DefinitionEntry.{sid_type.lower()}",
               [Attr("name", required=True), Attr("permissions", ListOf(Text()))],
               build=lambda b: _grants(b, sid_type))


MATRIX_ENTRY = OneOf("org.jenkinsci.plugins.matrixauth.integrations.casc.DefinitionEntry", {
    "user": _entry("USER"), "group": _entry("GROUP"), "userOrGroup": _entry("EITHER")})
_OLD_STYLE = re.compile(r"^(?:(USER|GROUP):)?([^:]+):(.+)$")


def _matrix(project_based: bool):
    def build(b: Built) -> Any:
        grants = [g for entry in b.values.get("entries", ()) for g in entry]
        for text in b.values.get("permissions", ()):
            match = _OLD_STYLE.match(text)
            if not match:
                return b.error(f"Invalid permission entry '{text}': expected 'Permission/Name:sid' "
                               "(or USER:/GROUP: in front)", "permissions")
            kind, permission, sid = match.groups()
            if permission not in KNOWN_PERMISSIONS:
                b.warn(f"Unknown permission '{permission}': ignored", "permissions")
                continue
            if kind is None:
                b.warn(f"'{text}' does not say whether '{sid}' is a user or a group: it applies to both. Prefer "
                       "entries: [{user: {name, permissions}}] or [{group: ...}]", "permissions")
            grants.append(PermissionGrant(permission, sid, kind or "EITHER"))
        return MatrixAuthorization(tuple(grants), project_based)
    return build


def _matrix_obj(java: str, project_based: bool) -> Obj:
    return Obj(java, [Attr("entries", ListOf(MATRIX_ENTRY)),
                      Attr("permissions", ListOf(Text()), help="old style: 'Overall/Read:authenticated'")],
               build=_matrix(project_based))


AUTHORIZATION = OneOf("hudson.security.AuthorizationStrategy", {
    "unsecured": Obj("hudson.security.AuthorizationStrategy$Unsecured", [], build=lambda b: Unsecured()),
    "loggedInUsersCanDoAnything": Obj("hudson.security.FullControlOnceLoggedInAuthorizationStrategy",
                                      [Attr("allowAnonymousRead", Bool())], model=LoggedInUsersCanDoAnything),
    "globalMatrix": _matrix_obj("hudson.security.GlobalMatrixAuthorizationStrategy", False),
    "projectMatrix": _matrix_obj("hudson.security.ProjectMatrixAuthorizationStrategy", True),
}, {"FullControlOnceLoggedInAuthorizationStrategy": "loggedInUsersCanDoAnything",
    "GlobalMatrixAuthorizationStrategy": "globalMatrix", "ProjectMatrixAuthorizationStrategy": "projectMatrix"})

CRUMB_ISSUER = OneOf("hudson.security.csrf.CrumbIssuer", {
    "standard": Obj("hudson.security.csrf.DefaultCrumbIssuer",
                    [Attr("excludeClientIPFromCrumb", Bool(), field="exclude_client_ip_from_crumb")],
                    model=CrumbIssuer),
}, {"DefaultCrumbIssuer": "standard"})

MARKUP_FORMATTER = OneOf("hudson.markup.MarkupFormatter", {
    "plainText": Obj("hudson.markup.EscapedMarkupFormatter", [], build=lambda b: "plainText"),
    "rawHtml": Obj("hudson.markup.RawHtmlMarkupFormatter", [Attr("disableSyntaxHighlighting", Bool(), field="")],
                   build=lambda b: "rawHtml"),
}, {"EscapedMarkupFormatter": "plainText", "RawHtmlMarkupFormatter": "rawHtml"})


def _naming_pattern(b: Built) -> Any:
    try:
        re.compile(b.values.get("pattern", ""))
    except re.error as e:
        return b.error(f"Failed to configure 'namePattern': not a regular expression: {e}", "namePattern")
    return ProjectNamingStrategy(**b.values)


PROJECT_NAMING = OneOf("jenkins.model.ProjectNamingStrategy", {
    "standard": Obj("jenkins.model.ProjectNamingStrategy$DefaultProjectNamingStrategy", [],
                    build=lambda b: ProjectNamingStrategy()),
    "pattern": Obj("jenkins.model.ProjectNamingStrategy$PatternProjectNamingStrategy", [
        Attr("namePattern", required=True, field="pattern"), Attr("description"),
        Attr("forceExistingJobs", Bool())], build=_naming_pattern),
}, {"DefaultProjectNamingStrategy": "standard", "PatternProjectNamingStrategy": "pattern"})

ENV_ENTRY = Obj("hudson.slaves.EnvironmentVariablesNodeProperty$Entry", [Attr("key", required=True), Attr("value")],
                build=lambda b: (b.values["key"], b.values.get("value", "")))
NODE_PROPERTY = OneOf("hudson.slaves.NodeProperty", {
    "envVars": Obj("hudson.slaves.EnvironmentVariablesNodeProperty", [Attr("env", ListOf(ENV_ENTRY))],
                   build=lambda b: b.values.get("env", ())),
}, {"EnvironmentVariablesNodeProperty": "envVars"})

PROXY = Obj("hudson.ProxyConfiguration", [
    Attr("name", required=True), Attr("port", Int(0)), Attr("userName"), Attr("secretPassword", secret=True),
    Attr("noProxyHost"), Attr("testUrl"),
], model=Proxy, help="outbound HTTP proxy (git, remote configuration sources)")


def _jenkins(b: Built) -> Any:
    values = b.values
    values["global_env"] = tuple(pair for prop in values.get("global_env", ()) for pair in prop)
    clouds = values.get("clouds", ())
    names = [c.name for c in clouds]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        return b.error(f"Duplicate cloud name '{duplicate}': every cloud needs its own name", "clouds")
    return JenkinsSettings(**values)


_NO_AGENT_PORT = "there are no inbound (JNLP) agents: agents are pods or local processes started by the controller"
JENKINS = Obj("jenkins.model.Jenkins", [
    Attr("systemMessage"), Attr("numExecutors", Int(0)), Attr("labelString"),
    Attr("mode", Enum("hudson.model.Node$Mode", "NORMAL", "EXCLUSIVE")), Attr("quietPeriod", Int(0)),
    Attr("scmCheckoutRetryCount", Int(0)), Attr("securityRealm", SECURITY_REALM),
    Attr("authorizationStrategy", AUTHORIZATION), Attr("crumbIssuer", CRUMB_ISSUER),
    Attr("markupFormatter", MARKUP_FORMATTER), Attr("projectNamingStrategy", PROJECT_NAMING),
    Attr("globalNodeProperties", ListOf(NODE_PROPERTY), field="global_env"),
    Attr("clouds", ListOf(CLOUD)), Attr("proxy", PROXY),
    Attr("slaveAgentPort", inert=_NO_AGENT_PORT), Attr("agentProtocols", inert=_NO_AGENT_PORT),
    Attr("remotingSecurity", inert=_NO_AGENT_PORT),
    Attr("disableRememberMe", inert="the web UI has no 'remember me' cookie"),
    Attr("nodeMonitors", inert="there are no static nodes to monitor"),
    Attr("noUsageStatistics", inert="nothing is ever sent"),
    Attr("updateCenter", inert="there are no plugins to update"),
    Attr("disabledAdministrativeMonitors", inert="there are no administrative monitors"),
    Attr("rawBuildsDir", restricted="NoExternalUse", inert="builds live in the orchestrator's home"),
    Attr("nodes", unsupported="static agents (permanent nodes); builds run on the controller's executors or "
                              "in pods from clouds: kubernetes"),
    Attr("nodeProperties", unsupported="properties of the built-in node (use globalNodeProperties: envVars)"),
    Attr("views", unsupported="views"), Attr("primaryView", unsupported="views"),
    Attr("viewsTabBar", unsupported="views"), Attr("myViewsTabBar", unsupported="views"),
    Attr("labelAtoms", unsupported="label atoms and their properties"),
    Attr("log", unsupported="log recorders (the controller logs to its standard error)"),
    Attr("installState", unsupported="the setup wizard"),
], build=_jenkins, owner="jenkins", help="Jenkins system settings")
