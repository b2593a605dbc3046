"""Newline and type-name handling between the lexer and the LALR parser.

Groovy ends statements at line breaks, except inside parentheses and brackets and after a token
that cannot end an expression (`a +` / `foo(`/ `x =`...). The lexer's NL terminal already refuses
breaks followed by continuation tokens (`.method()`, `else`, `{`...); this postlexer removes the
rest, looking only backwards so that the contextual lexer keeps lexing with the parser's real state.

It also retypes CamelCase identifiers (`String`, `JsonSlurper`) as TYPE, which is how the grammar
tells `String name = 'x'` (a declaration) from `checkout scm` (a command) without backtracking.
"""
from __future__ import annotations

from typing import Iterator, Optional

from lark import Token
from lark.lark import PostLex

# Token values after which a line break continues the expression.
_CONTINUATION_VALUES = frozenset(
    "= + - * / % ** && || & | ^ == != === !== < > <= >= <=> =~ ==~ . ?. *. .& ? : ?: -> "
    "+= -= *= /= %= **= <<= >>= &= |= ^= ?= ! ~ .. ..< << >> >>> @".split()
) | {"(", "[", "{", ",", "in", "instanceof", "as"}
_KEYWORD_TYPES = frozenset({"IN", "INSTANCEOF", "AS", "NOT_IN"})
_LITERAL_TYPES = frozenset({"IDENT", "TYPE", "NUMBER", "SQ_STRING", "TSQ_STRING", "DQ_STRING", "TDQ_STRING",
                            "SLASHY_STRING", "DOLLAR_SLASHY_STRING", "TRUE", "FALSE", "NULL", "THIS", "SUPER"})
_OPEN = {"(": "(", "[": "[", "{": "{", "?[": "["}
_CLOSE = {")", "]", "}"}


def is_type_name(name: str) -> bool:
    """CamelCase names are classes in Groovy by convention; ALL_CAPS and snake_case names
    (`BUILD_ID`, `AAA_Key1`) are variables."""
    return name[0].isupper() and "_" not in name and any(c.islower() for c in name)


class NewlineFilter:
    """The postlexer's state machine, one token at a time: returns the token to hand to the parser
    (possibly retyped as TYPE), or None when a newline is to be dropped."""

    __slots__ = ("stack", "prev_type", "prev_value", "before_prev_value")

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.prev_type = "_NL"   # the start of the file behaves like the start of a line
        self.prev_value = ""
        self.before_prev_value = ""

    def feed(self, tok: Token) -> Optional[Token]:
        ttype = tok.type
        if ttype == "_NL":
            prev_type = self.prev_type
            if prev_type == "_NL" or (self.stack and self.stack[-1] != "{"):
                return None
            if prev_type not in _LITERAL_TYPES and (
                    self.prev_value in _CONTINUATION_VALUES or prev_type in _KEYWORD_TYPES):
                # `import a.b.*` ends its line even though `*` is an operator elsewhere
                if not (self.prev_value == "*" and self.before_prev_value == "."):
                    return None
            self.prev_type = "_NL"
            return tok
        value = tok.value
        if ttype not in _LITERAL_TYPES:
            if value in _OPEN:
                self.stack.append(_OPEN[value])
            elif value in _CLOSE and self.stack:
                self.stack.pop()
        elif ttype == "IDENT" and is_type_name(value):
            tok = Token.new_borrow_pos("TYPE", value, tok)
            ttype = "TYPE"
        self.before_prev_value = self.prev_value
        self.prev_type, self.prev_value = ttype, value
        return tok


class GroovyPostLex(PostLex):
    always_accept = ("_NL", "IDENT")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        newline_filter = NewlineFilter()
        feed = newline_filter.feed
        for tok in stream:
            tok = feed(tok)
            if tok is not None:
                yield tok
