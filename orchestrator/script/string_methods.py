"""GDK and JDK methods on strings, as a dispatch table, plus Java's String.format."""
from __future__ import annotations

import re
import textwrap

from . import conversions as conv
from .regex import compile_java, expand, match_value, pattern_of
from .values import groovy_compare, is_number, runtime_error, to_groovy_string, truthy

_JAVA_BLANKS = "".join(chr(i) for i in range(33))  # String.trim() removes every char <= ' '
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FORMAT_SPEC = re.compile(r"%(\d+\$)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])")


def _text(value) -> str:
    return to_groovy_string(value)


def _index_error(message: str) -> Exception:
    return runtime_error(message, java_class="java.lang.StringIndexOutOfBoundsException")


# ---------------------------------------------------------------- String.format
def java_format(template, args) -> str:
    """Java's String.format for %s %d %f %x %o %e %b %c %n %%, with widths, precision and flags."""
    args = list(args)
    position = 0

    def substitute(spec: re.Match) -> str:
        nonlocal position
        explicit, flags, width, precision, kind = spec.groups()
        if kind in "%n":
            return "%" if kind == "%" else "\n"
        index = int(explicit[:-1]) - 1 if explicit else position
        if not explicit:
            position += 1
        if index >= len(args):
            raise runtime_error(f"Format specifier '{spec.group(0)}'",
                                java_class="java.util.MissingFormatArgumentException")
        text = _format_one(kind, flags, width, precision, args[index])
        if width and len(text) < int(width):
            text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
        return text

    return _FORMAT_SPEC.sub(substitute, _text(template))


def _format_one(kind: str, flags: str, width: str | None, precision: str | None, value) -> str:
    lower = kind.lower()
    if lower == "s":
        text = _text(value)
        text = text[:int(precision[1:])] if precision else text
    elif lower == "b":
        text = "false" if value is None or value is False else "true"
    elif lower == "c":
        text = chr(value) if is_number(value) else _text(value)
    elif lower in "dxoefg" and is_number(value) and (lower not in "dxo" or isinstance(value, int)):
        spec = "+" if "+" in flags else " " if " " in flags else ""
        spec += ("0" + width) if "0" in flags and width else ""
        spec += "," if "," in flags and lower in "dfg" else ""
        spec += precision if precision and lower in "efg" else ""
        spec += ".6" if not precision and lower in "ef" else ""
        text = format(value, spec + lower)
    else:
        raise runtime_error(f"{kind} != {conv.bare_type(type(value).__name__)}",
                            java_class="java.util.IllegalFormatConversionException")
    return text.upper() if kind.isupper() else text


# ---------------------------------------------------------------- splitting and replacing
def java_split(text: str, regex=None, limit: int = 0) -> list[str]:
    """String.split: regex separators, trailing empty strings dropped; no argument splits on blanks."""
    if regex is None:
        return text.split()
    if text == "":
        return [""]
    parts, start = [], 0
    for match in pattern_of(regex).finditer(text):
        if 0 < limit <= len(parts) + 1:
            break
        if match.end() == 0:
            continue  # a zero-width match at the start never yields a leading empty string
        parts.append(text[start:match.start()])
        start = match.end()
    parts.append(text[start:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def tokenize(text: str, delimiters=None) -> list[str]:
    """GDK tokenize: every character of `delimiters` separates; empty tokens are dropped."""
    if delimiters is None:
        return text.split()
    chars = re.escape(_text(delimiters))
    return [token for token in re.split(f"[{chars}]", text) if token] if chars else [text]


def _replacer(replacement):
    if callable(replacement):
        def call(match: re.Match):
            value = match_value(match)
            if isinstance(value, list) and getattr(replacement, "arity", 1) > 1:
                return _text(replacement(*value))
            return _text(replacement(value))
        return call
    template = _text(replacement)
    return lambda match: expand(template, match)


def replace_all(text: str, regex, replacement) -> str:
    return pattern_of(regex).sub(_replacer(replacement), text)


def replace_first(text: str, regex, replacement) -> str:
    return pattern_of(regex).sub(_replacer(replacement), text, count=1)


def find(text: str, regex, closure=None):
    match = pattern_of(regex).search(text)
    if match is None:
        return None
    return closure(match_value(match)) if closure else match.group(0)


def find_all(text: str, regex, closure=None) -> list:
    values = [match_value(m) if closure else m.group(0) for m in pattern_of(regex).finditer(text)]
    return [closure(v) for v in values] if closure else values


# ---------------------------------------------------------------- padding, indexes, lines
def _padding(padding: str, count: int) -> str:
    padding = _text(padding) or " "
    return (padding * (count // len(padding) + 1))[:count]


def pad_left(text: str, width: int, padding=" ") -> str:
    return text if len(text) >= width else _padding(padding, width - len(text)) + text


def pad_right(text: str, width: int, padding=" ") -> str:
    return text if len(text) >= width else text + _padding(padding, width - len(text))


def center(text: str, width: int, padding=" ") -> str:
    extra = width - len(text)
    if extra <= 0:
        return text
    side = _padding(padding, extra // 2 + extra % 2)
    return side[:extra // 2] + text + side


def substring(text: str, begin: int, end: int | None = None) -> str:
    end = len(text) if end is None else end
    if begin < 0 or end > len(text) or begin > end:
        raise _index_error(f"begin {begin}, end {end}, length {len(text)}")
    return text[begin:end]


def char_at(text: str, index: int) -> str:
    if not 0 <= index < len(text):
        raise _index_error(f"String index out of range: {index}")
    return text[index]


def read_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def strip_margin(text: str, margin="|") -> str:
    marker = _text(margin)
    lines = []
    for line in _LINE_BREAK.split(text):
        stripped = line.lstrip()
        lines.append(stripped[len(marker):] if stripped.startswith(marker) else line)
    return "\n".join(lines)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def count(text: str, part) -> int:
    """Occurrences, overlapping ones included (Groovy's count)."""
    needle = _text(part)
    if not needle:
        return len(text) + 1
    return sum(1 for i in range(len(text)) if text.startswith(needle, i))


def to_boolean(text: str) -> bool:
    value = text.strip(_JAVA_BLANKS)
    return value.lower() in ("true", "y") or value == "1"


def _each_char(text: str, closure) -> str:
    for char in text:
        closure(char)
    return text


def _each_char_with_index(text: str, closure) -> str:
    for index, char in enumerate(text):
        closure(char, index)
    return text


def _each_line(text: str, closure) -> None:
    for line in read_lines(text):
        closure(line)


STRING_METHODS = {
    "size": len, "length": len,
    "isEmpty": lambda s: not s,
    "isBlank": lambda s: not s.strip(),
    "contains": lambda s, x: _text(x) in s,
    "startsWith": lambda s, p, offset=0: s.startswith(_text(p), offset),
    "endsWith": lambda s, p: s.endswith(_text(p)),
    "toUpperCase": str.upper, "toLowerCase": str.lower,
    "capitalize": capitalize,
    "uncapitalize": lambda s: s[:1].lower() + s[1:],
    "trim": lambda s: s.strip(_JAVA_BLANKS),
    "strip": str.strip, "stripLeading": str.lstrip, "stripTrailing": str.rstrip,
    "stripIndent": textwrap.dedent,
    "stripMargin": strip_margin,
    "split": java_split,
    "tokenize": tokenize,
    "replace": lambda s, a, b: s.replace(_text(a), _text(b)),
    "replaceAll": replace_all,
    "replaceFirst": replace_first,
    "matches": lambda s, regex: compile_java(_text(regex)).fullmatch(s) is not None,
    "find": find,
    "findAll": lambda s, regex=None, closure=None: (
        [c for c in s if truthy(regex(c))] if callable(regex) else find_all(s, regex, closure)),
    "substring": substring,
    "charAt": char_at,
    "getAt": lambda s, i: char_at(s, i + len(s) if i < 0 else i),
    "indexOf": lambda s, x, start=0: s.find(_text(x), start),
    "lastIndexOf": lambda s, x: s.rfind(_text(x)),
    "equals": lambda s, x: isinstance(x, str) and s == x,
    "equalsIgnoreCase": lambda s, x: isinstance(x, str) and s.lower() == x.lower(),
    "compareTo": groovy_compare,
    "compareToIgnoreCase": lambda s, x: groovy_compare(s.lower(), _text(x).lower()),
    "toInteger": conv.to_integer, "toLong": conv.to_integer, "toBigInteger": conv.to_integer,
    "toDouble": conv.to_double, "toFloat": conv.to_double, "toBigDecimal": conv.to_double,
    "toBoolean": to_boolean,
    "toString": lambda s: s,
    "isNumber": conv.is_number_text, "isBigDecimal": conv.is_number_text, "isDouble": conv.is_number_text,
    "isFloat": conv.is_number_text,
    "isInteger": conv.is_integer_text, "isLong": conv.is_integer_text, "isBigInteger": conv.is_integer_text,
    "padLeft": pad_left, "padRight": pad_right, "center": center,
    "readLines": read_lines,
    "eachLine": _each_line,
    "format": lambda s, *args: java_format(s, args),
    "multiply": lambda s, n: s * int(n),
    "plus": lambda s, x: s + _text(x),
    "minus": lambda s, x: s.replace(_text(x), "", 1),
    "concat": lambda s, x: s + _text(x),
    "reverse": lambda s: s[::-1],
    "toList": list, "toCharArray": list, "chars": list,
    "take": lambda s, n: s[:max(n, 0)],
    "drop": lambda s, n: s[max(n, 0):],
    "count": count,
    "each": _each_char,
    "eachWithIndex": _each_char_with_index,
    "collect": lambda s, closure=None: [closure(c) if closure else c for c in s],
    "any": lambda s, closure: any(truthy(closure(c)) for c in s),
    "every": lambda s, closure: all(truthy(closure(c)) for c in s),
}
