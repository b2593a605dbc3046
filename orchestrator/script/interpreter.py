"""The Groovy interpreter the pipeline engine runs `script {}` blocks, `when { expression {} }`,
GStrings and step arguments with.

Scoping follows Groovy scripts: top-level `def x` is a local of the script body (closures written
there see it, `def` methods do not); assigning an undeclared name makes a binding variable that
every method and closure sees (and the engine hears about through `Binding.assign`).
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Protocol, Sequence

from ..grammar import groovy as g
from .callables import ControlFlow, GroovyClosure, ReturnSignal, Scope, loop_signal_error
from .calls import CallsMixin
from .classes import EnumType, ScriptClass
from .expressions import ExpressionsMixin
from .objects import ScriptThis
from .sandbox import check_annotations
from .statements import StatementsMixin
from .values import runtime_error

#: Python frames one Groovy call can take, to size the recursion limit for max_call_depth
_FRAMES_PER_CALL = 40


class Binding(Protocol):
    """What the engine provides: global names, undeclared assignments, steps and functions."""

    def lookup(self, name: str, node) -> Any:
        """env, params, currentBuild, scm, env vars...; raise KeyError if unknown."""

    def assign(self, name: str, value: Any) -> None:
        """Assignment to an undeclared name (a script binding variable)."""

    def call(self, name: str, args: list, kwargs: dict, closure: "GroovyClosure | None", node) -> Any:
        """Steps and global functions (echo, sh, dir, error...); raise NoSuchStep if unknown.
        kwargs holds named arguments; closure is the trailing (or last-argument) closure."""


class Interpreter(StatementsMixin, ExpressionsMixin, CallsMixin):
    """Runs one script: collects its methods, classes and enums, then evaluates on demand.

    One Interpreter per build run keeps binding variables and script methods shared by all
    `script {}` blocks; it is safe to use from parallel branches (call depth is per thread)."""

    max_call_depth = 200

    def __init__(self, binding: Binding, script: g.Script | None = None):
        self.binding = binding
        self.script = script
        self.script_scope = Scope()
        self.binding_vars: dict[str, Any] = {}
        self.methods: dict[str, list[g.MethodDef]] = {}
        self.types: dict[str, Any] = {}
        self.this = ScriptThis(self)
        self._depth = threading.local()
        self._statements = self._statement_handlers()
        self._expressions = self._expression_handlers()
        _ensure_recursion_limit(self.max_call_depth * _FRAMES_PER_CALL)
        for stmt in script.body if script is not None else ():
            if isinstance(stmt, g.MethodDef):
                self._define_method(stmt)
            elif isinstance(stmt, g.ClassDef):
                self._define_class(stmt)
            elif isinstance(stmt, g.EnumDef):
                self._define_enum(stmt)

    # ------------------------------------------------------------ public API
    def run_script(self) -> Any:
        """Execute the script's top-level statements in order; the last value or `return`."""
        if self.script is None:
            return None
        return self.execute(self.script.body, self.script_scope)

    def execute(self, stmts: Sequence[g.Stmt], scope: Scope | None = None) -> Any:
        """Run statements in `scope` (the script scope by default): the last value or `return`."""
        try:
            return self._run_block(stmts, self.script_scope if scope is None else scope)
        except ReturnSignal as signal:
            return signal.value
        except ControlFlow as signal:
            raise loop_signal_error(signal) from None

    def closure(self, node: g.Closure, scope: Scope) -> GroovyClosure:
        return GroovyClosure(self, node, scope)

    # ------------------------------------------------------------ running callables
    def call_closure(self, closure: GroovyClosure, args: list) -> Any:
        node = closure.node
        scope = Scope(closure.scope)
        if not node.params and not node.explicit_params:
            if len(args) > 1:
                raise self._bad_closure_call(node, args)
            scope.declare("it", args[0] if args else None)
        else:
            if len(node.params) > 1 and len(args) == 1 and isinstance(args[0], (list, tuple)):
                args = list(args[0])  # { a, b -> } called with one list destructures it
            self._bind_params(node.params, args, scope, node)
        return self._run_body(node.body, scope, node)

    def invoke_script_method(self, method: g.MethodDef, args: list, node, this=None,
                             cls: ScriptClass | None = None) -> Any:
        scope = self.method_scope(this, cls)
        self._bind_params(method.params, args, scope, node)
        return self._run_body(method.body, scope, node)

    def _bind_params(self, params, args: list, scope: Scope, node) -> None:
        if len(args) > len(params):
            raise self._bad_closure_call(node, args)
        for position, param in enumerate(params):
            if position < len(args):
                value = args[position]
            elif param.default is not None:
                value = self.evaluate(param.default, scope)
            else:
                value = None  # lenient: Groovy would refuse a closure call with missing arguments
            scope.declare(param.name, value)

    def _run_body(self, body, scope: Scope, node) -> Any:
        """Run a closure or method body under the call-depth cap; `return` ends it."""
        depth = getattr(self._depth, "value", 0)
        if depth >= self.max_call_depth:
            raise runtime_error("StackOverflowError", getattr(node, "line", None), "java.lang.StackOverflowError")
        self._depth.value = depth + 1
        try:
            return self._run_block(body, scope)
        except ReturnSignal as signal:
            return signal.value
        except ControlFlow as signal:
            raise loop_signal_error(signal) from None
        except RecursionError:
            raise runtime_error("StackOverflowError", getattr(node, "line", None),
                                "java.lang.StackOverflowError") from None
        finally:
            self._depth.value = depth

    def _bad_closure_call(self, node, args: list):
        return runtime_error(f"No signature of method: closure.call() is applicable for {len(args)} arguments",
                             getattr(node, "line", None), "groovy.lang.MissingMethodException")

    # ------------------------------------------------------------ definitions
    def _define_method(self, stmt: g.MethodDef) -> None:
        check_annotations(stmt.annotations, stmt.line)
        overloads = self.methods.setdefault(stmt.name, [])
        if not any(existing is stmt for existing in overloads):
            overloads.append(stmt)

    def _define_enum(self, stmt: g.EnumDef) -> None:
        if stmt.name not in self.types:
            self.types[stmt.name] = EnumType(stmt.name, stmt.values)

    def _define_class(self, stmt: g.ClassDef) -> None:
        if stmt.name in self.types:
            return
        fields, statics, methods = [], [], {}
        for member in stmt.members:
            if isinstance(member, g.VarDecl):
                (statics if "static" in member.modifiers else fields).append(member)
            elif isinstance(member, g.MethodDef):
                methods.setdefault(member.name, []).append(member)
            elif isinstance(member, g.ClassDef):
                self._define_class(member)
            elif isinstance(member, g.EnumDef):
                self._define_enum(member)
        superclass = self.types.get(stmt.extends) if stmt.extends else None
        cls = ScriptClass(stmt.name, fields, methods, superclass if isinstance(superclass, ScriptClass) else None)
        cls.interpreter = self
        self.types[stmt.name] = cls
        static_scope = Scope(None, cls.statics)
        for decl in statics:
            value = self.evaluate(decl.value, static_scope) if decl.value is not None else None
            for name in decl.names:
                cls.statics[name] = value


def gstring(interpreter: Interpreter, node: g.GString, scope: Scope | None = None) -> str:
    """The text of an interpolated string."""
    return interpreter.gstring(node, scope)


_limit_lock = threading.Lock()


def _ensure_recursion_limit(frames: int) -> None:
    """Deep Groovy recursion must end in StackOverflowError at max_call_depth, not in Python's
    RecursionError first: raise the process limit once if it is lower (it is never lowered)."""
    with _limit_lock:
        if sys.getrecursionlimit() < frames:
            sys.setrecursionlimit(frames)
