"""The global-configuration roots: `unclassified:`, `security:`, `tool:` and `appearance:`.

In Jenkins each of these holds one entry per plugin descriptor. Few of them mean anything here:
`unclassified: location` (the controller's URL, used in BUILD_URL and links) and `security:
apiToken` are applied; script-approval and Job DSL security settings are accepted with a
warning (nothing here executes unreviewed Groovy); every other entry is refused naming the
plugin it belongs to (see plugins.py), or only warned about under `unknown: warn`.
"""
from __future__ import annotations

from .model import ApiTokenSettings, Location
from .spec import Attr, Bool, Built, Obj

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

UNCLASSIFIED = Obj(f"{CATEGORY}$Unclassified", [Attr("location", LOCATION)], owner="unclassified",
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
