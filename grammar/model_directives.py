"""Parsers for the directives inside a pipeline or stage: environment, options, parameters,
triggers, tools, libraries, post, when and input (Jenkins' ModelParser texts)."""
from __future__ import annotations

from typing import Optional

from . import ast as a
from . import groovy as g
from .model_common import (POST_CONDITIONS, INPUT_FIELDS, _args_without_block, _block_of, _call_of,
                           _statement_text)
from .printer import render


class DirectiveParsers:
    """Mixin of ModelBuilder: `self.error`, `self.check_value(s)`, `self.steps` come from it."""

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


def _is_call_chain(expr) -> bool:
    """`readMavenPom().getArtifactId()`-like values: a call somewhere at the root of a property chain."""
    while isinstance(expr, (g.Property, g.Index)):
        expr = expr.obj
    return isinstance(expr, g.Call)
