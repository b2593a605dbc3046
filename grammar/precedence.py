"""Groovy operator precedence for the flat operator chains the grammar produces.

The grammar parses `a + b * c` as one chain [a, '+', b, '*', c] (one reduction instead of one per
precedence level); `build_chain` turns it into the tree Groovy would build.
"""
from __future__ import annotations

from . import groovy as g

PRECEDENCE = {
    "**": 13, "*": 12, "/": 12, "%": 12, "+": 11, "-": 11,
    "<<": 10, ">>": 10, ">>>": 10, "..": 10, "..<": 10,
    "<": 9, ">": 9, "<=": 9, ">=": 9, "in": 9, "!in": 9, "instanceof": 9, "as": 9,
    "==": 8, "!=": 8, "<=>": 8, "=~": 8, "==~": 8, "===": 8, "!==": 8,
    "&": 7, "^": 6, "|": 5, "&&": 4, "||": 3,
}
_RIGHT_ASSOCIATIVE: frozenset[str] = frozenset()  # Groovy's ** is left-associative too


def _combine(op: str, left, right):
    if op == "instanceof":
        return g.InstanceOf(left.line, left.column, left, right)
    if op == "as":
        return g.AsType(left.line, left.column, left, right)
    if op in ("..", "..<"):
        return g.RangeExpr(left.line, left.column, left, right, op == "..<")
    return g.Binary(left.line, left.column, op, left, right)


def build_chain(items: list):
    """[a, '+', b, '*', c] -> Binary(+, a, Binary(*, b, c)), by precedence climbing."""
    pos = 0

    def climb(min_prec: int):
        nonlocal pos
        left = items[pos]
        pos += 1
        while pos < len(items):
            op = items[pos]
            prec = PRECEDENCE[op]
            if prec < min_prec:
                break
            pos += 1
            if op in ("instanceof", "as"):  # the right side is a type, never an operand
                right = items[pos]
                pos += 1
            else:
                right = climb(prec if op in _RIGHT_ASSOCIATIVE else prec + 1)
            left = _combine(op, left, right)
        return left

    return climb(0)
