"""Render Groovy expressions back to source-like text, for error messages and the JSON AST."""
from __future__ import annotations

from . import groovy as g


def render(node) -> str:
    method = _RENDERERS.get(type(node))
    return method(node) if method else type(node).__name__


def _literal(node: g.Literal) -> str:
    value = node.value
    if isinstance(value, str):
        quote = node.quote or "'"
        if quote == "/":
            return "/" + value + "/"
        if quote == "$/":
            return "$/" + value + "/$"
        body = value.replace("\\", "\\\\")
        if len(quote) == 1:
            body = body.replace(quote, "\\" + quote).replace("\n", "\\n")
        return quote + body + quote
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _args(args) -> str:
    return ", ".join(render(a) for a in args)


def _call(node: g.Call) -> str:
    plain = tuple(a for a in node.args[:len(node.args) - node.trailing])
    trailing = node.args[len(node.args) - node.trailing:]
    prefix = ""
    if node.receiver is not None:
        prefix = render(node.receiver) + ("?." if node.safe else ".")
    text = f"{prefix}{node.name}"
    if node.parens or not trailing:
        text += f"({_args(plain)})" if node.parens or plain else ""
        if not node.parens and plain:
            text = f"{prefix}{node.name} {_args(plain)}"
    for closure in trailing:
        text += " " + render(closure)
    return text


def _closure(node: g.Closure) -> str:
    return "{ ... }"


_RENDERERS = {
    g.Literal: _literal,
    g.GString: lambda n: n.source,
    g.Var: lambda n: n.name,
    g.TypeName: lambda n: n.name,
    g.This: lambda n: n.keyword,
    g.Property: lambda n: render(n.obj) + ("?." if n.safe else "*." if n.spread else ".")
    + (n.name if isinstance(n.name, str) else render(n.name)),
    g.MethodPointer: lambda n: f"{render(n.obj)}.&{n.name}",
    g.Index: lambda n: f"{render(n.obj)}[{_args(n.index)}]",
    g.NamedArg: lambda n: f"{_key(n.key)}: {render(n.value)}",
    g.SpreadArg: lambda n: f"*{render(n.value)}",
    g.Call: _call,
    g.New: lambda n: f"new {n.type}({_args(n.args)})",
    g.Binary: lambda n: f"{render(n.left)} {n.op} {render(n.right)}",
    g.Unary: lambda n: f"{render(n.operand)}{n.op}" if n.postfix else f"{n.op}{render(n.operand)}",
    g.Ternary: lambda n: f"{render(n.condition)} ? {render(n.then)} : {render(n.otherwise)}",
    g.Elvis: lambda n: f"{render(n.value)} ?: {render(n.fallback)}",
    g.Assign: lambda n: f"{render(n.target)} {n.op} {render(n.value)}",
    g.RangeExpr: lambda n: f"{render(n.start)}{'..<' if n.exclusive else '..'}{render(n.end)}",
    g.InstanceOf: lambda n: f"{render(n.value)} instanceof {n.type.name}",
    g.AsType: lambda n: f"{render(n.value)} as {n.type.name}",
    g.ListLit: lambda n: f"[{_args(n.items)}]",
    g.MapLit: lambda n: "[" + (", ".join(f"{_key(e.key)}: {render(e.value)}" for e in n.entries) or ":") + "]",
    g.Closure: _closure,
    g.ExprStmt: lambda n: render(n.expr),
}


def _key(key) -> str:
    if isinstance(key, g.Literal) and isinstance(key.value, str) and not key.quote:
        return key.value
    if isinstance(key, (g.Literal, g.GString)):
        return render(key)
    return f"({render(key)})"
