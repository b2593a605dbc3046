"""Type rules: Java number parsing, `instanceof`, `as` and typed declarations (`int x = ...`)."""
from __future__ import annotations

import re
from collections.abc import Mapping

from .values import GroovyObject, as_list, groovy_equals, is_number, runtime_error, to_groovy_string, truthy

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?")

INT_TYPES = {"int", "Integer", "long", "Long", "short", "Short", "byte", "Byte", "BigInteger"}
FLOAT_TYPES = {"double", "Double", "float", "Float", "BigDecimal"}
STRING_TYPES = {"String", "CharSequence", "GString"}
BOOLEAN_TYPES = {"boolean", "Boolean"}
LIST_TYPES = {"List", "ArrayList", "LinkedList", "Collection", "Iterable", "AbstractList"}
SET_TYPES = {"Set", "HashSet", "LinkedHashSet", "TreeSet", "SortedSet"}
MAP_TYPES = {"Map", "HashMap", "LinkedHashMap", "TreeMap", "SortedMap"}
_PREFIXES = ("java.lang.", "java.util.", "java.math.", "groovy.lang.")


def bare_type(name: str) -> str:
    """`java.lang.String` -> `String`: in type positions qualified JDK names are harmless."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def number_format_error(text) -> Exception:
    return runtime_error(f'For input string: "{to_groovy_string(text)}"', java_class="java.lang.NumberFormatException")


def parse_int(text, radix: int = 10) -> int:
    """Integer.parseInt: no surrounding blanks, no decimals."""
    source = to_groovy_string(text)
    pattern = _INTEGER if radix == 10 else re.compile(r"[+-]?[0-9a-zA-Z]+")
    if not pattern.fullmatch(source):
        raise number_format_error(source)
    try:
        return int(source, radix)
    except ValueError:
        raise number_format_error(source) from None


def parse_double(text) -> float:
    source = to_groovy_string(text).strip()
    if not _DECIMAL.fullmatch(source):
        raise number_format_error(source)
    return float(source.rstrip("dDfF"))


def parse_boolean(text) -> bool:
    return text is not None and to_groovy_string(text).lower() == "true"


def to_integer(value) -> int:
    """GDK toInteger(): strings are trimmed first; numbers truncate."""
    if is_number(value):
        return int(value)
    return parse_int(to_groovy_string(value).strip())


def to_double(value) -> float:
    return float(value) if is_number(value) else parse_double(value)


def is_integer_text(text: str) -> bool:
    return bool(_INTEGER.fullmatch(text.strip()))


def is_number_text(text: str) -> bool:
    return bool(_DECIMAL.fullmatch(text.strip()))


def instance_of(value, type_name: str) -> bool:
    """`value instanceof Type` for the JDK types scripts test, script classes and exceptions."""
    name = bare_type(type_name)
    if value is None:
        return False
    if name == "Object":
        return True
    if isinstance(value, GroovyObject):  # by simple name: `e instanceof hudson.AbortException`
        return type_name.rsplit(".", 1)[-1] in value.java_types
    checks = (
        (STRING_TYPES, lambda v: isinstance(v, str)),
        (INT_TYPES, lambda v: isinstance(v, int) and not isinstance(v, bool)),
        (FLOAT_TYPES, lambda v: isinstance(v, float)),
        ({"Number"}, is_number),
        (BOOLEAN_TYPES, lambda v: isinstance(v, bool)),
        (LIST_TYPES, lambda v: isinstance(v, (list, tuple))),
        (SET_TYPES, lambda v: isinstance(v, (set, frozenset))),
        (MAP_TYPES, lambda v: isinstance(v, Mapping)),
    )
    return any(name in names and test(value) for names, test in checks)


def cast(value, type_name: str, dims: int = 0):
    """`value as Type`; returns NotImplemented for a type this interpreter cannot convert to."""
    name = bare_type(type_name)
    if dims:
        items = as_list(value) if as_list(value) is not None else list(to_groovy_string(value))
        return [cast(item, name) for item in items]
    if name in BOOLEAN_TYPES:
        return truthy(value)
    if value is None or name in ("Object", "def"):
        return value
    if name in INT_TYPES:
        return to_integer(value) if not isinstance(value, bool) else _cannot_cast(value, name)
    if name in FLOAT_TYPES or name == "Number":
        return to_double(value) if not isinstance(value, bool) else _cannot_cast(value, name)
    if name in STRING_TYPES:
        return to_groovy_string(value)
    if name in LIST_TYPES | SET_TYPES:
        return _to_list(value, unique=name in SET_TYPES)
    if name in MAP_TYPES:
        return dict(value) if isinstance(value, Mapping) else _cannot_cast(value, name)
    return NotImplemented


def _to_list(value, unique: bool) -> list:
    if isinstance(value, str):
        items = list(value)
    elif isinstance(value, Mapping):
        return _cannot_cast(value, "List")
    else:
        items = as_list(value)
        if items is None:
            items = [value]
    if not unique:
        return list(items)
    result: list = []
    for item in items:  # sets are lists without repeats here (printing and iteration match)
        if not any(groovy_equals(item, kept) for kept in result):
            result.append(item)
    return result


def _cannot_cast(value, name: str):
    raise runtime_error(f"Cannot cast object '{to_groovy_string(value)}' with class '{type(value).__name__}' "
                        f"to class '{name}'", java_class="org.codehaus.groovy.runtime.typehandling.GroovyCastException")


def coerce_declared(type_name: str, dims: int, value):
    """What a typed declaration stores: `String s = 5` keeps "5", `int i = 2.7` keeps 2."""
    name = bare_type(type_name)
    if value is None:
        return False if name == "boolean" else (0 if name in ("int", "long", "short", "byte") else None)
    if dims:
        return value
    if name in STRING_TYPES and not isinstance(value, str):
        return to_groovy_string(value)
    if name in INT_TYPES and isinstance(value, float):
        return int(value)
    if name in FLOAT_TYPES and is_number(value):
        return float(value)
    if name in BOOLEAN_TYPES:
        return truthy(value)
    return value


def default_value(type_name: str | None):
    """The value of `int x` declared without a value: 0/false for primitives, else null."""
    if type_name in ("int", "long", "short", "byte"):
        return 0
    if type_name in ("double", "float"):
        return 0.0
    if type_name == "boolean":
        return False
    return None


class ClassValue(GroovyObject):
    """Base of values that stand for a type: `case String:`, `x in Integer`, `Modes.values()`.
    Their isCase is instanceof."""

    java_class = "java.lang.Class"
    name = "Object"

    def is_instance(self, value) -> bool:
        return instance_of(value, self.name)

    def to_groovy_string(self) -> str:
        return f"class {self.name}"
