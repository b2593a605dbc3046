"""Groovy syntax tree: the subset of Groovy that Jenkinsfiles are written in.

The parser produces these frozen dataclasses for the whole file; the declarative model
(`orchestrator.grammar.model`) is built from them the way Jenkins' ModelParser walks Groovy's AST,
and the engine evaluates them inside `script {}` blocks, `when { expression {} }` and GStrings.
Every node carries the 1-based line and column where it starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Node:
    line: int
    column: int


# ---------------------------------------------------------------- expressions
class Expr(Node):
    __slots__ = ()


@dataclass(frozen=True)
class Literal(Expr):
    """A constant: str (quoted string without interpolation), int, float, bool or None."""
    value: object
    quote: str = ""  # the opening quote of a string literal ('', "'", '"', "'''", '"""', '/')


@dataclass(frozen=True)
class GString(Expr):
    """An interpolated string. parts alternate text (str) and embedded expressions."""
    parts: tuple[Union[str, Expr], ...]
    source: str  # the raw source text including its quotes, as Jenkins' JSON AST shows it


@dataclass(frozen=True)
class Var(Expr):
    name: str


@dataclass(frozen=True)
class TypeName(Expr):
    """A class name used as a value (`Integer.parseInt`, `String.valueOf`)."""
    name: str


@dataclass(frozen=True)
class This(Expr):
    keyword: str = "this"


@dataclass(frozen=True)
class Property(Expr):
    obj: Expr
    name: Union[str, Expr]
    safe: bool = False    # ?.
    spread: bool = False  # *.


@dataclass(frozen=True)
class MethodPointer(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    obj: Expr
    index: tuple[Expr, ...]


@dataclass(frozen=True)
class NamedArg(Node):
    key: Expr  # Literal(str) for `name:`/`'name':`, any expression for `(expr):`
    value: Expr


@dataclass(frozen=True)
class SpreadArg(Node):
    value: Expr


Arg = Union[Expr, NamedArg, SpreadArg]


@dataclass(frozen=True)
class Call(Expr):
    """`name(args)`, `receiver.name(args)`, `name args` (a command) or `name { closure }`.

    Trailing closures are the last entries of args. `x(...)` where x is not a name is
    `Call(receiver=x, name='call')`, as in Groovy.
    """
    receiver: Union[Expr, None]
    name: str
    args: tuple[Arg, ...]
    parens: bool = True   # False for a command expression (`echo 'x'`) or a bare trailing closure
    safe: bool = False    # receiver?.name(...)
    trailing: int = 0     # how many of args are trailing closures written after the call
    spread: bool = False  # receiver*.name(...): call on every element

    @property
    def named_args(self) -> tuple[NamedArg, ...]:
        return tuple(a for a in self.args if isinstance(a, NamedArg))

    @property
    def positional_args(self) -> tuple[Expr, ...]:
        return tuple(a for a in self.args if not isinstance(a, (NamedArg, SpreadArg)))


@dataclass(frozen=True)
class New(Expr):
    type: str
    args: tuple[Arg, ...]
    dims: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # + - * / % ** == != < > <= >= <=> =~ ==~ && || & | ^ << >> >>> in !in === !==
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # ! - + ~ ++ -- (prefix); postfix ++/-- have postfix=True
    operand: Expr
    postfix: bool = False


@dataclass(frozen=True)
class Ternary(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True)
class Elvis(Expr):
    value: Expr
    fallback: Expr


@dataclass(frozen=True)
class Assign(Expr):
    target: Expr
    op: str  # = += -= ...
    value: Expr


@dataclass(frozen=True)
class RangeExpr(Expr):
    start: Expr
    end: Expr
    exclusive: bool


@dataclass(frozen=True)
class TypeRef(Node):
    name: str
    args: tuple["TypeRef", ...] = ()
    dims: int = 0


@dataclass(frozen=True)
class InstanceOf(Expr):
    value: Expr
    type: TypeRef


@dataclass(frozen=True)
class AsType(Expr):
    value: Expr
    type: TypeRef


@dataclass(frozen=True)
class ListLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class MapEntry(Node):
    key: Expr  # Literal(str) for bare names and strings
    value: Expr


@dataclass(frozen=True)
class MapLit(Expr):
    entries: tuple[MapEntry, ...]


@dataclass(frozen=True)
class Param(Node):
    name: str
    type: Union[TypeRef, None] = None
    default: Union[Expr, None] = None


@dataclass(frozen=True)
class Closure(Expr):
    params: tuple[Param, ...]
    body: tuple["Stmt", ...]
    span: tuple[int, int]  # offsets of the text between the braces (see closure_source)
    explicit_params: bool = False  # written with `->`
    end_line: int = 0


# ---------------------------------------------------------------- statements
class Stmt(Node):
    __slots__ = ()


@dataclass(frozen=True)
class ExprStmt(Stmt):
    expr: Expr


@dataclass(frozen=True)
class Annotation(Node):
    name: str
    args: tuple[Arg, ...] = ()


@dataclass(frozen=True)
class VarDecl(Stmt):
    names: tuple[str, ...]
    value: Union[Expr, None]
    type: Union[TypeRef, None] = None
    modifiers: tuple[str, ...] = ()
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class MethodDef(Stmt):
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    return_type: Union[TypeRef, None] = None
    modifiers: tuple[str, ...] = ()
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class ClassDef(Stmt):
    name: str
    members: tuple[Stmt, ...]
    extends: Union[str, None] = None


@dataclass(frozen=True)
class EnumDef(Stmt):
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Block(Stmt):
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class If(Stmt):
    condition: Expr
    then: Stmt
    otherwise: Union[Stmt, None] = None


@dataclass(frozen=True)
class ForIn(Stmt):
    var: str
    iterable: Expr
    body: Stmt


@dataclass(frozen=True)
class ForC(Stmt):
    init: tuple[Union[Stmt, Expr], ...]
    condition: Union[Expr, None]
    update: tuple[Expr, ...]
    body: Stmt


@dataclass(frozen=True)
class While(Stmt):
    condition: Expr
    body: Stmt


@dataclass(frozen=True)
class Catch(Node):
    types: tuple[str, ...]
    name: str
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Try(Stmt):
    body: tuple[Stmt, ...]
    catches: tuple[Catch, ...]
    finally_body: Union[tuple[Stmt, ...], None] = None


@dataclass(frozen=True)
class Case(Node):
    values: tuple[Union[Expr, None], ...]  # None stands for `default:`
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Switch(Stmt):
    subject: Expr
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Return(Stmt):
    value: Union[Expr, None]


@dataclass(frozen=True)
class Throw(Stmt):
    value: Expr


@dataclass(frozen=True)
class Break(Stmt):
    label: Union[str, None] = None


@dataclass(frozen=True)
class Continue(Stmt):
    label: Union[str, None] = None


@dataclass(frozen=True)
class Assert(Stmt):
    condition: Expr
    message: Union[Expr, None] = None


@dataclass(frozen=True)
class Import(Stmt):
    path: str
    static: bool = False
    alias: Union[str, None] = None
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class Package(Stmt):
    name: str


@dataclass(frozen=True)
class Labelled(Stmt):
    label: str
    statement: Stmt


@dataclass(frozen=True)
class Script(Node):
    body: tuple[Stmt, ...]
    text: str = ""


def closure_source(text: str, closure: Closure) -> str:
    """The text between a closure's braces, as Jenkins keeps `script {}` blocks."""
    return text[closure.span[0]:closure.span[1]]


def source_of(text: str, node: Node) -> str:
    """The first line of source a node starts on, for messages that quote the source."""
    lines = text.splitlines()
    if 0 < node.line <= len(lines):
        return lines[node.line - 1][node.column - 1:]
    return ""


def walk(node: Node):
    """Every node under (and including) `node`, depth first, without recursion."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        for name in current.__dataclass_fields__:
            value = getattr(current, name)
            if isinstance(value, Node):
                pending.append(value)
            elif isinstance(value, tuple):
                pending.extend(v for v in reversed(value) if isinstance(v, Node))
