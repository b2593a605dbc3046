"""Lark Transformer: parse-tree callbacks that build `groovy` nodes and do nothing else.

It is handed to the LALR parser directly (no intermediate tree). GString parts are parsed by
the same parser through `parse_embedded`, which the parser module supplies.
"""
from __future__ import annotations

from typing import Callable

from lark import Token, Transformer

from . import groovy as g
from .errors import GroovySyntaxError
from .literals import SIMPLE_PATH, offset_position, path_expr, parse_number
from .precedence import build_chain
from .strings import Interpolation, split_gstring, split_quotes, unescape, unescape_slashy


class _CommandArgs(tuple):
    pass


def _statements(items) -> tuple[g.Stmt, ...]:
    out: list[g.Stmt] = []
    for item in items:
        if isinstance(item, g.Stmt):
            out.append(item)
        elif isinstance(item, list):  # `def a = 1, b = 2` declares one variable per declarator
            out.extend(s for s in item if isinstance(s, g.Stmt))
    return tuple(out)


def _as_statement(node) -> g.Stmt:
    """if/for/while bodies in braces arrive as closure-literal statements: make them blocks."""
    if isinstance(node, g.ExprStmt) and isinstance(node.expr, g.Closure) and not node.expr.explicit_params:
        return g.Block(node.line, node.column, node.expr.body)
    return node


def _modifiers_of(children) -> tuple[tuple[str, ...], tuple[g.Annotation, ...]]:
    for child in children:
        if isinstance(child, _Modifiers):
            return child.names, child.annotations
    return (), ()


def _first_position(children) -> tuple[int, int]:
    for child in children:
        if isinstance(child, Token):
            return child.line, child.column
        if isinstance(child, g.Node):
            return child.line, child.column
        if isinstance(child, _Modifiers):
            return child.line, child.column
    return 1, 1


class _Modifiers:
    __slots__ = ("names", "annotations", "line", "column")

    def __init__(self, names, annotations, line, column) -> None:
        self.names, self.annotations, self.line, self.column = names, annotations, line, column


class ToGroovy(Transformer):
    """Stateless, so one instance serves every parse (Lark calls it while parsing)."""

    def __init__(self, parse_embedded: Callable[[str, int, int, int], g.Expr]) -> None:
        super().__init__(visit_tokens=False)
        self.parse_embedded = parse_embedded

    # ------------------------------------------------------------ script
    def start(self, *stmts):
        return g.Script(1, 1, _statements(stmts))

    def expression_only(self, *items):
        exprs = [i.expr if isinstance(i, g.ExprStmt) else i for i in items]
        if len(exprs) == 1:
            return exprs[0]
        # `"${a(); b}"`: several statements; Groovy interpolates the last one's value
        first = exprs[0]
        body = tuple(g.ExprStmt(e.line, e.column, e) for e in exprs)
        closure = g.Closure(first.line, first.column, (), body, (0, 0))
        return g.Call(first.line, first.column, closure, "call", ())

    def expression_statement(self, expr):
        return g.ExprStmt(expr.line, expr.column, expr)

    # ------------------------------------------------------------ commands
    def name_ref(self, tok):
        return (None, str(tok), tok.line, tok.column)

    def path_ref(self, obj, name):
        return (obj, str(name), obj.line, obj.column)

    def command_args(self, *args):
        return _CommandArgs(args)

    def command_named_arg(self, key, value):
        return g.NamedArg(key.line, key.column, key, value)

    def command(self, callee, args, chained=None):
        receiver, name, line, column = callee
        expr = g.Call(line, column, receiver, name, tuple(args), parens=False)
        if chained is not None:   # `library identifier: 'x' _`
            expr = g.Property(line, column, expr, str(chained))
        return g.ExprStmt(line, column, expr)

    def command_assign(self, target, op, stmt):
        return g.ExprStmt(target.line, target.column, g.Assign(target.line, target.column, target, op, stmt.expr))

    # ------------------------------------------------------------ declarations
    def declaration(self, *children):
        names: tuple[str, ...] = ()
        type_ref = None
        value = None
        mods: list[str] = []
        annotations: tuple = ()
        more = [c for c in children if isinstance(c, tuple) and len(c) == 3 and c[0] == "more"]
        children = tuple(c for c in children if not (isinstance(c, tuple) and len(c) == 3 and c[0] == "more"))
        for child in children:
            if isinstance(child, _Modifiers):
                mods.extend(child.names)
                annotations += child.annotations
            elif isinstance(child, g.TypeRef):
                type_ref = child
            elif isinstance(child, list):
                names = tuple(child)
            elif isinstance(child, Token):
                if child.type in ("IDENT", "TYPE"):
                    names = (str(child),)
            elif isinstance(child, g.ExprStmt):   # `def x = sh script: ..., returnStdout: true`
                value = child.expr
            elif isinstance(child, g.Expr):
                value = child
        line, column = _first_position(children)
        first = g.VarDecl(line, column, names, value, type_ref, tuple(mods), annotations)
        if not more:
            return first
        return [first] + [g.VarDecl(tok.line, tok.column, (str(tok),), default, type_ref, tuple(mods), annotations)
                          for _, tok, default in more]

    def more_declarator(self, tok, value=None):
        return ("more", tok, value)

    def primitive_cast(self, type_name, value):
        return g.AsType(value.line, value.column, value, g.TypeRef(type_name.line, type_name.column, str(type_name)))

    def var_targets(self, *names):
        return [str(n) for n in names if n.type != "LPAR"]

    def modifiers(self, *items):
        names = tuple(str(i) for i in items if isinstance(i, Token))
        annotations = tuple(i for i in items if isinstance(i, g.Annotation))
        line, column = _first_position(items)
        return _Modifiers(names, annotations, line, column)

    def modifier(self, tok):
        return tok

    def annotation(self, at, name, *args):
        return g.Annotation(at.line, at.column, name, tuple(a for a in args if a is not None))

    def annotation_name(self, *parts):
        return ".".join(str(p) for p in parts)

    def method_def(self, *children):
        mods: list[str] = []
        annotations: tuple = ()
        return_type = None
        name = ""
        params: tuple[g.Param, ...] = ()
        body: tuple[g.Stmt, ...] = ()
        for child in children:
            if isinstance(child, _Modifiers):
                mods.extend(child.names)
                annotations += child.annotations
            elif isinstance(child, g.TypeRef):
                return_type = child
            elif isinstance(child, Token) and child.type == "IDENT":
                name = str(child)
            elif isinstance(child, list):
                params = tuple(child)
            elif isinstance(child, g.Block):
                body = child.body
        line, column = _first_position(children)
        return g.MethodDef(line, column, name, params, body, return_type, tuple(mods), annotations)

    def params(self, *params):
        return list(params)

    def param(self, *children):
        type_ref = next((c for c in children if isinstance(c, g.TypeRef)), None)
        name = next(c for c in children if isinstance(c, Token) and c.type == "IDENT")
        default = next((c for c in children if isinstance(c, g.Expr)), None)
        return g.Param(name.line, name.column, str(name), type_ref, default)

    closure_param = param
    closure_param_default = param

    def class_def(self, *children):
        name = next(c for c in children if isinstance(c, Token) and c.type in ("TYPE", "IDENT"))
        members = next(c for c in children if isinstance(c, list))
        supers = [str(c) for c in children if isinstance(c, Token) and c.type == "TYPE" and c is not name]
        line, column = _first_position(children)
        return g.ClassDef(line, column, str(name), tuple(members), supers[0] if supers else None)

    def class_body(self, *members):
        return [m for m in members if isinstance(m, g.Stmt)]

    def constructor(self, *children):
        name = next(c for c in children if isinstance(c, Token) and c.type == "TYPE")
        params = next((c for c in children if isinstance(c, list)), [])
        body = next(c for c in children if isinstance(c, g.Block))
        return g.MethodDef(name.line, name.column, str(name), tuple(params), body.body)

    def enum_def(self, *children):
        toks = [c for c in children if isinstance(c, Token)]
        names = [str(t) for t in toks if t.type in ("IDENT", "TYPE")]
        line, column = _first_position(children)
        return g.EnumDef(line, column, names[0], tuple(names[1:]))

    def type_ref(self, base, *rest):
        args: tuple = ()
        dims = 0
        for r in rest:
            if isinstance(r, tuple):
                args = r
            elif isinstance(r, int):
                dims = r
        line, column = (base.line, base.column) if isinstance(base, Token) else (0, 0)
        return g.TypeRef(line, column, str(base), args, dims)

    cast_type = type_ref

    def qualified_type(self, *parts):
        return Token.new_borrow_pos("TYPE", ".".join(str(p) for p in parts), parts[0])

    def type_args(self, *args):
        return tuple(args)

    def type_arg(self, *children):
        ref = next((c for c in children if isinstance(c, g.TypeRef)), None)
        return ref or g.TypeRef(0, 0, "?")

    def array_dims(self, *brackets):
        return max(1, len(brackets))

    def primitive(self, tok):
        return tok

    # ------------------------------------------------------------ control flow
    def block(self, brace, *stmts):
        return g.Block(brace.line, brace.column, _statements(stmts))

    def if_stmt(self, kw, condition, then, *rest):
        otherwise = rest[-1] if rest else None
        return g.If(kw.line, kw.column, condition, _as_statement(then),
                    _as_statement(otherwise) if otherwise is not None else None)

    def for_in(self, kw, *children):
        name = next(c for c in children if isinstance(c, Token) and c.type == "IDENT")
        nodes = [c for c in children if isinstance(c, (g.Expr, g.Stmt))]
        return g.ForIn(kw.line, kw.column, str(name), nodes[-2], _as_statement(nodes[-1]))

    def for_c(self, kw, init, condition, update, body):
        return g.ForC(kw.line, kw.column, tuple(init or ()), condition, tuple(update or ()), _as_statement(body))

    def for_init(self, *items):
        return list(items)

    for_update = for_init

    def while_stmt(self, kw, condition, body):
        return g.While(kw.line, kw.column, condition, _as_statement(body))

    def try_stmt(self, kw, body, *rest):
        catches = tuple(r for r in rest if isinstance(r, g.Catch))
        blocks = [r for r in rest if isinstance(r, g.Block)]
        return g.Try(kw.line, kw.column, body.body, catches, blocks[0].body if blocks else None)

    def catch_clause(self, *children):
        types = next((c for c in children if isinstance(c, list)), [])
        name = next(c for c in children if isinstance(c, Token) and c.type == "IDENT")
        body = next(c for c in children if isinstance(c, g.Block))
        return g.Catch(name.line, name.column, tuple(types), str(name), body.body)

    def catch_types(self, *types):
        return [str(t) for t in types]

    def switch_stmt(self, kw, subject, *cases):
        return g.Switch(kw.line, kw.column, subject, tuple(cases))

    def switch_case(self, *children):
        labels = [c for c in children if isinstance(c, tuple)]
        line, column = labels[0][2], labels[0][3]
        return g.Case(line, column, tuple(c[1] for c in labels), _statements(children))

    def case_label(self, value):
        if isinstance(value, Token):  # default:
            return ("case", None, value.line, value.column)
        return ("case", value, value.line, value.column)

    def return_stmt(self, kw, value=None):
        if isinstance(value, g.ExprStmt):
            value = value.expr
        return g.Return(kw.line, kw.column, value)

    def throw_stmt(self, kw, value):
        return g.Throw(kw.line, kw.column, value)

    def break_stmt(self, kw, label=None):
        return g.Break(kw.line, kw.column, str(label) if label else None)

    def continue_stmt(self, kw, label=None):
        return g.Continue(kw.line, kw.column, str(label) if label else None)

    def assert_stmt(self, kw, condition, message=None):
        return g.Assert(kw.line, kw.column, condition, message)

    def import_stmt(self, *children):
        mods, annotations = _modifiers_of(children)
        kw = next(c for c in children if isinstance(c, Token) and c.type == "IMPORT")
        static = any(isinstance(c, Token) and c.type == "STATIC" for c in children)
        path = next(c for c in children if isinstance(c, str) and not isinstance(c, Token))
        alias = next((str(c) for c in children if isinstance(c, Token) and c.type == "IDENT"), None)
        return g.Import(kw.line, kw.column, path, static, alias, annotations)

    def import_path(self, *parts):
        return ".".join(str(p) for p in parts)

    def package_stmt(self, kw, *parts):
        return g.Package(kw.line, kw.column, ".".join(str(p) for p in parts))

    def labelled(self, label, statement):
        return g.Labelled(label.line, label.column, str(label), statement)

    # ------------------------------------------------------------ expressions
    def assign(self, target, op, value):
        return g.Assign(target.line, target.column, target, op, value)

    def ternary(self, condition, then, otherwise):
        return g.Ternary(condition.line, condition.column, condition, then, otherwise)

    def elvis(self, value, fallback):
        return g.Elvis(value.line, value.column, value, fallback)

    def chain(self, *items):
        return build_chain(list(items))

    def binop(self, tok):
        return "!in" if tok.type == "NOT_IN" else str(tok)

    type_op = binop
    assign_op = binop

    def _unary(op):  # noqa: N805 - a factory used while the class body runs
        def build(self, tok, operand):
            return g.Unary(tok.line, tok.column, op, operand)
        return build

    not_ = _unary("!")
    negate = _unary("-")
    unary_plus = _unary("+")
    bit_not = _unary("~")
    pre_increment = _unary("++")
    pre_decrement = _unary("--")
    del _unary

    def post_increment(self, operand):
        return g.Unary(operand.line, operand.column, "++", operand, True)

    def post_decrement(self, operand):
        return g.Unary(operand.line, operand.column, "--", operand, True)

    # ------------------------------------------------------------ postfix chains
    def selected(self, obj, sel):
        kind, payload = sel
        line, column = obj.line, obj.column
        if kind == "call":
            if isinstance(obj, (g.Var, g.TypeName)):
                return g.Call(line, column, None, obj.name, payload)
            if isinstance(obj, g.Property) and isinstance(obj.name, str):
                return g.Call(line, column, obj.obj, obj.name, payload, safe=obj.safe, spread=obj.spread)
            return g.Call(line, column, obj, "call", payload)
        if kind == "closure":
            if isinstance(obj, g.Call) and (obj.parens or obj.trailing):
                return g.Call(line, column, obj.receiver, obj.name, obj.args + (payload,), obj.parens,
                              obj.safe, obj.trailing + 1)
            if isinstance(obj, (g.Var, g.TypeName)):
                return g.Call(line, column, None, obj.name, (payload,), False, False, 1)
            if isinstance(obj, g.Property) and isinstance(obj.name, str):
                return g.Call(line, column, obj.obj, obj.name, (payload,), False, obj.safe, 1)
            return g.Call(line, column, obj, "call", (payload,), False, False, 1)
        if kind == "property":
            return g.Property(line, column, obj, payload)
        if kind == "safe":
            return g.Property(line, column, obj, payload, safe=True)
        if kind == "spread":
            return g.Property(line, column, obj, payload, spread=True)
        if kind == "pointer":
            return g.MethodPointer(line, column, obj, payload)
        return g.Index(line, column, obj, payload)

    def property(self, name):
        if isinstance(name, Token):
            return ("property", str(name))
        if isinstance(name, g.Literal):
            return ("property", str(name.value))
        return ("property", name)

    def safe_property(self, name):
        return ("safe", str(name))

    def spread_property(self, name):
        return ("spread", str(name))

    def method_pointer(self, name):
        return ("pointer", str(name))

    def call_args(self, *args):
        return ("call", tuple(a for a in args if a is not None))

    def trailing_closure(self, closure):
        return ("closure", closure)

    def index(self, *exprs):
        return ("index", tuple(exprs))

    # ------------------------------------------------------------ primaries
    def var(self, tok):
        return g.Var(tok.line, tok.column, str(tok))

    def type_name(self, tok):
        return g.TypeName(tok.line, tok.column, str(tok))

    def true(self, tok):
        return g.Literal(tok.line, tok.column, True)

    def false(self, tok):
        return g.Literal(tok.line, tok.column, False)

    def null(self, tok):
        return g.Literal(tok.line, tok.column, None)

    def this_(self, tok):
        return g.This(tok.line, tok.column, str(tok))

    def new_expr(self, kw, *children):
        type_name = next(str(c) for c in children if isinstance(c, str) and not (
            isinstance(c, Token) and c.type == "NEW"))
        args: tuple = ()
        dims: list = []
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "call":
                args = child[1]
            elif isinstance(child, tuple) and child and child[0] == "closure":
                args = args + (child[1],)
            elif isinstance(child, g.Expr):
                dims.append(child)
        return g.New(kw.line, kw.column, type_name, args, tuple(dims))

    def list_literal(self, bracket, *items):
        return g.ListLit(bracket.line, bracket.column, tuple(i for i in items if i is not None))

    def map_literal(self, bracket, *entries):
        return g.MapLit(bracket.line, bracket.column, tuple(entries))

    def map_entry(self, key, value):
        return g.MapEntry(key.line, key.column, key, value)

    def spread_map(self, star, value):
        return g.MapEntry(star.line, star.column, g.Literal(star.line, star.column, "*"), value)

    def key_name(self, tok):
        return g.Literal(tok.line, tok.column, str(tok))

    def key_string(self, lit):
        return lit  # Groovy keeps number keys as numbers

    def key_expr(self, expr):
        return expr

    def named_arg(self, key, value):
        return g.NamedArg(key.line, key.column, key, value)

    def spread_arg(self, star, value):
        return g.SpreadArg(star.line, star.column, value)

    def closure(self, lbrace, *children):
        rbrace = children[-1]
        params: tuple = ()
        explicit = False
        for child in children:
            if isinstance(child, list):
                params = tuple(child)
                explicit = True
            elif isinstance(child, Token) and child.type == "ARROW":
                explicit = True
        return g.Closure(lbrace.line, lbrace.column, params, _statements(children),
                         (lbrace.start_pos + 1, rbrace.start_pos), explicit, rbrace.line)

    def closure_params(self, *params):
        return list(params)

    def member_name(self, tok):
        return tok

    # ------------------------------------------------------------ literals
    def number(self, tok):
        return g.Literal(tok.line, tok.column, parse_number(str(tok)))

    def sq_string(self, tok):
        quote, body, _ = split_quotes(tok)
        try:
            return g.Literal(tok.line, tok.column, unescape(body), quote)
        except ValueError as e:
            raise GroovySyntaxError(tok.line, tok.column, str(e)) from None

    def dq_string(self, tok):
        try:
            return self._gstring(tok, slashy=False)
        except ValueError as e:
            raise GroovySyntaxError(tok.line, tok.column, str(e)) from None

    def slashy_string(self, tok):
        try:
            return self._gstring(tok, slashy=True)
        except ValueError as e:
            raise GroovySyntaxError(tok.line, tok.column, str(e)) from None

    def dollar_slashy_string(self, tok):
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
                line, column = offset_position(tok, part.offset)
                if part.braces and not part.source.strip():
                    built.append(g.Literal(line, column, None))
                elif SIMPLE_PATH.fullmatch(part.source):
                    built.append(path_expr(part.source, line, column))
                else:
                    built.append(self.parse_embedded(part.source, line, column, tok.start_pos + part.offset))
            else:
                built.append(part)
        return g.GString(tok.line, tok.column, tuple(built), str(tok))


def _inline_children(cls):
    """Make each rule callback take the children as arguments, like `v_args(inline=True)` but with
    one wrapper call instead of three: callbacks run once per reduction, so this is the hot path."""
    for name, func in list(vars(cls).items()):
        if name.startswith("_") or not callable(func):
            continue

        def callback(self, children, _func=func):
            return _func(self, *children)

        callback.__name__ = name
        callback.__doc__ = func.__doc__
        setattr(cls, name, callback)
    return cls


_inline_children(ToGroovy)


