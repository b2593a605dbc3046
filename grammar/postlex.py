"""Newline and type-name handling between the lexer and the LALR parser.

Groovy ends statements at line breaks, except inside parentheses and brackets and after a token
that cannot end an expression (`a +` / `foo(`/ `x =`...). The lexer's NL terminal already refuses
breaks followed by continuation tokens (`.method()`, `else`, `{`...); this postlexer removes the
rest, looking only backwards so that the contextual lexer keeps lexing with the parser's real state.

It also retypes CamelCase identifiers (`String`, `JsonSlurper`) as TYPE, which is how the grammar
tells `String name = 'x'` (a declaration) from `checkout scm` (a command) without backtracking.
"""
from __future__ import annotations

from typing import Iterator

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
    """CamelCase names are classes in Groovy by convention; ALL_CAPS names are variables."""
    return name[0].isupper() and any(c.islower() for c in name)


class GroovyPostLex(PostLex):
    always_accept = ("_NL", "IDENT")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []
        prev_type = "_NL"   # start of file behaves like the start of a line
        prev_value = ""
        before_prev_value = ""
        for tok in stream:
            ttype = tok.type
            if ttype == "_NL":
                if prev_type == "_NL" or (stack and stack[-1] != "{"):
                    continue
                if prev_type not in _LITERAL_TYPES and (
                        prev_value in _CONTINUATION_VALUES or prev_type in _KEYWORD_TYPES):
                    # `import a.b.*` ends its line even though `*` is an operator elsewhere
                    if not (prev_value == "*" and before_prev_value == "."):
                        continue
                prev_type = "_NL"
                yield tok
                continue
            value = tok.value
            if ttype not in _LITERAL_TYPES:
                if value in _OPEN:
                    stack.append(_OPEN[value])
                elif value in _CLOSE and stack:
                    stack.pop()
            elif ttype == "IDENT" and is_type_name(value):
                tok = Token.new_borrow_pos("TYPE", value, tok)
                ttype = "TYPE"
            before_prev_value = prev_value
            prev_type, prev_value = ttype, value
            yield tok
