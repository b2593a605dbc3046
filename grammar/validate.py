"""Declarative model -> Jenkins' validation errors (its ModelValidatorImpl), all collected at once.

The parse-time errors come from `model.py`; these are the checks Jenkins runs afterwards against
its installed plugins' metadata, here against `catalog`.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from . import ast as a
from . import catalog
from . import groovy as g
from .errors import Diagnostic
from .printer import render

_ENV_IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def _java_type(value) -> str:
    if isinstance(value, bool):
        return "class java.lang.Boolean"
    if isinstance(value, int):
        return "class java.lang.Integer" if -2 ** 31 <= value < 2 ** 31 else "class java.lang.Long"
    if isinstance(value, float):
        return "class java.lang.Double"
    return "class java.lang.String"


def _java_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def edit_distance(x: str, y: str) -> int:
    previous = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        current = [i]
        for j, cy in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (cx != cy)))
        previous = current
    return previous[-1]


def nearest(word: str, candidates: Iterable[str]) -> str:
    return min(candidates, key=lambda c: edit_distance(word, c), default="")


class Validator:
    def __init__(self, tools: Optional[dict[str, list[str]]] = None) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.tools = tools  # configured tool installations by type; None skips that check

    def error(self, node, message: str) -> None:
        self.diagnostics.append(Diagnostic(getattr(node, "line", 1) or 1, getattr(node, "column", 1) or 1, message))

    def unknown(self, node, kind: str, name: str, message: str) -> None:
        """An unknown type is an error, unless it is a real plugin's that orchestrator does not run."""
        plugin = catalog.PLUGIN_ONLY.get(kind, {}).get(name)
        if plugin is None:
            self.error(node, message)
            return
        self.diagnostics.append(Diagnostic(
            node.line, node.column, f'{kind.capitalize()} type "{name}" comes from the Jenkins plugin "{plugin}", '
                                    "which orchestrator does not implement: it is ignored.", "warning"))

    # ------------------------------------------------------------ pipeline
    def pipeline(self, p: a.Pipeline) -> None:
        if p.agent is not None:
            self.agent(p.agent)
        self.stages(p.stages, within_parallel=False)
        if p.environment is not None:
            self.environment(p.environment)
        if p.options is not None:
            self.options(p.options, stage=False)
        if p.parameters is not None:
            self.parameters(p.parameters)
        if p.triggers is not None:
            self.triggers(p.triggers)
        if p.tools is not None:
            self.tools_section(p.tools)
        if p.post is not None:
            self.post(p.post)

    # ------------------------------------------------------------ stages
    def stages(self, stages: tuple[a.Stage, ...], within_parallel: bool) -> None:
        seen: set[str] = set()
        for stage in stages:
            if stage.name in seen:
                self.error(stage, f'Duplicate stage name: "{stage.name}"')
            seen.add(stage.name)
            self.stage(stage, within_parallel)

    def stage(self, s: a.Stage, within_parallel: bool) -> None:
        kinds = [k for k, present in (("steps", s.steps is not None or bool(s.parallel_branches)),
                                      ("stages", s.stages is not None), ("parallel", s.parallel is not None),
                                      ("matrix", s.matrix is not None)) if present]
        if len(kinds) > 1:
            self.error(s, f'Only one of "matrix", "parallel", "stages", or "steps" allowed for stage "{s.name}"')
        elif not kinds or (kinds == ["parallel"] and not s.parallel):
            self.error(s, f'Expected one of "steps", "stages", or "parallel" for stage "{s.name}"')
        fans_out = s.parallel is not None or s.matrix is not None
        if fans_out:
            if within_parallel:
                self.error(s, '"matrix" or "parallel" cannot be nested inside another "matrix" or "parallel".')
            if s.agent is not None:
                self.error(s.agent, f'"agent" is not allowed in stage "{s.name}" as it contains parallel or matrix stages')
            if s.tools is not None:
                self.error(s.tools, f'"tools" is not allowed in stage "{s.name}" as it contains parallel or matrix stages')
        if s.parallel_branches and within_parallel:
            self.error(s, '"matrix" or "parallel" cannot be nested inside another "matrix" or "parallel".')
        if s.agent is not None and not fans_out:
            self.agent(s.agent)
        if s.steps is not None:
            self.steps(s.steps)
        for branch in s.parallel_branches:
            self.steps(branch.steps)
        if s.stages is not None:
            self.stages(s.stages, within_parallel)
        if s.parallel:
            self.stages(s.parallel, within_parallel=True)
        if s.matrix is not None:
            self.matrix(s.matrix)
        self.stage_directives(s)

    def stage_directives(self, s) -> None:
        if s.when is not None:
            self.when(s.when)
        if s.environment is not None:
            self.environment(s.environment)
        if s.options is not None:
            self.options(s.options, stage=True)
        if s.input is not None and s.input.parameters is not None:
            self.parameters(s.input.parameters)
        if s.tools is not None and not (getattr(s, "parallel", None) is not None or getattr(s, "matrix", None) is not None):
            self.tools_section(s.tools)
        if s.post is not None:
            self.post(s.post)

    def matrix(self, m: a.Matrix) -> None:
        self.axes(m.axes)
        for exclude in m.excludes:
            self.axes(exclude.axes)
        if m.agent is not None:
            self.agent(m.agent)
        self.stages(m.stages, within_parallel=True)
        self.stage_directives(m)

    def axes(self, axes: tuple[a.Axis, ...]) -> None:
        names: set[str] = set()
        for axis in axes:
            if axis.name is None:
                continue
            if axis.name in names:
                self.error(axis, f'Duplicate axis name: "{axis.name}"')
            names.add(axis.name)
            if not _ENV_IDENTIFIER.match(axis.name):
                self.error(axis, f'"{axis.name}" is not a valid identifier and cannot be used for an environment '
                                 'variable. Identifiers must start with a letter or underscore and can contain only '
                                 'letters, numbers or underscores.')
            values: set[str] = set()
            for value in axis.values:
                text = _java_text(value.value) if isinstance(value, g.Literal) else render(value)
                if text in values:
                    self.error(value, f'Duplicate axis value: "{text}"')
                values.add(text)

    # ------------------------------------------------------------ steps
    def steps(self, steps: a.Steps) -> None:
        for step in steps.steps:
            model = catalog.STEPS.get(step.name)
            if model is not None and step.name not in ("script", "parallel"):
                self.arguments(step, step.name, model, step.args)
            if step.children is not None:
                self.steps(step.children)

    def arguments(self, node, name: str, model: catalog.Describable, args: tuple, named_only: bool = False) -> None:
        """Jenkins' validateElement(ModelASTStep): names, required parameters and literal types."""
        named = [x for x in args if isinstance(x, g.NamedArg)]
        positional = [x for x in args if not isinstance(x, g.NamedArg)]
        if len(args) == 1 and isinstance(args[0], g.MapLit) and any(
                render(e.key) == "$class" for e in args[0].entries):
            return  # legacy meta-step `step([$class: ...])`: parameters belong to the class
        if named and positional:
            return  # reported by the model builder (Cannot mix named and unnamed arguments)
        if model.positional >= 0:
            if len(positional) != model.positional and not named:
                self.error(node, f'"{name}" should have {model.positional} arguments but has {len(positional)} '
                                 'arguments instead.')
            return
        if len(positional) > 1:
            self.error(node, f'Arguments to "{name}" must be explicitly named.')
            return
        if positional:
            sole = model.sole_required
            if sole is None:
                if model.params:
                    self.error(node, "Step does not take a single required parameter - use named parameters instead")
                return
            self.literal_type(positional[0], model.params.get(sole, catalog.OBJECT), None)
            return
        keys: set[str] = set()
        for arg in named:
            key = a.literal_key(arg.key)
            if key in keys:
                self.error(arg, f"Duplicate named parameter '{key}' found")
                continue
            keys.add(key)
            if key not in model.params:
                self.error(arg, f'Invalid parameter "{key}", did you mean "{nearest(key, model.params)}"?')
                continue
            self.literal_type(arg.value, model.params[key], key)
        for required in model.required:
            if required not in keys:
                self.error(node, f'Missing required parameter: "{required}"')

    def literal_type(self, value, expected: str, param: Optional[str]) -> None:
        if not isinstance(value, g.Literal) or value.value is None:
            return
        v = value.value
        wrong = (expected == catalog.STRING and not isinstance(v, str)) or (
            expected == catalog.INT and (isinstance(v, (str, bool)) or isinstance(v, float)))
        if not wrong:
            return
        where = f' for parameter "{param}"' if param else ""
        self.error(value, f'Expecting "{expected}"{where} but got "{_java_text(v)}" of type {_java_type(v)} instead')

    # ------------------------------------------------------------ agent
    def agent(self, agent: a.Agent) -> None:
        types = sorted(catalog.AGENT_TYPES)
        listed = "[" + ", ".join(types) + "]"
        if not agent.type:
            self.error(agent, f"No agent type specified. Must be one of {listed}")
            return
        model = catalog.AGENT_TYPES.get(agent.type)
        if model is None:
            self.error(agent, f'Invalid agent type "{agent.type}" specified. Must be one of {listed}')
            return
        if agent.value is not None and len(model.required) > 1:
            self.error(agent, f'Multiple parameters are required for agent type "{agent.type}" - '
                              f'[{", ".join(model.required)}]. Please use a block instead.')
        for key, _value in agent.params:
            if key not in model.params:
                self.error(agent, f'Invalid config option "{key}" for agent type "{agent.type}". Valid config options '
                                  f'are [{", ".join(model.params)}]')
        if agent.params and agent.value is None:
            keys = {k for k, _ in agent.params}
            for required in model.required:
                if required not in keys and not (agent.type in ("label", "node") and required == "label"):
                    self.error(agent, f'Missing required parameter for agent type "{agent.type}": {required}')

    # ------------------------------------------------------------ environment
    def environment(self, env: a.Environment) -> None:
        for entry in env.entries:
            if not _ENV_IDENTIFIER.match(entry.name):
                self.error(entry, f'"{entry.name}" is not a valid identifier and cannot be used for an environment '
                                  'variable. Identifiers must start with a letter or underscore and can contain only '
                                  'letters, numbers or underscores.')

    # ------------------------------------------------------------ options, triggers, parameters, tools
    def options(self, options: a.Options, stage: bool) -> None:
        allowed: dict[str, catalog.Describable] = {}
        if not stage:
            allowed.update({k: v for k, v in catalog.JOB_PROPERTIES.items() if k not in ("pipelineTriggers", "parameters")})
        for name, (model, top, in_stage) in catalog.DECLARATIVE_OPTIONS.items():
            if (stage and in_stage) or (not stage and top):
                allowed[name] = model
        for name in catalog.WRAPPER_STEPS:
            allowed[name] = catalog.STEPS[name]
        listed = "[" + ", ".join(sorted(allowed)) + "]"
        seen: set[str] = set()
        for option in options.options:
            if option.name in ("parameters", "triggers") and not stage:
                self.error(option, f'The "{option.name}" job property cant be used in the "options" directive. Use the '
                                   f'"{option.name} {{...}}" directive instead.')
                continue
            model = allowed.get(option.name)
            if model is None:
                self.unknown(option, "option", option.name,
                             f'Invalid option type "{option.name}". Valid option types: {listed}')
                continue
            if option.name in seen:
                self.error(option, f'Duplicate option name: "{option.name}"')
            seen.add(option.name)
            self.arguments(option, option.name, model, option.args)
            if option.name == "preserveStashes":
                count = option.named_args.get("buildCount") or (option.positional_args or (None,))[0]
                if isinstance(count, g.Unary) and count.op == "-" and isinstance(count.operand, g.Literal):
                    count = g.Literal(count.line, count.column, -count.operand.value)
                if isinstance(count, g.Literal) and isinstance(count.value, int) and not 1 <= count.value <= 50:
                    self.error(option, "The number of builds to preserve must be between 1 and 50.")

    def triggers(self, triggers: a.Triggers) -> None:
        listed = "[" + ", ".join(sorted(catalog.TRIGGERS)) + "]"
        seen: set[str] = set()
        for trigger in triggers.triggers:
            model = catalog.TRIGGERS.get(trigger.name)
            if model is None:
                self.unknown(trigger, "trigger", trigger.name,
                             f'Invalid trigger type "{trigger.name}". Valid trigger types: {listed}')
                continue
            if trigger.name in seen:
                self.error(trigger, f'Duplicate trigger name: "{trigger.name}"')
            seen.add(trigger.name)
            self.arguments(trigger, trigger.name, model, trigger.args)
            self.trigger_values(trigger)

    def trigger_values(self, trigger: a.Describable) -> None:
        """A cron/pollSCM spec Jenkins would refuse when the job is saved, and an unknown upstream
        threshold, are errors here, at the trigger's line."""
        from .cron import check
        from .triggers import RESULTS, read_trigger, result_name
        decl = read_trigger(trigger)
        if decl is None:
            return
        if decl.kind in ("cron", "pollSCM") and decl.problem is None:
            problem = check(decl.spec)
            if problem:
                self.error(trigger, f"{trigger.name}: {problem}")
        if decl.kind == "upstream" and "threshold" in trigger.named_args \
                and result_name(trigger.named_args["threshold"]) is None:
            self.error(trigger, "upstream: threshold must be one of hudson.model.Result." +
                       ", hudson.model.Result.".join(RESULTS))

    def parameters(self, params: a.Parameters) -> None:
        listed = "[" + ", ".join(sorted(catalog.PARAMETER_TYPES)) + "]"
        for param in params.parameters:
            model = catalog.PARAMETER_TYPES.get(param.name)
            if model is None:
                self.unknown(param, "parameter", param.name,
                             f'Invalid parameter type "{param.name}". Valid parameter types: {listed}')
                continue
            self.arguments(param, param.name, model, param.args)

    def tools_section(self, tools: a.Tools) -> None:
        listed = "[" + ", ".join(sorted(catalog.TOOL_TYPES)) + "]"
        for tool in tools.tools:
            if tool.type not in catalog.TOOL_TYPES:
                self.error(tool, f'Invalid tool type "{tool.type}". Valid tool types: {listed}')
                continue
            installs = (self.tools or {}).get(tool.type) if self.tools is not None else None
            name = tool.name.value if isinstance(tool.name, g.Literal) else None
            if installs is not None and isinstance(name, str) and name not in installs:
                hint = f' - did you mean "{nearest(name, installs)}"?' if installs else ""
                self.error(tool, f'Tool type "{tool.type}" does not have an install of "{name}" configured{hint}')

    # ------------------------------------------------------------ when, post
    def when(self, when: a.When) -> None:
        for condition in when.conditions:
            self.when_condition(condition)

    def when_condition(self, c: a.WhenCondition) -> None:
        model = catalog.WHEN_CONDITIONS.get(c.name)
        if model is None:
            self.error(c, f"Unknown conditional {c.name}. Valid conditionals are: "
                          + ", ".join(sorted(catalog.WHEN_CONDITIONS)))
            return
        wanted = catalog.WHEN_CHILDREN.get(c.name)
        if wanted is not None:
            if c.args:
                self.error(c, f'No additional arguments are allowed for children when condition "{c.name}".')
            if wanted == -1 and not c.children:
                self.error(c, f'Nested when condition "{c.name}" requires at least one child condition.')
            elif wanted > 0 and len(c.children) != wanted:
                self.error(c, f'Nested when condition "{c.name}" requires exactly {wanted} child condition(s).')
            for child in c.children:
                self.when_condition(child)
            return
        if c.children:
            self.error(c, f'No children when conditions are allowed for when condition "{c.name}".')
            return
        if c.name == "expression":
            return
        if c.name == "changelog" and not c.args:
            self.error(c, 'Changelog is missing required parameter "pattern".')
            return
        self.arguments(c, c.name, model, c.args)
        pattern = c.named_args.get("pattern") or (c.positional_args[0] if c.positional_args else None)
        comparator = c.named_args.get("comparator")
        is_regex = c.name == "changelog" or (isinstance(comparator, g.Literal) and comparator.value == "REGEXP")
        if is_regex and isinstance(pattern, g.Literal) and isinstance(pattern.value, str):
            try:
                re.compile(pattern.value)
            except re.error as e:
                self.error(pattern, f'"{pattern.value}" is not a valid regular expression. {e}')

    def post(self, post: a.Post) -> None:
        for condition in post.conditions:
            self.steps(condition.steps)
