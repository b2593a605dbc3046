"""`${VAR}` interpolation and secret sources, exactly as JCasC's SecretSourceResolver does it.

JCasC runs Apache Commons Text's StringSubstitutor twice over each scalar value:

1. with the secret sources and the `prefix:` helpers (base64, readFile...), keeping `^${` escapes
   and leaving unresolved variables in place (`${A:-default}` takes its default here);
2. with a lookup that turns every variable still left into "" and a warning (or, in strict mode,
   an error), this time removing one `^` from each escaped `${`.

`Substitutor` below is a line-by-line port of StringSubstitutor's algorithm, including its less
obvious behaviour (nested `${...}` in names resolved inside-out, resolved values substituted
again, only the first `:-` splitting off a default), so that files behave here as in Jenkins.
Secret values never leave this module inside a message.
"""
from __future__ import annotations

import base64
import json
import os
from typing import Callable, Mapping, Optional

PREFIX, SUFFIX, ESCAPE, DELIMITER = "${", "}", "^", ":-"
_JAVA_WHITESPACE = "".join(chr(i) for i in range(33))  # what Java's String.trim() strips


class InterpolationFailure(Exception):
    """Resolution cannot go on (strict mode, a cycle, bad base64 or JSON). Caller adds the position."""

    def __init__(self, message: str, unresolved: bool = False) -> None:
        super().__init__(message)
        self.unresolved = unresolved


Lookup = Callable[[str], Optional[str]]


class Substitutor:
    """Commons Text StringSubstitutor with JCasC's settings (prefix `${`, suffix `}`, escape `^`)."""

    def __init__(self, lookup: Lookup, nested: bool, preserve_escapes: bool) -> None:
        self.lookup = lookup
        self.nested = nested
        self.preserve_escapes = preserve_escapes

    def replace(self, text: str) -> str:
        buf = list(text)
        self._substitute(buf, 0, len(buf), None)
        return "".join(buf)

    @staticmethod
    def _prefix_at(buf: list[str], pos: int, end: int) -> bool:
        return pos + 1 < end and buf[pos] == "$" and buf[pos + 1] == "{"

    def _substitute(self, buf: list[str], offset: int, length: int, prior: Optional[list[str]]) -> int:
        """Substitute within buf[offset:offset+length] in place; returns the change in length."""
        pos, end, change_total = offset, offset + length, 0
        while pos < end:
            if not self._prefix_at(buf, pos, end):
                pos += 1
                continue
            if pos > offset and buf[pos - 1] == ESCAPE:
                if self.preserve_escapes:
                    pos += 1
                    continue
                del buf[pos - 1]  # `^${` -> literal `${`; pos now points past the `$`
                change_total -= 1
                end -= 1
                continue
            start = pos
            pos += 2
            depth = 0
            while pos < end:
                if self.nested and self._prefix_at(buf, pos, end):
                    depth += 1
                    pos += 2
                    continue
                if buf[pos] != SUFFIX:
                    pos += 1
                    continue
                if depth:
                    depth -= 1
                    pos += 1
                    continue
                expr = "".join(buf[start + 2:pos])
                if self.nested:
                    expr = self.replace(expr)
                pos += 1
                stop = pos
                name, default = self._split_default(expr)
                if prior is None:
                    prior = ["".join(buf[offset:offset + length])]
                if name in prior:
                    raise InterpolationFailure("Infinite loop in property interpolation of "
                                               + "->".join(prior[1:] + [name]))
                prior.append(name)
                value = self.lookup(name)
                if value is None:
                    value = default
                if value is not None:
                    buf[start:stop] = list(value)
                    change = self._substitute(buf, start, len(value), prior) + len(value) - (stop - start)
                    pos += change
                    end += change
                    change_total += change
                prior.pop()
                break
        return change_total

    def _split_default(self, expr: str) -> tuple[str, Optional[str]]:
        for i in range(len(expr)):
            if not self.nested and expr.startswith(PREFIX, i):
                break
            if expr.startswith(DELIMITER, i):
                return expr[:i], expr[i + len(DELIMITER):]
        return expr, None


def encode(text: str) -> str:
    """Escape `${` as `^${` so an exported value reads back as itself (SECURITY-1446)."""
    return text.replace(PREFIX, ESCAPE + PREFIX)


class Resolver:
    """One load's view of the secret sources; reads files afresh each load, as JCasC's init() does.

    Sources, first answer wins: the environment, then the file `$SECRETS/<KEY>` (default
    /run/secrets, trimmed), then `$SECRETS_FILE` (default /run/secrets/secrets.properties).
    There is no JVM here, so `${sysProp:x}` always resolves to "" with a warning.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.strict = env.get("CASC_STRICT_SECRET_RESOLUTION", "").lower() == "true"
        self.secrets_dir = env.get("SECRETS") or "/run/secrets"
        self.secrets_file = env.get("SECRETS_FILE") or "/run/secrets/secrets.properties"
        self._properties: Optional[dict[str, str]] = None
        self.warnings: list[str] = []
        self._helpers: dict[str, Lookup] = {
            "base64": lambda s: base64.b64encode(s.encode()).decode(),
            "decodebase64": self._decode_base64,
            "readfile": self._read_file, "file": self._read_file,
            "readfilebase64": self._read_file_base64, "filebase64": self._read_file_base64,
            "json": self._json, "trim": lambda s: s.rstrip(),
            "sysprop": self._sys_prop,
        }
        self._first = Substitutor(self._lookup, nested=True, preserve_escapes=True)
        self._second = Substitutor(self._unresolved, nested=False, preserve_escapes=False)

    def resolve(self, text: str) -> str:
        """Interpolate one scalar value. Appends to self.warnings; raises InterpolationFailure."""
        if not text.strip() or PREFIX not in text:
            return text
        return self._second.replace(self._first.replace(text))

    # ------------------------------------------------------------------ lookups
    def _lookup(self, var: str) -> Optional[str]:
        prefix, sep, rest = var.partition(":")
        if sep and prefix.lower() in self._helpers:
            value = self._helpers[prefix.lower()](rest)
            if value is not None:
                return value
        return self.secret(var)

    def secret(self, key: str) -> Optional[str]:
        """The value of a secret from the sources, or None."""
        if key in self.env:
            return self.env[key]
        path = self._secret_path(key)
        if path is not None and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    return f.read().strip(_JAVA_WHITESPACE)
            except OSError:
                return None
        return self._load_properties().get(key)

    def _secret_path(self, key: str) -> Optional[str]:
        # A key names a file inside the secrets folder, never a path out of it (readFile: is for paths).
        if not key or key in (".", "..") or "/" in key or "\\" in key or "\0" in key:
            return None
        return os.path.join(self.secrets_dir, key)

    def _load_properties(self) -> dict[str, str]:
        if self._properties is None:
            try:
                with open(self.secrets_file, encoding="latin-1") as f:
                    self._properties = parse_properties(f.read())
            except OSError:
                self._properties = {}
        return self._properties

    def _unresolved(self, key: str) -> str:
        if self.strict:
            raise InterpolationFailure(f"Unable to resolve variable '{key}'. Aborting configuration reload.",
                                       unresolved=True)
        self.warnings.append(f"Configuration import: Found unresolved variable '{key}'. Will default to empty string")
        return ""

    def _read_file(self, path: str) -> Optional[str]:
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            self.warnings.append(f"Configuration import: Error looking up file '{path}' with UTF-8 encoding. "
                                 "Will default to empty string")
            return None

    def _read_file_base64(self, path: str) -> Optional[str]:
        try:
            with open(path, "rb") as f:
                return base64.b64encode(f.read()).decode()
        except (OSError, ValueError):
            self.warnings.append(f"Configuration import: Error looking up file '{path}'. Will default to empty string")
            return None

    @staticmethod
    def _decode_base64(text: str) -> str:
        try:
            return base64.b64decode(text.encode(), validate=True).decode("utf-8", errors="replace")
        except (ValueError, UnicodeEncodeError):
            raise InterpolationFailure("decodeBase64: the value is not valid base64") from None

    def _json(self, key: str) -> str:
        field, sep, document = key.partition(":")
        if not sep:
            raise InterpolationFailure("json: expected ${json:<field>:<json document>}")
        try:
            # strict=False: a JSON secret may carry raw newlines in strings (Vault and friends emit them)
            root = json.loads(document, strict=False, parse_float=str, parse_int=str)
        except ValueError:
            raise InterpolationFailure(f"json: the document for field '{field}' is not valid JSON") from None
        if not isinstance(root, dict):
            raise InterpolationFailure(f"json: the document for field '{field}' is not a JSON object")
        value = root.get(field)
        if value is None:
            self.warnings.append(f"Configuration import: JSON secret did not contain the specified key '{field}'. "
                                 "Will default to empty string.")
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    def _sys_prop(self, name: str) -> str:
        self.warnings.append(f"Configuration import: System Properties did not contain the specified key '{name}'. "
                             "Will default to empty string.")
        return ""


def parse_properties(text: str) -> dict[str, str]:
    """Java .properties text (comments, `=`/`:`/space separators, continuations, escapes)."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].lstrip()
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line) and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        key, value = _split_property(line)
        out[_unescape(key)] = _unescape(value)
    return out


def _continues(line: str) -> bool:
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split_property(line: str) -> tuple[str, str]:
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t\f":
            value = line[i + 1:] if c in "=:" else line[i:].lstrip(" \t\f")
            if c not in "=:" and value[:1] in ("=", ":"):
                value = value[1:]
            return line[:i], value.lstrip(" \t\f")
        i += 1
    return line, ""


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "u" and i + 6 <= len(text) and all(ch in "0123456789abcdefABCDEF" for ch in text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
