"""Property and index access on values (`obj.name`, `obj[key]`, and assignment to both), and
iteration as `for (x in value)` sees it.

Maps use their keys, the interpreter's own objects their explicit `get_property`, and the
binding's Python objects their public attributes: `name`, then `snake_case` of it, then
getter methods `getName()`/`isName()`, then a `getProperty(name)` method if the object has one
(setting: `setName(v)`, an existing attribute, then `setProperty(name, value)`; no new
attributes). Names starting with `_` never reach getattr/setattr: only those hooks see them
(environment variables may start with `_`); `__dunder__` names are rejected before that.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping

from ..errors import UnsupportedGroovy
from .objects import GroovyRange, MapEntry
from .regex import Matcher
from .sandbox import check_foreign_value
from .values import GroovyObject, as_list, is_number, missing_property, null_pointer, runtime_error, to_groovy_string

_BUILTINS = frozenset({str, int, float, bool, list, tuple, set, frozenset, dict, type(None)})
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def is_foreign(value) -> bool:
    """A Python object the binding handed out: not a builtin value and not one of ours. Subclasses
    of dict/list (an engine's `env` proxy, say) count: their Python-level methods are callable."""
    return type(value) not in _BUILTINS and not isinstance(value, GroovyObject)


def snake_case(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


def property_of_accessor(name: str, prefix: str) -> str | None:
    """`getNumber` -> `number`, `getURL` -> `URL` (Java bean rules)."""
    if not name.startswith(prefix) or len(name) <= len(prefix):
        return None
    rest = name[len(prefix):]
    if len(rest) > 1 and rest[1].isupper():
        return rest
    return rest[:1].lower() + rest[1:]


def _forbid_private(name: str, node) -> None:
    if name.startswith("_"):
        raise UnsupportedGroovy(name, getattr(node, "line", None))


# ---------------------------------------------------------------- properties
def get_property(obj, name: str, node=None):
    if obj is None:
        raise null_pointer(f"Cannot get property '{name}' on null object")
    if isinstance(obj, Mapping):
        return obj.get(name)
    if isinstance(obj, GroovyObject):
        return obj.get_property(name)
    if isinstance(obj, (list, tuple, set, frozenset)):
        if name == "empty":
            return not obj
        return [None if item is None else get_property(item, name, node) for item in obj]  # list.x is list*.x
    if isinstance(obj, str) and name == "empty":
        return not obj
    if not is_foreign(obj):
        raise missing_property(name, obj)
    return foreign_property(obj, name, node)


def foreign_property(obj, name: str, node):
    if name.startswith("_"):  # only a getProperty hook may answer these (`env._HIDDEN_VAR`)
        return _dynamic(obj, "getProperty", name, node)
    for attribute in dict.fromkeys((name, snake_case(name))):
        value = getattr(obj, attribute, _MISSING)
        if value is not _MISSING and not _is_method(value):
            return check_foreign_value(value, node)
    for prefix in ("get", "is"):
        getter = getattr(obj, prefix + capitalized(name), None)
        if getter is not None and _is_method(getter):
            return check_foreign_value(getter(), node)
    return _dynamic(obj, "getProperty", name, node)


def _dynamic(obj, hook: str, name: str, node, *value):
    """Groovy's getProperty/setProperty hooks, for proxies like `env` that answer any name."""
    method = getattr(obj, hook, None)
    if method is not None and _is_method(method):
        return check_foreign_value(method(name, *value), node)
    _forbid_private(name, node)
    raise missing_property(name, obj)


def _is_method(value) -> bool:
    return callable(value) and not isinstance(value, (GroovyObject, type))


_MISSING = object()


def set_property(obj, name: str, value, node=None) -> None:
    if obj is None:
        raise null_pointer(f"Cannot set property '{name}' on null object")
    if isinstance(obj, MutableMapping):
        obj[name] = value
    elif isinstance(obj, GroovyObject):
        obj.set_property(name, value)
    elif is_foreign(obj):
        set_foreign_property(obj, name, value, node)
    else:
        raise missing_property(name, obj)


def set_foreign_property(obj, name: str, value, node) -> None:
    """Setters first (`setResult`), then existing non-method attributes; never new attributes."""
    if name.startswith("_"):
        _dynamic(obj, "setProperty", name, node, value)
        return
    setter = getattr(obj, "set" + capitalized(name), None)
    if setter is not None and _is_method(setter):
        setter(value)
        return
    for attribute in dict.fromkeys((name, snake_case(name))):
        current = getattr(obj, attribute, _MISSING)
        if current is not _MISSING and not _is_method(current):
            try:
                setattr(obj, attribute, value)
            except (AttributeError, TypeError):
                raise runtime_error(f"Cannot set read-only property: {name}",
                                    java_class="groovy.lang.ReadOnlyPropertyException") from None
            return
    _dynamic(obj, "setProperty", name, node, value)  # `env.NEW_VAR = 'x'`


# ---------------------------------------------------------------- indexes
def get_index(obj, index, node=None):
    """`obj[index]`: lists give null past the end (Groovy's getAt), strings raise, ranges slice."""
    if obj is None:
        raise null_pointer("Cannot invoke method getAt() on null object")
    if isinstance(obj, Mapping):
        return obj.get(index)
    if isinstance(obj, Matcher) and is_number(index):
        return obj.get_index(int(index))
    if isinstance(obj, str):
        return _string_index(obj, index)
    items = as_list(obj)
    if items is not None:
        return _list_index(items, index)
    if isinstance(index, str):
        return get_property(obj, index, node)
    raise runtime_error(f"Cannot index {to_groovy_string(obj)} with {to_groovy_string(index)}",
                        java_class="groovy.lang.MissingMethodException")


def _list_index(items: list, index):
    if isinstance(index, GroovyRange):
        return index.slice_of(items)
    many = as_list(index)
    if many is not None:
        return [_list_index(items, i) for i in many]
    if not is_number(index):
        raise runtime_error(f"Cannot use {to_groovy_string(index)} as a list index",
                            java_class="java.lang.IllegalArgumentException")
    position = int(index)
    return items[position] if -len(items) <= position < len(items) else None


def _string_index(text: str, index):
    if isinstance(index, GroovyRange):
        return index.slice_of(text)
    many = as_list(index)
    if many is not None:
        return "".join(_string_index(text, i) for i in many)
    position = int(index) if is_number(index) else None
    if position is None or not -len(text) <= position < len(text):
        raise runtime_error(f"String index out of range: {to_groovy_string(index)}",
                            java_class="java.lang.StringIndexOutOfBoundsException")
    return text[position]


def set_index(obj, index, value, node=None) -> None:
    """`obj[index] = value`: lists grow with nulls past the end, as Groovy's putAt."""
    if obj is None:
        raise null_pointer("Cannot invoke method putAt() on null object")
    if isinstance(obj, MutableMapping):
        obj[index] = value
    elif isinstance(obj, list) and is_number(index):
        position = int(index)
        if position < 0:
            position += len(obj)
            if position < 0:
                raise runtime_error(f"Negative array index [{index}] too large for array size {len(obj)}",
                                    java_class="java.lang.IndexOutOfBoundsException")
        obj.extend([None] * (position + 1 - len(obj)))
        obj[position] = value
    elif isinstance(index, str) and not isinstance(obj, (str, list, tuple)):
        set_property(obj, index, value, node)
    else:
        raise runtime_error(f"Cannot set index {to_groovy_string(index)} of {to_groovy_string(obj)}",
                            java_class="groovy.lang.MissingMethodException")


# ---------------------------------------------------------------- iteration
def iterate(value):
    """What `for (x in value)` walks: elements, map entries, characters; null walks nothing."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [MapEntry(value, key) for key in list(value.keys())]
    if isinstance(value, str):
        return list(value)
    if isinstance(value, GroovyRange):
        return iter(value)  # lazily: `for (i in 0..<1000000)` needs no list
    items = as_list(value)
    if items is not None:
        return list(items)
    if is_foreign(value) and hasattr(value, "__iter__"):
        return list(value)
    return [value]  # Groovy iterates any other object as a one-element collection
