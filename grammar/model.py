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
from .errors import Diagnostic
from .printer import render

POST_CONDITIONS = ("always", "changed", "fixed", "regression", "aborted", "success", "unsuccessful",
                   "unstable", "failure", "notBuilt", "cleanup")
PIPELINE_SECTIONS = ("agent", "stages", "environment", "options", "parameters", "triggers", "tools",
                     "libraries", "post")
STAGE_SECTIONS = ("agent", "when", "steps", "post", "options", "input", "tools", "environment",
                  "parallel", "matrix", "failFast", "stages")
MATRIX_SECTIONS = ("axes", "excludes", "agent", "when", "post", "options", "input", "tools",
                   "environment", "stages")
INPUT_FIELDS = ("message", "id", "ok", "submitter", "submitterParameter", "parameters")
RENAMED_SECTIONS = {
    "properties": "The ‘properties’ section has been renamed as of version 0.8. Use ‘options’ instead.",
    "wrappers": "The 'wrappers' section has been removed as of version 0.8. Use 'options' instead.",
    "jobProperties": "The ‘jobProperties’ section has been renamed as of version 0.7. Use ‘properties’ instead.",
    "notifications": "The ‘notifications’ section has been removed as of version 0.6. Use ‘post’ for all "
                     "post-build actions.",
    "postBuild": "The ‘postBuild’ section has been renamed as of version 0.6. Use ‘post’ for all post-build actions.",
}
BLOCKED_STEPS = {
    "stage": "The stage step cannot be used in Declarative Pipelines",
    "properties": "The properties step cannot be used in Declarative Pipelines",
}
_LONG_MIN, _LONG_MAX = -(2 ** 63), 2 ** 63 - 1
BIG_INTEGER = ("BigIntegers cannot be used as constants in Declarative. The maximum value for an integer is "
               "9,223,372,036,854,775,807 and the minimum value for an integer is -9,223,372,036,854,775,808.")


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, node, message: str) -> None:
        line = getattr(node, "line", 1) or 1
        column = getattr(node, "column", 1) or 1
        self.diagnostics.append(Diagnostic(line, column, message))


def _call_of(stmt) -> Optional[g.Call]:
    if isinstance(stmt, g.ExprStmt) and isinstance(stmt.expr, g.Call):
        return stmt.expr
    return None


def _block_of(call: g.Call) -> Optional[g.Closure]:
    """The closure a section or step is written with: its last argument."""
    if call.args and isinstance(call.args[-1], g.Closure):
        return call.args[-1]
    return None


def _args_without_block(call: g.Call) -> tuple[g.Arg, ...]:
    if _block_of(call) is not None:
        return call.args[:-1]
    return call.args


def _statement_text(stmt) -> str:
    return render(stmt.expr if isinstance(stmt, g.ExprStmt) else stmt) if isinstance(
        stmt, (g.ExprStmt, g.Expr)) else type(stmt).__name__


def is_pipeline_call(stmt) -> bool:
    call = _call_of(stmt)
    return call is not None and call.receiver is None and call.name == "pipeline"


def literal_string(expr) -> Optional[str]:
    if isinstance(expr, g.Literal) and isinstance(expr.value, str):
        return expr.value
    return None


class ModelBuilder:
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

    # ------------------------------------------------------------ environment
    def section_environment(self, call: g.Call) -> Optional[a.Environment]:
        block = self._require_block(call, "environment")
        if block is None:
            return None
        entries = []
        seen = set()
        bad = False
        for stmt in block.body:
            expr = stmt.expr if isinstance(stmt, g.ExprStmt) else None
            if not (isinstance(expr, g.Assign) and expr.op == "="):
                bad = True
                self.error(stmt, f'"{_statement_text(stmt)}" is not a valid environment expression. Use "key = value" '
                                 'pairs with valid Java/shell keys.')
                continue
            target = expr.target
            if isinstance(target, g.Binary):  # Groovy's own compile errors for `hey-look = ...`
                bad = True
                self.error(target, f"({render(target)}) is a binary expression, but it should be a variable expression")
                continue
            if isinstance(target, g.Literal):
                bad = True
                self.error(target, f"[{target.value}] is a constant expression, but it should be a variable expression")
                continue
            if not isinstance(target, (g.Var, g.TypeName)):
                bad = True
                self.error(target, f'"{render(target)}" is not a valid identifier and cannot be used for an environment '
                                   'variable. Identifiers must start with a letter or underscore and can contain only '
                                   'letters, numbers or underscores.')
                continue
            name = target.name
            if name in seen:
                self.error(target, f'Duplicate environment variable name: "{name}"')
            seen.add(name)
            if not self.env_value_ok(expr.value):
                bad = True
                continue
            credentials = None
            value = expr.value
            if isinstance(value, g.Call) and value.receiver is None and value.name == "credentials":
                credentials = value.args[0] if value.args else None
                if credentials is None or not isinstance(credentials, (g.Literal, g.GString)) or (
                        isinstance(credentials, g.Literal) and not isinstance(credentials.value, str)):
                    bad = True
                    self.error(value, "Internal function call parameters must be strings.")
            entries.append(a.EnvEntry(target.line, target.column, name, value, credentials))
        if not block.body:
            self.error(call, "No variables specified for environment")
        elif bad:
            self.error(call, "Expected name=value pairs")
        return a.Environment(call.line, call.column, tuple(entries))

    def env_value_ok(self, value) -> bool:
        if isinstance(value, (g.Literal, g.GString)):
            self.check_value(value)
            return True
        if isinstance(value, g.Call):
            if value.receiver is None and value.name == "credentials":
                return True
            self.check_value(value)
            return True
        if isinstance(value, g.Binary):
            if value.op != "+":
                self.error(value, "Environment variable values can only be joined together with ‘+’s.")
                return False
            return self.env_concat_ok(value)
        if isinstance(value, (g.Property, g.Index)) and _is_call_chain(value):
            return True  # readMavenPom().getArtifactId() etc: a function call
        self.error(value, "Environment variable values must either be single quoted, double quoted, or function calls.")
        return False

    def env_concat_ok(self, value) -> bool:
        ok = True
        pending = [value]
        while pending:  # iterative: real files concatenate hundreds of strings
            item = pending.pop()
            if isinstance(item, g.Binary):
                if item.op != "+":
                    self.error(item, "Environment variable values can only be joined together with ‘+’s.")
                    ok = False
                    continue
                pending.extend((item.right, item.left))
            elif not isinstance(item, (g.Literal, g.GString)):
                self.error(item, "Environment variable values to be concatenated together must be single or "
                                 "double quoted.")
                ok = False
        return ok

    # ------------------------------------------------------------ options, parameters, triggers
    def _describables(self, call: g.Call, section: str, label: str, expected: str) -> list[a.Describable]:
        block = self._require_block(call, section)
        if block is None:
            return []
        items = []
        for stmt in block.body:
            expr = stmt.expr if isinstance(stmt, g.ExprStmt) else None
            if isinstance(expr, g.MapLit):
                self.error(stmt, f"{label} cannot be defined as maps")
                continue
            item = _call_of(stmt)
            if item is None or item.receiver is not None:
                self.error(stmt, expected)
                continue
            if _block_of(item) is not None:
                self.error(item, f"{label} definitions cannot have blocks")
                continue
            self.check_describable_args(item)
            items.append(a.Describable(item.line, item.column, item.name, item.args, item))
        if not block.body:
            self.error(call, f"{section} can not be empty")
        return items

    def check_describable_args(self, call: g.Call) -> None:
        named = [x for x in call.args if isinstance(x, g.NamedArg)]
        positional = [x for x in call.args if not isinstance(x, g.NamedArg)]
        if named and positional:
            self.error(call, "Cannot mix named and unnamed arguments")
        for arg in call.args:
            value = arg.value if isinstance(arg, g.NamedArg) else arg
            if isinstance(value, g.Closure):
                self.error(value, "Method call arguments")
            elif isinstance(value, g.Call):
                self.check_describable_args(value)
            self.check_value(value)

    def section_options(self, call: g.Call) -> a.Options:
        return a.Options(call.line, call.column, tuple(self._describables(call, "options", "Options", "Expected an option")))

    def section_parameters(self, call: g.Call) -> a.Parameters:
        return a.Parameters(call.line, call.column, tuple(
            self._describables(call, "parameters", "Build parameters", "Expected a build parameter definition")))

    def section_triggers(self, call: g.Call) -> a.Triggers:
        return a.Triggers(call.line, call.column, tuple(self._describables(call, "triggers", "Triggers", "Expected a trigger")))

    # ------------------------------------------------------------ tools, libraries
    def section_tools(self, call: g.Call) -> Optional[a.Tools]:
        block = self._require_block(call, "tools")
        if block is None:
            return None
        tools = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or _block_of(item) is not None:
                self.error(stmt, "Expected to find ‘someTool \"someVersion\"’")
                continue
            if not item.args:
                self.error(item, f'No argument for tool "{item.name}"')
                continue
            if len(item.args) > 1:
                self.error(item, f'Too many arguments for tool "{item.name}"')
                continue
            value = item.args[0]
            if isinstance(value, g.NamedArg):
                self.error(stmt, "Expected to find ‘someTool \"someVersion\"’")
                continue
            tools.append(a.Tool(item.line, item.column, item.name, value))
        if not block.body:
            self.error(call, "No tools specified")
        return a.Tools(call.line, call.column, tuple(tools))

    def section_libraries(self, call: g.Call) -> Optional[a.Libraries]:
        block = self._require_block(call, "libraries")
        if block is None:
            return None
        libs = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name != "lib" or len(item.args) != 1 \
                    or isinstance(item.args[0], (g.NamedArg, g.Closure)):
                if item is not None and item.name == "lib" and _block_of(item) is not None:
                    self.error(item, "Libraries definitions cannot have blocks")
                else:
                    self.error(stmt, f"Expected a \"lib(...)\" but got {_statement_text(stmt)}")
                continue
            libs.append(item.args[0])
        if not libs:
            self.error(call, "libraries can not be empty")
        return a.Libraries(call.line, call.column, tuple(libs))

    # ------------------------------------------------------------ post
    def section_post(self, call: g.Call) -> Optional[a.Post]:
        block = _block_of(call)
        if block is None:
            self.error(call, "Expected a block")
            return None
        conditions = []
        seen = set()
        valid = "[" + ", ".join(POST_CONDITIONS) + "]"
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or _block_of(item) is None or len(item.args) != 1:
                self.error(stmt, "The ‘post’ section can only contain build condition names with code blocks. "
                                 f"Valid condition names are {valid}")
                continue
            if item.name not in POST_CONDITIONS:
                self.error(item, f'Invalid condition "{item.name}" - valid conditions are {valid}')
                continue
            if item.name in seen:
                self.error(item, f'Duplicate build condition name: "{item.name}"')
                continue
            seen.add(item.name)
            conditions.append(a.PostCondition(item.line, item.column, item.name, self.steps(item.args[0], item)))
        if not conditions:
            self.error(call, "post can not be empty")
        return a.Post(call.line, call.column, tuple(conditions))

    # ------------------------------------------------------------ when
    def section_when(self, call: g.Call) -> Optional[a.When]:
        block = _block_of(call)
        if block is None:
            self.error(call, "Expected a block for when")
            return None
        conditions = []
        flags = {"beforeAgent": False, "beforeInput": False, "beforeOptions": False}
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None:
                self.error(stmt, "Expected a when condition")
                continue
            if item.name in flags:
                flags[item.name] = bool(self.boolean(item, item.name))
                continue
            condition = self.when_condition(item)
            if condition is not None:
                conditions.append(condition)
        if not block.body:
            self.error(call, "Empty when closure, remove the property or add some content.")
        return a.When(call.line, call.column, tuple(conditions), flags["beforeAgent"], flags["beforeInput"],
                      flags["beforeOptions"])

    def when_condition(self, call: g.Call) -> Optional[a.WhenCondition]:
        block = _block_of(call)
        args = _args_without_block(call)
        if call.name == "expression":
            if block is None:
                self.error(call, "When step without a block")
                return None
            return a.WhenCondition(call.line, call.column, "expression", (), (), block)
        children = []
        if block is not None:
            for stmt in block.body:
                item = _call_of(stmt)
                if item is None or item.receiver is not None:
                    self.error(stmt, "Expected a when condition")
                    continue
                child = self.when_condition(item)
                if child is not None:
                    children.append(child)
        self.check_values(args)
        return a.WhenCondition(call.line, call.column, call.name, args, tuple(children),
                               block if block is not None and not children and not block.body else None)

    # ------------------------------------------------------------ input
    def section_input(self, call: g.Call) -> Optional[a.Input]:
        block = self._require_block(call, "input")
        if block is None:
            return None
        fields: dict[str, object] = {}
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None:
                self.error(stmt, "Expected a block for input")
                continue
            if item.name not in INPUT_FIELDS:
                self.error(item, f'Not a valid field for input: "{item.name}"')
                continue
            if item.name in fields:
                self.error(item, f"Multiple occurrences of the {item.name} section")
                continue
            if item.name == "parameters":
                fields["parameters"] = self.section_parameters(item)
                continue
            if not item.args:
                self.error(item, f'No argument for field "{item.name}"')
                continue
            if len(item.args) > 1:
                self.error(item, f'Too many arguments for field "{item.name}"')
                continue
            fields[item.name] = item.args[0]
        if "message" not in fields:
            self.error(call, "No message specified for input")
        return a.Input(call.line, call.column, fields.get("message"), fields.get("id"), fields.get("ok"),
                       fields.get("submitter"), fields.get("submitterParameter"), fields.get("parameters"))

    # ------------------------------------------------------------ matrix
    def section_matrix(self, call: g.Call) -> Optional[a.Matrix]:
        block = self._require_block(call, "matrix")
        if block is None:
            return None
        found: dict[str, object] = {}
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None:
                self.error(stmt, f'Not a valid stage section definition: "{_statement_text(stmt)}". '
                                 'Some extra configuration is required.')
                continue
            if item.name not in MATRIX_SECTIONS:
                self.error(item, f'Undefined section "{item.name}"')
                continue
            if item.name in found:
                self.error(item, f"Multiple occurrences of the {item.name} section")
                continue
            if item.name == "axes":
                found["axes"] = self.axes(item)
            elif item.name == "excludes":
                found["excludes"] = self.excludes(item)
            else:
                found[item.name] = self.stage_section(item.name, item)
        if "axes" not in found:
            self.error(call, 'Missing required section "axes"')
        if "stages" not in found:
            self.error(call, 'Missing required section "stages"')
        return a.Matrix(call.line, call.column, found.get("axes") or (), found.get("excludes") or (),
                        found.get("stages") or (), found.get("agent"), found.get("when"), found.get("post"),
                        found.get("options"), found.get("input"), found.get("tools"), found.get("environment"))

    def axes(self, call: g.Call) -> tuple[a.Axis, ...]:
        block = self._require_block(call, "axes")
        if block is None:
            return ()
        axes = [self.axis(item, exclude=False) for item in self._axis_calls(block)]
        if not block.body:
            self.error(call, "No axis directives specified")
        return tuple(x for x in axes if x is not None)

    def _axis_calls(self, block: g.Closure) -> list[g.Call]:
        calls = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name != "axis":
                self.error(stmt, "Expected an axis")
                continue
            calls.append(item)
        return calls

    def excludes(self, call: g.Call) -> tuple[a.Exclude, ...]:
        block = self._require_block(call, "excludes")
        if block is None:
            return ()
        excludes = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name != "exclude":
                self.error(stmt, "Expected an exclude")
                continue
            inner = self._require_block(item, "exclude")
            if inner is None:
                continue
            axes = [self.axis(x, exclude=True) for x in self._axis_calls(inner)]
            if not inner.body:
                self.error(item, "No axis directives specified")
            excludes.append(a.Exclude(item.line, item.column, tuple(x for x in axes if x is not None)))
        if not block.body:
            self.error(call, "No exclude directives specified")
        return tuple(excludes)

    def axis(self, call: g.Call, exclude: bool) -> Optional[a.Axis]:
        block = self._require_block(call, "axis")
        if block is None:
            return None
        name: Optional[str] = None
        values: list[g.Expr] = []
        seen: set[str] = set()
        kinds = ("name", "values", "notValues") if exclude else ("name", "values")
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name not in kinds:
                self.error(stmt, f'Undefined section "{_statement_text(stmt)}"')
                continue
            if item.name in seen or (item.name in ("values", "notValues") and seen & {"values", "notValues"}):
                if exclude and item.name in ("values", "notValues") and seen & {"values", "notValues"} \
                        and item.name not in seen:
                    self.error(item, 'Exclude axis must contain either "values" or "notValues"')
                else:
                    self.error(item, f"Multiple occurrences of the {item.name} section")
                continue
            seen.add(item.name)
            if item.name == "name":
                if len(item.args) != 1:
                    self.error(item, 'No argument for field "name"' if not item.args else 'Too many arguments for field "name"')
                    continue
                literal = literal_string(item.args[0])
                if literal is None:
                    self.error(item.args[0], "Expected string literal")
                    name = None  # reported; the validator skips axes without a name
                    seen.add("name-error")
                    continue
                name = literal
            else:
                if not item.args:
                    self.error(item, f'No argument for field "{item.name}"')
                for value in item.args:
                    if not isinstance(value, g.Literal):
                        text = render(value) if isinstance(value, g.GString) else '${' + render(value) + '}'
                        self.error(value, f"Expected string literal but got {text}")
                        continue
                    values.append(value)
        if "name" not in seen and "name-error" not in seen:
            self.error(call, 'Missing required section "name"')
        if not seen & {"values", "notValues"}:
            self.error(call, 'Missing required section "values"')
        return a.Axis(call.line, call.column, name, tuple(values), "notValues" in seen)


def _is_call_chain(expr) -> bool:
    """`readMavenPom().getArtifactId()`-like values: a call somewhere at the root of a property chain."""
    while isinstance(expr, (g.Property, g.Index)):
        expr = expr.obj
    return isinstance(expr, g.Call)


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
