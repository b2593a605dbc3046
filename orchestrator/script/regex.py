"""Java regular expressions on Python's `re`: pattern and replacement translation, and the
Pattern (`~/x/`) and Matcher (`s =~ /x/`) values."""
from __future__ import annotations

import re
from functools import lru_cache

from .values import GroovyObject, runtime_error, to_groovy_string

_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>")
#: Java escapes with another spelling in Python
_ESCAPES = {"z": r"\Z", "Z": r"(?=\n?\Z)", "h": r"[ \t\xA0]"}


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern:
    """Compile a Java regex; a bad one raises Jenkins' PatternSyntaxException."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("\\Q", i):  # \Q...\E quotes literally (Python's re has no such syntax)
            end = pattern.find("\\E", i + 2)
            end = len(pattern) if end < 0 else end
            out.append(re.escape(pattern[i + 2:end]))
            i = end + 2
            continue
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    source = _NAMED_GROUP.sub(r"(?P<\1>", "".join(out))
    try:
        return re.compile(source)
    except (re.error, OverflowError) as error:
        raise runtime_error(f"{error} near index {getattr(error, 'pos', 0)}\n{pattern}",
                            java_class="java.util.regex.PatternSyntaxException") from None


def pattern_of(value) -> re.Pattern:
    if isinstance(value, Pattern):
        return value.regex
    return compile_java(to_groovy_string(value))


@lru_cache(maxsize=256)
def _replacement_parts(replacement: str) -> tuple:
    """Split a Java replacement string into literal text and group references (`$1`, `${name}`)."""
    parts, i = [], 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\":
            if i + 1 >= len(replacement):
                raise runtime_error("character to be escaped is missing",
                                    java_class="java.lang.IllegalArgumentException")
            parts.append(replacement[i + 1])
            i += 2
        elif char == "$":
            i = _group_reference(replacement, i + 1, parts)
        else:
            parts.append(char)
            i += 1
    return tuple(parts)


def _group_reference(text: str, i: int, parts: list) -> int:
    if i < len(text) and text[i] == "{":
        end = text.find("}", i)
        if end < 0:
            raise runtime_error("named capturing group is missing trailing '}'",
                                java_class="java.lang.IllegalArgumentException")
        parts.append(("group", text[i + 1:end]))
        return end + 1
    if i < len(text) and text[i].isdigit():
        end = i
        while end < len(text) and text[end].isdigit():
            end += 1
        parts.append(("digits", text[i:end]))
        return end
    raise runtime_error("Illegal group reference", java_class="java.lang.IllegalArgumentException")


def expand(replacement: str, match: re.Match) -> str:
    """Java's Matcher.appendReplacement: `$n` takes as many digits as name an existing group."""
    out = []
    for part in _replacement_parts(replacement):
        if isinstance(part, str):
            out.append(part)
            continue
        kind, ref = part
        if kind == "group":
            out.append(match.group(ref) or "")
            continue
        digits = ref
        while len(digits) > 1 and int(digits) > match.re.groups:
            digits = digits[:-1]
        if int(digits) > match.re.groups:
            raise runtime_error(f"No group {digits}", java_class="java.lang.IndexOutOfBoundsException")
        out.append((match.group(int(digits)) or "") + ref[len(digits):])
    return "".join(out)


def match_value(match: re.Match):
    """What `matcher[i]` gives: the text, or [text, group1, ...] when the pattern has groups."""
    if match.re.groups:
        return [match.group(0), *match.groups()]
    return match.group(0)


class Pattern(GroovyObject):
    """`~/regex/`: used with `==~`, `=~`, in switch cases and `replaceAll`."""

    java_class = "java.util.regex.Pattern"
    java_types = {"Pattern", "Object"}

    def __init__(self, source: str):
        self.source = source
        self.regex = compile_java(source)

    def to_groovy_string(self) -> str:
        return self.source

    def groovy_equals(self, other) -> bool:
        return isinstance(other, Pattern) and other.source == self.source


Pattern.METHODS = {
    "matcher": lambda self, text: Matcher(self.regex, to_groovy_string(text)),
    "pattern": lambda self: self.source,
    "toString": lambda self: self.source,
    "split": lambda self, text: self.regex.split(to_groovy_string(text)),
}


class Matcher(GroovyObject):
    """`text =~ /regex/`. Truthy when the pattern occurs; `m[0]` is the first match."""

    java_class = "java.util.regex.Matcher"
    java_types = {"Matcher", "Object"}

    def __init__(self, regex: re.Pattern, text: str):
        self.regex = regex
        self.text = text
        self.current: re.Match | None = None
        self.position = 0

    def matches_list(self) -> list:
        return list(self.regex.finditer(self.text))

    def as_list(self):
        return [match_value(m) for m in self.matches_list()]

    def as_boolean(self) -> bool:
        return self.find()  # Groovy's asBoolean calls find(), so `if (m) m.group(1)` works

    def find(self) -> bool:
        if self.position > len(self.text):
            self.current = None
            return False
        self.current = self.regex.search(self.text, self.position)
        if self.current is None:
            self.position = len(self.text) + 1
            return False
        end = self.current.end()
        self.position = end if end > self.current.start() else end + 1
        return True

    def matches(self) -> bool:
        self.current = self.regex.fullmatch(self.text)
        return self.current is not None

    def group(self, index=0):
        if self.current is None:
            raise runtime_error("No match found", java_class="java.lang.IllegalStateException")
        return self.current.group(index)

    def get_index(self, index: int):
        found = self.matches_list()
        position = index + len(found) if index < 0 else index
        if not 0 <= position < len(found):
            raise runtime_error(f"index is out of range 0..{len(found) - 1} (index = {index})",
                                java_class="java.lang.IndexOutOfBoundsException")
        return match_value(found[position])

    def get_property(self, name: str):
        if name == "count":
            return len(self.matches_list())
        return super().get_property(name)

    def to_groovy_string(self) -> str:
        return f"java.util.regex.Matcher[pattern={self.regex.pattern} region=0,{len(self.text)} lastmatch=]"


def _reset(matcher: Matcher) -> Matcher:
    matcher.position, matcher.current = 0, None
    return matcher


Matcher.METHODS = {
    "find": Matcher.find,
    "matches": Matcher.matches,
    "group": Matcher.group,
    "groupCount": lambda self: self.regex.groups,
    "getCount": lambda self: len(self.matches_list()),
    "size": lambda self: len(self.matches_list()),
    "getAt": Matcher.get_index,
    "reset": _reset,
    "hasGroup": lambda self: self.regex.groups > 0,
    "start": lambda self, index=0: self.current.start(index) if self.current else -1,
    "end": lambda self, index=0: self.current.end(index) if self.current else -1,
}
