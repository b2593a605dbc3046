"""The Lark machinery behind `parser`: building the LALR parser, running it, and turning Lark's
exceptions into GroovySyntaxError. Imported on first parse only, so importing the grammar package
(and running a cached Jenkinsfile) never loads Lark.
"""
from __future__ import annotations

import os
import tempfile
import threading

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import fastlalr
from . import groovy as g
from .errors import GroovySyntaxError
from .postlex import GroovyPostLex, NewlineFilter
from .transform import ToGroovy

_GRAMMAR = os.path.join(os.path.dirname(__file__), "jenkinsfile.lark")
_lock = threading.Lock()
_parser: Lark | None = None
_fused: fastlalr.FusedParser | None = None


def _cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    try:
        os.makedirs(os.path.join(base, "orchestrator"), exist_ok=True)
        return os.path.join(base, "orchestrator", "jenkinsfile-grammar.lark-cache")
    except OSError:
        return os.path.join(tempfile.gettempdir(), "orchestrator-jenkinsfile-grammar.lark-cache")


def get_parser() -> Lark:
    """The LALR parser (contextual lexer, positions kept), built on first use."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                _parser = Lark.open(
                    _GRAMMAR,
                    parser="lalr",
                    lexer="contextual",
                    postlex=GroovyPostLex(),
                    maybe_placeholders=True,
                    start=["start", "expression_only"],
                    transformer=ToGroovy(_embedded),
                    cache=_cache_path(),
                )
                if fastlalr.install(_parser):
                    global _fused
                    _fused = fastlalr.fused(_parser, NewlineFilter)
    return _parser


def parse_groovy(text: str) -> g.Script:
    """Parse a whole Groovy script (a Jenkinsfile). Raises GroovySyntaxError.

    A byte-order mark is dropped and CRLF line ends become LF, as Groovy's reader does.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    script = _run(text, "start")
    return g.Script(script.line, script.column, script.body, text)


def parse_expression(text: str) -> g.Expr:
    """Parse one Groovy expression, e.g. the inside of `${...}`."""
    return _run(text, "expression_only")


def _run(text: str, start: str):
    parser = get_parser()
    if _fused is not None:
        try:
            return _fused.parse(text, start)
        except fastlalr.Fallback:
            pass  # not valid as it stands: the generic path below raises the detailed error
    try:
        return parser.parse(text, start=start)
    except GroovySyntaxError:
        raise
    except VisitError as e:  # raised inside a transformer callback, e.g. a bad GString part
        if isinstance(e.orig_exc, GroovySyntaxError):
            raise e.orig_exc from None
        raise GroovySyntaxError(1, 1, str(e.orig_exc)) from None
    except UnexpectedInput as e:
        raise _syntax_error(e, text) from None


def _embedded(source: str, line: int, column: int, offset: int) -> g.Expr:
    """Parse a GString's `${...}` part so that positions and offsets point into the original file.

    The padding puts the part at its own line, column and character offset: spare spaces go
    before the first newline, where they shift nothing else.
    """
    spare = max(0, offset - (line - 1) - (column - 1))
    padded = " " * spare + "\n" * (line - 1) + " " * (column - 1) + source
    try:
        return _run(padded, "expression_only")
    except GroovySyntaxError as e:
        raise GroovySyntaxError(e.line, e.column, e.reason) from None


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "newline"
    return repr(str(token)) if len(token) < 40 else repr(str(token)[:37] + "...")


def _syntax_error(e: UnexpectedInput, text: str) -> GroovySyntaxError:
    if isinstance(e, UnexpectedCharacters):
        char = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        reason = f"unexpected character: {char!r}"
        if char in "'\"":
            reason = f"unterminated string starting with {char}"
        return GroovySyntaxError(e.line, e.column, reason)
    if isinstance(e, UnexpectedEOF):
        line = text.count("\n") + 1
        return GroovySyntaxError(line, len(text) - text.rfind("\n"), "unexpected end of file: a brace or parenthesis is not closed")
    if isinstance(e, UnexpectedToken):
        token = e.token
        if token.type == "$END":
            line = text.count("\n") + 1
            column = len(text) - text.rfind("\n")
            return GroovySyntaxError(max(line, 1), max(column, 1),
                                     "unexpected end of file: a brace or parenthesis is not closed")
        expected = sorted(e.accepts or e.expected or ())
        reason = f"unexpected token: {_describe(token)}"
        if "RBRACE" in expected and len(expected) <= 3:
            reason += ", expecting '}'"
        elif "RPAR" in expected and len(expected) <= 3:
            reason += ", expecting ')'"
        return GroovySyntaxError(token.line or 1, token.column or 1, reason)
    return GroovySyntaxError(getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1, str(e))
