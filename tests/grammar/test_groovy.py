"""Unit tests of the Groovy parser (orchestrator.grammar.parse_groovy / parse_expression).

Mostly table-driven: each row is one construct and the exact tree it must parse to. `nopos`
strips positions so trees can be compared whole; positions are asserted in their own tables.
Known parser bugs are at the end, as strict xfails.
"""
from __future__ import annotations

import dataclasses
from functools import partial

import pytest

from orchestrator.grammar import GroovySyntaxError, check, parse_expression, parse_groovy
from orchestrator.grammar import groovy as g


# ---------------------------------------------------------------- helpers
def nopos(x):
    """The node with every line/column (and closure span/end_line) zeroed, for tree comparison."""
    if isinstance(x, tuple):
        return tuple(nopos(i) for i in x)
    if isinstance(x, g.Node):
        changes = {f.name: nopos(getattr(x, f.name)) for f in dataclasses.fields(x)}
        changes.update(line=0, column=0)
        if isinstance(x, g.Closure):
            changes.update(span=(0, 0), end_line=0)
        return dataclasses.replace(x, **changes)
    return x


def walk(x):
    """Every Node in a tree, depth first."""
    if isinstance(x, tuple):
        for i in x:
            yield from walk(i)
    elif isinstance(x, g.Node):
        yield x
        for f in dataclasses.fields(x):
            yield from walk(getattr(x, f.name))


def body(src):
    return parse_groovy(src).body


def stmt(src):
    statements = body(src)
    assert len(statements) == 1, statements
    return statements[0]


def E(src):
    """An expression with positions stripped."""
    return nopos(parse_expression(src))


V, L, B, T, S, P = (partial(cls, 0, 0) for cls in (g.Var, g.Literal, g.Binary, g.TypeRef, g.ExprStmt, g.Param))
XFAIL = partial(pytest.mark.xfail, strict=True)


def call(name, *args, receiver=None, parens=True, trailing=0, safe=False):
    return g.Call(0, 0, receiver, name, tuple(args), parens, safe, trailing)


def cmd(name, *args, receiver=None):
    """A parenthesis-free command: `echo 'x'`."""
    return call(name, *args, receiver=receiver, parens=False)


def blockcall(name, *args, receiver=None):
    """A call whose last argument is a trailing closure: `node { }`, `stage('x') { }`."""
    return call(name, *args, receiver=receiver, parens=len(args) > 1, trailing=1)


def cl(*stmts, params=(), explicit=None):
    return g.Closure(0, 0, params, stmts, (0, 0), bool(params) if explicit is None else explicit)


def blk(*stmts):
    return g.Block(0, 0, stmts)


def named(key, value):
    return g.NamedArg(0, 0, L(key), value)


def sq(text):
    return L(text, "'")


# ---------------------------------------------------------------- layout, comments, line endings
def test_shebang_comments_and_library_annotation():
    decl = stmt("#!/usr/bin/env groovy\n// line comment\n/* block\n   comment */\n@Library('my-lib') _\n")
    assert isinstance(decl, g.VarDecl) and decl.names == ("_",) and decl.value is None
    assert (decl.line, decl.column) == (5, 1)
    assert nopos(decl.annotations) == (g.Annotation(0, 0, "Library", (sq("my-lib"),)),)
    (ann,) = stmt("@Library(['a@1.0', 'b']) _").annotations
    assert nopos(ann.args) == (g.ListLit(0, 0, (sq("a@1.0"), sq("b"))),)


@pytest.mark.parametrize("src", ["", "\n\n", "   \n  // only a comment\n", "/* only a block comment */"])
def test_empty_scripts(src):
    script = parse_groovy(src)
    assert script.body == () and script.text == src


# Each source must parse to exactly the same tree (positions aside) as its one-line equivalent.
@pytest.mark.parametrize("src, same_as", [
    ("#!/usr/bin/env groovy\necho 'a'", "echo 'a'"),
    ("x = 1 /* inline */ + 2 // end", "x = 1 + 2"),
    ("def f() {\n  /* multi\n  line */\n  return 1 // done\n}", "def f() { return 1 }"),
    ("a = 1; b = 2;", "a = 1\nb = 2"),
    ("x = 1\n;\ny = 2", "x = 1\ny = 2"),
    ("echo 'a'\n\n\n", "echo 'a'"),
    ("if (a) {\r\n  b()\r\n}\r\nelse {\r\n  c()\r\n}\r\n", "if (a) { b() } else { c() }"),
    ("x = foo()\r\n  .bar()\r\n", "x = foo().bar()"),
    ("pipeline {\n\tagent any\n\tstages {\n\t\tstage('a') { steps { echo 'x' } }\n\t}\n}",
     "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }"),
    ("def x = foo()\n    .bar()\n    // comment\n    ?.baz()", "def x = foo().bar()?.baz()"),
    ("a.b { }\n.c()", "a.b { }.c()"),
    ("def y = a &&\n  b", "def y = a && b"),
    ("def y = a\n  && b", "def y = a && b"),
    ("def y = a ||\n\n  b", "def y = a || b"),
    ("def y = c ?\n  1 :\n  2", "def y = c ? 1 : 2"),
    ("def y = c\n  ? 1\n  : 2", "def y = c ? 1 : 2"),
    ("def y = c\n  ?: 2", "def y = c ?: 2"),
    ("x = foo.bar\n(1)", "x = foo.bar; 1"),
    ("if (a) {\n  b()\n}\nelse {\n  c()\n}", "if (a) { b() } else { c() }"),
    ("if (a) {\n  b()\n}\n\n// otherwise\nelse if (c) {\n}", "if (a) { b() } else if (c) { }"),
    ("try {\n  a()\n} // x\ncatch (Exception e) {\n  b()\n}\nfinally {\n  c()\n}",
     "try { a() } catch (Exception e) { b() } finally { c() }"),
    ("pipeline\n{\n  stages\n  {\n    stage('a')\n    {\n      steps\n      {\n"
     "        echo 'x'\n      }\n    }\n  }\n}",
     "pipeline { stages { stage('a') { steps { echo 'x' } } } }"),
    ("def f()\n{\n  1\n}", "def f() { 1 }"),
    ("foo(\n  1,\n  2,\n)", "foo(1, 2)"),
    ("x = [\n  1,\n  2,\n]", "x = [1, 2]"),
    ("x = [\n  a: 1,\n  b: 2,\n]", "x = [a: 1, b: 2]"),
])
def test_layout_variants(src, same_as):
    assert nopos(body(src)) == nopos(body(same_as))


@pytest.mark.parametrize("src, get, position", [
    ("a = 1; b = 2", lambda b: b[1], (1, 8)),
    ("x = 1\r\nif (x) {\r\n  a()\r\n}\r\nelse {\r\n  b()\r\n}", lambda b: b[1].otherwise.body[0], (6, 3)),
    ("pipeline\n{\n  agent any\n}", lambda b: b[0].expr.args[0], (2, 1)),
    ("try {\n} // x\ncatch (e) {\n}", lambda b: b[0].catches[0], (3, 8)),
    ("x +\n  y * z", lambda b: b[0].expr.right.right, (2, 7)),
    ("!a", lambda b: b[0].expr, (1, 1)),
    ("if (a) { b() } else if (c) { d() }", lambda b: b[0].otherwise, (1, 21)),
    ("outer: for (x in xs) { for (y in ys) { break outer } }", lambda b: b[0].statement.body.body[0].body.body[0],
     (1, 40)),
    ("switch (x) {\n  case 1:\n    a()\n  default:\n    b()\n}", lambda b: b[0].cases[1], (4, 3)),
    ('x = 1\ny = "a $b ${c.d}"', lambda b: b[1].expr.value.parts[1], (2, 9)),
    ('x = 1\ny = "a $b ${c.d}"', lambda b: b[1].expr.value.parts[3], (2, 13)),
    ('sh """\n  echo ${env.X}\n"""', lambda b: b[0].expr.args[0].parts[1], (2, 10)),
    ("echo 'héllo'; echo 'ü'", lambda b: b[1], (1, 15)),
    ("a instanceof String", lambda b: b[0].expr.type, (1, 14)),
    ("!(a in b)", lambda b: b[0].expr, (1, 1)),
])
def test_positions(src, get, position):
    node = get(body(src))
    assert (node.line, node.column) == position


def test_closure_span_and_end_line():
    src = "x = 1\nscript {\n  def y = 2\n  echo \"$y\"\n}\n"
    closure = body(src)[1].expr.args[0]
    assert (closure.line, closure.column, closure.end_line) == (2, 8, 5)
    assert g.closure_source(src, closure) == "\n  def y = 2\n  echo \"$y\"\n"


# ---------------------------------------------------------------- imports and declarations
@pytest.mark.parametrize("src, path, static, alias", [
    ("import a.b.C", "a.b.C", False, None),
    ("import static a.b.C.foo", "a.b.C.foo", True, None),
    ("import x.*", "x.*", False, None),
    ("import static org.x.Y.*", "org.x.Y.*", True, None),
    ("import a.b.C as D", "a.b.C", False, "D"),
])
def test_imports(src, path, static, alias):
    assert stmt(src) == g.Import(1, 1, path, static, alias)


def test_defs_before_and_after_pipeline():
    tree = nopos(body("def x = 1\ndef f(a, b) { return a + b }\npipeline { agent any }\ndef g() { 1 }"))
    assert tree == (g.VarDecl(0, 0, ("x",), L(1)),
                    g.MethodDef(0, 0, "f", (P("a"), P("b")), (g.Return(0, 0, B("+", V("a"), V("b"))),)),
                    S(blockcall("pipeline", cl(S(cmd("agent", V("any")))))),
                    g.MethodDef(0, 0, "g", (), (S(L(1)),)))


@pytest.mark.parametrize("src, expected", [
    ("String x = 'a'", g.VarDecl(0, 0, ("x",), sq("a"), T("String"))),
    ("List<String> xs = []", g.VarDecl(0, 0, ("xs",), g.ListLit(0, 0, ()), T("List", (T("String"),)))),
    ("Map<String, List<Integer>> m = [:]",
     g.VarDecl(0, 0, ("m",), g.MapLit(0, 0, ()), T("Map", (T("String"), T("List", (T("Integer"),)))))),
    ("int n = 3", g.VarDecl(0, 0, ("n",), L(3), T("int"))),
    ("String[] arr", g.VarDecl(0, 0, ("arr",), None, T("String", dims=1))),
    ("def (a, b) = [1, 2]", g.VarDecl(0, 0, ("a", "b"), g.ListLit(0, 0, (L(1), L(2))))),
    ("def x", g.VarDecl(0, 0, ("x",), None)),
    ("static final String X = 'y'", g.VarDecl(0, 0, ("X",), sq("y"), T("String"), ("static", "final"))),
    ("@Field def n = 0", g.VarDecl(0, 0, ("n",), L(0), annotations=(g.Annotation(0, 0, "Field"),))),
    ("def out = sh script: 'ls', returnStdout: true",
     g.VarDecl(0, 0, ("out",), cmd("sh", named("script", sq("ls")), named("returnStdout", L(True))))),
    ("@Library('lib') import com.x.Y", g.Import(0, 0, "com.x.Y", annotations=(g.Annotation(0, 0, "Library",
                                                                                           (sq("lib"),)),))),
    ("@NonCPS\ndef parse(String text, int n = 2) {\n  return text\n}",
     g.MethodDef(0, 0, "parse", (P("text", T("String")), P("n", T("int"), L(2))), (g.Return(0, 0, V("text")),),
                 annotations=(g.Annotation(0, 0, "NonCPS"),))),
    ('String greet(String name) { "hi $name" }',
     g.MethodDef(0, 0, "greet", (P("name", T("String")),), (S(g.GString(0, 0, ("hi ", V("name")), '"hi $name"')),),
                 T("String"))),
    ("private void log(msg) { echo msg }",
     g.MethodDef(0, 0, "log", (P("msg"),), (S(cmd("echo", V("msg"))),), T("void"), ("private",))),
])
def test_declarations(src, expected):
    assert nopos(stmt(src)) == expected


# ---------------------------------------------------------------- literals
@pytest.mark.parametrize("src, value, quote", [
    ("'single'", "single", "'"),
    ('"double"', "double", '"'),
    ("'''tri\nple'''", "tri\nple", "'''"),
    ('"""tri "q"\nple"""', 'tri "q"\nple', '"""'),
    (r"'a\tb\n\'q\' \u00e9 \\'", "a\tb\n'q' é \\", "'"),
    (r'"dq \"q\" \$x"', 'dq "q" $x', '"'),
    ("'it\\'s $x'", "it's $x", "'"),
    ("'héllo — ✓ 日本'", "héllo — ✓ 日本", "'"),
    (r"/a\/b\d+/", r"a/b\d+", "/"),
    ("/a$/", "a$", "/"),
    ("$/a/b$$c/$", "a/b$c", "$/"),
    ('"a $ b"', "a $ b", '"'),
])
def test_string_literals(src, value, quote):
    assert E(src) == L(value, quote)


@pytest.mark.parametrize("src, value", [
    ("42", 42), ("0x1F", 31), ("0XFF", 255), ("0b101", 5), ("1_000", 1000), ("10L", 10), ("2i", 2),
    ("7G", 7), ("1.5", 1.5), ("2.5f", 2.5), ("3d", 3.0), ("1e3", 1000.0), ("1.0e-3", 0.001),
    ("true", True), ("false", False), ("null", None),
])
def test_numbers_booleans_null(src, value):
    node = parse_expression(src)
    assert node == g.Literal(1, 1, value, "") and type(node.value) is type(value)


# ---------------------------------------------------------------- GStrings
@pytest.mark.parametrize("src, parts", [
    ('"hi $x!"', ("hi ", V("x"), "!")),
    ('"$a.b end"', (g.Property(0, 0, V("a"), "b"), " end")),
    ('"${x}${y}"', (V("x"), V("y"))),
    ('"ünï ${x}"', ("ünï ", V("x"))),
    ('"${a.b(1)}"', (call("b", L(1), receiver=V("a")),)),
    ('"${m[\'k\']}"', (g.Index(0, 0, V("m"), (sq("k"),)),)),
    ('"${\'}\'}"', (sq("}"),)),
    ('"${a ? \'y\' : "n"}"', (g.Ternary(0, 0, V("a"), sq("y"), L("n", '"')),)),
    ('"${ "inner ${y}" }"', (g.GString(0, 0, ("inner ", V("y")), '"inner ${y}"'),)),
    ('"${ xs.collect { it } }"', (blockcall("collect", cl(S(V("it"))), receiver=V("xs")),)),
    ('"${}"', (L(None),)),
    # `$path` stops at the parenthesis, as in Groovy: "$a.b.c()" is "${a.b.c}()"
    ('"$a.b.c()"', (g.Property(0, 0, g.Property(0, 0, V("a"), "b"), "c"), "()")),
    ('"""\n  ${env.X}\n"""', ("\n  ", g.Property(0, 0, V("env"), "X"), "\n")),
    ("/${a}-\\d/", (V("a"), "-\\d")),
])
def test_gstring_parts(src, parts):
    assert E(src) == g.GString(0, 0, parts, src)


def test_gstring_with_closure_and_nested_quotes():
    (joined,) = E('"${ m.collect { k, v -> "$k=$v" }.join(\',\') }"').parts
    pair = g.GString(0, 0, (V("k"), "=", V("v")), '"$k=$v"')
    collect = blockcall("collect", cl(S(pair), params=(P("k"), P("v"))), receiver=V("m"))
    assert joined == call("join", sq(","), receiver=collect)


# ---------------------------------------------------------------- lists, maps, calls, commands, access
@pytest.mark.parametrize("src, expected", [
    ("[]", g.ListLit(0, 0, ())),
    ("[1, 'a', [2]]", g.ListLit(0, 0, (L(1), sq("a"), g.ListLit(0, 0, (L(2),))))),
    ("[:]", g.MapLit(0, 0, ())),
    ("[a: 1, 'b': 2, (k): v, \"c\": [d: 3], default: 4, *: m]", g.MapLit(0, 0, (
        g.MapEntry(0, 0, L("a"), L(1)), g.MapEntry(0, 0, sq("b"), L(2)), g.MapEntry(0, 0, V("k"), V("v")),
        g.MapEntry(0, 0, L("c", '"'), g.MapLit(0, 0, (g.MapEntry(0, 0, L("d"), L(3)),))),
        g.MapEntry(0, 0, L("default"), L(4)), g.MapEntry(0, 0, L("*"), V("m"))))),
    ("foo(1, 'a', b: 2) { x -> x }", call("foo", L(1), sq("a"), named("b", L(2)), cl(S(V("x")), params=(P("x"),)),
                                        trailing=1)),
    ("echo 'hi'", cmd("echo", sq("hi"))),
    ("echo('hi')", call("echo", sq("hi"))),
    ("agent any", cmd("agent", V("any"))),
    ("sh script: 'x', returnStdout: true", cmd("sh", named("script", sq("x")), named("returnStdout", L(True)))),
    ("foo.bar 'x'", cmd("bar", sq("x"), receiver=V("foo"))),
    ("foo.bar 'x', 'y'", cmd("bar", sq("x"), sq("y"), receiver=V("foo"))),
    ("foo a: 1, 2", cmd("foo", named("a", L(1)), L(2))),
    ("echo env.X", cmd("echo", g.Property(0, 0, V("env"), "X"))),
    ('echo "hi ${x}"', cmd("echo", g.GString(0, 0, ("hi ", V("x")), '"hi ${x}"'))),
    ('println "a" + "b"', cmd("println", B("+", L("a", '"'), L("b", '"')))),
    ("stage 'Build'", cmd("stage", sq("Build"))),
    ("library 'x' _", g.Property(0, 0, cmd("library", sq("x")), "_")),
    ("node {\n  checkout scm\n}", blockcall("node", cl(S(cmd("checkout", V("scm")))))),
    ("stage('Build') { steps { sh 'make' } }",
     blockcall("stage", sq("Build"), cl(S(blockcall("steps", cl(S(cmd("sh", sq("make"))))))))),
    ("parallel a: { echo 'a' }, b: { echo 'b' }",
     cmd("parallel", named("a", cl(S(cmd("echo", sq("a"))))), named("b", cl(S(cmd("echo", sq("b"))))))),
    ("withCredentials([usernamePassword(credentialsId: 'c')]) { sh 'x' }", blockcall(
        "withCredentials", g.ListLit(0, 0, (call("usernamePassword", named("credentialsId", sq("c"))),)),
        cl(S(cmd("sh", sq("x")))))),
    ("[1].findAll { it > 1 }.collect { it }", blockcall(
        "collect", cl(S(V("it"))),
        receiver=blockcall("findAll", cl(S(B(">", V("it"), L(1)))), receiver=g.ListLit(0, 0, (L(1),))))),
    ("foo()()", call("call", receiver=call("foo"))),
    ("f(*args)", call("f", g.SpreadArg(0, 0, V("args")))),
    ("this.&foo", g.MethodPointer(0, 0, g.This(0, 0), "foo")),
    ("String.valueOf(1)", call("valueOf", L(1), receiver=g.TypeName(0, 0, "String"))),
    ("new Foo(1, 2)", g.New(0, 0, "Foo", (L(1), L(2)))),
    ("new java.util.Date()", g.New(0, 0, "java.util.Date", ())),
    ("new HashMap<String, String>()", g.New(0, 0, "HashMap", ())),
    ("new int[3]", g.New(0, 0, "int", (), (L(3),))),
    ("a.b.c", g.Property(0, 0, g.Property(0, 0, V("a"), "b"), "c")),
    ("a[0]['k']", g.Index(0, 0, g.Index(0, 0, V("a"), (L(0),)), (sq("k"),))),
    ("a[1..2]", g.Index(0, 0, V("a"), (g.RangeExpr(0, 0, L(1), L(2), False),))),
    ("a?.b", g.Property(0, 0, V("a"), "b", safe=True)),
    ("a?.b?.c()", call("c", receiver=g.Property(0, 0, V("a"), "b", safe=True), safe=True)),
    ("foo()?.bar", g.Property(0, 0, call("foo"), "bar", safe=True)),
    ("xs*.name", g.Property(0, 0, V("xs"), "name", spread=True)),
    ("map.'key-with-dash'", g.Property(0, 0, V("map"), "key-with-dash")),
    ("new File('x').text", g.Property(0, 0, g.New(0, 0, "File", (sq("x"),)), "text")),
])
def test_collections_calls_and_access(src, expected):
    assert E(src) == expected


# ---------------------------------------------------------------- operators
@pytest.mark.parametrize("src, expected", [
    ("a + b * c", B("+", V("a"), B("*", V("b"), V("c")))),
    ("a * b + c", B("+", B("*", V("a"), V("b")), V("c"))),
    ("a || b && c", B("||", V("a"), B("&&", V("b"), V("c")))),
    ("a && b || c", B("||", B("&&", V("a"), V("b")), V("c"))),
    ("(a + b) * c", B("*", B("+", V("a"), V("b")), V("c"))),
    ("a - b - c", B("-", B("-", V("a"), V("b")), V("c"))),
    ("a == b && c != d || e", B("||", B("&&", B("==", V("a"), V("b")), B("!=", V("c"), V("d"))), V("e"))),
    ("a + b == c", B("==", B("+", V("a"), V("b")), V("c"))),
    ("a < b == c > d", B("==", B("<", V("a"), V("b")), B(">", V("c"), V("d")))),
    ("a & b | c ^ d", B("|", B("&", V("a"), V("b")), B("^", V("c"), V("d")))),
    ("a in [1] && b", B("&&", B("in", V("a"), g.ListLit(0, 0, (L(1),))), V("b"))),
    ("!a && b", B("&&", g.Unary(0, 0, "!", V("a")), V("b"))),
    ("5 - -3", B("-", L(5), g.Unary(0, 0, "-", L(3)))),
    ("a -1", B("-", V("a"), L(1))),
    ("-a.b", g.Unary(0, 0, "-", g.Property(0, 0, V("a"), "b"))),
    ("s =~ /x\\d/", B("=~", V("s"), L("x\\d", "/"))),
    ("s ==~ /^a.*$/ || t", B("||", B("==~", V("s"), L("^a.*$", "/")), V("t"))),
    ("a instanceof String", g.InstanceOf(0, 0, V("a"), T("String"))),
    ("a instanceof Map ? 1 : 2", g.Ternary(0, 0, g.InstanceOf(0, 0, V("a"), T("Map")), L(1), L(2))),
    ("a as Integer", g.AsType(0, 0, V("a"), T("Integer"))),
    ("a as List<String>", g.AsType(0, 0, V("a"), T("List", (T("String"),)))),
    ("1..5", g.RangeExpr(0, 0, L(1), L(5), False)),
    ("1..<5", g.RangeExpr(0, 0, L(1), L(5), True)),
    ("'a'..'c'", g.RangeExpr(0, 0, sq("a"), sq("c"), False)),
    ("1 + 2..5", g.RangeExpr(0, 0, B("+", L(1), L(2)), L(5), False)),
    ("a ? b : c", g.Ternary(0, 0, V("a"), V("b"), V("c"))),
    ("a ? b : c ? d : e", g.Ternary(0, 0, V("a"), V("b"), g.Ternary(0, 0, V("c"), V("d"), V("e")))),
    ("a ?: b", g.Elvis(0, 0, V("a"), V("b"))),
    ("a ?: b ?: c", g.Elvis(0, 0, V("a"), g.Elvis(0, 0, V("b"), V("c")))),
    ("y?.z ?: 'd'", g.Elvis(0, 0, g.Property(0, 0, V("y"), "z", safe=True), sq("d"))),
    ("a = b = 1", g.Assign(0, 0, V("a"), "=", g.Assign(0, 0, V("b"), "=", L(1)))),
    ("env.FOO = 'x'", g.Assign(0, 0, g.Property(0, 0, V("env"), "FOO"), "=", sq("x"))),
    ("m[k] = 'x'", g.Assign(0, 0, g.Index(0, 0, V("m"), (V("k"),)), "=", sq("x"))),
    ("a?.b = 'x'", g.Assign(0, 0, g.Property(0, 0, V("a"), "b", safe=True), "=", sq("x"))),
])
def test_operator_trees(src, expected):
    assert E(src) == expected


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "<=>", "===",
                                "!==", "&&", "||", "&", "|", "^", "<<", ">>", ">>>", "=~", "==~", "in", "!in"])
def test_binary_operators(op):
    assert E(f"a {op} b") == B(op, V("a"), V("b"))


@pytest.mark.parametrize("src, op, postfix", [
    ("!a", "!", False), ("-a", "-", False), ("+a", "+", False), ("~a", "~", False),
    ("++a", "++", False), ("--a", "--", False), ("a++", "++", True), ("a--", "--", True),
])
def test_unary_operators(src, op, postfix):
    assert E(src) == g.Unary(0, 0, op, V("a"), postfix)


@pytest.mark.parametrize("op", ["=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^=", "?="])
def test_assignment_operators(op):
    assert nopos(stmt(f"x {op} 1")) == S(g.Assign(0, 0, V("x"), op, L(1)))


# ---------------------------------------------------------------- closures
@pytest.mark.parametrize("src, expected", [
    ("{ x -> x }", cl(S(V("x")), params=(P("x"),))),
    ("{ a, b -> a + b }", cl(S(B("+", V("a"), V("b"))), params=(P("a"), P("b")))),
    ("{ -> 1 }", cl(S(L(1)), explicit=True)),
    ("{ it * 2 }", cl(S(B("*", V("it"), L(2))))),
    ("{}", cl()),
    ("{ String s, int n -> s * n }", cl(S(B("*", V("s"), V("n"))), params=(P("s", T("String")), P("n", T("int"))))),
    ("{ x ->\n  def y = x\n  y\n}", cl(g.VarDecl(0, 0, ("y",), V("x")), S(V("y")), params=(P("x"),))),
])
def test_closures(src, expected):
    assert E(src) == expected


# ---------------------------------------------------------------- statements
@pytest.mark.parametrize("src, expected", [
    ("if (a) { b() } else if (c) { d() } else { e() }",
     g.If(0, 0, V("a"), blk(S(call("b"))), g.If(0, 0, V("c"), blk(S(call("d"))), blk(S(call("e")))))),
    ("if (a) b() else c()", g.If(0, 0, V("a"), S(call("b")), S(call("c")))),
    ("if (a) { b() }", g.If(0, 0, V("a"), blk(S(call("b"))))),
    ("for (x in xs) { echo x }", g.ForIn(0, 0, "x", V("xs"), blk(S(cmd("echo", V("x")))))),
    ("for (String s : xs) { echo s }", g.ForIn(0, 0, "s", V("xs"), blk(S(cmd("echo", V("s")))))),
    ("for (def y in xs) echo y", g.ForIn(0, 0, "y", V("xs"), S(cmd("echo", V("y"))))),
    ("for (int i = 0; i < 10; i++) { echo i }",
     g.ForC(0, 0, (g.VarDecl(0, 0, ("i",), L(0), T("int")),), B("<", V("i"), L(10)),
            (g.Unary(0, 0, "++", V("i"), True),), blk(S(cmd("echo", V("i")))))),
    ("for (;;) { break }", g.ForC(0, 0, (), None, (), blk(g.Break(0, 0)))),
    ("for (i = 0, j = 1; i < j; i++, j--) {}",
     g.ForC(0, 0, (g.Assign(0, 0, V("i"), "=", L(0)), g.Assign(0, 0, V("j"), "=", L(1))), B("<", V("i"), V("j")),
            (g.Unary(0, 0, "++", V("i"), True), g.Unary(0, 0, "--", V("j"), True)), blk())),
    ("while (x < 3) { x++ }", g.While(0, 0, B("<", V("x"), L(3)), blk(S(g.Unary(0, 0, "++", V("x"), True))))),
    ("try { a() } catch (IOException | InterruptedException e) { b() } catch (e) { c() } finally { d() }",
     g.Try(0, 0, (S(call("a")),), (g.Catch(0, 0, ("IOException", "InterruptedException"), "e", (S(call("b")),)),
                                   g.Catch(0, 0, (), "e", (S(call("c")),))), (S(call("d")),))),
    ("try { a() } catch (Exception e) { }", g.Try(0, 0, (S(call("a")),), (g.Catch(0, 0, ("Exception",), "e", ()),))),
    ("x = sh script: 'ls'", S(g.Assign(0, 0, V("x"), "=", cmd("sh", named("script", sq("ls")))))),
    ("return", g.Return(0, 0, None)),
    ("return 1", g.Return(0, 0, L(1))),
    ("return this", g.Return(0, 0, g.This(0, 0))),
    ("return sh script: 'x'", g.Return(0, 0, cmd("sh", named("script", sq("x"))))),
    ("throw new Exception('x')", g.Throw(0, 0, g.New(0, 0, "Exception", (sq("x"),)))),
    ("break", g.Break(0, 0)),
    ("continue", g.Continue(0, 0)),
    ("assert x == 1 : 'msg'", g.Assert(0, 0, B("==", V("x"), L(1)), sq("msg"))),
    ("package com.example", g.Package(0, 0, "com.example")),
    ("outer: for (x in xs) { continue outer }",
     g.Labelled(0, 0, "outer", g.ForIn(0, 0, "x", V("xs"), blk(g.Continue(0, 0, "outer"))))),
    ("label: {\n  echo 'x'\n}", g.Labelled(0, 0, "label", S(cl(S(cmd("echo", sq("x"))))))),
    ("switch (x) {\n  case 1:\n  case 2:\n    a()\n    break\n  case 'b': b()\n  default:\n    c()\n}",
     g.Switch(0, 0, V("x"), (g.Case(0, 0, (L(1), L(2)), (S(call("a")), g.Break(0, 0))),
                             g.Case(0, 0, (sq("b"),), (S(call("b")),)),  # no break: falls through
                             g.Case(0, 0, (None,), (S(call("c")),))))),
    ("switch (x) {\n  case [1, 2]: a(); break\n  case String: b()\n  case ~/re/: c()\n}",
     g.Switch(0, 0, V("x"), (g.Case(0, 0, (g.ListLit(0, 0, (L(1), L(2))),), (S(call("a")), g.Break(0, 0))),
                             g.Case(0, 0, (g.TypeName(0, 0, "String"),), (S(call("b")),)),
                             g.Case(0, 0, (g.Unary(0, 0, "~", L("re", "/")),), (S(call("c")),))))),
    ("switch (x) {\n}", g.Switch(0, 0, V("x"), ())),
    ("class Foo extends Bar {\n  String name = 'x'\n  Foo(String n) { name = n }\n  static int count() { 0 }\n}",
     g.ClassDef(0, 0, "Foo", (
         g.VarDecl(0, 0, ("name",), sq("x"), T("String")),
         g.MethodDef(0, 0, "Foo", (P("n", T("String")),), (S(g.Assign(0, 0, V("name"), "=", V("n"))),)),
         g.MethodDef(0, 0, "count", (), (S(L(0)),), T("int"), ("static",))), "Bar")),
    ("enum Color { RED, GREEN, BLUE }", g.EnumDef(0, 0, "Color", ("RED", "GREEN", "BLUE"))),
    ("enum Color {\n  RED,\n  GREEN,\n}", g.EnumDef(0, 0, "Color", ("RED", "GREEN"))),
])
def test_statements(src, expected):
    assert nopos(stmt(src)) == expected


# ---------------------------------------------------------------- a whole Jenkinsfile
JENKINSFILE = """\
@Library('shared') _
import groovy.json.JsonSlurper

def VERSION = '1.0'

pipeline {
    agent { label 'linux' }
    environment { APP = "app-${VERSION}" }
    stages {
        stage('Build') {
            when { expression { return params.DEPLOY ?: false } }
            steps {
                sh script: './build.sh', returnStdout: true
                script {
                    for (f in findFiles(glob: '**/*.jar')) {
                        if (f.name =~ /-SNAPSHOT/) { continue }
                        echo "found ${f.name}"
                    }
                }
            }
        }
    }
    post { always { cleanWs() } }
}

def helper(String s) {
    return s.trim()
}
"""


def test_whole_jenkinsfile():
    script = parse_groovy(JENKINSFILE)
    assert [type(s) for s in script.body] == [g.VarDecl, g.Import, g.VarDecl, g.ExprStmt, g.MethodDef]
    assert script.body[3].expr.name == "pipeline" and script.body[3].line == 6 and script.text == JENKINSFILE
    for node in walk(script):
        assert node.line >= 1 and node.column >= 1, node
    result = check(JENKINSFILE)
    assert result.valid and [s.name for s in result.pipeline.stages] == ["Build"], result.diagnostics


# ---------------------------------------------------------------- syntax errors
@pytest.mark.parametrize("src, line, column, reason", [
    ("pipeline {\n  agent any\n", 3, 1, "unexpected end of file"),
    ("pipeline {\n  stages {\n    stage('a') {\n  }\n}\n", 6, 1, "unexpected end of file"),
    ("echo 'abc\nfoo()", 1, 6, "unterminated string"),
    ('echo "abc\nfoo()', 1, 6, "unterminated string"),
    ("x = '''never closed", 1, None, "unterminated string"),
    ('x = "${ unclosed"', 1, 5, "unterminated string"),
    ("foo())\n", 1, 6, "unexpected token: ')'"),
    ("x = 1\nfoo(1, 2))", 2, 10, "unexpected token: ')'"),
    ("x = [1, 2", 1, None, "unexpected end of file"),
    ("def = 3", 1, 5, "unexpected token: '='"),
    ("x = 1 +", 1, None, "unexpected end of file"),
    ("foo(a b c d)", 1, 7, "unexpected token: 'b'"),
    ("x = 1\n}\n", 2, 1, "unexpected token: '}'"),
    ("x = 1\ny = #", 2, 5, "unexpected character: '#'"),
    ("x = `y`", 1, 5, "unexpected character: '`'"),
    ("foo(,)", 1, 5, "unexpected token: ','"),
    ("x = [a: ]", 1, 9, "unexpected token: ']'"),
    ('x = 1\n\ny = "ok ${ )( }"', 3, 12, "unexpected token: ')'"),
])
def test_syntax_errors(src, line, column, reason):
    with pytest.raises(GroovySyntaxError) as info:
        parse_groovy(src)
    error = info.value
    assert error.line == line and (error.column == column if column else error.column >= 1)
    assert reason in error.reason


def test_check_reports_syntax_error_of_a_pipeline_as_a_diagnostic():
    result = check("pipeline {\n  agent any\n  stages {\n    stage('a') { steps { echo 'x' ) }\n  }\n}\n")
    assert result.pipeline is None and result.script is None and not result.valid
    assert [(d.line, d.column, d.message) for d in result.diagnostics] == [(4, 35, "unexpected token: ')'")]


@pytest.mark.parametrize("src", ["a +", "", "(a", "a b c d"])
def test_parse_expression_errors(src):
    with pytest.raises(GroovySyntaxError):
        parse_expression(src)


# ---------------------------------------------------------------- regressions of bugs found here
@pytest.mark.parametrize("src, expected", [
    ("a as String + 'x'", B("+", g.AsType(0, 0, V("a"), T("String")), sq("x"))),
    ("[4: 'x']", g.MapLit(0, 0, (g.MapEntry(0, 0, L(4), sq("x")),))),
])
def test_fixed_expression_trees(src, expected):
    assert E(src) == expected


def test_several_declarators_declare_one_variable_each():
    assert [nopos(d) for d in body("def a, b")] == [g.VarDecl(0, 0, ("a",), None), g.VarDecl(0, 0, ("b",), None)]
    first, second = body("def a = 1, b = a + 1")
    assert (first.names, second.names) == (("a",), ("b",)) and isinstance(second.value, g.Binary)


def test_closure_parameter_defaults_after_the_first():
    closure = parse_expression("{ a, b = 3 -> a + b }")
    assert [(p.name, p.default) for p in closure.params][0] == ("a", None)
    assert closure.params[1].default.value == 3


def test_primitive_casts():
    node = parse_expression("(int) x + 1")
    assert isinstance(node, g.Binary) and isinstance(node.left, g.AsType) and node.left.type.name == "int"


def test_spread_method_call():
    node = parse_expression("xs*.toUpperCase()")
    assert node.name == "toUpperCase" and nopos(node.receiver) == V("xs") and getattr(node, "spread", False)


def test_closure_span_inside_gstring_on_later_line():
    src = 'x = 1\ny = "${ xs.collect { it * 2 } }"\n'
    closure = body(src)[1].expr.value.parts[0].args[0]
    assert g.closure_source(src, closure) == " it * 2 "
