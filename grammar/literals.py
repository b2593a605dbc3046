"""Literal tokens to values: numbers with Groovy's suffixes, GString path parts, token offsets."""
from __future__ import annotations

import re

from lark import Token

from . import groovy as g
from .postlex import is_type_name

KEYWORD_VALUES = {"null": None, "true": True, "false": False}
SIMPLE_PATH = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\s*")


def path_expr(source: str, line: int, column: int) -> g.Expr:
    """`env.BUILD_ID` inside a GString, built without running the parser (most `${}` are paths)."""
    stripped = source.lstrip()
    column += len(source) - len(stripped)
    names = stripped.rstrip().split(".")
    head = names[0]
    if len(names) == 1 and head in KEYWORD_VALUES:
        return g.Literal(line, column, KEYWORD_VALUES[head])
    expr: g.Expr = g.TypeName(line, column, head) if is_type_name(head) else g.Var(line, column, head)
    for name in names[1:]:
        expr = g.Property(line, column, expr, name)
    return expr


def offset_position(tok: Token, offset: int) -> tuple[int, int]:
    before = tok[:offset]
    newlines = before.count("\n")
    if newlines:
        return tok.line + newlines, offset - before.rfind("\n")
    return tok.line, tok.column + offset


def parse_number(text: str):
    t = text.replace("_", "")
    suffix = t[-1].lower() if t[-1].isalpha() and not t.lower().startswith(("0x", "0b")) or t[-1] in "lLgG" else ""
    if t.lower().startswith("0x"):
        return int(t.rstrip("lLgGiI"), 16)
    if t.lower().startswith("0b"):
        return int(t.rstrip("lLgGiI"), 2)
    if suffix:
        t = t[:-1]
    if suffix in ("d", "f") or "." in t or "e" in t.lower():
        return float(t)
    return int(t)
