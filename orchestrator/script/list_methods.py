"""GDK methods on lists (and on ranges, sets and matchers acting as lists), as a dispatch table.

Closures arrive as Python callables; `arity` (the closure's declared parameter count) decides
between Groovy's one-argument and two-argument forms (`sort { it.x }` vs `sort { a, b -> ... }`).
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import cmp_to_key

from . import operators as ops
from .objects import MapEntry
from .values import (as_list, contains, groovy_compare, groovy_equals, runtime_error, to_groovy_string,
                     truthy)


def arity(closure) -> int:
    return getattr(closure, "arity", 1)


def _no_element(what: str) -> Exception:
    return runtime_error(f"Cannot access {what} element from an empty List",
                         java_class="java.util.NoSuchElementException")


def _comparator(closure=None):
    """A sort key from nothing (natural order), a key closure or a two-argument comparator."""
    if closure is None:
        return cmp_to_key(groovy_compare)
    if arity(closure) >= 2:
        return cmp_to_key(lambda a, b: int(closure(a, b)))
    return cmp_to_key(lambda a, b: groovy_compare(closure(a), closure(b)))


def _unique(items: list, closure=None) -> list:
    result: list = []
    for item in items:
        if closure is None:
            same = any(groovy_equals(item, kept) for kept in result)
        elif arity(closure) >= 2:
            same = any(closure(item, kept) == 0 for kept in result)
        else:
            same = any(groovy_equals(closure(item), closure(kept)) for kept in result)
        if not same:
            result.append(item)
    return result


def _mutable(items) -> list:
    if not isinstance(items, list):
        raise runtime_error("this collection cannot be changed", java_class="java.lang.UnsupportedOperationException")
    return items


# ---------------------------------------------------------------- lists
def each(items, closure):
    for item in list(items):
        closure(item)
    return items


def each_with_index(items, closure):
    for index, item in enumerate(list(items)):
        closure(item, index)
    return items


def collect_entries(items, closure=None) -> dict:
    result: dict = {}
    for item in items:
        pair = closure(item) if closure else item
        if isinstance(pair, Mapping):
            result.update(pair)
        elif isinstance(pair, MapEntry):
            result[pair.key] = pair.value
        elif as_list(pair) is not None and len(as_list(pair)) == 2:
            key, value = as_list(pair)
            result[key] = value
        else:
            raise runtime_error(f"collectEntries needs [key, value] pairs or maps, got {to_groovy_string(pair)}")
    return result


def inject(items, *args):
    """`inject(initial) { acc, x -> }` or `inject { acc, x -> }` (the first element starts)."""
    items = list(items)
    if len(args) == 1:
        if not items:
            raise _no_element("first")
        accumulator, closure, items = items[0], args[0], items[1:]
    else:
        accumulator, closure = args
    for item in items:
        accumulator = closure(accumulator, item)
    return accumulator


def total(items, *args):
    """sum(), sum(initial), sum { }, sum(initial) { }: Groovy `+` throughout (strings concatenate)."""
    closure = args[-1] if args and callable(args[-1]) else None
    values = [closure(item) for item in items] if closure else list(items)
    has_initial = len(args) == 2 or (len(args) == 1 and closure is None)
    if has_initial:
        values.insert(0, args[0])
    if not values:
        return None
    result = values[0]
    for value in values[1:]:
        result = ops.plus(result, value)
    return result


def extreme(items, closure=None, largest: bool = True):
    items = list(items)
    if not items:
        return None
    key = _comparator(closure)
    return max(items, key=key) if largest else min(items, key=key)


def count_of(items, target) -> int:
    if callable(target):
        return sum(1 for item in items if truthy(target(item)))
    return sum(1 for item in items if groovy_equals(item, target))


def group_by(items, closure) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(closure(item), []).append(item)
    return groups


def sort(items, *args):
    """sort() sorts in place and returns the list (as Groovy); sort(false) leaves it alone."""
    mutate = True
    if args and isinstance(args[0], bool):
        mutate, args = args[0], args[1:]
    result = sorted(items, key=_comparator(args[0] if args else None))
    if mutate and isinstance(items, list):
        items[:] = result
        return items
    return result


def unique(items, *args):
    mutate = True
    if args and isinstance(args[0], bool):
        mutate, args = args[0], args[1:]
    result = _unique(list(items), args[0] if args else None)
    if mutate and isinstance(items, list):
        items[:] = result
        return items
    return result


def flatten(items) -> list:
    result = []
    for item in items:
        nested = as_list(item)
        result.extend(flatten(nested) if nested is not None else [item])
    return result


def _index(items, value, last: bool = False) -> int:
    positions = [i for i, item in enumerate(items) if groovy_equals(item, value)]
    return (positions[-1] if last else positions[0]) if positions else -1


def find_index(items, closure, last: bool = False) -> int:
    positions = [i for i, item in enumerate(items) if truthy(closure(item))]
    return (positions[-1] if last else positions[0]) if positions else -1


def get_checked(items, index: int):
    if not -len(items) <= index < len(items) or index < 0:
        raise runtime_error(f"Index: {index}, Size: {len(items)}", java_class="java.lang.IndexOutOfBoundsException")
    return items[index]


def add(items, *args) -> bool:
    if len(args) == 2:
        _mutable(items).insert(args[0], args[1])
        return None
    _mutable(items).append(args[0])
    return True


def add_all(items, *args) -> bool:
    position, extra = (args[0], args[1]) if len(args) == 2 else (len(items), args[0])
    _mutable(items)[position:position] = list(as_list(extra) or [])
    return True


def remove(items, value):
    """List.remove: an int removes at that index (as Java), anything else the first equal element."""
    target = _mutable(items)
    if isinstance(value, int) and not isinstance(value, bool):
        return target.pop(get_checked(range(len(target)), value))
    position = _index(target, value)
    if position < 0:
        return False
    del target[position]
    return True


def remove_all(items, what) -> bool:
    target = _mutable(items)
    if callable(what):
        keep = [item for item in target if not truthy(what(item))]
    else:
        keep = [item for item in target if not contains(as_list(what) or [], item)]
    changed = len(keep) != len(target)
    target[:] = keep
    return changed


def retain_all(items, what) -> bool:
    target = _mutable(items)
    keep = [item for item in target if (truthy(what(item)) if callable(what) else contains(as_list(what) or [], item))]
    changed = len(keep) != len(target)
    target[:] = keep
    return changed


def first(items):
    if not items:
        raise _no_element("first")
    return items[0]


def last(items):
    if not items:
        raise _no_element("last")
    return items[-1]


def pop(items):
    if not items:
        raise runtime_error("Cannot pop() an empty List", java_class="java.util.NoSuchElementException")
    return _mutable(items).pop()  # Groovy 2.4 (Jenkins): pop() takes the last element


def set_at(items, index: int, value):
    target = _mutable(items)
    previous = get_checked(target, index)
    target[index] = value
    return previous


def tail(items) -> list:
    if not items:
        raise _no_element("first")
    return list(items)[1:]


def reverse_each(items, closure):
    for item in list(items)[::-1]:
        closure(item)
    return items


def split(items, closure) -> list:
    matching, rest = [], []
    for item in items:
        (matching if truthy(closure(item)) else rest).append(item)
    return [matching, rest]


def collate(items, size: int) -> list:
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), max(size, 1))]


def _while(items, closure, taking: bool) -> list:
    items = list(items)
    for index, item in enumerate(items):
        if not truthy(closure(item)):
            return items[:index] if taking else items[index:]
    return items if taking else []


LIST_METHODS = {
    "each": each, "eachWithIndex": each_with_index,
    "reverseEach": reverse_each,
    "collect": lambda items, closure=None: [closure(x) if closure else x for x in items],
    "collectEntries": collect_entries,
    "collectMany": lambda items, closure: [y for x in items for y in (as_list(closure(x)) or [])],
    "find": lambda items, closure=None: next((x for x in items if truthy(closure(x) if closure else x)), None),
    "findAll": lambda items, closure=None: [x for x in items if truthy(closure(x) if closure else x)],
    "findResult": lambda items, closure: next((r for r in map(closure, items) if r is not None), None),
    "findResults": lambda items, closure: [r for r in map(closure, items) if r is not None],
    "findIndexOf": find_index,
    "findLastIndexOf": lambda items, closure: find_index(items, closure, last=True),
    "grep": lambda items, pattern=None: [x for x in items if truthy(x)] if pattern is None else [
        x for x in items if ops.is_case(pattern, x)],
    "any": lambda items, closure=None: any(truthy(closure(x) if closure else x) for x in items),
    "every": lambda items, closure=None: all(truthy(closure(x) if closure else x) for x in items),
    "inject": inject, "sum": total,
    "max": lambda items, closure=None: extreme(items, closure, largest=True),
    "min": lambda items, closure=None: extreme(items, closure, largest=False),
    "count": count_of,
    "countBy": lambda items, closure: {k: len(v) for k, v in group_by(items, closure).items()},
    "groupBy": group_by,
    "split": split,
    "sort": sort,
    "toSorted": lambda items, closure=None: sorted(items, key=_comparator(closure)),
    "unique": unique,
    "toUnique": lambda items, closure=None: _unique(list(items), closure),
    "reverse": lambda items, mutate=False: (_mutable(items).reverse() or items) if mutate else list(items)[::-1],
    "flatten": flatten,
    "join": lambda items, separator="": to_groovy_string(separator).join(to_groovy_string(x) for x in items),
    "first": first, "head": first, "last": last,
    "tail": tail,
    "init": lambda items: list(items)[:-1],
    "take": lambda items, n: list(items)[:max(n, 0)],
    "drop": lambda items, n: list(items)[max(n, 0):],
    "takeRight": lambda items, n: list(items)[len(items) - min(max(n, 0), len(items)):],
    "dropRight": lambda items, n: list(items)[:len(items) - min(max(n, 0), len(items))],
    "takeWhile": lambda items, closure: _while(items, closure, True),
    "dropWhile": lambda items, closure: _while(items, closure, False),
    "size": len, "isEmpty": lambda items: not items,
    "contains": contains,
    "containsAll": lambda items, other: all(contains(items, x) for x in (as_list(other) or [])),
    "get": get_checked,
    "getAt": lambda items, i: items[i] if -len(items) <= i < len(items) else None,
    "set": set_at, "putAt": set_at,
    "indexOf": _index,
    "lastIndexOf": lambda items, value: _index(items, value, last=True),
    "subList": lambda items, a, b: list(items)[a:b],
    "add": add, "leftShift": lambda items, x: ops.left_shift(_mutable(items), x),
    "addAll": add_all, "push": lambda items, x: add(items, x),
    "pop": pop,
    "remove": remove, "removeAt": lambda items, i: _mutable(items).pop(get_checked(range(len(items)), i)),
    "removeAll": remove_all, "removeIf": remove_all, "retainAll": retain_all,
    "clear": lambda items: _mutable(items).clear(),
    "plus": ops.plus, "minus": ops.minus, "multiply": ops.multiply,
    "intersect": lambda items, other: [x for x in items if contains(as_list(other) or [], x)],
    "disjoint": lambda items, other: not any(contains(as_list(other) or [], x) for x in items),
    "withIndex": lambda items, offset=0: [[x, i + offset] for i, x in enumerate(items)],
    "indexed": lambda items, offset=0: {i + offset: x for i, x in enumerate(items)},
    "collate": collate,
    "toList": list, "asList": list, "toArray": list,
    "toSet": lambda items: _unique(list(items)),
    "asImmutable": list, "asUnmodifiable": list,
    "equals": groovy_equals,
}
