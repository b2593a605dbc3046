"""Groovy string literals: escapes, and splitting GStrings into text and embedded expressions.

Pure functions over the token text. The embedded `${...}` expressions are returned as source
snippets with their positions; the parser parses them with the same grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'",
            '"': '"', "$": "$", "/": "/", "\n": "", "s": " "}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|[0-7]{1,3}|\r?\n|.)", re.S)
_DOLLAR_PATH_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


class InvalidEscape(ValueError):
    r"""A backslash escape Groovy rejects (`\u12`, `\8`)."""


def _escape(match: re.Match) -> str:
    esc = match.group(1)
    if esc[0] == "u":
        if len(esc) != 5:
            raise InvalidEscape("invalid unicode escape: \\u must be followed by 4 hex digits")
        return chr(int(esc[1:], 16))
    if esc[0] in "01234567":
        return chr(int(esc, 8))
    if esc[0].isdigit() or esc[0].isnumeric():
        raise InvalidEscape(f"invalid escape sequence \\{esc[0]}")
    if esc in ("\n", "\r\n"):
        return ""  # a backslash at the end of a line joins the lines
    return _ESCAPES.get(esc, "\\" + esc)


def unescape(body: str) -> str:
    """Apply Groovy's backslash escapes to the text between the quotes."""
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(_escape, body)


def unescape_slashy(body: str) -> str:
    """Slashy strings only escape the slash (and a backslash-newline joins lines)."""
    return body.replace("\\/", "/").replace("\\\n", "")


QUOTES = ('"""', "'''", '"', "'", "$/", "/")


def split_quotes(token: str) -> tuple[str, str, str]:
    """'''x''' -> ("'''", 'x', "'''")."""
    for quote in QUOTES:
        if token.startswith(quote):
            closing = "/$" if quote == "$/" else quote
            return quote, token[len(quote):len(token) - len(closing)], closing
    raise ValueError(f"not a string literal: {token!r}")


@dataclass(frozen=True)
class Interpolation:
    """A `${expr}` or `$name.path` part of a GString: its source and where it starts."""
    source: str
    offset: int  # offset of source within the token text
    braces: bool


def _matching_brace(text: str, start: int) -> int:
    """Index of the `}` closing the `{` at start, skipping quoted strings; -1 if unbalanced."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        elif c in "'\"":
            triple = text.startswith(c * 3, i)
            quote = c * 3 if triple else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote) - 1
        i += 1
    return -1


def split_gstring(token: str, slashy: bool = False) -> list[str | Interpolation]:
    """Split a double-quoted/slashy token into unescaped text and Interpolation parts.

    Returns a single str when the string has no interpolation (a literal, as Groovy compiles it).
    """
    quote, body, _ = split_quotes(token)
    base = len(quote)
    parts: list[str | Interpolation] = []
    text_start = 0
    i = 0
    n = len(body)
    raw_text: list[str] = []

    def flush(end: int) -> None:
        chunk = body[text_start:end]
        if chunk:
            raw_text.append(chunk)

    while i < n:
        c = body[i]
        if c == "\\" and not slashy:
            i += 2
            continue
        if c == "\\" and slashy and i + 1 < n and body[i + 1] == "/":
            i += 2
            continue
        if c == "$" and i + 1 < n:
            nxt = body[i + 1]
            if nxt == "{":
                end = _matching_brace(body, i + 1)
                if end < 0:
                    raise ValueError("unterminated ${ in string")
                flush(i)
                _emit_text(parts, raw_text, slashy)
                parts.append(Interpolation(body[i + 2:end], base + i + 2, True))
                i = end + 1
                text_start = i
                continue
            m = _DOLLAR_PATH_RE.match(body, i + 1)
            if m:
                flush(i)
                _emit_text(parts, raw_text, slashy)
                parts.append(Interpolation(m.group(0), base + i + 1, False))
                i = m.end()
                text_start = i
                continue
        i += 1
    flush(n)
    _emit_text(parts, raw_text, slashy)
    return parts


def _emit_text(parts: list, raw_text: list[str], slashy: bool) -> None:
    if raw_text:
        raw = "".join(raw_text)
        parts.append(unescape_slashy(raw) if slashy else unescape(raw))
        raw_text.clear()
