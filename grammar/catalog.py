"""What this orchestrator knows how to run: agent types, options, triggers, parameters, tools, when
conditions, post conditions and steps, with their parameters.

In Jenkins these sets come from installed plugins; the validator's "valid types" lists and its
argument checks come from here. A step missing from STEPS is not an error at validation time
(Jenkins reports unknown steps only when they run); the engine reports it before running.
Types use Jenkins' spellings because they appear in its messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

STRING = "class java.lang.String"
INT = "int"
BOOLEAN = "boolean"
OBJECT = "class java.lang.Object"
LIST = "java.util.List"
MAP = "java.util.Map"


@dataclass(frozen=True)
class Describable:
    """A step, option, trigger, parameter type or when condition and its parameter model."""
    name: str
    params: dict[str, str] = field(default_factory=dict)   # parameter -> Jenkins type name
    required: tuple[str, ...] = ()
    block: bool = False             # takes a body closure (wrapper steps)
    positional: int = -1            # >= 0: takes exactly this many positional arguments (cron('...'))
    single: str | None = None       # the parameter a lone unnamed argument binds to, when not required

    @property
    def sole_required(self) -> str | None:
        """The parameter a single unnamed argument binds to (`echo 'x'` -> message)."""
        if len(self.required) == 1:
            return self.required[0]
        if self.single:
            return self.single
        if not self.required and len(self.params) == 1:
            return next(iter(self.params))
        return None


def _d(name, params=None, required=(), block=False, positional=-1, single=None) -> Describable:
    return Describable(name, dict(params or {}), tuple(required), block, positional, single)


_SH = {"script": STRING, "returnStdout": BOOLEAN, "returnStatus": BOOLEAN, "encoding": STRING, "label": STRING}

STEPS: dict[str, Describable] = {d.name: d for d in [
    _d("echo", {"message": STRING}, ["message"]),
    _d("sh", _SH, ["script"]),
    _d("bat", _SH, ["script"]),
    _d("powershell", _SH, ["script"]),
    _d("pwsh", _SH, ["script"]),
    _d("error", {"message": STRING}, ["message"]),
    _d("sleep", {"time": INT, "unit": STRING}, ["time"]),
    _d("timeout", {"time": INT, "unit": STRING, "activity": BOOLEAN}, ["time"], block=True),
    _d("retry", {"count": INT, "conditions": LIST}, ["count"], block=True),
    _d("dir", {"path": STRING}, ["path"], block=True),
    _d("ws", {"dir": STRING}, ["dir"], block=True),
    _d("withEnv", {"overrides": LIST}, ["overrides"], block=True),
    _d("writeFile", {"file": STRING, "text": STRING, "encoding": STRING}, ["file", "text"]),
    _d("readFile", {"file": STRING, "encoding": STRING}, ["file"]),
    _d("fileExists", {"file": STRING}, ["file"]),
    _d("deleteDir"),
    _d("cleanWs", {"cleanWhenAborted": BOOLEAN, "cleanWhenFailure": BOOLEAN, "cleanWhenNotBuilt": BOOLEAN,
                   "cleanWhenSuccess": BOOLEAN, "cleanWhenUnstable": BOOLEAN, "deleteDirs": BOOLEAN,
                   "disableDeferredWipeout": BOOLEAN, "notFailBuild": BOOLEAN, "patterns": LIST,
                   "externalDelete": STRING, "skipWhenFailed": BOOLEAN, "cleanupMatrixParent": BOOLEAN}),
    _d("pwd", {"tmp": BOOLEAN}),
    _d("isUnix"),
    _d("archiveArtifacts", {"artifacts": STRING, "allowEmptyArchive": BOOLEAN, "caseSensitive": BOOLEAN,
                            "defaultExcludes": BOOLEAN, "excludes": STRING, "fingerprint": BOOLEAN,
                            "followSymlinks": BOOLEAN, "onlyIfSuccessful": BOOLEAN}, ["artifacts"]),
    _d("archive", {"includes": STRING, "excludes": STRING}, ["includes"]),
    _d("stash", {"name": STRING, "includes": STRING, "excludes": STRING, "allowEmpty": BOOLEAN,
                 "useDefaultExcludes": BOOLEAN}, ["name"]),
    _d("unstash", {"name": STRING}, ["name"]),
    _d("junit", {"testResults": STRING, "allowEmptyResults": BOOLEAN, "keepLongStdio": BOOLEAN,
                 "healthScaleFactor": "double", "skipPublishingChecks": BOOLEAN, "skipMarkingBuildUnstable": BOOLEAN,
                 "checksName": STRING, "testDataPublishers": LIST, "keepProperties": BOOLEAN,
                 "keepTestNames": BOOLEAN, "stdioRetention": STRING}, ["testResults"]),
    _d("checkout", {"scm": OBJECT, "changelog": BOOLEAN, "poll": BOOLEAN}, ["scm"]),
    _d("git", {"url": STRING, "branch": STRING, "credentialsId": STRING, "changelog": BOOLEAN, "poll": BOOLEAN}, single="url"),
    _d("withCredentials", {"bindings": LIST}, ["bindings"], block=True),
    _d("readJSON", {"file": STRING, "text": STRING, "returnPojo": BOOLEAN}),
    _d("writeJSON", {"file": STRING, "json": OBJECT, "pretty": INT, "returnText": BOOLEAN}, ["json"]),
    _d("readYaml", {"file": STRING, "text": STRING}),
    _d("writeYaml", {"file": STRING, "data": OBJECT, "datas": LIST, "overwrite": BOOLEAN, "charset": STRING,
                     "returnText": BOOLEAN}),
    _d("readProperties", {"file": STRING, "text": STRING, "defaults": MAP}),
    _d("input", {"message": STRING, "id": STRING, "ok": STRING, "parameters": LIST, "submitter": STRING,
                 "submitterParameter": STRING}, ["message"]),
    _d("build", {"job": STRING, "parameters": LIST, "propagate": BOOLEAN, "wait": BOOLEAN, "quietPeriod": INT,
                 "waitForStart": BOOLEAN}, ["job"]),
    _d("catchError", {"buildResult": STRING, "stageResult": STRING, "message": STRING,
                      "catchInterruptions": BOOLEAN}, block=True),
    _d("warnError", {"message": STRING, "catchInterruptions": BOOLEAN}, ["message"], block=True),
    _d("unstable", {"message": STRING}, ["message"]),
    _d("waitUntil", {"initialRecurrencePeriod": "long", "quiet": BOOLEAN}, block=True),
    _d("node", {"label": STRING}, block=True),
    _d("script", block=True),
    _d("parallel"),
    _d("tool", {"name": STRING, "type": STRING}, ["name"]),
    _d("library", {"identifier": STRING, "changelog": BOOLEAN, "retriever": OBJECT}, ["identifier"]),
    _d("container", {"name": STRING, "shell": STRING}, ["name"], block=True),
    _d("mail", {"to": STRING, "subject": STRING, "body": STRING, "cc": STRING, "bcc": STRING, "from": STRING,
                "replyTo": STRING, "mimeType": STRING, "charset": STRING}, ["subject", "body"]),
    _d("milestone", {"ordinal": "java.lang.Integer", "label": STRING, "unsafe": BOOLEAN}, single="ordinal"),
    _d("lock", {"resource": STRING, "label": STRING, "quantity": INT, "variable": STRING, "inversePrecedence": BOOLEAN,
                "skipIfLocked": BOOLEAN, "extra": LIST}, block=True, single="resource"),
    _d("timestamps", block=True),
    _d("ansiColor", {"colorMapName": STRING}, ["colorMapName"], block=True),
    _d("step", {"delegate": OBJECT}, ["delegate"]),
    _d("properties", {"properties": LIST}, ["properties"]),
    _d("stage", {"name": STRING}, ["name"], block=True),
    _d("emailext", {"to": STRING, "subject": STRING, "body": STRING, "attachLog": BOOLEAN,
                    "recipientProviders": LIST, "mimeType": STRING, "from": STRING, "replyTo": STRING,
                    "attachmentsPattern": STRING, "compressLog": BOOLEAN, "postsendScript": STRING,
                    "presendScript": STRING}),
    _d("sshagent", {"credentials": LIST, "ignoreMissing": BOOLEAN}, ["credentials"], block=True),
    _d("podTemplate", block=True),
    _d("currentBuild"),
]}

# Options: job properties (pipeline level only), declarative options, and block-scoped steps.
JOB_PROPERTIES: dict[str, Describable] = {d.name: d for d in [
    _d("buildDiscarder", {"strategy": OBJECT}, ["strategy"]),
    _d("disableConcurrentBuilds", {"abortPrevious": BOOLEAN}),
    _d("disableResume"),
    _d("durabilityHint", {"hint": STRING}, ["hint"]),
    _d("overrideIndexTriggers", {"value": BOOLEAN}, ["value"]),
    _d("rateLimitBuilds", {"throttle": OBJECT}, ["throttle"]),
    _d("copyArtifactPermission", {"projectNames": STRING}, ["projectNames"]),
    _d("githubProjectProperty", {"projectUrlStr": STRING, "displayName": STRING}, ["projectUrlStr"]),
    _d("pipelineTriggers", {"triggers": LIST}, ["triggers"]),
    _d("parameters", {"parameterDefinitions": LIST}, ["parameterDefinitions"]),
]}
DECLARATIVE_OPTIONS: dict[str, tuple[Describable, bool, bool]] = {  # name -> (model, pipeline level, stage level)
    d.name: (d, top, stage) for d, top, stage in [
        (_d("checkoutToSubdirectory", {"subdirectory": STRING}, ["subdirectory"]), True, True),
        (_d("disableRestartFromStage"), True, False),
        (_d("newContainerPerStage"), True, False),
        (_d("parallelsAlwaysFailFast"), True, False),
        (_d("preserveStashes", {"buildCount": "java.lang.Integer"}), True, False),
        (_d("quietPeriod", {"quietPeriod": INT}, ["quietPeriod"]), True, False),
        (_d("skipDefaultCheckout", {"skip": "java.lang.Boolean"}), True, True),
        (_d("skipStagesAfterUnstable"), True, False),
    ]
}
WRAPPER_STEPS = tuple(sorted(name for name, d in STEPS.items()
                             if d.block and name not in ("node", "stage", "script", "ws", "dir", "container",
                                                         "podTemplate", "parallel", "waitUntil")))

TRIGGERS: dict[str, Describable] = {d.name: d for d in [
    _d("cron", {"spec": STRING}, ["spec"], positional=1),
    _d("pollSCM", {"scmpoll_spec": STRING, "ignorePostCommitHooks": BOOLEAN}, ["scmpoll_spec"]),
    _d("upstream", {"upstreamProjects": STRING, "threshold": OBJECT}, ["upstreamProjects"]),
    _d("githubPush"),
    _d("gitlab", {"triggerOnPush": BOOLEAN, "triggerOnMergeRequest": BOOLEAN, "branchFilterType": STRING,
                  "secretToken": STRING}),
    _d("GenericTrigger", {"genericVariables": LIST, "token": STRING, "tokenCredentialId": STRING,
                          "causeString": STRING, "printContributedVariables": BOOLEAN,
                          "printPostContent": BOOLEAN, "regexpFilterText": STRING,
                          "regexpFilterExpression": STRING, "silentResponse": BOOLEAN,
                          "genericRequestVariables": LIST, "genericHeaderVariables": LIST}),
]}

_PARAM_COMMON = {"name": STRING, "description": STRING}
PARAMETER_TYPES: dict[str, Describable] = {d.name: d for d in [
    _d("string", {**_PARAM_COMMON, "defaultValue": STRING, "trim": BOOLEAN}, ["name"]),
    _d("text", {**_PARAM_COMMON, "defaultValue": STRING, "trim": BOOLEAN}, ["name"]),
    _d("booleanParam", {**_PARAM_COMMON, "defaultValue": BOOLEAN}, ["name"]),
    _d("choice", {**_PARAM_COMMON, "choices": OBJECT}, ["name"]),
    _d("password", {**_PARAM_COMMON, "defaultValue": STRING}, ["name"]),
    _d("file", {**_PARAM_COMMON}, ["name"]),
    _d("run", {**_PARAM_COMMON, "projectName": STRING, "filter": STRING}, ["name"]),
    _d("credentials", {**_PARAM_COMMON, "credentialType": STRING, "defaultValue": STRING, "required": BOOLEAN},
       ["name"]),
    _d("base64File", {**_PARAM_COMMON}, ["name"]),
    _d("stashedFile", {**_PARAM_COMMON}, ["name"]),
]}

TOOL_TYPES = ("ant", "git", "gradle", "go", "jdk", "maven", "nodejs", "dockerTool")

WHEN_CONDITIONS: dict[str, Describable] = {d.name: d for d in [
    _d("allOf"), _d("anyOf"), _d("not"),
    _d("branch", {"pattern": STRING, "comparator": STRING}, ["pattern"]),
    _d("buildingTag"),
    _d("changeRequest", {"id": STRING, "target": STRING, "branch": STRING, "fork": STRING, "url": STRING,
                         "title": STRING, "author": STRING, "authorDisplayName": STRING, "authorEmail": STRING,
                         "comparator": STRING}),
    _d("changelog", {"pattern": STRING}, ["pattern"]),
    _d("changeset", {"pattern": STRING, "comparator": STRING, "caseSensitive": BOOLEAN}, ["pattern"]),
    _d("environment", {"name": STRING, "value": STRING, "ignoreCase": BOOLEAN}, ["name", "value"]),
    _d("equals", {"expected": OBJECT, "actual": OBJECT}, ["expected", "actual"]),
    _d("expression"),
    _d("isRestartedRun"),
    _d("tag", {"pattern": STRING, "comparator": STRING}, ["pattern"]),
    _d("triggeredBy", {"cause": STRING, "detail": STRING}, ["cause"]),
]}
WHEN_CHILDREN = {"allOf": -1, "anyOf": -1, "not": 1}  # -1: at least one

# Agent types and their parameters (required ones first).
AGENT_TYPES: dict[str, Describable] = {d.name: d for d in [
    _d("any"), _d("none"),
    _d("label", {"label": STRING, "customWorkspace": STRING, "retries": INT}, ["label"]),
    _d("node", {"label": STRING, "customWorkspace": STRING, "retries": INT}, ["label"]),
    _d("docker", {"image": STRING, "alwaysPull": BOOLEAN, "args": STRING, "label": STRING,
                  "customWorkspace": STRING, "registryUrl": STRING, "registryCredentialsId": STRING,
                  "reuseNode": BOOLEAN, "containerPerStageRoot": BOOLEAN}, ["image"]),
    _d("dockerfile", {"filename": STRING, "dir": STRING, "additionalBuildArgs": STRING, "args": STRING,
                      "label": STRING, "customWorkspace": STRING, "registryUrl": STRING,
                      "registryCredentialsId": STRING, "reuseNode": BOOLEAN, "containerPerStageRoot": BOOLEAN}),
    _d("kubernetes", {k: OBJECT for k in (
        "yaml", "yamlFile", "yamlMergeStrategy", "inheritYamlMergeStrategy", "inheritFrom", "cloud", "namespace",
        "defaultContainer", "customWorkspace", "workingDir", "serviceAccount", "schedulerName", "nodeSelector",
        "activeDeadlineSeconds", "slaveConnectTimeout", "idleMinutes", "instanceCap", "podRetention",
        "workspaceVolume", "supplementalGroups", "showRawYaml", "agentContainer", "agentInjection", "retries",
        "label", "containerTemplate", "containerTemplates", "nodeUsageMode", "podTemplate", "useDefaultJnlp")}),
]}

# Types that real Jenkinsfiles use from plugins orchestrator does not implement. Naming one is a
# warning (the pipeline still runs; the feature does nothing), not the error an unknown name is.
PLUGIN_ONLY: dict[str, dict[str, str]] = {
    "trigger": {
        "parameterizedCron": "parameterized-scheduler",
        "issueCommentTrigger": "pipeline-github",
        "eventTrigger": "cloudbees-event-trigger",
        "bitbucketPush": "bitbucket",
        "gitlabPush": "gitlab-plugin",
        "githubPullRequests": "github-pullrequest",
        "ciBuildTrigger": "jms-messaging",
    },
    "parameter": {
        "separator": "parameter-separator",
        "extendedChoice": "extended-choice-parameter",
        "gitParameter": "git-parameter",
        "activeChoice": "uno-choice",
        "activeChoiceParam": "uno-choice",
        "reactiveChoice": "uno-choice",
        "activeChoiceReactiveParam": "uno-choice",
        "activeChoiceReactiveReferenceParam": "uno-choice",
        "validatingString": "validating-string-parameter",
        "persistentString": "persistent-parameter",
        "listGitBranches": "list-git-branches-parameter",
        "imageTag": "image-tag-parameter",
    },
    "option": {
        "gitLabConnection": "gitlab-plugin",
        "gitlabBuilds": "gitlab-plugin",
        "gitlabCommitStatus": "gitlab-plugin",
        "office365ConnectorWebhooks": "Office-365-Connector",
        "throttleJobProperty": "throttle-concurrents",
        "throttle": "throttle-concurrents",
        "sidebarLinks": "sidebar-link",
        "withAWS": "pipeline-aws",
        "withFolderProperties": "pipeline-multibranch-defaults",
        "buildBlocker": "build-blocker-plugin",
        "xvfb": "xvfb",
        "sshagent": "ssh-agent",
        "withMaven": "pipeline-maven",
        "azureKeyVault": "azure-keyvault",
        "cache": "jobcacher",
    },
}
