"""Groovy tree -> Declarative model, collecting Jenkins' parse errors (its ModelParser).

Jenkins first compiles the Jenkinsfile as Groovy, then walks the `pipeline { }` call's closure and
reports every shape it cannot turn into a section, with the texts in reference §15. This module
does the same walk over `groovy` nodes. It never stops at the first error: every problem is
collected as a Diagnostic and a best-effort model is still built for the validator.
"""
from __future__ import annotations

from typing import Optional, Union

from . import ast as a
from . import groovy as g
from .model_common import (BIG_INTEGER, BLOCKED_STEPS, PIPELINE_SECTIONS, RENAMED_SECTIONS, STAGE_SECTIONS,
                           _LONG_MAX, _LONG_MIN, _Collector, _args_without_block, _block_of, _call_of,
                           _statement_text, is_pipeline_call, literal_string)
from .model_directives import DirectiveParsers
from .model_matrix import MatrixParsers
from .printer import render

class ModelBuilder(DirectiveParsers, MatrixParsers):
    """Builds the Pipeline from the `pipeline { }` call; errors go to `self.errors`."""

    def __init__(self, script: g.Script) -> None:
        self.script = script
        self.errors = _Collector()
        self._legacy_fail_fast: Optional[bool] = None

    def error(self, node, message: str) -> None:
        self.errors.error(node, message)

    # ------------------------------------------------------------ pipeline
    def pipeline(self, call: g.Call) -> a.Pipeline:
        block = _block_of(call)
        if block is None or len(call.args) != 1:
            self.error(call, 'Expected a block with the "pipeline" step')
            return a.Pipeline(call.line, call.column, None, (), script=self.script)
        sections: dict[str, object] = {}
        for stmt in block.body:
            section = _call_of(stmt)
            if section is None or section.receiver is not None:
                self.error(stmt, f'Not a valid section definition: "{_statement_text(stmt)}". '
                                 'Some extra configuration is required.')
                continue
            name = section.name
            if name in RENAMED_SECTIONS:
                self.error(section, RENAMED_SECTIONS[name])
                continue
            if name not in PIPELINE_SECTIONS:
                self.error(section, f'Undefined section "{name}"')
                continue
            if name in sections:
                self.error(section, f"Multiple occurrences of the {name} section")
                continue
            sections[name] = self.section(name, section)
        if "agent" not in sections:
            self.error(call, 'Missing required section "agent"')
        if "stages" not in sections:
            self.error(call, 'Missing required section "stages"')
        return a.Pipeline(
            call.line, call.column,
            agent=sections.get("agent"),
            stages=sections.get("stages") or (),
            environment=sections.get("environment"),
            options=sections.get("options"),
            parameters=sections.get("parameters"),
            triggers=sections.get("triggers"),
            tools=sections.get("tools"),
            libraries=sections.get("libraries"),
            post=sections.get("post"),
            script=self.script,
        )

    def section(self, name: str, call: g.Call):
        return getattr(self, "section_" + name)(call)

    def _require_block(self, call: g.Call, name: str) -> Optional[g.Closure]:
        block = _block_of(call)
        if block is None:
            self.error(call, f"Expected a block for {name}")
        return block

    # ------------------------------------------------------------ stages
    def section_stages(self, call: g.Call) -> tuple[a.Stage, ...]:
        block = self._require_block(call, "stages")
        if block is None:
            return ()
        return self.stage_list(block, call)

    def stage_list(self, block: g.Closure, owner) -> tuple[a.Stage, ...]:
        stages = []
        for stmt in block.body:
            stage_call = _call_of(stmt)
            if stage_call is None or stage_call.name != "stage" or stage_call.receiver is not None:
                self.error(stmt, "Expected a stage")
                continue
            stages.append(self.stage(stage_call))
        if not stages and not block.body:
            self.error(owner, "No stages specified")
        return tuple(stages)

    def stage_name(self, call: g.Call) -> str:
        args = _args_without_block(call)
        if not args:
            self.error(call, "Expected a stage name but did not find any")
            return "error"
        first = args[0]
        if isinstance(first, g.Var):
            return first.name  # `stage(FOO)` is the literal name FOO, as in Jenkins
        name = literal_string(first)
        if name is None:
            self.error(first, "Expected string literal")
            return "error"
        return name

    def stage(self, call: g.Call) -> a.Stage:
        if len(call.args) == 1 and isinstance(call.args[0], g.Closure):  # `stage { ... }`: the block is the name
            self.error(call.args[0], "Expected string literal")
            self.error(call, "Stage does not have a block")
            return a.Stage(call.line, call.column, "error")
        name = self.stage_name(call)
        block = _block_of(call)
        if block is None:
            self.error(call, "Stage does not have a block")
            return a.Stage(call.line, call.column, name)
        found: dict[str, object] = {}
        for stmt in block.body:
            section = _call_of(stmt)
            if section is None or section.receiver is not None:
                self.error(stmt, f'Not a valid stage section definition: "{_statement_text(stmt)}". '
                                 'Some extra configuration is required.')
                continue
            sname = section.name
            if sname not in STAGE_SECTIONS:
                self.error(section, f'Unknown stage section "{sname}". Starting with version 0.5, steps in a '
                                    'stage must be in a ‘steps’ block.')
                continue
            if sname in found:
                self.error(section, f"Multiple occurrences of the {sname} section")
                continue
            found[sname] = self.stage_section(sname, section)
        steps = found.get("steps")
        branches: tuple = ()
        fail_fast = found.get("failFast")
        if isinstance(steps, tuple):  # legacy parallel branches
            branches, steps = steps, None
            if fail_fast is None:
                fail_fast = self._legacy_fail_fast
        return a.Stage(
            call.line, call.column, name,
            steps=steps,
            stages=found.get("stages"),
            parallel=found.get("parallel"),
            matrix=found.get("matrix"),
            agent=found.get("agent"),
            when=found.get("when"),
            post=found.get("post"),
            options=found.get("options"),
            input=found.get("input"),
            tools=found.get("tools"),
            environment=found.get("environment"),
            fail_fast=fail_fast,
            parallel_branches=branches,
        )

    def stage_section(self, name: str, call: g.Call):
        if name == "steps":
            return self.section_steps(call)
        if name == "parallel":
            block = self._require_block(call, "parallel")
            return self.stage_list(block, call) if block is not None else ()
        if name == "failFast":
            return self.boolean(call, "failFast")
        if name == "input":
            return self.section_input(call)
        if name == "matrix":
            return self.section_matrix(call)
        if name == "when":
            return self.section_when(call)
        return self.section(name, call)

    def boolean(self, call: g.Call, name: str) -> Optional[bool]:
        args = call.args
        if len(args) == 1 and isinstance(args[0], g.Literal) and isinstance(args[0].value, bool):
            return args[0].value
        self.error(call, f"Expected a boolean with {name}")
        return None

    # ------------------------------------------------------------ steps
    def section_steps(self, call: g.Call):
        block = _block_of(call)
        if block is None:
            self.error(call, "Expected a block for steps")
            return a.Steps(call.line, call.column, ())
        # `steps { parallel(a: {...}, b: {...}) }`: the only statement may be the legacy parallel step
        if len(block.body) == 1:
            only = _call_of(block.body[0])
            if only is not None and only.receiver is None and only.name == "parallel" and _block_of(only) is None:
                return self.legacy_parallel(only)
        return self.steps(block, call)

    def legacy_parallel(self, call: g.Call) -> tuple[a.ParallelBranch, ...]:
        self._legacy_fail_fast = None
        branches = []
        seen = set()
        for arg in call.args:
            if not isinstance(arg, g.NamedArg):
                self.error(arg, "Expected closure or failFast")
                continue
            key = literal_string(arg.key) or render(arg.key)
            if key == "failFast":
                if not (isinstance(arg.value, g.Literal) and isinstance(arg.value.value, bool)):
                    self.error(arg.value, "Expected a boolean with failFast")
                else:
                    self._legacy_fail_fast = arg.value.value
                continue
            if not isinstance(arg.value, g.Closure):
                self.error(arg.value, "Expected closure or failFast")
                continue
            if key in seen:
                self.error(arg, f'Duplicate parallel branch name: "{key}"')
            seen.add(key)
            branches.append(a.ParallelBranch(arg.line, arg.column, key, self.steps(arg.value, arg)))
        return tuple(branches)

    def steps(self, block: g.Closure, owner) -> a.Steps:
        steps = []
        for stmt in block.body:
            step = self.step(stmt, only_step=len(block.body) == 1)
            if step is not None:
                steps.append(step)
        if not block.body:
            self.error(owner, "No steps specified for branch")
        return a.Steps(block.line, block.column, tuple(steps))

    def step(self, stmt, only_step: bool = False) -> Optional[a.Step]:
        call = _call_of(stmt)
        if call is None:
            self.error(stmt, "Expected a step")
            return None
        if call.receiver is not None:
            if isinstance(call.receiver, (g.Var, g.TypeName, g.Property, g.Call, g.This)):
                self.error(call, 'Method calls on objects not allowed outside "script" blocks.')
            else:
                self.error(call, "Expected a symbol")
            return None
        name = call.name
        if name in BLOCKED_STEPS:
            self.error(call, f'Invalid step "{name}" used - not allowed in this context - {BLOCKED_STEPS[name]}')
        if name == "parallel" and not only_step:
            self.error(call, 'Invalid step "parallel" used - not allowed in this context - The parallel step can '
                             'only be used as the only top-level step in a stages step block')
        self.check_values(_args_without_block(call))
        block = _block_of(call)
        if name == "script":
            if block is None:
                self.error(call, "Script step without a block")
            return a.Step(call.line, call.column, "script", (), None, block, call)
        children = None
        if block is not None:
            children = self.steps(block, call) if block.body else a.Steps(block.line, block.column, ())
        return a.Step(call.line, call.column, name, _args_without_block(call), children, None, call)

    def check_values(self, args) -> None:
        """Argument values Jenkins rejects whatever the step: bare `${x}`, BigIntegers, node as argument."""
        for arg in args:
            value = arg.value if isinstance(arg, (g.NamedArg, g.SpreadArg)) else arg
            self.check_value(value)

    def check_value(self, value) -> None:
        if isinstance(value, g.Call) and value.receiver is None and value.name == "$" and value.trailing:
            closure = value.args[-1]
            inner = closure.body[0] if len(closure.body) == 1 else None
            text = render(inner) if inner is not None else ""
            self.error(value, f'${{{text}}} cannot be used as a value directly. Did you mean "${{{text}}}"? (add quotes)')
        elif isinstance(value, g.Literal) and isinstance(value.value, int) and not isinstance(value.value, bool) \
                and not _LONG_MIN <= value.value <= _LONG_MAX:
            self.error(value, BIG_INTEGER)
        elif isinstance(value, g.Unary) and value.op == "-" and isinstance(value.operand, g.Literal) \
                and isinstance(value.operand.value, int) and -value.operand.value < _LONG_MIN:
            self.error(value, BIG_INTEGER)
        elif isinstance(value, g.Call) and value.receiver is None and value.name == "node":
            self.error(value, 'Invalid step "node" used - not allowed in this context - The node step cannot be '
                              'called as an argument to a method in Declarative Pipelines')
        elif isinstance(value, g.Call) and value.receiver is None and value.name in BLOCKED_STEPS:
            self.error(value, f'Invalid step "{value.name}" used - not allowed in this context - '
                              f'{BLOCKED_STEPS[value.name]}')
        elif isinstance(value, g.Call):
            self.check_values(_args_without_block(value))

    # ------------------------------------------------------------ agent
    def section_agent(self, call: g.Call) -> Optional[a.Agent]:
        block = _block_of(call)
        args = _args_without_block(call)
        if block is None:
            if not args:
                self.error(call, "No argument for agent")
                return None
            value = args[0]
            if len(args) == 1 and isinstance(value, g.Var) and value.name in ("any", "none"):
                return a.Agent(call.line, call.column, value.name)
            if len(args) == 1 and isinstance(value, g.Literal) and value.value in ("any", "none"):
                return a.Agent(call.line, call.column, value.value)
            self.error(call, 'Only "agent none", "agent any" or "agent {...}" are allowed.')
            return None
        types = [s for s in block.body]
        if not types:
            return a.Agent(call.line, call.column, "")  # the validator reports the missing type
        if len(types) > 1:
            self.error(call, "Only one agent type is allowed per agent section")
        type_call = _call_of(types[0])
        if type_call is None or type_call.receiver is not None:
            self.error(types[0], "Expected an agent")
            return None
        type_name = "node" if type_call.name == "label" and _block_of(type_call) is not None else type_call.name
        type_block = _block_of(type_call)
        type_args = _args_without_block(type_call)
        if type_block is not None:
            return a.Agent(type_call.line, type_call.column, type_name, None, self.closure_map(type_block).params)
        named = [x for x in type_args if isinstance(x, g.NamedArg)]
        if named:
            params = tuple((literal_string(x.key) or render(x.key), x.value) for x in named)
            return a.Agent(type_call.line, type_call.column, type_name, None, params)
        if not type_args:
            return a.Agent(type_call.line, type_call.column, type_name)
        if len(type_args) > 1:
            self.error(type_call, f'Too many arguments for map key "{type_name}"')
        self.check_value(type_args[0])
        return a.Agent(type_call.line, type_call.column, type_name, type_args[0])

    def closure_map(self, block: g.Closure) -> a.AgentParams:
        """`{ image 'x'; args '-v' ; nested { k 'v' } }` -> key/value pairs (ModelParser.parseClosureMap)."""
        params = []
        for stmt in block.body:
            call = _call_of(stmt)
            if call is None or call.receiver is not None:
                self.error(stmt, "Expected to find ‘someKey \"someValue\"’")
                continue
            inner = _block_of(call)
            args = _args_without_block(call)
            if inner is not None:
                params.append((call.name, self.closure_map(inner)))
            elif not args:
                self.error(call, f'No argument for map key "{call.name}"')
            elif len(args) > 1:
                self.error(call, f'Too many arguments for map key "{call.name}"')
            else:
                value = args[0].value if isinstance(args[0], g.NamedArg) else args[0]
                self.check_value(value)
                params.append((call.name, value))
        return a.AgentParams(block.line, block.column, tuple(params))


def find_pipeline(script: g.Script) -> Union[g.Call, None, tuple[str, g.Node]]:
    """The first top-level `pipeline { }` call.

    Returns None when there is none anywhere, or ("nested", node) when the only pipeline call sits
    inside another block (an error in Jenkins), or ("call", node) when it is inside `def call()`.
    """
    for stmt in script.body:
        if is_pipeline_call(stmt):
            return _call_of(stmt)
    for stmt in script.body:
        if isinstance(stmt, g.MethodDef) and stmt.name == "call":
            nested = _search_pipeline(stmt.body)
            if nested is not None:
                return ("call", nested)
    nested = _search_pipeline(script.body)
    if nested is not None:
        return ("nested", nested)
    return None


def _search_pipeline(stmts) -> Optional[g.Node]:
    for stmt in stmts:
        found = _search_node(stmt)
        if found is not None:
            return found
    return None


def _search_node(node) -> Optional[g.Node]:
    if is_pipeline_call(node) if isinstance(node, g.Stmt) else (
            isinstance(node, g.Call) and node.name == "pipeline" and node.receiver is None):
        return node
    if isinstance(node, g.ExprStmt):
        return _search_node(node.expr)
    if isinstance(node, g.Call):
        for arg in node.args:
            if isinstance(arg, g.Closure):
                found = _search_pipeline(arg.body)
                if found is not None:
                    return found
        return None
    if isinstance(node, (g.Block, g.MethodDef)):
        return _search_pipeline(node.body)
    if isinstance(node, g.Try):
        return _search_pipeline(node.body + tuple(s for c in node.catches for s in c.body) + (node.finally_body or ()))
    if isinstance(node, g.If):
        return _search_pipeline([node.then] + ([node.otherwise] if node.otherwise else []))
    if isinstance(node, (g.While, g.ForIn, g.ForC)):
        return _search_node(node.body)
    if isinstance(node, g.Labelled):
        return _search_node(node.statement)
    return None
