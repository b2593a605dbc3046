"""Groovy value semantics shared by every other module: truth, equality, ordering, printing.

Groovy values map onto Python ones: null -> None, Boolean -> bool, Integer/Long/BigInteger -> int,
Double/BigDecimal -> float, String and GString -> str, List -> list, Map (LinkedHashMap) -> dict.
Runtime objects that have no Python equivalent (ranges, matchers, exceptions, script classes...)
derive from `GroovyObject` so these functions can ask them how to behave.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from ..errors import GroovyRuntimeError


class GroovyObject:
    """Base of the interpreter's own runtime values.

    Scripts reach these only through explicit method/property tables (`METHODS`, `get_property`),
    never through Python attribute access, so their Python internals stay out of reach.
    """

    java_class = "java.lang.Object"
    #: simple Java type names `instanceof` accepts for this value
    java_types: frozenset = frozenset({"Object"})
    METHODS: dict = {}

    def as_boolean(self) -> bool:
        return True

    def to_groovy_string(self) -> str:
        return f"{self.java_class}@{id(self) & 0xFFFFFFF:x}"

    def groovy_equals(self, other) -> bool:
        return self is other

    def as_list(self):
        """The elements when this value behaves as a List (ranges), else None."""
        return None

    def get_property(self, name: str):
        raise missing_property(name, self)

    def set_property(self, name: str, value) -> None:
        raise missing_property(name, self)


def runtime_error(message: str, line: int | None = None,
                  java_class: str = "groovy.lang.GroovyRuntimeException") -> GroovyRuntimeError:
    """A GroovyRuntimeError that remembers which Java exception Jenkins would have thrown,
    so `catch (NumberFormatException e)` and `e.toString()` behave as on Jenkins."""
    error = GroovyRuntimeError(message, line)
    error.java_class = java_class
    return error


def missing_property(name: str, owner) -> GroovyRuntimeError:
    return runtime_error(f"No such property: {name} for class: {java_type(owner)}",
                         java_class="groovy.lang.MissingPropertyException")


def null_pointer(message: str) -> GroovyRuntimeError:
    return runtime_error(message, java_class="java.lang.NullPointerException")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_map(value) -> bool:
    return isinstance(value, Mapping)


def as_list(value):
    """The elements of a List-like value (list, tuple, set, range), or None if it is not one."""
    if isinstance(value, list):
        return value
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if isinstance(value, GroovyObject):
        return value.as_list()
    return None


def java_type(value) -> str:
    """The Java class name Jenkins would report for a value (for error messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer" if -2**31 <= value < 2**31 else "java.lang.Long"
    if isinstance(value, float):
        return "java.math.BigDecimal"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "java.util.ArrayList"
    if isinstance(value, Mapping):
        return "java.util.LinkedHashMap"
    if isinstance(value, GroovyObject):
        return value.java_class
    return type(value).__name__


# ---------------------------------------------------------------- truth
def truthy(value) -> bool:
    """Groovy truth: null, false, 0, "" and empty collections are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, list, tuple, set, frozenset, Mapping)):
        return len(value) > 0
    if isinstance(value, GroovyObject):
        return value.as_boolean()
    return True


# ---------------------------------------------------------------- printing
def to_groovy_string(value) -> str:
    """The text Groovy prints for a value: `null`, `true`, `[a, b]`, `[k:v]`, `[:]`, `2.5`."""
    return _to_string(value, set())


def _to_string(value, seen: set) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, (list, tuple, set, frozenset, Mapping)):
        if id(value) in seen:  # a collection containing itself, as Groovy prints it
            return "(this Collection)" if not isinstance(value, Mapping) else "(this Map)"
        seen = seen | {id(value)}
        if isinstance(value, Mapping):
            if not value:
                return "[:]"
            return "[" + ", ".join(f"{_to_string(k, seen)}:{_to_string(v, seen)}" for k, v in value.items()) + "]"
        return "[" + ", ".join(_to_string(item, seen) for item in value) + "]"
    if isinstance(value, GroovyObject):
        return value.to_groovy_string()
    return str(value)


def format_double(value: float) -> str:
    """Java's Double.toString: plain between 1e-3 and 1e7, else `1.0E10` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    power = exponent + len(digits) - 1
    text = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"


# ---------------------------------------------------------------- equality and ordering
def groovy_equals(left, right) -> bool:
    """Groovy `==`: null-safe, numbers by value across types, collections element by element."""
    if left is right:
        return True
    if left is None or right is None:
        return False
    if isinstance(left, bool) or isinstance(right, bool):  # Python's True == 1 is not Groovy's
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return len(left) == len(right) and all(k in right and groovy_equals(v, right[k]) for k, v in left.items())
    left_items, right_items = as_list(left), as_list(right)
    if left_items is not None and right_items is not None:
        return len(left_items) == len(right_items) and all(map(groovy_equals, left_items, right_items))
    if isinstance(left, GroovyObject):
        return left.groovy_equals(right)
    if isinstance(right, GroovyObject):
        return right.groovy_equals(left)
    return bool(left == right)


def groovy_compare(left, right) -> int:
    """Groovy `<=>`: -1, 0 or 1; null sorts first; numbers compare across types."""
    if left is None or right is None:
        return 0 if left is right else (-1 if left is None else 1)
    comparable = ((is_number(left) and is_number(right))
                  or (isinstance(left, str) and isinstance(right, str))
                  or (isinstance(left, bool) and isinstance(right, bool)))
    if not comparable and isinstance(left, GroovyObject) and hasattr(left, "compare_to"):
        return left.compare_to(right)
    if not comparable:
        raise runtime_error(f"Cannot compare {java_type(left)} with value '{to_groovy_string(left)}' and "
                            f"{java_type(right)} with value '{to_groovy_string(right)}'",
                            java_class="java.lang.IllegalArgumentException")
    return (left > right) - (left < right)


def contains(items, value) -> bool:
    """List membership with Groovy equality (so `1 in [1.0]` and `true !in [1]`)."""
    return any(groovy_equals(item, value) for item in items)
