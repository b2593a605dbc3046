"""Runtime values with no Python equivalent: ranges, map entries, StringBuilder, Date, `this`."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from .values import GroovyObject, groovy_equals, is_number, runtime_error, to_groovy_string


class GroovyRange(GroovyObject):
    """`a..b` / `a..<b` over ints or single characters; `5..1` counts down, as in Groovy."""

    java_class = "groovy.lang.IntRange"
    java_types = frozenset({"IntRange", "Range", "List", "Collection", "Iterable", "AbstractList", "Object"})

    def __init__(self, start, end, exclusive: bool = False):
        self.chars = isinstance(start, str) and isinstance(end, str) and len(start) == 1 == len(end)
        if not self.chars and not (type(start) is int and type(end) is int):
            raise runtime_error(f"Cannot create a range from {to_groovy_string(start)} to {to_groovy_string(end)}",
                                java_class="java.lang.IllegalArgumentException")
        self.start, self.end, self.exclusive = start, end, exclusive
        low, high = (ord(start), ord(end)) if self.chars else (start, end)
        step = 1 if low <= high else -1
        self.steps = range(low, high if exclusive else high + step, step)

    def __iter__(self):
        return (chr(i) for i in self.steps) if self.chars else iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def as_list(self):
        return list(self)

    def contains(self, value) -> bool:
        if self.chars:
            return isinstance(value, str) and len(value) == 1 and ord(value) in self.steps
        return is_number(value) and value == int(value) and int(value) in self.steps

    def to_groovy_string(self) -> str:
        return "[" + ", ".join(to_groovy_string(v) for v in self) + "]"

    def groovy_equals(self, other) -> bool:
        return isinstance(other, GroovyRange) and list(self) == list(other)

    def get_property(self, name: str):
        if name in ("from", "to"):
            values = sorted((self.start, self.end))
            return values[0] if name == "from" else values[1]
        return super().get_property(name)

    def slice_of(self, sequence):
        """`list[1..2]`, `text[0..-2]`, `text[0..<-1]`: negative ends count from the end."""
        if self.chars:
            raise runtime_error("a character range cannot index", java_class="java.lang.IllegalArgumentException")
        size = len(sequence)
        first = self.start + size if self.start < 0 else self.start
        last = self.end + size if self.end < 0 else self.end
        reverse = first > last
        if reverse:
            low, high = (last + 1 if self.exclusive else last), first + 1
        else:
            low, high = first, (last if self.exclusive else last + 1)
        if low < 0 or high > size:
            raise runtime_error(f"Index out of range: {self.to_groovy_string()} for size {size}",
                                java_class="java.lang.IndexOutOfBoundsException")
        part = sequence[low:high]
        return part[::-1] if reverse else part


GroovyRange.METHODS = {
    "getFrom": lambda self: self.get_property("from"),
    "getTo": lambda self: self.get_property("to"),
    "contains": GroovyRange.contains,
    "containsWithinBounds": GroovyRange.contains,
    "step": lambda self, n: list(self)[::n],
}


class MapEntry(GroovyObject):
    """One entry of a map, as `for (e in map)`, `entrySet()` and `each { e -> }` give it;
    setting `e.value` writes through to the map, as in Java."""

    java_class = "java.util.LinkedHashMap$Entry"
    java_types = frozenset({"Entry", "Map.Entry", "Object"})

    def __init__(self, mapping, key):
        self.mapping, self.key = mapping, key

    @property
    def value(self):
        return self.mapping.get(self.key)

    def to_groovy_string(self) -> str:
        return f"{to_groovy_string(self.key)}={to_groovy_string(self.value)}"

    def groovy_equals(self, other) -> bool:
        return (isinstance(other, MapEntry) and groovy_equals(self.key, other.key)
                and groovy_equals(self.value, other.value))

    def get_property(self, name: str):
        if name == "key":
            return self.key
        if name == "value":
            return self.value
        return super().get_property(name)

    def set_property(self, name: str, value) -> None:
        if name != "value":
            super().set_property(name, value)
        self.mapping[self.key] = value


def _set_value(entry: MapEntry, value):
    previous = entry.value
    entry.mapping[entry.key] = value
    return previous


MapEntry.METHODS = {
    "getKey": lambda self: self.key,
    "getValue": lambda self: self.value,
    "setValue": _set_value,
}


class StringBuilder(GroovyObject):
    java_class = "java.lang.StringBuilder"
    java_types = frozenset({"StringBuilder", "CharSequence", "Object"})

    def __init__(self, text=""):
        self.text = "" if is_number(text) else to_groovy_string(text)  # new StringBuilder(16) is a capacity

    def append(self, value) -> "StringBuilder":
        self.text += to_groovy_string(value)
        return self

    def as_boolean(self) -> bool:
        return bool(self.text)

    def to_groovy_string(self) -> str:
        return self.text

    def groovy_equals(self, other) -> bool:
        return self is other


def _insert(builder: StringBuilder, index: int, value) -> StringBuilder:
    builder.text = builder.text[:index] + to_groovy_string(value) + builder.text[index:]
    return builder


def _reverse(builder: StringBuilder) -> StringBuilder:
    builder.text = builder.text[::-1]
    return builder


def _set_length(builder: StringBuilder, length: int) -> None:
    builder.text = builder.text[:length].ljust(length, "\0")


StringBuilder.METHODS = {
    "append": StringBuilder.append,
    "leftShift": StringBuilder.append,
    "toString": lambda self: self.text,
    "length": lambda self: len(self.text),
    "size": lambda self: len(self.text),
    "isEmpty": lambda self: not self.text,
    "insert": _insert,
    "reverse": _reverse,
    "setLength": _set_length,
    "charAt": lambda self, i: self.text[i],
    "indexOf": lambda self, s: self.text.find(to_groovy_string(s)),
}


# ---------------------------------------------------------------- Date
_DATE_TOKEN = re.compile(r"'([^']*)'|([A-Za-z])\2*")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _date_field(letter: str, width: int, moment: datetime) -> str:
    """One SimpleDateFormat field: `yyyy`, `MM`, `MMM`, `dd`, `HH`, `hh`, `mm`, `ss`, `SSS`, `a`, `EEE`, `z`, `Z`."""
    numbers = {"y": moment.year, "d": moment.day, "H": moment.hour, "h": (moment.hour % 12) or 12,
               "m": moment.minute, "s": moment.second, "S": moment.microsecond // 1000, "k": moment.hour or 24,
               "D": moment.timetuple().tm_yday, "u": moment.isoweekday()}
    if letter == "y":
        return str(moment.year % 100).zfill(2) if width == 2 else str(moment.year).zfill(width)
    if letter == "M":
        if width >= 3:
            return _MONTHS[moment.month - 1] if width >= 4 else _MONTHS[moment.month - 1][:3]
        return str(moment.month).zfill(width)
    if letter == "E":
        day = _DAYS[moment.weekday()]
        return day if width >= 4 else day[:3]
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "z":
        return moment.tzname() or "UTC"
    if letter in "ZX":
        return moment.strftime("%z") or "+0000"
    if letter in numbers:
        return str(numbers[letter]).zfill(width)
    raise runtime_error(f"Illegal pattern character '{letter}'", java_class="java.lang.IllegalArgumentException")


def format_date(moment: datetime, pattern: str) -> str:
    """Java's SimpleDateFormat for the common letters; quoted text ('T') is copied."""
    out, position = [], 0
    for token in _DATE_TOKEN.finditer(pattern):
        out.append(pattern[position:token.start()])
        if token.group(2):
            out.append(_date_field(token.group(2), len(token.group(0)), moment))
        else:
            out.append(token.group(1) if token.group(1) else "'")
        position = token.end()
    out.append(pattern[position:])
    return "".join(out)


class GroovyDate(GroovyObject):
    """`new Date()`: the current time (UTC, as build agents usually run) or epoch milliseconds."""

    java_class = "java.util.Date"
    java_types = frozenset({"Date", "Object"})

    def __init__(self, millis=None):
        if millis is None:
            self.moment = datetime.now(timezone.utc)
        else:
            self.moment = datetime.fromtimestamp(int(millis) / 1000, timezone.utc)

    @property
    def millis(self) -> int:
        return int(self.moment.timestamp() * 1000)

    def to_groovy_string(self) -> str:
        return format_date(self.moment, "EEE MMM dd HH:mm:ss z yyyy")

    def groovy_equals(self, other) -> bool:
        return isinstance(other, GroovyDate) and other.millis == self.millis

    def compare_to(self, other) -> int:
        if not isinstance(other, GroovyDate):
            raise runtime_error("Cannot compare a Date with another type", java_class="java.lang.ClassCastException")
        return (self.millis > other.millis) - (self.millis < other.millis)

    def get_property(self, name: str):
        if name == "time":
            return self.millis
        return super().get_property(name)


GroovyDate.METHODS = {
    "format": lambda self, pattern: format_date(self.moment, to_groovy_string(pattern)),
    "getTime": lambda self: self.millis,
    "toString": GroovyDate.to_groovy_string,
    "before": lambda self, other: self.compare_to(other) < 0,
    "after": lambda self, other: self.compare_to(other) > 0,
    "compareTo": GroovyDate.compare_to,
}


class ScriptThis(GroovyObject):
    """`this` in script code: the WorkflowScript. Method calls on it are bare function calls of
    the interpreter that made it (so a script object from `load` keeps its own methods)."""

    java_class = "WorkflowScript"
    java_types = frozenset({"WorkflowScript", "Script", "Object"})

    def __init__(self, interpreter=None):
        self.interpreter = interpreter

    def to_groovy_string(self) -> str:
        return f"WorkflowScript@{id(self) & 0xFFFFFFF:x}"
