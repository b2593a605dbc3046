"""Groovy operators on values: arithmetic (with Groovy's number rules), `+`/`-`/`*` on strings,
lists and maps, comparisons, `in`/isCase (switch), regex operators and shifts.

Decimal literals are BigDecimals in Groovy, so float arithmetic is done in decimal and stored back
as a float: `0.1 + 0.2` is 0.3 and `1/3` is 0.3333333333, as Jenkins prints them.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact

from .conversions import ClassValue
from .objects import GroovyRange, StringBuilder
from .regex import Matcher, Pattern, pattern_of
from .values import (as_list, contains, groovy_compare, groovy_equals, is_number, java_type,
                     null_pointer, runtime_error, to_groovy_string, truthy)


def _no_method(name: str, left, right) -> Exception:
    if left is None:
        return null_pointer(f"Cannot invoke method {name}() on null object")
    return runtime_error(f"No signature of method: {java_type(left)}.{name}() is applicable for argument types: "
                         f"({java_type(right)}) values: [{to_groovy_string(right)}]",
                         java_class="groovy.lang.MissingMethodException")


def _division_by_zero() -> Exception:
    return runtime_error("Division by zero", java_class="java.lang.ArithmeticException")


_EXACT = Context(prec=80, rounding=ROUND_HALF_UP)
_TEN_PLACES = Decimal("1e-10")


def _decimal(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _finite(*values) -> bool:
    return all(not isinstance(v, float) or math.isfinite(v) for v in values)


def _numeric(operation, left, right):
    """+ - * on numbers: ints stay exact ints; floats are computed as BigDecimals would be."""
    if isinstance(left, int) and isinstance(right, int) or not _finite(left, right):
        return operation(left, right)
    return float(operation(_decimal(left), _decimal(right)))


def plus(left, right):
    if isinstance(left, str):
        return left + to_groovy_string(right)
    if isinstance(right, str) and (left is None or is_number(left)):
        return to_groovy_string(left) + right  # Groovy: 1 + "a" is "1a", null + "a" is "nulla"
    if is_number(left) and is_number(right):
        return _numeric(operator.add, left, right)
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return {**left, **right}
    items = as_list(left)
    if items is not None:
        extra = as_list(right)
        return list(items) + (list(extra) if extra is not None else [right])
    if isinstance(left, StringBuilder):
        return left.text + to_groovy_string(right)
    raise _no_method("plus", left, right)


def minus(left, right):
    if is_number(left) and is_number(right):
        return _numeric(operator.sub, left, right)
    if isinstance(left, str):
        if isinstance(right, Pattern):
            return right.regex.sub("", left, count=1)
        return left.replace(to_groovy_string(right), "", 1)
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return {k: v for k, v in left.items() if not (k in right and groovy_equals(right[k], v))}
    items = as_list(left)
    if items is not None:
        removed = as_list(right)
        removed = removed if removed is not None else [right]
        return [item for item in items if not contains(removed, item)]
    raise _no_method("minus", left, right)


def multiply(left, right):
    if is_number(left) and is_number(right):
        return _numeric(operator.mul, left, right)
    if isinstance(left, str) and is_number(right):
        return left * int(right)
    items = as_list(left)
    if items is not None and is_number(right):
        return list(items) * int(right)
    raise _no_method("multiply", left, right)


def divide(left, right):
    """Groovy `/` is BigDecimal division: exact when the quotient terminates (4/2 is 2, 5/2 is
    2.5, 4.0/2 is 2.0), else rounded half-up to 10 decimal places (1/3 is 0.3333333333)."""
    if not (is_number(left) and is_number(right)):
        raise _no_method("div", left, right)
    if right == 0:
        raise _division_by_zero()
    if not _finite(left, right):
        return left / right
    context = _EXACT.copy()
    quotient = context.divide(_decimal(left), _decimal(right))
    if context.flags[Inexact]:
        if quotient.adjusted() > 60:  # beyond what 10 decimal places can mean
            return float(quotient)
        quotient = context.quantize(quotient, _TEN_PLACES)
    if isinstance(left, int) and isinstance(right, int) and quotient == quotient.to_integral_value():
        return int(quotient)
    return float(quotient)


def intdiv(left, right) -> int:
    if not (is_number(left) and is_number(right)):
        raise _no_method("intdiv", left, right)
    if right == 0:
        raise _division_by_zero()
    quotient = abs(int(left)) // abs(int(right))
    return quotient if (left < 0) == (right < 0) else -quotient  # Java truncates toward zero


def remainder(left, right):
    """Java `%`: the sign follows the dividend (-7 % 3 is -1)."""
    if not (is_number(left) and is_number(right)):
        raise _no_method("mod", left, right)
    if right == 0:
        raise _division_by_zero()
    if isinstance(left, int) and isinstance(right, int):
        result = abs(left) % abs(right)
        return -result if left < 0 else result
    return math.fmod(left, right)


def power(left, right):
    if not (is_number(left) and is_number(right)):
        raise _no_method("power", left, right)
    if isinstance(left, int) and isinstance(right, int) and right >= 0:
        if right > 100000:
            raise runtime_error("exponent too large", java_class="java.lang.ArithmeticException")
        return left ** right
    try:
        return float(left) ** float(right)
    except (OverflowError, ZeroDivisionError):
        raise runtime_error("power overflow", java_class="java.lang.ArithmeticException") from None


def left_shift(left, right):
    """`<<`: append to lists and builders, put into maps, shift ints."""
    if isinstance(left, list):
        left.append(right)
        return left
    if isinstance(left, StringBuilder):
        return left.append(right)
    if isinstance(left, str):
        return StringBuilder(left).append(right)
    if isinstance(left, dict) and isinstance(right, Mapping):
        left.update(right)
        return left
    return _bitwise("leftShift", left, right, lambda a, b: a << b)


def _bitwise(name: str, left, right, operation):
    if isinstance(left, bool) and isinstance(right, bool) and name in ("and", "or", "xor"):
        return bool(operation(left, right))
    if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool):
        return operation(left, right)
    raise _no_method(name, left, right)


def _unsigned_shift(left: int, right: int) -> int:
    width = 32 if -2**31 <= left < 2**31 else 64
    return (left % (1 << width)) >> right


ARITHMETIC = {
    "+": plus, "-": minus, "*": multiply, "/": divide, "%": remainder, "**": power, "<<": left_shift,
    ">>": lambda a, b: _bitwise("rightShift", a, b, lambda x, y: x >> y),
    ">>>": lambda a, b: _bitwise("rightShiftUnsigned", a, b, _unsigned_shift),
    "&": lambda a, b: _bitwise("and", a, b, lambda x, y: x & y),
    "|": lambda a, b: _bitwise("or", a, b, lambda x, y: x | y),
    "^": lambda a, b: _bitwise("xor", a, b, lambda x, y: x ^ y),
    "==": groovy_equals,
    "!=": lambda a, b: not groovy_equals(a, b),
    "<": lambda a, b: groovy_compare(a, b) < 0,
    "<=": lambda a, b: groovy_compare(a, b) <= 0,
    ">": lambda a, b: groovy_compare(a, b) > 0,
    ">=": lambda a, b: groovy_compare(a, b) >= 0,
    "<=>": groovy_compare,
    "===": lambda a, b: a is b or (_is_primitive(a) and groovy_equals(a, b)),
    "!==": lambda a, b: not (a is b or (_is_primitive(a) and groovy_equals(a, b))),
    "in": lambda a, b: is_case(b, a),
    "!in": lambda a, b: not is_case(b, a),
    "=~": lambda a, b: Matcher(pattern_of(b), to_groovy_string(a)),
    "==~": lambda a, b: a is not None and pattern_of(b).fullmatch(to_groovy_string(a)) is not None,
}


def _is_primitive(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def binary(op: str, left, right):
    operation = ARITHMETIC.get(op)
    if operation is None:
        raise runtime_error(f"Unknown operator {op}")
    return operation(left, right)


def negate(value):
    if is_number(value):
        return -value
    raise _no_method("negative", value, None)


def bitwise_negate(value):
    """`~`: a Pattern from a string (`~/x/`), else the bitwise complement."""
    if isinstance(value, str):
        return Pattern(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return ~value
    raise _no_method("bitwiseNegate", value, None)


def increment(value, step: int):
    """`++`/`--` on numbers (strings step their last character, as Groovy's next()/previous())."""
    if is_number(value):
        return value + step
    if isinstance(value, str) and value:
        return value[:-1] + chr(ord(value[-1]) + step)
    raise _no_method("next" if step > 0 else "previous", value, None)


def is_case(case_value, subject) -> bool:
    """Groovy isCase, behind `switch` cases and `in`: collections contain, ranges include,
    patterns match fully, closures decide, classes test instanceof, maps test the value's truth,
    strings and everything else compare with equality (so `'a' in 'abc'` is false, as in Groovy)."""
    if case_value is None:
        return subject is None
    if isinstance(case_value, GroovyRange):
        return case_value.contains(subject)
    if isinstance(case_value, Pattern):
        return subject is not None and case_value.regex.fullmatch(to_groovy_string(subject)) is not None
    if getattr(case_value, "java_class", "") == "groovy.lang.Closure":
        return truthy(case_value(subject))
    if isinstance(case_value, Mapping):
        return truthy(case_value.get(subject))
    items = as_list(case_value)
    if items is not None:
        return contains(items, subject)
    if isinstance(case_value, ClassValue):
        return case_value.is_instance(subject)
    if isinstance(case_value, str):
        return subject is not None and case_value == to_groovy_string(subject)
    return groovy_equals(case_value, subject)
