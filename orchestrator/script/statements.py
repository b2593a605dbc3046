"""Statement execution: declarations, blocks, if/loops/switch, try/catch/finally, throw, return,
break/continue (labelled too) and assert. Mixed into Interpreter."""
from __future__ import annotations

from ..errors import BuildError
from ..grammar import groovy as g
from ..grammar.printer import render
from . import operators as ops
from .callables import BreakSignal, ContinueSignal, ReturnSignal, Scope
from .conversions import coerce_declared, default_value
from .exceptions import GroovyException, catches, exception_value
from .members import get_index, iterate
from .sandbox import check_annotations
from .values import runtime_error, to_groovy_string, truthy


class StatementsMixin:
    def _statement_handlers(self) -> dict:
        return {
            g.ExprStmt: lambda s, scope: self.evaluate(s.expr, scope),
            g.VarDecl: self._var_decl,
            g.MethodDef: lambda s, scope: self._define_method(s),
            g.ClassDef: lambda s, scope: self._define_class(s),
            g.EnumDef: lambda s, scope: self._define_enum(s),
            g.Block: lambda s, scope: self._run_block(s.body, Scope(scope)),
            g.If: self._if,
            g.ForIn: self._for_in, g.ForC: self._for_c, g.While: self._while,
            g.Labelled: self._labelled,
            g.Try: self._try,
            g.Switch: self._switch,
            g.Return: self._return,
            g.Throw: self._throw,
            g.Break: self._break,
            g.Continue: self._continue,
            g.Assert: self._assert,
            g.Import: lambda s, scope: check_annotations(s.annotations, s.line),
            g.Package: lambda s, scope: None,
        }

    def exec_stmt(self, stmt: g.Stmt, scope: Scope):
        handler = self._statements.get(type(stmt))
        if handler is None:
            raise runtime_error(f"statement {type(stmt).__name__} is not supported", stmt.line)
        try:
            return handler(stmt, scope)
        except BuildError as error:
            if error.line is None:
                error.line = stmt.line
            raise

    def _run_block(self, stmts, scope: Scope):
        value = None
        for stmt in stmts:
            value = self.exec_stmt(stmt, scope)
        return value

    # ------------------------------------------------------------ declarations
    def _var_decl(self, stmt: g.VarDecl, scope: Scope):
        check_annotations(stmt.annotations, stmt.line)
        type_name = stmt.type.name if stmt.type else None
        value = self.evaluate(stmt.value, scope) if stmt.value is not None else default_value(type_name)
        if len(stmt.names) > 1:  # def (a, b) = [1, 2]
            for position, name in enumerate(stmt.names):
                scope.declare(name, _element(value, position))
            return value
        if type_name is not None:
            value = coerce_declared(type_name, stmt.type.dims, value)
        if scope is self.script_scope and any(a.name.endswith("Field") for a in stmt.annotations):
            self.binding_vars[stmt.names[0]] = value  # @Field: a script field, visible in methods too
        else:
            scope.declare(stmt.names[0], value)
        return value

    # ------------------------------------------------------------ branches and loops
    def _if(self, stmt: g.If, scope: Scope):
        if truthy(self.evaluate(stmt.condition, scope)):
            return self.exec_stmt(stmt.then, scope)
        if stmt.otherwise is not None:
            return self.exec_stmt(stmt.otherwise, scope)
        return None

    def _loop_body(self, body: g.Stmt, scope: Scope, label: str | None) -> bool:
        """Run one iteration; False when the loop must stop (a break meant for it)."""
        try:
            self.exec_stmt(body, Scope(scope))
        except BreakSignal as signal:
            if signal.label is None or signal.label == label:
                return False
            raise
        except ContinueSignal as signal:
            if signal.label is not None and signal.label != label:
                raise
        return True

    def _for_in(self, stmt: g.ForIn, scope: Scope, label: str | None = None):
        loop_scope = Scope(scope)
        for item in iterate(self.evaluate(stmt.iterable, scope)):
            loop_scope.declare(stmt.var, item)
            if not self._loop_body(stmt.body, loop_scope, label):
                break
        return None

    def _for_c(self, stmt: g.ForC, scope: Scope, label: str | None = None):
        loop_scope = Scope(scope)
        for init in stmt.init:
            if isinstance(init, g.Stmt):
                self.exec_stmt(init, loop_scope)
            else:
                self.evaluate(init, loop_scope)
        while stmt.condition is None or truthy(self.evaluate(stmt.condition, loop_scope)):
            if not self._loop_body(stmt.body, loop_scope, label):
                break
            for update in stmt.update:
                self.evaluate(update, loop_scope)
        return None

    def _while(self, stmt: g.While, scope: Scope, label: str | None = None):
        while truthy(self.evaluate(stmt.condition, scope)):
            if not self._loop_body(stmt.body, scope, label):
                break
        return None

    def _labelled(self, stmt: g.Labelled, scope: Scope):
        inner = stmt.statement
        loops = {g.ForIn: self._for_in, g.ForC: self._for_c, g.While: self._while}
        if type(inner) in loops:
            return loops[type(inner)](inner, scope, stmt.label)
        try:
            return self.exec_stmt(inner, scope)
        except BreakSignal as signal:
            if signal.label != stmt.label:
                raise
        return None

    def _switch(self, stmt: g.Switch, scope: Scope):
        subject = self.evaluate(stmt.subject, scope)
        cases = stmt.cases
        start = next((i for i, case in enumerate(cases) if self._case_matches(case, subject, scope)), None)
        if start is None:
            start = next((i for i, case in enumerate(cases) if None in case.values), None)
        if start is None:
            return None
        value, body_scope = None, Scope(scope)
        try:
            for case in cases[start:]:  # fall through until a break
                for body_stmt in case.body:
                    value = self.exec_stmt(body_stmt, body_scope)
        except BreakSignal as signal:
            if signal.label is not None:
                raise
        return value  # the last value before the break, as Groovy returns from a case

    def _case_matches(self, case: g.Case, subject, scope: Scope) -> bool:
        return any(v is not None and ops.is_case(self.evaluate(v, scope), subject) for v in case.values)

    # ------------------------------------------------------------ errors
    def _try(self, stmt: g.Try, scope: Scope):
        try:
            try:
                return self._run_block(stmt.body, Scope(scope))
            except BuildError as error:
                clause = next((c for c in stmt.catches if catches(c.types, error)), None)
                if clause is None:
                    raise
                catch_scope = Scope(scope)
                catch_scope.declare(clause.name, exception_value(error))
                return self._run_block(clause.body, catch_scope)
        finally:
            if stmt.finally_body is not None:
                self._run_block(stmt.finally_body, Scope(scope))

    def _throw(self, stmt: g.Throw, scope: Scope):
        value = self.evaluate(stmt.value, scope)
        if isinstance(value, GroovyException):
            raise value.to_error(stmt.line)
        raise BuildError(to_groovy_string(value), stmt.line)  # lenient: Groovy would refuse a non-Throwable

    def _assert(self, stmt: g.Assert, scope: Scope):
        if truthy(self.evaluate(stmt.condition, scope)):
            return None
        source = render(stmt.condition)
        if stmt.message is not None:
            message = to_groovy_string(self.evaluate(stmt.message, scope))
            raise runtime_error(f"{message}. Expression: {source}", stmt.line, "java.lang.AssertionError")
        raise runtime_error(f"Assertion failed: assert {source}", stmt.line,
                            "org.codehaus.groovy.runtime.powerassert.PowerAssertionError")

    # ------------------------------------------------------------ jumps
    def _return(self, stmt: g.Return, scope: Scope):
        raise ReturnSignal(self.evaluate(stmt.value, scope) if stmt.value is not None else None, stmt.line)

    def _break(self, stmt: g.Break, scope: Scope):
        raise BreakSignal(stmt.label, stmt.line)

    def _continue(self, stmt: g.Continue, scope: Scope):
        raise ContinueSignal(stmt.label, stmt.line)


def _element(value, position: int):
    """The value `def (a, b) = value` gives the name at `position` (null past the end)."""
    if isinstance(value, (list, tuple)):
        return value[position] if position < len(value) else None
    return get_index(value, position)
