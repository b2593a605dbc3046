"""The sandboxed Groovy interpreter behind `script {}` blocks, `when { expression {} }`, GStrings
and step arguments.

    interpreter = Interpreter(binding, parse_groovy(text))
    interpreter.run_script()

`binding` (the engine) answers global names, undeclared assignments and step calls; see
`Binding`. Modules: values (truth, equality, printing), operators, conversions, methods /
string_methods / list_methods / map_methods (GDK dispatch tables), members (properties, indexes),
sandbox (the allow-list), exceptions (catch rules), regex, objects and classes (runtime values),
callables (scopes, closures), and the interpreter mixins statements, expressions and calls.
"""
from .callables import GroovyClosure, Scope
from .interpreter import Binding, Interpreter, gstring
from .values import to_groovy_string, truthy

__all__ = ["Binding", "GroovyClosure", "Interpreter", "Scope", "gstring", "to_groovy_string", "truthy"]
