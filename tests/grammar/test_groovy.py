"""Unit tests of the Groovy parser (orchestrator.grammar.parse_groovy / parse_expression).

One small test per construct: each asserts the node types and key fields the parser produces.
`nopos` strips positions so whole trees can be compared; positions are asserted separately.
"""
from __future__ import annotations

import dataclasses

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


def expr(src):
    s = stmt(src)
    assert isinstance(s, g.ExprStmt), s
    return s.expr


def E(src):
    """An expression with positions stripped."""
    return nopos(parse_expression(src))


def V(name):
    return g.Var(0, 0, name)


def L(value, quote=""):
    return g.Literal(0, 0, value, quote)


def B(op, left, right):
    return g.Binary(0, 0, op, left, right)


def T(name, args=(), dims=0):
    return g.TypeRef(0, 0, name, args, dims)


def call(name, *args, receiver=None, parens=True, trailing=0):
    return g.Call(0, 0, receiver, name, tuple(args), parens, False, trailing)


def named(key, value):
    return g.NamedArg(0, 0, L(key), value)


# ---------------------------------------------------------------- layout, comments, line endings
def test_shebang_comments_and_library_annotation():
    src = "#!/usr/bin/env groovy\n// line comment\n/* block\n   comment */\n@Library('my-lib') _\n"
    decl = stmt(src)
    assert isinstance(decl, g.VarDecl) and decl.names == ("_",) and decl.value is None
    assert (decl.line, decl.column) == (5, 1)
    (ann,) = decl.annotations
    assert ann.name == "Library" and nopos(ann.args) == (L("my-lib", "'"),)


def test_library_annotation_with_list():
    (ann,) = stmt("@Library(['a@1.0', 'b']) _").annotations
    assert nopos(ann.args) == (g.ListLit(0, 0, (L("a@1.0", "'"), L("b", "'"))),)


@pytest.mark.parametrize("src", ["", "\n\n", "   \n  // only a comment\n", "/* only a block comment */"])
def test_empty_scripts(src):
    script = parse_groovy(src)
    assert script.body == () and script.text == src


def test_comments_inside_expressions_and_blocks():
    assert E("1 /* inline */ + 2") == B("+", L(1), L(2))
    method = stmt("def f() {\n  /* multi\n  line */\n  return 1 // done\n}")
    (ret,) = method.body
    assert isinstance(ret, g.Return) and ret.line == 4 and nopos(ret.value) == L(1)


def test_semicolons_and_no_trailing_newline():
    a, b = body("a = 1; b = 2;")
    assert (a.line, a.column, b.line, b.column) == (1, 1, 1, 8)
    assert len(body("x = 1\n;\ny = 2")) == 2
    assert nopos(stmt("echo 'a'")) == nopos(stmt("echo 'a'\n\n\n"))


def test_crlf_line_endings():
    first, second = body("def x = 1\r\nif (x) {\r\n  a()\r\n}\r\nelse {\r\n  b()\r\n}\r\n")
    assert isinstance(second, g.If) and (second.line, second.column) == (2, 1)
    assert isinstance(second.otherwise, g.Block) and second.otherwise.body[0].line == 6
    chained = expr("x = foo()\r\n  .bar()\r\n").value
    assert isinstance(chained, g.Call) and chained.name == "bar" and chained.receiver.name == "foo"


def test_tabs():
    pipeline = expr("pipeline {\n\tagent any\n\tstages {\n\t\tstage('a') { steps { echo 'x' } }\n\t}\n}")
    agent, stages = pipeline.args[0].body
    assert agent.expr.name == "agent" and agent.line == 2
    assert stages.expr.name == "stages" and stages.line == 3


def test_non_ascii_text():
    assert nopos(expr("echo 'héllo — ✓ 日本'")) == call("echo", L("héllo — ✓ 日本", "'"), parens=False)
    gstring = stmt('def s = "ünï ${x}"').value
    assert gstring.parts[0] == "ünï " and nopos(gstring.parts[1]) == V("x")


def test_method_chain_continued_on_next_lines():
    value = stmt("def x = foo()\n    .bar()\n    // comment\n    ?.baz()").value
    assert isinstance(value, g.Call) and value.name == "baz" and value.safe
    assert value.receiver.name == "bar" and value.receiver.receiver.name == "foo"
    assert expr("a.b { }\n.c()").receiver.trailing == 1


@pytest.mark.parametrize("src", ["def ok = a &&\n  b", "def ok = a\n  && b"])
def test_operator_at_line_end_or_start_continues(src):
    assert nopos(stmt(src).value) == B("&&", V("a"), V("b"))


@pytest.mark.parametrize("src", ["def y = c ?\n  1 :\n  2", "def y = c\n  ? 1\n  : 2"])
def test_ternary_across_lines(src):
    assert nopos(stmt(src).value) == g.Ternary(0, 0, V("c"), L(1), L(2))


def test_newline_before_paren_starts_new_statement():
    first, second = body("x = foo.bar\n(1)")
    assert isinstance(first.expr.value, g.Property) and nopos(second.expr) == L(1)


@pytest.mark.parametrize("sep", ["\n", "\n\n// otherwise\n", " // note\n"])
def test_else_on_next_line(sep):
    node = stmt("if (a) {\n  b()\n}" + sep + "else {\n  c()\n}")
    assert isinstance(node, g.If) and isinstance(node.otherwise, g.Block)
    assert nopos(node.otherwise.body) == (g.ExprStmt(0, 0, call("c")),)


def test_catch_and_finally_on_next_line():
    node = stmt("try {\n  a()\n} // x\ncatch (Exception e) {\n  b()\n}\nfinally {\n  c()\n}")
    assert isinstance(node, g.Try)
    (catch,) = node.catches
    assert catch.types == ("Exception",) and catch.name == "e" and catch.line == 4
    assert nopos(node.finally_body) == (g.ExprStmt(0, 0, call("c")),)


def test_allman_braces():
    src = "pipeline\n{\n  agent any\n  stages\n  {\n    stage('a')\n    {\n      steps\n      {\n        echo 'x'\n      }\n    }\n  }\n}"
    pipeline = expr(src)
    assert pipeline.name == "pipeline" and pipeline.trailing == 1
    closure = pipeline.args[0]
    assert isinstance(closure, g.Closure) and (closure.line, closure.column, closure.end_line) == (2, 1, 14)
    stage = closure.body[1].expr.args[0].body[0].expr
    assert stage.name == "stage" and nopos(stage.args[0]) == L("a", "'") and stage.trailing == 1


@pytest.mark.parametrize("src, expected", [
    ("foo(\n  1,\n  2,\n)", call("foo", L(1), L(2))),
    ("[\n  1,\n  2,\n]", g.ListLit(0, 0, (L(1), L(2)))),
    ("[\n  a: 1,\n  b: 2,\n]", g.MapLit(0, 0, (g.MapEntry(0, 0, L("a"), L(1)), g.MapEntry(0, 0, L("b"), L(2))))),
])
def test_trailing_commas(src, expected):
    assert E(src) == expected


# ---------------------------------------------------------------- imports and declarations
@pytest.mark.parametrize("src, path, static, alias", [
    ("import a.b.C", "a.b.C", False, None),
    ("import static a.b.C.foo", "a.b.C.foo", True, None),
    ("import x.*", "x.*", False, None),
    ("import static org.x.Y.*", "org.x.Y.*", True, None),
    ("import a.b.C as D", "a.b.C", False, "D"),
])
def test_imports(src, path, static, alias):
    node = stmt(src)
    assert isinstance(node, g.Import)
    assert (node.path, node.static, node.alias, node.line, node.column) == (path, static, alias, 1, 1)


def test_several_imports_then_code():
    nodes = body("import a.b.C\nimport x.*\necho 'hi'")
    assert [type(n) for n in nodes] == [g.Import, g.Import, g.ExprStmt]


def test_library_annotation_on_import():
    node = stmt("@Library('lib') import com.x.Y")
    assert isinstance(node, g.Import) and node.path == "com.x.Y"
    assert [a.name for a in node.annotations] == ["Library"]


def test_defs_before_and_after_pipeline():
    var, fn, pipeline, fn2 = body("def x = 1\ndef f(a, b) { return a + b }\npipeline { agent any }\ndef g() { 1 }")
    assert isinstance(var, g.VarDecl) and var.names == ("x",) and nopos(var.value) == L(1)
    assert isinstance(fn, g.MethodDef) and fn.name == "f" and [p.name for p in fn.params] == ["a", "b"]
    assert nopos(fn.body) == (g.Return(0, 0, B("+", V("a"), V("b"))),)
    assert isinstance(pipeline.expr, g.Call) and pipeline.expr.name == "pipeline"
    assert isinstance(fn2, g.MethodDef) and fn2.name == "g" and fn2.line == 4


@pytest.mark.parametrize("src, names, type_, value", [
    ("String x = 'a'", ("x",), T("String"), L("a", "'")),
    ("List<String> xs = []", ("xs",), T("List", (T("String"),)), g.ListLit(0, 0, ())),
    ("Map<String, List<Integer>> m = [:]", ("m",), T("Map", (T("String"), T("List", (T("Integer"),)))),
     g.MapLit(0, 0, ())),
    ("int n = 3", ("n",), T("int"), L(3)),
    ("String[] arr", ("arr",), T("String", dims=1), None),
    ("def (a, b) = [1, 2]", ("a", "b"), None, g.ListLit(0, 0, (L(1), L(2)))),
    ("def x", ("x",), None, None),
])
def test_declarations(src, names, type_, value):
    node = nopos(stmt(src))
    assert isinstance(node, g.VarDecl)
    assert (node.names, node.type, node.value) == (names, type_, value)


def test_declaration_modifiers_and_annotations():
    node = stmt("static final String X = 'y'")
    assert node.modifiers == ("static", "final") and node.type.name == "String" and node.names == ("X",)
    field = stmt("@Field def counter = 0")
    assert [a.name for a in field.annotations] == ["Field"] and field.names == ("counter",)


def test_declaration_with_command_value():
    node = stmt("def out = sh script: 'ls', returnStdout: true")
    assert nopos(node.value) == call("sh", named("script", L("ls", "'")), named("returnStdout", L(True)),
                                     parens=False)


def test_method_definitions():
    method = stmt("@NonCPS\ndef parse(String text, int n = 2) {\n  return text\n}")
    assert method.name == "parse" and [a.name for a in method.annotations] == ["NonCPS"]
    text, n = method.params
    assert (text.name, text.type.name, text.default) == ("text", "String", None)
    assert (n.name, n.type.name, nopos(n.default)) == ("n", "int", L(2))
    typed = stmt('String greet(String name) { "hi $name" }')
    assert typed.return_type.name == "String" and isinstance(typed.body[0].expr, g.GString)
    private = stmt("private void log(msg) { echo msg }")
    assert private.modifiers == ("private",) and private.return_type.name == "void"


# ---------------------------------------------------------------- literals
@pytest.mark.parametrize("src, value, quote", [
    ("'single'", "single", "'"),
    ('"double"', "double", '"'),
    ("'''tri\nple'''", "tri\nple", "'''"),
    ('"""tri "q"\nple"""', 'tri "q"\nple', '"""'),
    (r"'a\tb\n\'q\' \u00e9 \\'", "a\tb\n'q' é \\", "'"),
    (r'"dq \"q\" \$x"', 'dq "q" $x', '"'),
    ("'it\\'s $x'", "it's $x", "'"),
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
])
def test_numbers(src, value):
    node = parse_expression(src)
    assert isinstance(node, g.Literal) and node.value == value and type(node.value) is type(value)


@pytest.mark.parametrize("src, value", [("true", True), ("false", False), ("null", None)])
def test_keyword_literals(src, value):
    node = parse_expression(src)
    assert isinstance(node, g.Literal) and node.value is value


# ---------------------------------------------------------------- GStrings
@pytest.mark.parametrize("src, parts", [
    ('"hi $x!"', ("hi ", V("x"), "!")),
    ('"$a.b end"', (g.Property(0, 0, V("a"), "b"), " end")),
    ('"${x}${y}"', (V("x"), V("y"))),
    ('"${a.b(1)}"', (call("b", L(1), receiver=V("a")),)),
    ('"${m[\'k\']}"', (g.Index(0, 0, V("m"), (L("k", "'"),)),)),
    ('"${\'}\'}"', (L("}", "'"),)),
    ('"${a ? \'y\' : "n"}"', (g.Ternary(0, 0, V("a"), L("y", "'"), L("n", '"')),)),
    ('"${ "inner ${y}" }"', (g.GString(0, 0, ("inner ", V("y")), '"inner ${y}"'),)),
    ('"${}"', (L(None),)),
    # `$path` stops at the parenthesis, as in Groovy: "$a.b.c()" is "${a.b.c}()"
    ('"$a.b.c()"', (g.Property(0, 0, g.Property(0, 0, V("a"), "b"), "c"), "()")),
    ('"${env.BUILD_ID}"', (g.Property(0, 0, V("env"), "BUILD_ID"),)),
    ("/${a}-\\d/", (V("a"), "-\\d")),
])
def test_gstring_parts(src, parts):
    node = E(src)
    assert isinstance(node, g.GString) and node.parts == parts and node.source == src


def test_gstring_with_closure_and_nested_quotes():
    node = parse_expression('"${ m.collect { k, v -> "$k=$v" }.join(\',\') }"')
    (joined,) = node.parts
    assert joined.name == "join" and nopos(joined.args) == (L(",", "'"),)
    collect = joined.receiver
    assert collect.name == "collect" and collect.trailing == 1
    closure = collect.args[0]
    assert [p.name for p in closure.params] == ["k", "v"]
    assert nopos(closure.body[0].expr.parts) == (V("k"), "=", V("v"))


def test_gstring_part_positions():
    gstring = body('x = 1\ny = "a $b ${c.d}"')[1].expr.value
    b, d = gstring.parts[1], gstring.parts[3]
    assert (gstring.line, gstring.column) == (2, 5)
    assert (b.line, b.column) == (2, 9)
    assert (d.line, d.column) == (2, 13)
    multi = stmt('sh """\n  echo ${env.X}\n"""').expr.args[0]
    assert multi.parts[0] == "\n  echo " and (multi.parts[1].line, multi.parts[1].column) == (2, 10)


# ---------------------------------------------------------------- lists and maps
def test_lists():
    assert E("[]") == g.ListLit(0, 0, ())
    assert E("[1, 'a', [2]]") == g.ListLit(0, 0, (L(1), L("a", "'"), g.ListLit(0, 0, (L(2),))))


def test_maps():
    assert E("[:]") == g.MapLit(0, 0, ())
    node = E("[a: 1, 'b': 2, (k): v, \"c\": [d: 3], default: 4, *: m]")
    keys = [e.key for e in node.entries]
    assert keys == [L("a"), L("b", "'"), V("k"), L("c", '"'), L("default"), L("*")]
    assert node.entries[3].value == g.MapLit(0, 0, (g.MapEntry(0, 0, L("d"), L(3)),))
    assert node.entries[5].value == V("m")


# ---------------------------------------------------------------- calls and commands
def test_call_with_positional_named_and_trailing_closure():
    node = parse_expression("foo(1, 'a', b: 2) { x -> x }")
    assert node.name == "foo" and node.receiver is None and node.parens and node.trailing == 1
    assert nopos(node.positional_args[:2]) == (L(1), L("a", "'"))
    assert nopos(node.named_args) == (named("b", L(2)),)
    closure = node.args[-1]
    assert isinstance(closure, g.Closure) and closure.explicit_params and closure.params[0].name == "x"


@pytest.mark.parametrize("src, expected", [
    ("echo 'hi'", call("echo", L("hi", "'"), parens=False)),
    ("agent any", call("agent", V("any"), parens=False)),
    ("sh script: 'x', returnStdout: true",
     call("sh", named("script", L("x", "'")), named("returnStdout", L(True)), parens=False)),
    ("foo.bar 'x'", call("bar", L("x", "'"), receiver=V("foo"), parens=False)),
    ("foo.bar 'x', 'y'", call("bar", L("x", "'"), L("y", "'"), receiver=V("foo"), parens=False)),
    ("foo a: 1, 2", call("foo", named("a", L(1)), L(2), parens=False)),
    ("echo env.X", call("echo", g.Property(0, 0, V("env"), "X"), parens=False)),
    ('println "a" + "b"', call("println", B("+", L("a", '"'), L("b", '"')), parens=False)),
    ("stage 'Build'", call("stage", L("Build", "'"), parens=False)),
    ("echo('x')", call("echo", L("x", "'"))),
])
def test_command_expressions(src, expected):
    assert nopos(expr(src)) == expected


def test_command_with_gstring_argument():
    node = expr('echo "hi ${x}"')
    assert node.name == "echo" and not node.parens and isinstance(node.args[0], g.GString)


def test_command_assignment_and_return_command():
    node = expr("x = sh script: 'ls', returnStdout: true")
    assert isinstance(node, g.Assign) and node.value.name == "sh" and not node.value.parens
    ret = stmt("return sh script: 'x', returnStdout: true")
    assert isinstance(ret, g.Return) and ret.value.name == "sh" and len(ret.value.named_args) == 2


def test_library_command_chains_underscore():
    node = expr("library 'x' _")
    assert isinstance(node, g.Property) and node.name == "_"
    assert nopos(node.obj) == call("library", L("x", "'"), parens=False)


def test_closure_only_calls_and_nested_steps():
    node = expr("node {\n  checkout scm\n}")
    assert node.name == "node" and not node.parens and node.trailing == 1
    assert nopos(node.args[0].body) == (g.ExprStmt(0, 0, call("checkout", V("scm"), parens=False)),)
    stage = expr("stage('Build') { steps { sh 'make' } }")
    assert stage.parens and stage.trailing == 1 and len(stage.args) == 2


def test_parallel_named_closures():
    node = expr("parallel a: { echo 'a' }, b: { echo 'b' }")
    assert [a.key.value for a in node.named_args] == ["a", "b"]
    assert all(isinstance(a.value, g.Closure) for a in node.named_args)


def test_nested_step_calls():
    node = expr("withCredentials([usernamePassword(credentialsId: 'c', usernameVariable: 'U')]) { sh 'x' }")
    inner = node.args[0].items[0]
    assert inner.name == "usernamePassword" and [a.key.value for a in inner.named_args] == [
        "credentialsId", "usernameVariable"]
    assert node.trailing == 1


def test_chained_closure_calls():
    node = parse_expression("[1, 2].findAll { it > 1 }.collect { it * 2 }")
    assert node.name == "collect" and node.trailing == 1
    assert node.receiver.name == "findAll" and isinstance(node.receiver.receiver, g.ListLit)


@pytest.mark.parametrize("src, expected", [
    ("foo()()", call("call", receiver=call("foo"))),
    ("f(*args)", call("f", g.SpreadArg(0, 0, V("args")))),
    ("this.&foo", g.MethodPointer(0, 0, g.This(0, 0), "foo")),
    ("String.valueOf(1)", call("valueOf", L(1), receiver=g.TypeName(0, 0, "String"))),
    ("new Foo(1, 2)", g.New(0, 0, "Foo", (L(1), L(2)))),
    ("new java.util.Date()", g.New(0, 0, "java.util.Date", ())),
    ("new HashMap<String, String>()", g.New(0, 0, "HashMap", ())),
    ("new int[3]", g.New(0, 0, "int", (), (L(3),))),
])
def test_other_call_forms(src, expected):
    assert E(src) == expected


# ---------------------------------------------------------------- property, index, safe, spread
@pytest.mark.parametrize("src, expected", [
    ("a.b.c", g.Property(0, 0, g.Property(0, 0, V("a"), "b"), "c")),
    ("a[0]['k']", g.Index(0, 0, g.Index(0, 0, V("a"), (L(0),)), (L("k", "'"),))),
    ("a[1..2]", g.Index(0, 0, V("a"), (g.RangeExpr(0, 0, L(1), L(2), False),))),
    ("a?.b", g.Property(0, 0, V("a"), "b", safe=True)),
    ("xs*.name", g.Property(0, 0, V("xs"), "name", spread=True)),
    ("map.'key-with-dash'", g.Property(0, 0, V("map"), "key-with-dash")),
    ("new File('x').text", g.Property(0, 0, g.New(0, 0, "File", (L("x", "'"),)), "text")),
])
def test_property_and_index_access(src, expected):
    assert E(src) == expected


def test_safe_navigation_call_chain():
    node = E("a?.b?.c()")
    assert node == g.Call(0, 0, g.Property(0, 0, V("a"), "b", safe=True), "c", (), True, True)


@pytest.mark.parametrize("src, target", [
    ("env.FOO = 'bar'", g.Property(0, 0, V("env"), "FOO")),
    ("m[k] = 'bar'", g.Index(0, 0, V("m"), (V("k"),))),
    ("a?.b = 'bar'", g.Property(0, 0, V("a"), "b", safe=True)),
])
def test_assignment_targets(src, target):
    assert nopos(expr(src)) == g.Assign(0, 0, target, "=", L("bar", "'"))


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
])
def test_precedence(src, expected):
    assert E(src) == expected


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "<=>", "===",
                                "!==", "&&", "||", "&", "|", "^", "<<", ">>", ">>>", "=~", "==~", "in", "!in"])
def test_binary_operators(op):
    assert E(f"a {op} b") == B(op, V("a"), V("b"))


@pytest.mark.parametrize("src, op", [("s =~ /x\\d/", "=~"), ("s ==~ /^a.*$/", "==~")])
def test_regex_operators_with_slashy_strings(src, op):
    node = E(src)
    assert node.op == op and node.left == V("s") and node.right.quote == "/"


def test_instanceof_and_as():
    assert E("a instanceof String") == g.InstanceOf(0, 0, V("a"), T("String"))
    assert E("a as Integer") == g.AsType(0, 0, V("a"), T("Integer"))
    assert E("a as List<String>") == g.AsType(0, 0, V("a"), T("List", (T("String"),)))
    assert E("a instanceof Map ? 1 : 2") == g.Ternary(0, 0, g.InstanceOf(0, 0, V("a"), T("Map")), L(1), L(2))


@pytest.mark.parametrize("src, expected", [
    ("1..5", g.RangeExpr(0, 0, L(1), L(5), False)),
    ("1..<5", g.RangeExpr(0, 0, L(1), L(5), True)),
    ("'a'..'c'", g.RangeExpr(0, 0, L("a", "'"), L("c", "'"), False)),
    ("1 + 2..5", g.RangeExpr(0, 0, B("+", L(1), L(2)), L(5), False)),
])
def test_ranges(src, expected):
    assert E(src) == expected


@pytest.mark.parametrize("src, op, postfix", [
    ("!a", "!", False), ("-a", "-", False), ("+a", "+", False), ("~a", "~", False),
    ("++a", "++", False), ("--a", "--", False), ("a++", "++", True), ("a--", "--", True),
])
def test_unary_operators(src, op, postfix):
    node = parse_expression(src)
    assert nopos(node) == g.Unary(0, 0, op, V("a"), postfix)
    assert (node.line, node.column) == (1, 1)


def test_unary_binds_tighter_than_property_access_operand():
    assert E("-a.b") == g.Unary(0, 0, "-", g.Property(0, 0, V("a"), "b"))


@pytest.mark.parametrize("src, expected", [
    ("a ? b : c", g.Ternary(0, 0, V("a"), V("b"), V("c"))),
    ("a ? b : c ? d : e", g.Ternary(0, 0, V("a"), V("b"), g.Ternary(0, 0, V("c"), V("d"), V("e")))),
    ("a ?: b", g.Elvis(0, 0, V("a"), V("b"))),
    ("a ?: b ?: c", g.Elvis(0, 0, V("a"), g.Elvis(0, 0, V("b"), V("c")))),
    ("y?.z ?: 'd'", g.Elvis(0, 0, g.Property(0, 0, V("y"), "z", safe=True), L("d", "'"))),
])
def test_ternary_and_elvis(src, expected):
    assert E(src) == expected


@pytest.mark.parametrize("op", ["=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^=", "?="])
def test_assignment_operators(op):
    assert nopos(expr(f"x {op} 1")) == g.Assign(0, 0, V("x"), op, L(1))


def test_chained_assignment_is_right_associative():
    assert nopos(expr("a = b = 1")) == g.Assign(0, 0, V("a"), "=", g.Assign(0, 0, V("b"), "=", L(1)))


def test_operator_positions():
    node = parse_expression("x +\n  y * z")
    assert (node.line, node.column) == (1, 1)
    assert (node.right.line, node.right.column) == (2, 3)
    assert (node.right.right.line, node.right.right.column) == (2, 7)


# ---------------------------------------------------------------- closures
@pytest.mark.parametrize("src, params, explicit", [
    ("{ x -> x }", ["x"], True),
    ("{ a, b -> a + b }", ["a", "b"], True),
    ("{ -> 1 }", [], True),
    ("{ it * 2 }", [], False),
    ("{}", [], False),
])
def test_closure_params(src, params, explicit):
    node = parse_expression(src)
    assert isinstance(node, g.Closure)
    assert [p.name for p in node.params] == params and node.explicit_params is explicit


def test_closure_body_and_typed_params():
    node = parse_expression("{ String s, int n -> s * n }")
    assert [(p.name, p.type.name) for p in node.params] == [("s", "String"), ("n", "int")]
    assert nopos(node.body) == (g.ExprStmt(0, 0, B("*", V("s"), V("n"))),)
    assert nopos(parse_expression("{ it * 2 }").body[0].expr) == B("*", V("it"), L(2))


def test_closure_span_and_end_line():
    src = "x = 1\nscript {\n  def y = 2\n  echo \"$y\"\n}\n"
    closure = body(src)[1].expr.args[0]
    assert (closure.line, closure.column, closure.end_line) == (2, 8, 5)
    assert g.closure_source(src, closure) == "\n  def y = 2\n  echo \"$y\"\n"
    assert [type(s) for s in closure.body] == [g.VarDecl, g.ExprStmt]


# ---------------------------------------------------------------- statements
def test_if_else_if_else():
    node = stmt("if (a) { b() } else if (c) { d() } else { e() }")
    assert isinstance(node, g.If) and nopos(node.condition) == V("a")
    assert isinstance(node.then, g.Block) and nopos(node.then.body) == (g.ExprStmt(0, 0, call("b")),)
    inner = node.otherwise
    assert isinstance(inner, g.If) and nopos(inner.condition) == V("c") and (inner.line, inner.column) == (1, 21)
    assert isinstance(inner.otherwise, g.Block) and nopos(inner.otherwise.body) == (g.ExprStmt(0, 0, call("e")),)


def test_if_without_braces():
    node = nopos(stmt("if (a) b() else c()"))
    assert node == g.If(0, 0, V("a"), g.ExprStmt(0, 0, call("b")), g.ExprStmt(0, 0, call("c")))
    assert stmt("if (a) { b() }").otherwise is None


@pytest.mark.parametrize("src, var", [
    ("for (x in xs) { echo x }", "x"),
    ("for (String s : xs) { echo s }", "s"),
    ("for (def y in xs) echo y", "y"),
])
def test_for_in(src, var):
    node = stmt(src)
    assert isinstance(node, g.ForIn) and node.var == var and nopos(node.iterable) == V("xs")
    inner = node.body.body[0] if isinstance(node.body, g.Block) else node.body
    assert nopos(inner) == g.ExprStmt(0, 0, call("echo", V(var), parens=False))


def test_c_style_for():
    node = stmt("for (int i = 0; i < 10; i++) { echo i }")
    assert isinstance(node, g.ForC)
    (init,) = node.init
    assert isinstance(init, g.VarDecl) and init.names == ("i",) and init.type.name == "int"
    assert nopos(node.condition) == B("<", V("i"), L(10))
    assert nopos(node.update) == (g.Unary(0, 0, "++", V("i"), True),)
    empty = stmt("for (;;) { break }")
    assert (empty.init, empty.condition, empty.update) == ((), None, ())
    assert isinstance(empty.body.body[0], g.Break)
    multi = stmt("for (i = 0, j = 1; i < j; i++, j--) {}")
    assert len(multi.init) == 2 and len(multi.update) == 2 and multi.body == g.Block(1, 37, ())


def test_while():
    node = nopos(stmt("while (x < 3) { x++ }"))
    assert node == g.While(0, 0, B("<", V("x"), L(3)), g.Block(0, 0, (g.ExprStmt(0, 0, g.Unary(0, 0, "++", V("x"), True)),)))


def test_try_multi_catch_finally():
    node = stmt("try { a() } catch (IOException | InterruptedException e) { b() } catch (e) { c() } finally { d() }")
    assert nopos(node.body) == (g.ExprStmt(0, 0, call("a")),)
    first, second = node.catches
    assert first.types == ("IOException", "InterruptedException") and first.name == "e"
    assert second.types == () and second.name == "e" and nopos(second.body) == (g.ExprStmt(0, 0, call("c")),)
    assert nopos(node.finally_body) == (g.ExprStmt(0, 0, call("d")),)
    assert stmt("try { a() } catch (Exception e) { }").finally_body is None


@pytest.mark.parametrize("src, expected", [
    ("return", g.Return(0, 0, None)),
    ("return 1", g.Return(0, 0, L(1))),
    ("return this", g.Return(0, 0, g.This(0, 0))),
    ("throw new Exception('x')", g.Throw(0, 0, g.New(0, 0, "Exception", (L("x", "'"),)))),
    ("break", g.Break(0, 0)),
    ("continue", g.Continue(0, 0)),
    ("assert x == 1 : 'msg'", g.Assert(0, 0, B("==", V("x"), L(1)), L("msg", "'"))),
    ("package com.example", g.Package(0, 0, "com.example")),
])
def test_simple_statements(src, expected):
    assert nopos(stmt(src)) == expected


def test_labelled_statements_and_labelled_break():
    node = stmt("outer: for (x in xs) { for (y in ys) { break outer } }")
    assert isinstance(node, g.Labelled) and node.label == "outer" and isinstance(node.statement, g.ForIn)
    inner = node.statement.body.body[0]
    assert inner.body.body[0] == g.Break(1, 40, "outer")
    block = stmt("label: {\n  echo 'x'\n}")
    assert isinstance(block, g.Labelled) and isinstance(block.statement.expr, g.Closure)


def test_switch_with_fallthrough_and_default():
    src = ("switch (x) {\n  case 1:\n  case 2:\n    echo 'a'\n    break\n  case 'b': echo 'b'\n"
           "  case ~/re/:\n    echo 'c'\n  default:\n    echo 'd'\n}")
    node = stmt(src)
    assert isinstance(node, g.Switch) and nopos(node.subject) == V("x")
    one_two, b, regex, default = node.cases
    assert nopos(one_two.values) == (L(1), L(2)) and one_two.line == 2
    assert [type(s) for s in one_two.body] == [g.ExprStmt, g.Break]
    assert nopos(b.values) == (L("b", "'"),) and len(b.body) == 1  # falls through: no break
    assert nopos(regex.values) == (g.Unary(0, 0, "~", L("re", "/")),)
    assert default.values == (None,) and default.line == 9
    assert stmt("switch (x) {\n}").cases == ()


def test_switch_case_list_and_type():
    node = stmt("switch (x) {\n  case [1, 2]: a(); break\n  case String: b(); break\n  default: c()\n}")
    assert nopos(node.cases[0].values) == (g.ListLit(0, 0, (L(1), L(2))),)
    assert nopos(node.cases[1].values) == (g.TypeName(0, 0, "String"),)


# ---------------------------------------------------------------- classes and enums
def test_class_definition():
    src = ("class Foo extends Bar {\n  String name = 'x'\n  Foo(String n) { name = n }\n"
           "  def greet() { \"hi $name\" }\n  static int count() { 0 }\n}")
    node = stmt(src)
    assert isinstance(node, g.ClassDef) and node.name == "Foo" and node.extends == "Bar"
    field, ctor, greet, count = node.members
    assert isinstance(field, g.VarDecl) and field.names == ("name",) and field.type.name == "String"
    assert isinstance(ctor, g.MethodDef) and ctor.name == "Foo" and ctor.params[0].type.name == "String"
    assert greet.name == "greet" and count.modifiers == ("static",) and count.return_type.name == "int"


@pytest.mark.parametrize("src", ["enum Color { RED, GREEN, BLUE }", "enum Color {\n  RED,\n  GREEN,\n  BLUE,\n}"])
def test_enum_definition(src):
    assert nopos(stmt(src)) == g.EnumDef(0, 0, "Color", ("RED", "GREEN", "BLUE"))


# ---------------------------------------------------------------- a whole Jenkinsfile
JENKINSFILE = """\
@Library('shared') _
import groovy.json.JsonSlurper

def VERSION = '1.0'

pipeline {
    agent { label 'linux' }
    environment {
        APP = "app-${VERSION}"
    }
    stages {
        stage('Build') {
            when { expression { return params.DEPLOY ?: false } }
            steps {
                sh script: './build.sh', returnStdout: true
                script {
                    def files = findFiles(glob: '**/*.jar')
                    for (f in files) {
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


def test_whole_jenkinsfile_parses_and_lints():
    script = parse_groovy(JENKINSFILE)
    assert [type(s).__name__ for s in script.body] == ["VarDecl", "Import", "VarDecl", "ExprStmt", "MethodDef"]
    assert script.body[3].expr.name == "pipeline" and script.body[3].line == 6
    assert script.text == JENKINSFILE
    result = check(JENKINSFILE)
    assert result.pipeline is not None and result.valid, result.diagnostics
    assert [s.name for s in result.pipeline.stages] == ["Build"]


def test_every_node_has_a_position():
    for node in walk(parse_groovy(JENKINSFILE)):
        assert node.line >= 1 and node.column >= 1, node


# ---------------------------------------------------------------- syntax errors
@pytest.mark.parametrize("src, line, reason", [
    ("pipeline {\n  agent any\n", 3, "unexpected end of file"),
    ("pipeline {\n  stages {\n    stage('a') {\n  }\n}\n", 6, "unexpected end of file"),
    ("echo 'abc\nfoo()", 1, "unterminated string"),
    ('echo "abc\nfoo()', 1, "unterminated string"),
    ("x = '''never closed", 1, "unterminated string"),
    ("foo())\n", 1, "unexpected token: ')'"),
    ("x = 1\nfoo(1, 2))", 2, "unexpected token: ')'"),
    ("x = [1, 2", 1, "unexpected end of file"),
    ("def = 3", 1, "unexpected token: '='"),
    ("x = 1 +", 1, "unexpected end of file"),
    ("foo(a b c d)", 1, "unexpected token: 'b'"),
    ("x = 1\n}\n", 2, "unexpected token: '}'"),
    ("x = 1\ny = #", 2, "unexpected character: '#'"),
    ("x = `y`", 1, "unexpected character: '`'"),
    ("foo(,)", 1, "unexpected token: ','"),
    ("x = [a: ]", 1, "unexpected token: ']'"),
    ('x = 1\n\ny = "ok ${ )( }"', 3, "unexpected token: ')'"),
    ('x = "${ unclosed"', 1, "unterminated string"),
])
def test_syntax_errors(src, line, reason):
    with pytest.raises(GroovySyntaxError) as info:
        parse_groovy(src)
    assert info.value.line == line and info.value.column >= 1
    assert reason in info.value.reason


def test_syntax_error_positions():
    with pytest.raises(GroovySyntaxError) as info:
        parse_groovy("x = 1\nfoo(1, 2))")
    assert (info.value.line, info.value.column) == (2, 10)
    with pytest.raises(GroovySyntaxError) as info:
        parse_groovy("x = 1\n\ny = \"ok ${ )( }\"")
    assert (info.value.line, info.value.column) == (3, 12)


def test_parse_expression_errors():
    with pytest.raises(GroovySyntaxError):
        parse_expression("a +")
    with pytest.raises(GroovySyntaxError):
        parse_expression("")


def test_check_reports_syntax_errors_as_diagnostics():
    result = check("pipeline {\n  agent any\n")
    assert result.pipeline is None and result.script is None and not result.valid
    (diag,) = result.diagnostics
    assert diag.line == 3 and "unexpected end of file" in diag.message


# ---------------------------------------------------------------- known parser bugs (xfail)
@pytest.mark.xfail(reason="`as` takes the following `+ 'x'` into its type: AsType.type becomes a Binary", strict=True)
def test_as_cast_followed_by_arithmetic():
    assert E("a as String + 'x'") == B("+", g.AsType(0, 0, V("a"), T("String")), L("x", "'"))


@pytest.mark.xfail(reason="TypeRef after `as`/`instanceof` is built from a str and gets line=0, column=0",
                   strict=True)
def test_cast_type_has_a_position():
    node = parse_expression("a instanceof String")
    assert (node.type.line, node.type.column) == (1, 14)


@pytest.mark.xfail(reason="prefix operator column is operand.column - len(op), off when the operand is in parens",
                   strict=True)
def test_prefix_operator_position_with_parenthesised_operand():
    node = parse_expression("!(a in b)")
    assert (node.line, node.column) == (1, 1)


@pytest.mark.xfail(reason="numeric map keys become strings ('4'); Groovy keeps Integer keys", strict=True)
def test_numeric_map_key_stays_a_number():
    (entry,) = E("[4: 'x']").entries
    assert entry.key == L(4)


@pytest.mark.xfail(reason="spread method call is Call(Property(xs, name, spread=True), 'call'), i.e. (xs*.f).call()",
                   strict=True)
def test_spread_method_call():
    node = parse_expression("xs*.toUpperCase()")
    assert node.name == "toUpperCase" and nopos(node.receiver) == V("xs") and getattr(node, "spread", False)


@pytest.mark.xfail(reason="closures inside a GString on line > 1 get a span relative to a padded buffer, not the file",
                   strict=True)
def test_closure_span_inside_gstring_on_later_line():
    src = 'x = 1\ny = "${ xs.collect { it * 2 } }"\n'
    closure = body(src)[1].expr.value.parts[0].args[0]
    assert g.closure_source(src, closure) == " it * 2 "


@pytest.mark.xfail(reason="`def a, b` (several names in one declaration) is a syntax error", strict=True)
def test_multiple_variables_in_one_declaration():
    assert nopos(stmt("def a, b")).names == ("a", "b")
