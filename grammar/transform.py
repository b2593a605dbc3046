"""Lark Transformer: parse-tree callbacks that build `groovy` nodes and do nothing else.

It is handed to the LALR parser directly (no intermediate tree). GString parts are parsed by
the same parser through `parse_embedded`, which the parser module supplies.
"""
from __future__ import annotations

from typing import Callable

from lark import Token, Transformer, v_args

from . import groovy as g
from .strings import Interpolation, split_gstring, split_quotes, unescape, unescape_slashy


class _Selector:
    """What follows an expression: .name, ?.name, (args), [index], { closure }."""
    __slots__ = ("kind", "payload", "line", "column")

    def __init__(self, kind: str, payload: object, line: int, column: int) -> None:
        self.kind, self.payload, self.line, self.column = kind, payload, line, column


class _CommandArgs(tuple):
    pass


def _pos(meta) -> tuple[int, int]:
    return meta.line, meta.column


def _tok_pos(tok: Token) -> tuple[int, int]:
    return tok.line, tok.column


def _statements(items) -> tuple[g.Stmt, ...]:
    return tuple(s for s in items if isinstance(s, g.Stmt))


def _as_statement(node) -> g.Stmt:
    """if/for/while bodies in braces arrive as closure-literal statements: make them blocks."""
    if isinstance(node, g.ExprStmt) and isinstance(node.expr, g.Closure) and not node.expr.explicit_params:
        return g.Block(node.line, node.column, node.expr.body)
    return node


@v_args(inline=True, meta=True)
class ToGroovy(Transformer):
    def __init__(self, text: str, parse_embedded: Callable[[str, int, int], g.Expr]) -> None:
        super().__init__(visit_tokens=False)
        self.text = text
        self.parse_embedded = parse_embedded

    # ------------------------------------------------------------ script
    def start(self, meta, *stmts):
        return g.Script(1, 1, _statements(stmts), self.text)

    def expression_only(self, meta, expr):
        return expr

    def expression_statement(self, meta, expr):
        return g.ExprStmt(expr.line, expr.column, expr)

    # ------------------------------------------------------------ commands
    def name_ref(self, meta, name):
        return (None, name, name.line, name.column)

    def path_ref(self, meta, obj, name):
        return (obj, name, obj.line, obj.column)

    def command_args(self, meta, *args):
        return _CommandArgs(args)

    def command_named_arg(self, meta, key, value):
        return g.NamedArg(key.line, key.column, key, value)

    def command(self, meta, callee, args):
        receiver, name, line, column = callee
        call = g.Call(line, column, receiver, str(name), tuple(args), parens=False)
        return g.ExprStmt(line, column, call)

    def command_assign(self, meta, target, stmt):
        return g.ExprStmt(target.line, target.column, g.Assign(target.line, target.column, target, "=", stmt.expr))

    # ------------------------------------------------------------ declarations
    def declaration(self, meta, *children):
        modifiers, annotations = (), ()
        names: tuple[str, ...] = ()
        type_ref = None
        value = None
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "modifiers":
                modifiers, annotations = child[1], child[2]
            elif isinstance(child, g.TypeRef):
                type_ref = child
            elif isinstance(child, list):
                names = tuple(child)
            elif isinstance(child, Token):
                names = (str(child),)
            elif isinstance(child, g.ExprStmt):   # `def x = sh script: ..., returnStdout: true`
                value = child.expr
            elif isinstance(child, g.Expr):
                value = child
        return g.VarDecl(meta.line, meta.column, names, value, type_ref, modifiers, annotations)

    def var_targets(self, meta, *names):
        return [str(n) for n in names]

    def type_target(self, meta, tok):
        return [str(tok)]

    def modifiers(self, meta, *items):
        mods = tuple(i for i in items if isinstance(i, str))
        annotations = tuple(i for i in items if isinstance(i, g.Annotation))
        return ("modifiers", mods, annotations)

    def modifier(self, meta, tok):
        return str(tok)

    def annotation(self, meta, name, *args):
        return g.Annotation(meta.line, meta.column, name, tuple(a for a in args if a is not None))

    def annotation_name(self, meta, *parts):
        return ".".join(str(p) for p in parts)

    def method_def(self, meta, *children):
        modifiers, annotations = (), ()
        return_type = None
        name = ""
        params: tuple[g.Param, ...] = ()
        body: tuple[g.Stmt, ...] = ()
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "modifiers":
                modifiers, annotations = child[1], child[2]
            elif isinstance(child, g.TypeRef):
                return_type = child
            elif isinstance(child, Token):
                name = str(child)
            elif isinstance(child, list):
                params = tuple(child)
            elif isinstance(child, g.Block):
                body = child.body
        return g.MethodDef(meta.line, meta.column, name, params, body, return_type, modifiers, annotations)

    def params(self, meta, *params):
        return list(params)

    def param(self, meta, *children):
        type_ref = next((c for c in children if isinstance(c, g.TypeRef)), None)
        name = next(c for c in children if isinstance(c, Token))
        default = next((c for c in children if isinstance(c, g.Expr)), None)
        return g.Param(name.line, name.column, str(name), type_ref, default)

    closure_param = param

    def class_def(self, meta, *children):
        toks = [c for c in children if isinstance(c, Token)]
        members = next(c for c in children if isinstance(c, list))
        extends = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), None)
        return g.ClassDef(meta.line, meta.column, str(toks[0]), tuple(members), extends)

    def class_body(self, meta, *members):
        return [m for m in members if isinstance(m, g.Stmt)]

    def constructor(self, meta, *children):
        name = next(c for c in children if isinstance(c, Token))
        params = next((c for c in children if isinstance(c, list)), [])
        body = next(c for c in children if isinstance(c, g.Block))
        return g.MethodDef(meta.line, meta.column, str(name), tuple(params), body.body)

    def enum_def(self, meta, *children):
        toks = [str(c) for c in children if isinstance(c, (Token, str)) and c is not None]
        mods = [c for c in children if isinstance(c, tuple)]
        del mods
        return g.EnumDef(meta.line, meta.column, toks[0], tuple(toks[1:]))

    def type_ref(self, meta, base, *rest):
        args: tuple = ()
        dims = 0
        for r in rest:
            if isinstance(r, tuple):
                args = r
            elif isinstance(r, int):
                dims = r
        return g.TypeRef(meta.line, meta.column, str(base), args, dims)

    def qualified_type(self, meta, *parts):
        return ".".join(str(p) for p in parts)

    def type_args(self, meta, *args):
        return tuple(args)

    def type_arg(self, meta, *children):
        ref = next((c for c in children if isinstance(c, g.TypeRef)), None)
        return ref or g.TypeRef(meta.line, meta.column, "?")

    def array_dims(self, meta, *brackets):
        return max(1, (meta.end_pos - meta.start_pos) // 2)

    def primitive(self, meta, tok):
        return str(tok)

    # ------------------------------------------------------------ control flow
    def block(self, meta, *stmts):
        return g.Block(meta.line, meta.column, _statements(stmts))

    def if_stmt(self, meta, condition, then, *rest):
        otherwise = rest[-1] if rest else None
        return g.If(meta.line, meta.column, condition, _as_statement(then),
                    _as_statement(otherwise) if otherwise is not None else None)

    def for_in(self, meta, *children):
        name = next(c for c in children if isinstance(c, Token) and c.type in ("IDENT",))
        exprs = [c for c in children if isinstance(c, (g.Expr, g.Stmt))]
        return g.ForIn(meta.line, meta.column, str(name), exprs[-2], _as_statement(exprs[-1]))

    def for_c(self, meta, init, condition, update, body):
        return g.ForC(meta.line, meta.column, tuple(init or ()), condition, tuple(update or ()), _as_statement(body))

    def for_init(self, meta, *items):
        return list(items)

    def for_update(self, meta, *items):
        return list(items)

    def while_stmt(self, meta, condition, body):
        return g.While(meta.line, meta.column, condition, _as_statement(body))

    def try_stmt(self, meta, body, *rest):
        catches = tuple(r for r in rest if isinstance(r, g.Catch))
        blocks = [r for r in rest if isinstance(r, g.Block)]
        return g.Try(meta.line, meta.column, body.body, catches, blocks[0].body if blocks else None)

    def catch_clause(self, meta, *children):
        types = next((c for c in children if isinstance(c, list)), [])
        name = next(c for c in children if isinstance(c, Token))
        body = next(c for c in children if isinstance(c, g.Block))
        return g.Catch(meta.line, meta.column, tuple(types), str(name), body.body)

    def catch_types(self, meta, *types):
        return list(types)

    def switch_stmt(self, meta, subject, *cases):
        return g.Switch(meta.line, meta.column, subject, tuple(cases))

    def switch_case(self, meta, *children):
        values = tuple(c[1] for c in children if isinstance(c, tuple) and c and c[0] == "case")
        return g.Case(meta.line, meta.column, values, _statements(children))

    def case_label(self, meta, value):
        if isinstance(value, Token):  # default:
            return ("case", None)
        return ("case", value)

    def return_stmt(self, meta, value=None):
        if isinstance(value, g.ExprStmt):
            value = value.expr
        return g.Return(meta.line, meta.column, value)

    def throw_stmt(self, meta, value):
        return g.Throw(meta.line, meta.column, value)

    def break_stmt(self, meta, label=None):
        return g.Break(meta.line, meta.column, str(label) if label else None)

    def continue_stmt(self, meta, label=None):
        return g.Continue(meta.line, meta.column, str(label) if label else None)

    def assert_stmt(self, meta, condition, message=None):
        return g.Assert(meta.line, meta.column, condition, message)

    def import_stmt(self, meta, *children):
        annotations = ()
        static = False
        path = ""
        alias = None
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "modifiers":
                annotations = child[2]
            elif isinstance(child, Token) and child.type == "STATIC":
                static = True
            elif isinstance(child, Token):
                alias = str(child)
            elif isinstance(child, str):
                path = child
        return g.Import(meta.line, meta.column, path, static, alias, annotations)

    def import_path(self, meta, *parts):
        return ".".join(str(p) for p in parts)

    def package_stmt(self, meta, *parts):
        return g.Package(meta.line, meta.column, ".".join(str(p) for p in parts))

    def labelled(self, meta, label, statement):
        return g.Labelled(meta.line, meta.column, str(label), statement)

    # ------------------------------------------------------------ expressions
    def assign(self, meta, target, op, value):
        return g.Assign(target.line, target.column, target, op, value)

    def ternary(self, meta, condition, then, otherwise):
        return g.Ternary(condition.line, condition.column, condition, then, otherwise)

    def elvis(self, meta, value, fallback):
        return g.Elvis(value.line, value.column, value, fallback)

    def binary(self, meta, left, op, right):
        return g.Binary(left.line, left.column, op, left, right)

    def in_(self, meta, left, _tok, right):
        return g.Binary(left.line, left.column, "in", left, right)

    def not_in(self, meta, left, _tok, right):
        return g.Binary(left.line, left.column, "!in", left, right)

    def instanceof(self, meta, value, _tok, type_ref):
        return g.InstanceOf(value.line, value.column, value, type_ref)

    def as_(self, meta, value, _tok, type_ref):
        return g.AsType(value.line, value.column, value, type_ref)

    def range(self, meta, start, op, end):
        return g.RangeExpr(start.line, start.column, start, end, op == "..<")

    def _unary(op):  # noqa: N805 - a factory used while the class body runs
        def build(self, meta, operand):
            return g.Unary(meta.line, meta.column, op, operand)
        return build

    not_ = _unary("!")
    negate = _unary("-")
    unary_plus = _unary("+")
    bit_not = _unary("~")
    pre_increment = _unary("++")
    pre_decrement = _unary("--")
    del _unary

    def post_increment(self, meta, operand):
        return g.Unary(operand.line, operand.column, "++", operand, True)

    def post_decrement(self, meta, operand):
        return g.Unary(operand.line, operand.column, "--", operand, True)

    def _op(self, meta, tok):
        return str(tok)

    or_op = and_op = bor_op = xor_op = band_op = equality_op = compare_op = _op
    shift_op = range_op = add_op = mul_op = pow_op = assign_op = _op

    # ------------------------------------------------------------ postfix chains
    def selected(self, meta, obj, sel: _Selector):
        kind = sel.kind
        line, column = obj.line, obj.column
        if kind == "call":
            if isinstance(obj, g.Var):
                return g.Call(line, column, None, obj.name, sel.payload)
            if isinstance(obj, g.Property) and isinstance(obj.name, str) and not obj.spread:
                return g.Call(line, column, obj.obj, obj.name, sel.payload, safe=obj.safe)
            if isinstance(obj, g.TypeName):
                return g.Call(line, column, None, obj.name, sel.payload)
            return g.Call(line, column, obj, "call", sel.payload)
        if kind == "closure":
            closure = sel.payload
            if isinstance(obj, g.Call) and (obj.parens or obj.trailing):
                return g.Call(line, column, obj.receiver, obj.name, obj.args + (closure,), obj.parens,
                              obj.safe, obj.trailing + 1)
            if isinstance(obj, g.Var):
                return g.Call(line, column, None, obj.name, (closure,), False, False, 1)
            if isinstance(obj, g.Property) and isinstance(obj.name, str):
                return g.Call(line, column, obj.obj, obj.name, (closure,), False, obj.safe, 1)
            return g.Call(line, column, obj, "call", (closure,), False, False, 1)
        if kind == "property":
            return g.Property(line, column, obj, sel.payload)
        if kind == "safe":
            return g.Property(line, column, obj, sel.payload, safe=True)
        if kind == "spread":
            return g.Property(line, column, obj, sel.payload, spread=True)
        if kind == "pointer":
            return g.MethodPointer(line, column, obj, sel.payload)
        return g.Index(line, column, obj, sel.payload)

    def property(self, meta, name):
        if isinstance(name, Token):
            name = str(name)
        elif isinstance(name, g.Literal):
            name = str(name.value)
        return _Selector("property", name, meta.line, meta.column)

    def safe_property(self, meta, name):
        return _Selector("safe", str(name), meta.line, meta.column)

    def spread_property(self, meta, name):
        return _Selector("spread", str(name), meta.line, meta.column)

    def method_pointer(self, meta, name):
        return _Selector("pointer", str(name), meta.line, meta.column)

    def call_args(self, meta, *args):
        return _Selector("call", tuple(a for a in args if a is not None), meta.line, meta.column)

    def trailing_closure(self, meta, closure):
        return _Selector("closure", closure, meta.line, meta.column)

    def index(self, meta, *exprs):
        return _Selector("index", tuple(exprs), meta.line, meta.column)

    # ------------------------------------------------------------ primaries
    def var(self, meta, name):
        return g.Var(name.line, name.column, str(name))

    def type_name(self, meta, tok):
        return g.TypeName(tok.line, tok.column, str(tok))

    def true(self, meta, tok):
        return g.Literal(tok.line, tok.column, True)

    def false(self, meta, tok):
        return g.Literal(tok.line, tok.column, False)

    def null(self, meta, tok):
        return g.Literal(tok.line, tok.column, None)

    def this_(self, meta, tok):
        return g.This(tok.line, tok.column, str(tok))

    def new_expr(self, meta, *children):
        type_name = next(c for c in children if isinstance(c, str))
        args: tuple = ()
        dims: list = []
        for child in children:
            if isinstance(child, _Selector) and child.kind == "call":
                args = child.payload
            elif isinstance(child, _Selector) and child.kind == "closure":
                args = args + (child.payload,)
            elif isinstance(child, g.Expr):
                dims.append(child)
        return g.New(meta.line, meta.column, type_name, args, tuple(dims))

    def list_literal(self, meta, *items):
        return g.ListLit(meta.line, meta.column, tuple(i for i in items if i is not None))

    def map_literal(self, meta, *entries):
        return g.MapLit(meta.line, meta.column, tuple(entries))

    def map_entry(self, meta, key, value):
        return g.MapEntry(key.line, key.column, key, value)

    def spread_map(self, meta, value):
        return g.MapEntry(meta.line, meta.column, g.Literal(meta.line, meta.column, "*"), value)

    def key_name(self, meta, tok):
        return g.Literal(tok.line, tok.column, str(tok))

    def key_string(self, meta, lit):
        if isinstance(lit, g.Literal):
            return g.Literal(lit.line, lit.column, lit.value if isinstance(lit.value, str) else str(lit.value),
                             lit.quote)
        return lit

    def key_expr(self, meta, expr):
        return expr

    def named_arg(self, meta, key, value):
        return g.NamedArg(key.line, key.column, key, value)

    def spread_arg(self, meta, value):
        return g.SpreadArg(meta.line, meta.column, value)

    def closure(self, meta, *children):
        params: tuple = ()
        explicit = False
        for child in children:
            if isinstance(child, list):
                params = tuple(child)
                explicit = True
        inner = self.text[meta.start_pos + 1:meta.end_pos - 1]
        if not explicit and "->" in inner:
            explicit = inner.lstrip().startswith("->")
        return g.Closure(meta.line, meta.column, params, _statements(children), inner, explicit, meta.end_line)

    def closure_params(self, meta, *params):
        return list(params)

    def name(self, meta, tok):
        return tok

    def member_name(self, meta, tok):
        return Token.new_borrow_pos("IDENT", str(tok), tok)

    # ------------------------------------------------------------ literals
    def number(self, meta, tok):
        return g.Literal(tok.line, tok.column, parse_number(str(tok)))

    def sq_string(self, meta, tok):
        quote, body, _ = split_quotes(tok)
        return g.Literal(tok.line, tok.column, unescape(body), quote)

    def dq_string(self, meta, tok):
        return self._gstring(tok, slashy=False)

    def slashy_string(self, meta, tok):
        return self._gstring(tok, slashy=True)

    def dollar_slashy_string(self, meta, tok):
        quote, body, _ = split_quotes(tok)
        return g.Literal(tok.line, tok.column, body.replace("$$", "$").replace("$/", "/"), quote)

    def _gstring(self, tok: Token, slashy: bool):
        quote = '"""' if tok.startswith('"""') else tok[0]
        if "$" not in tok:
            _, body, _ = split_quotes(tok)
            return g.Literal(tok.line, tok.column, unescape_slashy(body) if slashy else unescape(body), quote)
        parts = split_gstring(str(tok), slashy)
        if not any(isinstance(p, Interpolation) for p in parts):
            return g.Literal(tok.line, tok.column, "".join(parts), quote)
        built: list = []
        for part in parts:
            if isinstance(part, Interpolation):
                line, column = _offset_position(tok, part.offset)
                if part.braces and not part.source.strip():
                    built.append(g.Literal(line, column, None))
                else:
                    built.append(self.parse_embedded(part.source, line, column))
            else:
                built.append(part)
        return g.GString(tok.line, tok.column, tuple(built), str(tok))


def _offset_position(tok: Token, offset: int) -> tuple[int, int]:
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
