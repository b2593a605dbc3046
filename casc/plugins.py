"""Which Jenkins plugin a key or symbol belongs to, so a refusal can name what is missing.

A JCasC file written for a controller with fifty plugins names many things this orchestrator does
not implement. Jenkins answers those with "No configurator found" or "Invalid configuration
elements" and leaves the user guessing; here the message says which plugin the key comes from.
The table covers the plugins of the JCasC demos and the most installed ones; anything else gets
the generic message with the list of valid attributes. Keys are matched case-insensitively.
"""
from __future__ import annotations

from typing import Optional

ORCHESTRATOR = "this orchestrator"

# root elements that exist in Jenkins but not here
ROOTS: dict[str, str] = {
    "aws": "aws-global-configuration (used by artifact-manager-s3)",
    "groovy": "configuration-as-code-groovy",
    "globalcredentialsconfiguration": "credentials (credential provider filters)",
    "kubernetes": "kubernetes (cloud settings belong under jenkins: clouds:)",
}
ROOT_NOTES: dict[str, str] = {
    "plugins": "JCasC does not install plugins (jenkinsci/configuration-as-code-plugin#938); "
               f"{ORCHESTRATOR} has its supported features built in",
    "apiversion": "this looks like a Kubernetes manifest, not a JCasC file (its JCasC is the ConfigMap's data)",
    "controller": "this looks like Helm chart values, not a JCasC file (its JCasC is under "
                  "controller.JCasC.configScripts)",
    "master": "this looks like Helm chart values, not a JCasC file (its JCasC is under master.JCasC.configScripts)",
}

# attributes of the category roots (descriptor symbols) and of `jenkins:` that belong to plugins
ATTRIBUTES: dict[str, dict[str, str]] = {
    "unclassified": {
        "mailer": "mailer", "alaudasync": "alauda-devops-sync", "artifactorybuilder": "artifactory",
        "globalconfigfiles": "config-file-provider", "pipeline-model-docker": "docker-workflow",
        "exwsglobalconfigurationdiskpools": "external-workspace-manager",
        "exwsglobalconfigurationtemplates": "external-workspace-manager",
        "scmgit": "git", "gitscm": "git", "giteaservers": "gitea", "githubpluginconfig": "github",
        "githubconfiguration": "github-branch-source", "gitlabconnectionconfig": "gitlab-plugin",
        "gitlabservers": "gitlab-branch-source", "graphiteserver": "metrics-graphite",
        "jiraglobalconfiguration": "jira", "globallibraries": "pipeline-groovy-lib", "slacknotifier": "slack",
        "sonarglobalconfiguration": "sonar", "statisticsconfiguration": "statistics-gatherer",
        "teampluginglobalconfig": "tfs", "thinbackup": "thinBackup", "timestamper": "timestamper",
        "extendedemailpublisher": "email-ext", "email-ext": "email-ext",
        "lockableresourcesmanager": "lockable-resources", "throttlejobproperty": "throttle-concurrents",
        "prometheusconfiguration": "prometheus", "ansicolorbuildwrapper": "ansicolor",
        "bitbucketendpointconfiguration": "cloudbees-bitbucket-branch-source",
        "hashicorpvault": "hashicorp-vault-plugin", "casCGlobalConfig".lower(): "configuration-as-code (UI path)",
        "globaldefaultflowdurabilitylevel": "workflow-job", "buildtimeoutwrapper": "build-timeout",
        "artifactmanager": "Jenkins core artifact managers (with artifact-manager-s3)",
        "shell": "Jenkins core (shell executable: `sh` steps always run `sh -xe` here)",
        "buildDiscarders".lower(): "Jenkins core (global build discarders)",
    },
    "tool": {
        "git": "git-client", "jdk": "Jenkins core (JDK installations)", "maven": "Jenkins core (Maven installations)",
        "mavenglobalconfig": "Jenkins core (Maven settings providers)", "go": "golang",
        "mercurialinstallation": "mercurial", "msbuild": "msbuild", "mstestinstallation": "mstestrunner",
        "nodejs": "nodejs", "sbt": "sbt", "sonarrunnerinstallation": "sonar", "terraform": "terraform",
        "pipelinemaven": "pipeline-maven", "dockertool": "docker-commons", "gradle": "gradle", "ant": "ant",
        "allure": "allure-jenkins-plugin",
    },
    "security": {
        "githostkeyverificationconfiguration": "git-client", "sshd": "sshd",
        "queueitemauthenticator": "authorize-project", "envinject": "envinject",
    },
    "appearance": {
        "locale": "locale", "simpletheme": "simple-theme-plugin", "prism": "prism-api",
        "thememanager": "Jenkins core (themes; there is no web UI theme here)",
    },
    "jenkins": {},
}

# describable symbols by Jenkins interface
SYMBOLS: dict[str, dict[str, str]] = {
    "hudson.security.SecurityRealm": {
        "activedirectory": "active-directory", "ldap": "ldap", "github": "github-oauth",
        "googleoauth2": "google-login", "saml": "saml", "oic": "oic-auth", "keycloak": "keycloak",
        "pam": "pam-auth", "gitlab": "gitlab-oauth", "azuread": "azure-ad", "openid": "openid",
        "legacy": "Jenkins core (servlet container authentication)",
    },
    "hudson.security.AuthorizationStrategy": {
        "rolebased": "role-strategy", "github": "github-oauth (GitHub committer authorization)",
        "folderbased": "folder-auth", "legacy": "Jenkins core (legacy mode)",
    },
    "hudson.slaves.Cloud": {
        "docker": "docker-plugin", "amazonec2": "ec2", "ecs": "amazon-ecs", "azurevm": "azure-vm-agents",
        "nomad": "nomad", "openstack": "openstack-cloud", "gce": "google-compute-engine",
        "digitalocean": "digitalocean-plugin", "vsphere": "vsphere-cloud",
    },
    "com.cloudbees.plugins.credentials.Credentials": {
        "aws": "aws-credentials", "gitlabapitokenimpl": "gitlab-plugin",
        "gitlabpersonalaccesstoken": "gitlab-branch-source",
        "filesystemserviceaccountcredential": "kubernetes-credentials",
        "githubapp": "github-branch-source", "vaulttokencredential": "hashicorp-vault-plugin",
        "vaultapprolecredential": "hashicorp-vault-plugin", "azureserviceprincipal": "azure-credentials",
        "googlerobotprivatekey": "google-oauth-plugin", "x509clientcert": "docker-commons",
        "dockerservercredentials": "docker-commons", "kubeconfig": "kubernetes-cli",
        "openshifttoken": "openshift-client",
    },
    "hudson.markup.MarkupFormatter": {
        "safehtml": "antisamy-markup-formatter (OWASP policy)", "markdownformatter": "markdown-formatter",
    },
    "hudson.slaves.NodeProperty": {
        "toollocation": "Jenkins core (tool locations: tools come from the agent's image here)",
        "exwsnodeconfigurationdiskpools": "external-workspace-manager",
    },
    "hudson.model.UserProperty": {
        "slack": "slack", "apitoken": "Jenkins core (API tokens are issued through the REST API here)",
    },
    "hudson.tasks.Builder": {
        "batchfile": "Jenkins core (Windows batch: agents here run Linux containers or processes)",
        "maven": "Jenkins core (Maven build step)", "ant": "ant", "gradle": "gradle",
    },
}


def _phrase(owner: str, key: str) -> str:
    if owner.startswith("Jenkins core"):
        return f"'{key}' is a {owner} setting, which {ORCHESTRATOR} does not implement."
    return f"'{key}' belongs to the Jenkins plugin '{owner}', which {ORCHESTRATOR} does not implement."


def root_owner(key: str) -> Optional[str]:
    """Why a root element is unknown, when we know more than JCasC would say."""
    lower = key.lower()
    if lower in ROOT_NOTES:
        return f"'{key}': {ROOT_NOTES[lower]}."
    if lower in ROOTS:
        return _phrase(ROOTS[lower], key)
    return None


def attribute_owner(where: str, key: str) -> Optional[str]:
    owner = ATTRIBUTES.get(where, {}).get(key.lower())
    return _phrase(owner, key) if owner else None


def symbol_owner(interface: str, symbol: str) -> Optional[str]:
    owner = SYMBOLS.get(interface, {}).get(symbol.lower())
    return _phrase(owner, symbol) if owner else None
