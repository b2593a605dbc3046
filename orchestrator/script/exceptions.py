"""Exceptions as Groovy sees them: which Java class each error is, what a `catch` clause catches,
and the exception objects scripts create (`new Exception('x')`) or catch (`catch (e)`).

Catch rules (kept simple on purpose):
- `catch (e)`, `catch (Exception|Throwable|Error e)` catch every BuildError, FlowInterrupted
  included (on Jenkins FlowInterruptedException is an Exception too).
- Any other type catches an error whose Java class is that type or a subclass of it, by simple
  or qualified name: `catch (hudson.AbortException e)` catches StepFailed only,
  `catch (NumberFormatException e)` catches `Integer.parseInt('x')`, and so on.
- UnsupportedGroovy is never caught: a sandbox rejection ends the script.
"""
from __future__ import annotations

from ..errors import BuildError, FlowInterrupted, GroovyRuntimeError, NoSuchStep, StepFailed, UnsupportedGroovy
from .values import GroovyObject, to_groovy_string

#: Java class -> its superclass, for the classes a pipeline can meet
PARENTS = {
    "java.lang.Throwable": None,
    "java.lang.Exception": "java.lang.Throwable",
    "java.lang.Error": "java.lang.Throwable",
    "java.lang.RuntimeException": "java.lang.Exception",
    "java.io.IOException": "java.lang.Exception",
    "hudson.AbortException": "java.io.IOException",
    "java.lang.InterruptedException": "java.lang.Exception",
    "org.jenkinsci.plugins.workflow.steps.FlowInterruptedException": "java.lang.InterruptedException",
    "java.util.concurrent.TimeoutException": "java.lang.Exception",
    "groovy.lang.GroovyRuntimeException": "java.lang.RuntimeException",
    "groovy.lang.MissingPropertyException": "groovy.lang.GroovyRuntimeException",
    "groovy.lang.MissingMethodException": "groovy.lang.GroovyRuntimeException",
    "java.lang.IllegalArgumentException": "java.lang.RuntimeException",
    "java.lang.NumberFormatException": "java.lang.IllegalArgumentException",
    "java.util.regex.PatternSyntaxException": "java.lang.IllegalArgumentException",
    "java.lang.IllegalStateException": "java.lang.RuntimeException",
    "java.lang.NullPointerException": "java.lang.RuntimeException",
    "java.lang.ArithmeticException": "java.lang.RuntimeException",
    "java.lang.UnsupportedOperationException": "java.lang.RuntimeException",
    "java.lang.ClassCastException": "java.lang.RuntimeException",
    "org.codehaus.groovy.runtime.typehandling.GroovyCastException": "java.lang.ClassCastException",
    "java.lang.IndexOutOfBoundsException": "java.lang.RuntimeException",
    "java.lang.StringIndexOutOfBoundsException": "java.lang.IndexOutOfBoundsException",
    "java.util.NoSuchElementException": "java.lang.RuntimeException",
    "java.lang.NoSuchMethodError": "java.lang.Error",  # Jenkins' `No such DSL method`
    "java.lang.StackOverflowError": "java.lang.Error",
    "java.lang.AssertionError": "java.lang.Error",
    "org.codehaus.groovy.runtime.powerassert.PowerAssertionError": "java.lang.AssertionError",
}
#: simple name -> qualified name, for `new IllegalStateException(...)` and catch clauses
QUALIFIED = {name.rsplit(".", 1)[1]: name for name in PARENTS}
#: catch types that catch everything a pipeline raises
CATCH_ALL = {"Exception", "Throwable", "Error"}


def java_class_of(error: BaseException) -> str:
    explicit = getattr(error, "java_class", None)
    if explicit:
        return explicit
    if isinstance(error, StepFailed):
        return "hudson.AbortException"
    if isinstance(error, NoSuchStep):
        return "java.lang.NoSuchMethodError"
    if isinstance(error, FlowInterrupted):
        return "org.jenkinsci.plugins.workflow.steps.FlowInterruptedException"
    if isinstance(error, GroovyRuntimeError):
        return "groovy.lang.GroovyRuntimeException"
    return "java.lang.Exception"


def ancestry(java_class: str) -> list[str]:
    """The class and its superclasses, most specific first."""
    chain = []
    current = java_class
    while current and current not in chain:
        chain.append(current)
        current = PARENTS.get(current, "java.lang.Exception" if current != "java.lang.Throwable" else None)
    return chain


def simple_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def catches(types: tuple[str, ...], error: BuildError) -> bool:
    """Whether a `catch (types e)` clause catches this error (see the module notes)."""
    if isinstance(error, UnsupportedGroovy):
        return False
    if not types:
        return True
    wanted = {simple_name(str(t)) for t in types}
    if wanted & CATCH_ALL:
        return True
    return any(simple_name(name) in wanted for name in ancestry(java_class_of(error)))


class GroovyException(GroovyObject):
    """An exception as a script value: made by `new Exception(...)` or bound by `catch`."""

    def __init__(self, java_class: str, message=None, cause=None, error: BuildError | None = None):
        self.java_class = java_class
        self.message = message
        self.cause = cause
        self.error = error  # the Python error this value stands for, re-raised by `throw e`

    @property
    def java_types(self) -> set[str]:
        return {simple_name(name) for name in ancestry(self.java_class)} | {"Object"}

    def to_groovy_string(self) -> str:
        return self.java_class if self.message is None else f"{self.java_class}: {self.message}"

    def get_property(self, name: str):
        if name in ("message", "localizedMessage"):
            return self.message
        if name == "cause":
            return self.cause
        return super().get_property(name)

    def to_error(self, line: int | None) -> BuildError:
        """The BuildError that `throw` raises for this value (the original one when rethrown)."""
        if self.error is None:
            message = self.message if self.message is not None else self.java_class
            self.error = BuildError(to_groovy_string(message), line)
            self.error.java_class = self.java_class
            self.error.groovy_value = self
        return self.error


GroovyException.METHODS = {
    "getMessage": lambda self: self.message,
    "getLocalizedMessage": lambda self: self.message,
    "getCause": lambda self: self.cause,
    "toString": lambda self: self.to_groovy_string(),
    "printStackTrace": lambda self: None,
}


def exception_value(error: BuildError) -> GroovyException:
    """The value a `catch` clause binds for a raised error."""
    existing = getattr(error, "groovy_value", None)
    if existing is not None:
        return existing
    value = GroovyException(java_class_of(error), str(error), error=error)
    error.groovy_value = value
    return value


def new_exception(type_name: str, args: list):
    """`new IllegalStateException('msg')` and friends; None when the type is no exception class."""
    qualified = QUALIFIED.get(type_name) or (type_name if type_name in PARENTS else None)
    if qualified is None:
        return None
    first = args[0] if args else None
    message = None if first is None or isinstance(first, GroovyException) else to_groovy_string(first)
    cause = next((a for a in args if isinstance(a, GroovyException)), None)
    if message is None and cause is not None:
        message = cause.to_groovy_string()  # Java: new Exception(cause) takes the cause's text
    return GroovyException(qualified, message, cause)
