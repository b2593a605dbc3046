"""GDK methods on maps, as a dispatch table. Closures over a map take an entry or, when they
declare two parameters, the key and the value."""
from __future__ import annotations

from functools import cmp_to_key

from . import operators as ops
from .list_methods import arity, collect_entries
from .objects import MapEntry
from .values import as_list, contains, groovy_compare, groovy_equals, truthy


def entries(mapping) -> list[MapEntry]:
    return [MapEntry(mapping, key) for key in list(mapping.keys())]


def call_entry(closure, entry: MapEntry, *extra):
    """Closures over maps take (entry) or (key, value), plus any extra arguments (index, acc...)."""
    if arity(closure) >= 2 + len(extra):
        return closure(entry.key, entry.value, *extra)
    return closure(entry, *extra)


def map_each(mapping, closure):
    for entry in entries(mapping):
        call_entry(closure, entry)
    return mapping


def map_each_with_index(mapping, closure):
    for index, entry in enumerate(entries(mapping)):
        call_entry(closure, entry, index)
    return mapping


def map_inject(mapping, initial, closure):
    accumulator = initial
    for entry in entries(mapping):
        if arity(closure) >= 3:
            accumulator = closure(accumulator, entry.key, entry.value)
        else:
            accumulator = closure(accumulator, entry)
    return accumulator


def map_get(mapping, key, default=None, *rest):
    """Map.get(key) and Groovy's get(key, default), which stores the default when missing."""
    if key not in mapping and (default is not None or rest):
        mapping[key] = default
    return mapping.get(key)


def map_put(mapping, key, value):
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def map_sort(mapping, closure=None) -> dict:
    if closure is None:
        keys = sorted(mapping.keys(), key=cmp_to_key(groovy_compare))
        return {key: mapping[key] for key in keys}
    if arity(closure) >= 2:
        key = cmp_to_key(lambda a, b: int(closure(a, b)))
    else:
        key = cmp_to_key(lambda a, b: groovy_compare(closure(a), closure(b)))
    return {entry.key: entry.value for entry in sorted(entries(mapping), key=key)}


def map_group_by(mapping, closure) -> dict:
    groups: dict = {}
    for entry in entries(mapping):
        groups.setdefault(call_entry(closure, entry), {})[entry.key] = entry.value
    return groups


def _map_extreme(mapping, closure, largest: bool):
    items = entries(mapping)
    if not items:
        return None
    if arity(closure) >= 2:
        key = cmp_to_key(lambda a, b: int(closure(a, b)))
    else:
        key = cmp_to_key(lambda a, b: groovy_compare(call_entry(closure, a), call_entry(closure, b)))
    return max(items, key=key) if largest else min(items, key=key)


def _filtered(mapping, closure) -> dict:
    return {e.key: e.value for e in entries(mapping) if truthy(call_entry(closure, e))}


MAP_METHODS = {
    "each": map_each, "eachWithIndex": map_each_with_index,
    "collect": lambda m, closure: [call_entry(closure, e) for e in entries(m)],
    "collectEntries": lambda m, closure=None: collect_entries(
        entries(m), (lambda e: call_entry(closure, e)) if closure else None),
    "collectMany": lambda m, closure: [y for e in entries(m) for y in (as_list(call_entry(closure, e)) or [])],
    "find": lambda m, closure: next((e for e in entries(m) if truthy(call_entry(closure, e))), None),
    "findAll": _filtered,
    "findResult": lambda m, closure: next((r for e in entries(m) if (r := call_entry(closure, e)) is not None), None),
    "any": lambda m, closure=None: any(truthy(call_entry(closure, e)) for e in entries(m)) if closure else bool(m),
    "every": lambda m, closure: all(truthy(call_entry(closure, e)) for e in entries(m)),
    "count": lambda m, closure: sum(1 for e in entries(m) if truthy(call_entry(closure, e))),
    "countBy": lambda m, closure: {k: len(v) for k, v in map_group_by(m, closure).items()},
    "groupBy": map_group_by,
    "inject": map_inject,
    "max": lambda m, closure: _map_extreme(m, closure, True),
    "min": lambda m, closure: _map_extreme(m, closure, False),
    "sort": map_sort,
    "containsKey": lambda m, key: key in m,
    "containsValue": lambda m, value: contains(list(m.values()), value),
    "get": map_get, "getAt": lambda m, key: m.get(key),
    "getOrDefault": lambda m, key, default: m.get(key, default),
    "put": map_put, "putAt": map_put,
    "putAll": lambda m, other: m.update(other),
    "putIfAbsent": lambda m, key, value: m.get(key) if key in m else map_put(m, key, value),
    "computeIfAbsent": lambda m, key, closure: m[key] if m.get(key) is not None else m.setdefault(key, closure(key)),
    "remove": lambda m, key: m.pop(key, None),
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "entrySet": entries,
    "size": len, "isEmpty": lambda m: not m,
    "plus": ops.plus, "minus": ops.minus, "leftShift": ops.left_shift,
    "subMap": lambda m, keys: {k: m[k] for k in (as_list(keys) or []) if k in m},
    "take": lambda m, n: dict(list(m.items())[:max(n, 0)]),
    "drop": lambda m, n: dict(list(m.items())[max(n, 0):]),
    "clear": lambda m: m.clear(),
    "equals": groovy_equals,
    "asImmutable": dict, "asUnmodifiable": dict,
}
