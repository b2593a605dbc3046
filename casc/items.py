"""The native `items:` root (JCasC 2111+): freestyle jobs without Job DSL, and the removal policy.

The structure checks and their messages are JCasC's (`Each item must have exactly one type key.`,
`Invalid actionOnUndeclaredItems: x`...). Unlike JCasC, every attribute is checked in the same
dry run, so a bad item never leaves a half-created job behind.

A freestyle job is turned into the Declarative Pipeline it amounts to (shell builders become
`sh` steps, `archiveArtifacts` a `post { always }` step), so the engine runs it like any other
job. `actionOnUndeclaredItems` (keep | delete-tracked | delete-all) is this orchestrator's switch
for removing jobs that are no longer declared, for `jobs:` as well as `items:` (see apply.py).
"""
from __future__ import annotations

from typing import Any

from .errors import ItemsError
from .jobs import check_pipeline, cron_problem, name_problem
from .model import InlineScript, Job, LogRotator, Origin, Parameter, Trigger
from .spec import INVALID, Attr, Bool, Built, Context, Int, ListOf, Obj, OneOf, Text
from .yaml_lines import AnyNode, Mapping, Scalar, Sequence

ACTIONS = ("keep", "delete-tracked", "delete-all")
ROOT_KEYS = ("items", "actionOnUndeclaredItems")


def groovy_string(text: str) -> str:
    """A single-quoted Groovy literal (no interpolation) holding exactly `text`."""
    escaped = (text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f"'{escaped}'"


def _number(b: Built, attr: str) -> int:
    text = (b.values.pop(Attr(attr).keyword, "") or "").strip()
    return int(text) if text.lstrip("-").isdigit() else -1


LOG_ROTATOR = Obj("hudson.tasks.LogRotator", [Attr(n) for n in ("daysToKeepStr", "numToKeepStr",
                                                                "artifactDaysToKeepStr", "artifactNumToKeepStr")],
                  build=lambda b: LogRotator(*(_number(b, n) for n in ("daysToKeepStr", "numToKeepStr",
                                                                       "artifactDaysToKeepStr",
                                                                       "artifactNumToKeepStr"))))
BUILD_DISCARDER = OneOf("jenkins.model.BuildDiscarder", {"logRotator": LOG_ROTATOR})
BUILDER = OneOf("hudson.tasks.Builder", {
    "shell": Obj("hudson.tasks.Shell", [Attr("command", required=True)],
                 build=lambda b: f"sh {groovy_string(b.values['command'])}"),
}, {"Shell": "shell"})


def _archive(b: Built) -> str:
    options = [f"artifacts: {groovy_string(b.values['artifacts'])}"]
    if b.values.get("excludes"):
        options.append(f"excludes: {groovy_string(b.values['excludes'])}")
    for flag in ("allow_empty_archive", "fingerprint"):
        if flag in b.values:
            name = "allowEmptyArchive" if flag == "allow_empty_archive" else "fingerprint"
            options.append(f"{name}: {'true' if b.values[flag] else 'false'}")
    condition = "success" if b.values.get("only_if_successful") else "always"
    return f"{condition}:archiveArtifacts({', '.join(options)})"


PUBLISHER = OneOf("hudson.tasks.Publisher", {
    "archiveArtifacts": Obj("hudson.tasks.ArtifactArchiver", [
        Attr("artifacts", required=True), Attr("excludes"), Attr("allowEmptyArchive", Bool()),
        Attr("fingerprint", Bool()), Attr("onlyIfSuccessful", Bool())], build=_archive),
}, {"ArtifactArchiver": "archiveArtifacts"})


def _trigger(kind: str, attr: str):
    def build(b: Built) -> Any:
        spec = b.values.get(Attr(attr).keyword, "")
        problem = cron_problem(spec)
        return b.error(problem, attr) if problem else Trigger(kind, spec)
    return build


TRIGGER = OneOf("hudson.triggers.Trigger", {
    "cron": Obj("hudson.triggers.TimerTrigger", [Attr("spec", required=True)], build=_trigger("cron", "spec")),
    "pollSCM": Obj("hudson.triggers.SCMTrigger", [Attr("scmpoll_spec", required=True, field="spec"),
                                                 Attr("ignorePostCommitHooks", Bool(), field="")],
                   build=_trigger("pollSCM", "spec")),
})


def _parameter(kind: str, extra: list[Attr], default: Any = ""):
    def build(b: Built) -> Parameter:
        if "defaultValueAsSecret" in b.present:
            b.warn("defaultValueAsSecret is not kept: secrets stay out of job definitions (give the value when "
                   "triggering, or use a credential)", "defaultValueAsSecret")
        return Parameter(kind=kind, **{"default": default, **b.values})
    attrs = [Attr("name", required=True), Attr("description")] + extra
    return Obj(f"hudson.model.{kind}ParameterDefinition", attrs, build=build)


def _choice(b: Built) -> Parameter:
    choices = b.values.pop("choices", ())
    if isinstance(choices, str):
        choices = tuple(c for c in choices.splitlines() if c)
    return Parameter("choice", default=choices[0] if choices else "", choices=tuple(choices), **b.values)


PARAMETER = OneOf("hudson.model.ParameterDefinition", {
    "string": _parameter("string", [Attr("defaultValue", field="default"), Attr("trim", Bool())]),
    "booleanParam": _parameter("boolean", [Attr("defaultValue", Bool(), field="default")], False),
    "text": _parameter("text", [Attr("defaultValue", field="default"), Attr("trim", Bool())]),
    "password": _parameter("password", [Attr("defaultValueAsSecret", secret=True, field="")]),
    "choice": Obj("hudson.model.ChoiceParameterDefinition", [Attr("name", required=True), Attr("description"),
                                                             Attr("choices", ListOf(Text()))], build=_choice),
})
PROPERTY = OneOf("hudson.model.JobProperty", {
    "parameters": Obj("hudson.model.ParametersDefinitionProperty",
                      [Attr("parameterDefinitions", ListOf(PARAMETER))],
                      build=lambda b: b.values.get("parameter_definitions", ())),
})


def pipeline_of(builders: tuple[str, ...], publishers: tuple[str, ...]) -> str:
    """The Declarative Pipeline a freestyle job amounts to."""
    steps = "\n".join(f"                {s}" for s in builders) or "                echo 'No build steps'"
    post: dict[str, list[str]] = {}
    for publisher in publishers:
        condition, _, step = publisher.partition(":")
        post.setdefault(condition, []).append(step)
    post_text = "".join(f"        {cond} {{\n" + "".join(f"            {s}\n" for s in items) + "        }\n"
                        for cond, items in post.items())
    return ("pipeline {\n    agent any\n    stages {\n        stage('Build') {\n            steps {\n"
            f"{steps}\n            }}\n        }}\n    }}\n"
            + (f"    post {{\n{post_text}    }}\n" if post_text else "") + "}\n")


def _freestyle(b: Built) -> Any:
    values = b.values
    script = pipeline_of(values.pop("builders", ()), values.pop("publishers", ()))
    check_pipeline(b.ctx, script, b.node.file, lambda n: b.node.line, b.path, f"freestyle '{values['name']}'")
    rotator = values.pop("build_discarder", None)
    params = tuple(p for group in values.pop("properties", ()) for p in group)
    return Job(kind="freestyle", definition=InlineScript(script, sandbox=True), log_rotator=rotator,
               parameters=params, concurrent_builds=values.pop("concurrent_build", False),
               origin=Origin(b.node.file, b.node.line, b.path), **values)


FREESTYLE = Obj("hudson.model.FreeStyleProject", [
    Attr("name", required=True), Attr("displayName"), Attr("description"), Attr("disabled", Bool()),
    Attr("concurrentBuild", Bool()), Attr("quietPeriod", Int(0)), Attr("buildDiscarder", BUILD_DISCARDER),
    Attr("builders", ListOf(BUILDER)), Attr("publishers", ListOf(PUBLISHER)), Attr("triggers", ListOf(TRIGGER)),
    Attr("properties", ListOf(PROPERTY)),
], build=_freestyle)
ITEM_TYPES = {"freestyle": FREESTYLE}


def check_root(ctx: Context, node: AnyNode, path: str = "items") -> Any:
    """The `items:` root -> (jobs, actionOnUndeclaredItems), or INVALID."""
    errors_before = len(ctx.errors)
    action, items = "keep", None
    if isinstance(node, Mapping):
        action, items = _mapping_form(ctx, node, path)
        path = f"{path}.items"
    elif isinstance(node, Sequence):
        items = node
    elif not (isinstance(node, Scalar) and node.value is None):
        return ctx.error(ItemsError, f"Expected a sequence of items, found: {node.kind}", node, path)
    jobs = [job for i, item in enumerate(items or ()) if (job := _item(ctx, item, f"{path}[{i}]")) is not INVALID]
    return INVALID if len(ctx.errors) > errors_before else (jobs, action)


def _mapping_form(ctx: Context, node: Mapping, path: str) -> tuple[str, Any]:
    keys = node.keys()
    if not any(k in ROOT_KEYS for k in keys):
        ctx.error(ItemsError, "Invalid items configuration. Expected a sequence of items, or a mapping containing "
                              "'items' or 'actionOnUndeclaredItems'.", node, path)
        return "keep", None
    for key, _ in node:
        if key.text not in ROOT_KEYS:
            ctx.error(ItemsError, f"Invalid items configuration. Unsupported key '{key.text}'. Only 'items' and "
                                  "'actionOnUndeclaredItems' are allowed.", key, f"{path}.{key.text}")
    action = "keep"
    action_node = node.get("actionOnUndeclaredItems")
    if action_node is not None:
        where = f"{path}.actionOnUndeclaredItems"
        action = ctx.scalar(action_node, where, Attr("actionOnUndeclaredItems"))
        if action is not INVALID and action not in ACTIONS:
            ctx.error(ItemsError, f"Invalid actionOnUndeclaredItems: {action}", action_node, where)
    items = node.get("items")
    if isinstance(items, Mapping):
        ctx.error(ItemsError, "Expected a sequence of items, found: Mapping", items, f"{path}.items")
        return action, None
    empty = items is None or (isinstance(items, Scalar) and items.value is None)
    if not empty and not isinstance(items, Sequence):
        ctx.error(ItemsError, f"Expected a sequence of items, found: {items.kind}", items, f"{path}.items")
        return action, None
    return action, items if isinstance(items, Sequence) else None


def _item(ctx: Context, item: AnyNode, path: str) -> Any:
    if not isinstance(item, Mapping) or len(item) != 1:
        return ctx.error(ItemsError, "Each item must have exactly one type key.", item, path)
    key, props = item.entries[0]
    kind, where = key.text, f"{path}.{key.text}"
    if not isinstance(props, Mapping):
        return ctx.wrong_kind(props, where, Attr(kind), "Mapping")
    name_node = props.get("name")
    if name_node is None:
        return ctx.error(ItemsError, f"Item of type '{kind}' is missing a 'name' attribute.", props, where)
    name = ctx.scalar(name_node, f"{where}.name", Attr("name"))
    if name is INVALID:
        return INVALID
    if not name.strip():
        return ctx.error(ItemsError, f"Item of type '{kind}' must have a non-empty 'name' attribute.", name_node,
                         f"{where}.name")
    configurator = next((c for t, c in ITEM_TYPES.items() if t.lower() == kind.lower()), None)
    if configurator is None:
        return ctx.error(ItemsError, f"No ItemConfigurator found for type: {kind}\nAvailable types : "
                                     f"{', '.join(ITEM_TYPES)}", key, where)
    problem = "‘/’ is an unsafe character (items are top-level jobs)" if "/" in name else name_problem(name)
    if problem:
        return ctx.error(ItemsError, problem, name_node, f"{where}.name")
    return configurator.check(ctx, props, where, Attr(kind))
