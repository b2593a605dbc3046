"""Scopes, control-flow signals and the callable values scripts make: closures, curried
closures and method pointers (`this.&foo`)."""
from __future__ import annotations

from .values import GroovyObject, runtime_error


class Scope:
    """Variables of one block, with a parent chain. Lookups walk outwards."""

    __slots__ = ("vars", "parent")

    def __init__(self, parent: "Scope | None" = None, variables: dict | None = None):
        self.parent = parent
        self.vars = {} if variables is None else variables

    def find(self, name: str) -> "Scope | None":
        scope = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return None

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def get(self, name: str):
        scope = self.find(name)
        if scope is None:
            raise KeyError(name)
        return scope.vars[name]

    def set(self, name: str, value) -> None:
        """Assign to an existing variable (KeyError if none is declared)."""
        scope = self.find(name)
        if scope is None:
            raise KeyError(name)
        scope.vars[name] = value

    def declare(self, name: str, value=None) -> None:
        self.vars[name] = value


# ---------------------------------------------------------------- control flow
class ControlFlow(Exception):
    """Base of break/continue/return: not errors, so no script `catch` and no engine handler sees them."""

    def __init__(self, line: int | None = None):
        super().__init__()
        self.line = line


class BreakSignal(ControlFlow):
    def __init__(self, label: str | None = None, line: int | None = None):
        super().__init__(line)
        self.label = label


class ContinueSignal(ControlFlow):
    def __init__(self, label: str | None = None, line: int | None = None):
        super().__init__(line)
        self.label = label


class ReturnSignal(ControlFlow):
    def __init__(self, value=None, line: int | None = None):
        super().__init__(line)
        self.value = value


def loop_signal_error(signal: ControlFlow):
    word = "break" if isinstance(signal, BreakSignal) else "continue"
    label = f" {signal.label}" if getattr(signal, "label", None) else ""
    return runtime_error(f"the {word}{label} statement is only allowed inside loops or switches", signal.line)


# ---------------------------------------------------------------- callables
class GroovyClosure(GroovyObject):
    """A closure value: call it from Python as `closure(*args)`.

    Lexically scoped (no delegate): names resolve in the scope where the closure was written.
    Without `->` it takes one optional argument, `it`."""

    java_class = "groovy.lang.Closure"
    java_types = frozenset({"Closure", "Object"})

    def __init__(self, interpreter, node, scope: Scope):
        self.interpreter = interpreter
        self.node = node
        self.scope = scope

    @property
    def arity(self) -> int:
        """Declared parameters (1 for an implicit `it`), as collection methods ask."""
        if not self.node.params and not self.node.explicit_params:
            return 1
        return len(self.node.params)

    def __call__(self, *args):
        return self.interpreter.call_closure(self, list(args))

    def to_groovy_string(self) -> str:
        return f"org.jenkinsci.plugins.workflow.cps.CpsClosure2@{id(self) & 0xFFFFFFF:x}"


class CurriedClosure(GroovyObject):
    """`closure.curry(a)` / `rcurry(b)`: a closure with some arguments fixed."""

    java_class = "groovy.lang.Closure"
    java_types = frozenset({"Closure", "Object"})

    def __init__(self, target, left: list, right: list):
        self.target, self.left, self.right = target, list(left), list(right)

    @property
    def arity(self) -> int:
        return max(getattr(self.target, "arity", 1) - len(self.left) - len(self.right), 0)

    def __call__(self, *args):
        return self.target(*self.left, *args, *self.right)


class MethodClosure(GroovyObject):
    """`this.&name` / `obj.&name`: a method as a closure."""

    java_class = "groovy.lang.Closure"
    java_types = frozenset({"Closure", "Object"})

    def __init__(self, interpreter, receiver, name: str, node):
        self.interpreter, self.receiver, self.name, self.node = interpreter, receiver, name, node

    @property
    def arity(self) -> int:
        return self.interpreter.method_arity(self.receiver, self.name)

    def __call__(self, *args):
        return self.interpreter.invoke_method(self.receiver, self.name, list(args), {}, None, self.node)


CLOSURE_TYPES = (GroovyClosure, CurriedClosure, MethodClosure)
_CLOSURE_METHODS = {
    "call": lambda closure, *args: closure(*args),
    "doCall": lambda closure, *args: closure(*args),
    "curry": lambda closure, *args: CurriedClosure(closure, list(args), []),
    "rcurry": lambda closure, *args: CurriedClosure(closure, [], list(args)),
    "getMaximumNumberOfParameters": lambda closure: closure.arity,
    "memoize": lambda closure: closure,
    "trampoline": lambda closure: closure,
}
for _type in CLOSURE_TYPES:
    _type.METHODS = _CLOSURE_METHODS


def accepts(params, count: int) -> bool:
    """Whether a method with these parameters can take `count` arguments (defaults may be left out)."""
    required = sum(1 for p in params if p.default is None)
    return required <= count <= len(params)
