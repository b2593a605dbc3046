"""The Declarative model as Jenkins' JSON AST (pipeline-model-api's ast-schema.json).

This is what Jenkins' `pipeline-model-converter/toJson` answers, and what its round-trip tests
compare; the corpus' golden files under `valid/json/` are in this form.
"""
from __future__ import annotations

from typing import Any, Optional

from . import ast as a
from . import catalog
from . import groovy as g
from .printer import render


def value(expr) -> dict[str, Any]:
    """{"isLiteral": ..., "value": ...}: literals as values, GStrings as their quoted source, other
    expressions as "${source}" (ModelParser.parseArgument)."""
    if isinstance(expr, g.Literal):
        v = expr.value
        if isinstance(v, float) and v.is_integer() and expr.quote == "":
            v = float(v)
        return {"isLiteral": True, "value": v}
    if isinstance(expr, g.GString):
        return {"isLiteral": False, "value": expr.source}
    if isinstance(expr, g.Var) and expr.name in ("any", "none"):
        return {"isLiteral": True, "value": expr.name}
    if isinstance(expr, g.MapLit):
        return {"isLiteral": False, "value": render(expr)}
    return {"isLiteral": False, "value": "${" + render(expr) + "}"}


def _arguments(name: str, args: tuple, model: Optional[catalog.Describable]):
    named = [x for x in args if isinstance(x, g.NamedArg)]
    positional = [x for x in args if not isinstance(x, g.NamedArg)]
    if named and not positional:
        return [{"key": a.literal_key(x.key), "value": value(x.value)} for x in named]
    if len(positional) == 1 and not named:
        sole = model.sole_required if model else None
        if sole:
            return [{"key": sole, "value": value(positional[0])}]
        return value(positional[0])
    if not args:
        return []
    return [value(x if not isinstance(x, g.NamedArg) else x.value) for x in args]


def _script_block(closure: Optional[g.Closure], text: str) -> dict:
    source = text[closure.span[0]:closure.span[1]].strip() if closure is not None and text else ""
    return {"isLiteral": True, "value": source}


def step(s: a.Step, text: str) -> dict:
    if s.name == "script":
        return {"name": "script", "arguments": [{"key": "scriptBlock", "value": _script_block(s.script, text)}]}
    # Jenkins normalises a lone argument to the step's parameter name, except on block steps
    model = catalog.STEPS.get(s.name) if s.children is None else None
    out: dict[str, Any] = {"name": s.name, "arguments": _arguments(s.name, s.args, model)}
    if s.children is not None:
        out["children"] = [step(c, text) for c in s.children.steps]
    return out


def _branch(name: str, steps: a.Steps, text: str) -> dict:
    return {"name": name, "steps": [step(s, text) for s in steps.steps]}


def agent(ag: a.Agent) -> dict:
    if ag.value is None and not ag.params:
        return {"type": ag.type}
    if ag.value is not None:
        return {"type": ag.type, "argument": value(ag.value)}
    return {"type": ag.type, "arguments": _agent_params(ag.params)}


def _agent_params(params) -> list:
    out = []
    for key, v in params:
        if isinstance(v, a.AgentParams):
            out.append({"key": key, "value": _agent_params(v.params)})
        else:
            out.append({"key": key, "value": value(v)})
    return out


def _describables(items, registry) -> list:
    return [{"name": d.name, "arguments": _arguments(d.name, d.args, registry.get(d.name))} for d in items]


def when(w: a.When, text: str) -> dict:
    out: dict[str, Any] = {"conditions": [_condition(c, text) for c in w.conditions]}
    for key, flag in (("beforeAgent", w.before_agent), ("beforeInput", w.before_input),
                      ("beforeOptions", w.before_options)):
        if flag:
            out[key] = True
    return out


def _condition(c: a.WhenCondition, text: str) -> dict:
    if c.name == "expression":
        return {"name": "expression", "arguments": [{"key": "scriptBlock", "value": _script_block(c.script, text)}]}
    if c.children:
        return {"name": c.name, "children": [_condition(x, text) for x in c.children]}
    return {"name": c.name, "arguments": _arguments(c.name, c.args, catalog.WHEN_CONDITIONS.get(c.name))}


def post(p: a.Post, text: str) -> dict:
    return {"conditions": [{"condition": c.condition, "branch": _branch("default", c.steps, text)}
                           for c in p.conditions]}


def environment(env: a.Environment) -> list:
    out = []
    for entry in env.entries:
        v = entry.value
        if isinstance(v, g.Call) and v.receiver is None:
            out.append({"key": entry.name, "value": {"name": v.name, "arguments": [value(x) for x in v.args]}})
        else:
            out.append({"key": entry.name, "value": value(v)})
    return out


def _tools(tools: a.Tools) -> list:
    return [{"key": t.type, "value": value(t.name)} for t in tools.tools]


def _axis(axis: a.Axis) -> dict:
    out = {"name": axis.name, "values": [value(v) for v in axis.values]}
    if axis.inverse:
        out["inverse"] = True
    return out


def _directives(node, out: dict, text: str) -> None:
    if node.agent is not None:
        out["agent"] = agent(node.agent)
    if node.when is not None:
        out["when"] = when(node.when, text)
    if node.post is not None:
        out["post"] = post(node.post, text)
    if node.tools is not None:
        out["tools"] = _tools(node.tools)
    if node.environment is not None:
        out["environment"] = environment(node.environment)
    if node.options is not None:
        out["options"] = {"options": _describables(node.options.options, _option_models())}
    if node.input is not None:
        inp = node.input
        out["input"] = {k: value(v) for k, v in (("message", inp.message), ("id", inp.id), ("ok", inp.ok),
                                                 ("submitter", inp.submitter),
                                                 ("submitterParameter", inp.submitter_parameter)) if v is not None}
        if inp.parameters is not None:
            out["input"]["parameters"] = {"parameters": _describables(inp.parameters.parameters,
                                                                      catalog.PARAMETER_TYPES)}


def stage(s: a.Stage, text: str) -> dict:
    out: dict[str, Any] = {"name": s.name}
    if s.steps is not None:
        out["branches"] = [_branch("default", s.steps, text)]
    if s.parallel_branches:
        out["branches"] = [_branch(b.name, b.steps, text) for b in s.parallel_branches]
    if s.stages is not None:
        out["stages"] = [stage(x, text) for x in s.stages]
    if s.parallel is not None:
        out["parallel"] = [stage(x, text) for x in s.parallel]
    if s.matrix is not None:
        m = s.matrix
        matrix: dict[str, Any] = {"axes": [_axis(x) for x in m.axes]}
        if m.excludes:
            matrix["excludes"] = [[_axis(x) for x in e.axes] for e in m.excludes]
        matrix["stages"] = [stage(x, text) for x in m.stages]
        _directives(m, matrix, text)
        out["matrix"] = matrix
    if s.fail_fast is not None:
        out["failFast"] = s.fail_fast
    _directives(s, out, text)
    return out


def _option_models() -> dict:
    models = dict(catalog.JOB_PROPERTIES)
    models.update({k: v[0] for k, v in catalog.DECLARATIVE_OPTIONS.items()})
    models.update({k: catalog.STEPS[k] for k in catalog.WRAPPER_STEPS})
    return models


def to_json(p: a.Pipeline, text: str = "") -> dict:
    """The pipeline in Jenkins' JSON AST form; `text` is the source, for script blocks."""
    text = text or (p.script.text if p.script is not None else "")
    out: dict[str, Any] = {"stages": [stage(s, text) for s in p.stages]}
    if p.agent is not None:
        out["agent"] = agent(p.agent)
    if p.post is not None:
        out["post"] = post(p.post, text)
    if p.environment is not None:
        out["environment"] = environment(p.environment)
    if p.tools is not None:
        out["tools"] = _tools(p.tools)
    if p.options is not None:
        out["options"] = {"options": _describables(p.options.options, _option_models())}
    if p.parameters is not None:
        out["parameters"] = {"parameters": _describables(p.parameters.parameters, catalog.PARAMETER_TYPES)}
    if p.triggers is not None:
        out["triggers"] = {"triggers": _describables(p.triggers.triggers, catalog.TRIGGERS)}
    if p.libraries is not None:
        out["libraries"] = {"libraries": [value(x) for x in p.libraries.libraries]}
    return {"pipeline": out}
