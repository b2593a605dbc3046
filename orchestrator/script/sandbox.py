"""What scripts may touch: Jenkins' script-security, as an allow-list.

Allowed classes (static methods, static fields, constructors): String, Integer, Long, Double,
Float, Boolean, Math, List, Map, ArrayList, HashMap, LinkedHashMap, StringBuilder, Date, the
exception classes scripts throw (`new Exception('x')`), and the classes/enums the script defines.

Rejected with UnsupportedGroovy (`line N: unsupported Groovy: <construct>`): any other class
(`Jenkins.instance`, `System.getenv()`, `Runtime`, `Class.forName`, `Thread`, `new File(...)`),
qualified names under java/javax/groovy/hudson/jenkins/org/com..., reflection and
metaprogramming members (`.class`, `.getClass()`, `.metaClass`, `.classLoader`), process
execution (`'ls'.execute()`), `currentBuild.rawBuild`, `evaluate(...)`, `@Grab`, and any member
name starting with `__` (or `_` on the binding's Python objects): scripts never reach Python
internals, because the interpreter only ever calls the explicit method tables and non-underscore
attributes of objects the binding handed out.
"""
from __future__ import annotations

import math
import random
import types
from collections.abc import Mapping

from ..errors import UnsupportedGroovy
from ..grammar import groovy as g
from ..grammar.printer import render
from . import conversions as conv
from .conversions import ClassValue
from .exceptions import new_exception
from .objects import GroovyDate, StringBuilder
from .string_methods import java_format
from .values import as_list, is_number, to_groovy_string

PACKAGE_ROOTS = frozenset({"java", "javax", "groovy", "hudson", "jenkins", "org", "com", "sun", "jdk", "net"})
DENIED_CLASSES = frozenset({
    "Jenkins", "Hudson", "System", "Runtime", "Class", "ClassLoader", "GroovyClassLoader", "Thread", "File",
    "Files", "Paths", "Path", "ProcessBuilder", "Process", "Eval", "GroovyShell", "GroovySystem", "URL", "URI",
    "Socket", "ServerSocket", "ObjectInputStream", "Unsafe", "Field", "Method", "Proxy", "ScriptBytecodeAdapter",
    "InvokerHelper", "Binding", "Script", "Executors",
})
DENIED_MEMBERS = frozenset({
    "class", "getClass", "metaClass", "getMetaClass", "setMetaClass", "classLoader", "getClassLoader",
    "declaredMethods", "getDeclaredMethods", "declaredFields", "getDeclaredFields", "getMethods",
    "newInstance", "forName", "invokeMethod", "execute", "rawBuild", "getRawBuild", "evaluate",
    "getRuntime", "exec", "setDelegate", "setResolveStrategy",
})
DENIED_FUNCTIONS = frozenset({"evaluate", "getClass", "getMetaClass", "setMetaClass", "invokeMethod", "execute"})
DENIED_ANNOTATIONS = frozenset({"Grab", "GrabResolver", "GrabConfig", "GrabExclude", "Grapes"})


def describe(node) -> str:
    """The construct quoted in the rejection message: `Jenkins.instance`, `System.getenv`, `new File`."""
    if isinstance(node, g.Call):
        prefix = f"{render(node.receiver)}." if node.receiver is not None else ""
        return prefix + node.name
    if isinstance(node, g.New):
        return f"new {node.type}"
    if isinstance(node, g.Annotation):
        return f"@{node.name}"
    return render(node)


def reject(node, construct: str | None = None) -> UnsupportedGroovy:
    return UnsupportedGroovy(construct or describe(node), getattr(node, "line", None))


def check_member(name: str, node) -> None:
    """Reflection, process execution and Python dunders are rejected on every receiver."""
    if name in DENIED_MEMBERS or name.startswith("__"):
        raise reject(node)


def check_function(name: str, node) -> None:
    if name in DENIED_FUNCTIONS:
        raise reject(node)


def check_annotations(annotations, line: int) -> None:
    for annotation in annotations:
        if annotation.name.rsplit(".", 1)[-1] in DENIED_ANNOTATIONS:
            raise UnsupportedGroovy(f"@{annotation.name}", line)


def qualified_root(node) -> str | None:
    """`hudson.model.Result.SUCCESS` -> 'hudson': the package a dotted name starts with, if any."""
    while isinstance(node, g.Property) and isinstance(node.name, str):
        node = node.obj
    if isinstance(node, g.Var) and node.name in PACKAGE_ROOTS:
        return node.name
    return None


def check_foreign_value(value, node):
    """Attributes of the binding's objects must not hand out classes, modules or raw builtins."""
    if isinstance(value, (type, types.ModuleType, types.BuiltinFunctionType, types.CodeType, types.FrameType)):
        raise reject(node)
    return value


# ---------------------------------------------------------------- allowed classes
def _math_round(value):
    return int(math.floor(value + 0.5))


def _join(separator, *items):
    values = as_list(items[0]) if len(items) == 1 and as_list(items[0]) is not None else items
    return to_groovy_string(separator).join(to_groovy_string(v) for v in values)


def _value_of_int(value, radix=10):
    return int(value) if is_number(value) else conv.parse_int(value, radix)


def _to_string_radix(value, radix=10):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    number, out = abs(int(value)), ""
    while True:
        number, rest = divmod(number, radix)
        out = digits[rest] + out
        if not number:
            return ("-" if value < 0 else "") + out


def _compare(a, b) -> int:
    return (a > b) - (a < b)


_INTEGERS = {"parseInt": conv.parse_int, "parseLong": conv.parse_int, "valueOf": _value_of_int,
             "toString": _to_string_radix, "max": max, "min": min, "compare": _compare,
             "signum": lambda v: _compare(v, 0), "sum": lambda a, b: a + b,
             "toHexString": lambda v: format(v % (1 << 32), "x"),
             "toBinaryString": lambda v: format(v % (1 << 32), "b")}
_DOUBLES = {"parseDouble": conv.parse_double, "parseFloat": conv.parse_double, "valueOf": conv.to_double,
            "toString": to_groovy_string, "isNaN": math.isnan, "max": max, "min": min, "compare": _compare}
STATIC_METHODS = {
    "Integer": _INTEGERS, "Long": _INTEGERS, "Double": _DOUBLES, "Float": _DOUBLES,
    "Boolean": {"parseBoolean": conv.parse_boolean, "toString": to_groovy_string,
                "valueOf": lambda v: v if isinstance(v, bool) else conv.parse_boolean(v)},
    "String": {"valueOf": to_groovy_string, "format": lambda template, *args: java_format(template, args),
               "join": _join},
    "Math": {"max": max, "min": min, "abs": abs, "round": _math_round, "floor": lambda v: float(math.floor(v)),
             "ceil": lambda v: float(math.ceil(v)), "pow": lambda a, b: float(a) ** float(b), "sqrt": math.sqrt,
             "random": random.random, "log": math.log, "log10": math.log10, "exp": math.exp,
             "signum": lambda v: float(_compare(v, 0)), "floorDiv": lambda a, b: a // b,
             "floorMod": lambda a, b: a % b},
}
STATIC_FIELDS = {
    "Integer": {"MAX_VALUE": 2**31 - 1, "MIN_VALUE": -2**31},
    "Long": {"MAX_VALUE": 2**63 - 1, "MIN_VALUE": -2**63},
    "Double": {"MAX_VALUE": 1.7976931348623157e308, "MIN_VALUE": 5e-324, "NaN": math.nan,
               "POSITIVE_INFINITY": math.inf, "NEGATIVE_INFINITY": -math.inf},
    "Boolean": {"TRUE": True, "FALSE": False},
    "Math": {"PI": math.pi, "E": math.e},
}


def _new_list(*args):
    items = as_list(args[0]) if args else None
    return list(items) if items is not None else []  # new ArrayList(10): 10 is a capacity


def _new_map(*args):
    return dict(args[0]) if args and isinstance(args[0], Mapping) else {}


CONSTRUCTORS = {
    "ArrayList": _new_list, "HashMap": _new_map, "LinkedHashMap": _new_map,
    "StringBuilder": lambda text="": StringBuilder(text), "Date": lambda millis=None: GroovyDate(millis),
}
ALLOWED_CLASSES = frozenset(STATIC_METHODS) | frozenset(CONSTRUCTORS) | {"List", "Map"}


class ClassRef(ClassValue):
    """An allowed JDK class used as a value: `Integer.parseInt(...)`, `Math.PI`, `case String:`."""

    def __init__(self, name: str):
        self.name = name

    def get_property(self, name: str):
        fields = STATIC_FIELDS.get(self.name, {})
        if name in fields:
            return fields[name]
        return super().get_property(name)

    def static_method(self, name: str):
        return STATIC_METHODS.get(self.name, {}).get(name)


CLASS_REFS = {name: ClassRef(name) for name in ALLOWED_CLASSES}


def allowed_class(name: str) -> ClassRef | None:
    return CLASS_REFS.get(conv.bare_type(name) if name.startswith("java.lang.") else name)


def construct(type_name: str, args: list, node):
    """`new T(args)` for the allowed JDK classes and exceptions; anything else is rejected."""
    factory = CONSTRUCTORS.get(type_name)
    if factory is not None:
        return factory(*args)
    exception = new_exception(type_name, args) if "." not in type_name else None
    if exception is not None:
        return exception
    raise reject(node)
