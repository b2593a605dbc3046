"""Method calls on values: the dispatch tables for builtin types (str, list, map, numbers, bool,
ranges, matchers...) and the methods every object has (toString, equals, with...).

`call_method` answers NOT_FOUND when no table has the method, so the interpreter can go on to
closures stored in maps and to methods of the binding's own Python objects.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from . import operators as ops
from .list_methods import LIST_METHODS
from .map_methods import MAP_METHODS
from .string_methods import STRING_METHODS
from .values import (GroovyObject, groovy_compare, groovy_equals, java_type, runtime_error, to_groovy_string,
                     truthy)

NOT_FOUND = object()


def _times(count: int, closure) -> None:
    for index in range(int(count)):
        closure(index)


def _upto(start, stop, closure) -> None:
    for value in range(int(start), int(stop) + 1):
        closure(value)


def _downto(start, stop, closure) -> None:
    for value in range(int(start), int(stop) - 1, -1):
        closure(value)


def _step(start, stop, step, closure) -> None:
    value = start
    while (value < stop) if step > 0 else (value > stop):
        closure(value)
        value += step


def _round(number, places=None):
    """Math.round (half up) without places; with places, a decimal rounded half up."""
    if places is None:
        return int(math.floor(number + 0.5))
    factor = 10 ** int(places)
    return math.floor(number * factor + 0.5) / factor


NUMBER_METHODS = {
    "times": _times, "upto": _upto, "downto": _downto, "step": _step,
    "abs": abs, "round": _round,
    "intValue": int, "longValue": int, "toInteger": int, "toLong": int, "toBigInteger": int,
    "doubleValue": float, "floatValue": float, "toDouble": float, "toFloat": float, "toBigDecimal": float,
    "toString": to_groovy_string,
    "plus": ops.plus, "minus": ops.minus, "multiply": ops.multiply, "div": ops.divide, "mod": ops.remainder,
    "power": ops.power, "intdiv": ops.intdiv, "negative": ops.negate,
    "next": lambda n: n + 1, "previous": lambda n: n - 1,
    "compareTo": groovy_compare, "equals": groovy_equals,
    "isNaN": lambda n: isinstance(n, float) and math.isnan(n),
    "isInfinite": lambda n: isinstance(n, float) and math.isinf(n),
    "signum": lambda n: (n > 0) - (n < 0),
}

BOOLEAN_METHODS = {
    "booleanValue": bool, "toString": to_groovy_string,
    "and": lambda b, other: b and truthy(other), "or": lambda b, other: b or truthy(other),
    "xor": lambda b, other: b != truthy(other), "implies": lambda b, other: (not b) or truthy(other),
    "equals": groovy_equals, "compareTo": groovy_compare,
}

#: methods every value has
OBJECT_METHODS = {
    "toString": to_groovy_string,
    "equals": groovy_equals,
    "is": lambda value, other: value is other,
    "with": lambda value, closure: closure(value),  # no delegate: the closure gets the value as `it`
    "asBoolean": truthy,
    "isCase": ops.is_case,
    "inspect": lambda value: repr(value) if isinstance(value, str) else to_groovy_string(value),
}


def table_for(receiver) -> dict | None:
    if isinstance(receiver, str):
        return STRING_METHODS
    if isinstance(receiver, bool):
        return BOOLEAN_METHODS
    if isinstance(receiver, (int, float)):
        return NUMBER_METHODS
    if isinstance(receiver, Mapping):
        return MAP_METHODS
    if isinstance(receiver, (list, tuple, set, frozenset)):
        return LIST_METHODS
    if isinstance(receiver, GroovyObject):
        return type(receiver).METHODS
    return None


def find_method(receiver, name: str):
    """The function for `receiver.name(...)` and the receiver to pass it, or (None, None)."""
    table = table_for(receiver)
    method = table.get(name) if table else None
    if method is None and isinstance(receiver, (set, frozenset, tuple)):
        receiver = list(receiver)
    if method is None and isinstance(receiver, GroovyObject) and receiver.as_list() is not None:
        method, receiver = LIST_METHODS.get(name), receiver.as_list()  # ranges and matchers act as lists
    if method is None and (table is not None or receiver is None):
        method = OBJECT_METHODS.get(name)
    return (method, receiver) if method is not None else (None, None)


def no_signature(receiver, name: str, args) -> Exception:
    types = ", ".join(java_type(a) for a in args)
    values = ", ".join(to_groovy_string(a) for a in args)
    return runtime_error(f"No signature of method: {java_type(receiver)}.{name}() is applicable for "
                         f"argument types: ({types}) values: [{values}]",
                         java_class="groovy.lang.MissingMethodException")


def call_method(receiver, name: str, args: list):
    """Run a table method; Python errors from bad arguments become Groovy's runtime errors."""
    method, target = find_method(receiver, name)
    if method is None:
        return NOT_FOUND
    try:
        return method(target, *args)
    except TypeError as error:
        if error.__traceback__ is not None and error.__traceback__.tb_next is None:
            raise no_signature(receiver, name, args) from None  # the call itself did not fit
        raise runtime_error(str(error)) from None
    except (ValueError, IndexError, KeyError, AttributeError, OverflowError, RecursionError) as error:
        if isinstance(error, RecursionError):
            raise
        raise runtime_error(f"{name}(): {error}") from None
