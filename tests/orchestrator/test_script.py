"""The sandboxed Groovy interpreter: real snippets through parse_groovy + Interpreter, checked
against what Groovy 2.4 (Jenkins) gives, with a fake engine binding that records its calls."""
from __future__ import annotations

import dataclasses
import math

import pytest

from orchestrator.errors import (BuildError, FlowInterrupted, GroovyRuntimeError, NoSuchStep, StepFailed,
                                 UnsupportedGroovy)
from orchestrator.grammar import parse_expression, parse_groovy
from orchestrator.script import GroovyClosure, Interpreter, Scope, gstring, to_groovy_string, truthy


# ---------------------------------------------------------------- the fake engine
class FakeEnv:
    """Like Jenkins' env: attributes, a method, and Groovy's getProperty/setProperty hooks."""

    def __init__(self):
        self.vars = {"BRANCH_NAME": "main", "BUILD_NUMBER": "7"}

    def getProperty(self, name):
        return self.vars.get(name)

    def setProperty(self, name, value):
        self.vars[name] = str(value)

    def getEnvironment(self):
        return dict(self.vars)


class FakeBuild:
    def __init__(self):
        self.result = None
        self.number = 7
        self.display_name = "#7"
        self._secret = "hidden"

    def rawBuild(self):
        return "the Jenkins Run object"


class FakeBinding:
    def __init__(self):
        self.output: list[str] = []
        self.calls: list[tuple] = []
        self.assigned: dict = {}
        self.env = FakeEnv()
        self.build = FakeBuild()
        self.globals = {"env": self.env, "params": {"DEPLOY": True, "TARGET": "prod", "COUNT": "3"},
                        "currentBuild": self.build, "BUILD_URL": "http://ci/job/7/"}

    def lookup(self, name, node):
        if name in self.assigned:
            return self.assigned[name]
        return self.globals[name]  # KeyError when unknown, as the protocol says

    def assign(self, name, value):
        self.assigned[name] = value

    def call(self, name, args, kwargs, closure, node):
        self.calls.append((name, list(args), dict(kwargs), closure))
        if name in ("echo", "println"):
            self.output.append(to_groovy_string(args[0]) if args else "")
            return None
        if name == "error":
            raise StepFailed(to_groovy_string(args[0]))
        if name == "sh":
            script = kwargs.get("script", args[0] if args else "")
            return f"stdout of {script}\n" if kwargs.get("returnStdout") else 0
        if name == "readJSON":
            return {"items": [{"name": "a", "tags": ["x", "y"]}], "count": 1}
        if name == "interrupt":
            raise FlowInterrupted()
        if name in ("dir", "stage", "node", "timeout", "withEnv"):
            return closure() if closure is not None else None
        raise NoSuchStep(f"No such DSL method '{name}' found among steps")


def run(text: str, binding: FakeBinding | None = None):
    """Run a script; returns (value, binding)."""
    binding = binding or FakeBinding()
    return Interpreter(binding, parse_groovy(text)).run_script(), binding


def value(text: str):
    return run(text)[0]


def output(text: str) -> list[str]:
    return run(text)[1].output


def shown(text: str) -> str:
    """How Groovy prints the script's value."""
    return to_groovy_string(value(text))


def error_of(text: str, kind=BuildError) -> BuildError:
    with pytest.raises(kind) as caught:
        run(text)
    return caught.value


# ---------------------------------------------------------------- literals and strings
@pytest.mark.parametrize("source, expected", [
    ("42", 42), ("'single'", "single"), ('"double"', "double"), ("1.5", 1.5), ("true", True),
    ("false", False), ("null", None), ("0x1F", 31), ("'''tri\nple'''", "tri\nple"), ("/sl\\d+ashy/", "sl\\d+ashy"),
])
def test_literals(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ('"a ${1 + 2} b"', "a 3 b"),
    ('def x = [1, 2]\n"${x.collect { it * 2 }.join(\'-\')}"', "2-4"),
    ('"${\'abc\'.toUpperCase()} ${[3, 1, 2].max()}"', "ABC 3"),
    ('"${"inner ${1 + 1}"}"', "inner 2"),
    ('def name = "bob"\n"hi $name!"', "hi bob!"),
    ('def m = [k: [1, 2]]\n"$m.k"', "[1, 2]"),
    ('"${null} ${true} ${[a: 1]} ${[:]} ${[]}"', "null true [a:1] [:] []"),
    ('"""multi ${1}\nline"""', "multi 1\nline"),
    ('/a${1 + 1}b/', "a2b"),
    ('"${5 / 2} ${4 / 2} ${1 / 3}"', "2.5 2 0.3333333333"),
])
def test_gstrings(source, expected):
    assert value(source) == expected


def test_gstring_function_and_method_agree():
    interpreter = Interpreter(FakeBinding())
    node = parse_expression('"${1 + 1} and ${env.BRANCH_NAME}"')
    assert gstring(interpreter, node, interpreter.script_scope) == "2 and main"
    assert interpreter.gstring(node, None) == "2 and main"


@pytest.mark.parametrize("source, expected", [
    ("[1, 'a', null, true, [k: 'v'], 2.5]", "[1, a, null, true, [k:v], 2.5]"),
    ("[:]", "[:]"), ("[a: [b: [1]]]", "[a:[b:[1]]]"), ("1..3", "[1, 2, 3]"), ("null", "null"),
    ("1.0 * 2", "2.0"), ("[a: 1].entrySet()[0]", "a=1"), ("def l = [1]\nl << l\nl", "[1, (this Collection)]"),
])
def test_values_print_as_groovy_does(source, expected):
    assert shown(source) == expected


def test_doubles_print_like_java():
    assert to_groovy_string(1e16) == "1.0E16"
    assert to_groovy_string(12345678.0) == "1.2345678E7"
    assert to_groovy_string(0.5) == "0.5"
    assert to_groovy_string(math.inf) == "Infinity"


# ---------------------------------------------------------------- collections
@pytest.mark.parametrize("source, expected", [
    ("[1, 2, 3]", [1, 2, 3]), ("[a: 1, 'b c': 2]", {"a": 1, "b c": 2}), ("def k = 'x'\n[(k): 1]", {"x": 1}),
    ('def k = "y"\n["${k}": 1]', {"y": 1}), ("[1: 'one']", {1: "one"}),
    ("def m = [a: 1]\n[*: m, b: 2]", {"a": 1, "b": 2}),
    ("(1..4).toList()", [1, 2, 3, 4]), ("(1..<4).toList()", [1, 2, 3]), ("(3..1).collect { it }", [3, 2, 1]),
    ("('a'..'c').join()", "abc"), ("(1..10).sum()", 55), ("(1..<1).size()", 0), ("(1..3) == [1, 2, 3]", True),
])
def test_list_map_and_range_literals(source, expected):
    assert value(source) == expected


def test_range_loop_does_not_build_a_list():
    assert value("def n = 0\nfor (i in 0..<200000) { n++ }\nn") == 200000


# ---------------------------------------------------------------- operators
@pytest.mark.parametrize("source, expected", [
    ("1 + 2", 3), ("10 - 2 * 3", 4), ("5 / 2", 2.5), ("4 / 2", 2), ("1 / 3", 0.3333333333), ("1.5 / 2", 0.75),
    ("7.intdiv(2)", 3), ("(-7).intdiv(2)", -3), ("7 % 3", 1), ("-7 % 3", -1), ("2 ** 10", 1024), ("2 ** -1", 0.5),
    ("1 + 2.5", 3.5), ("3 * 1.5", 4.5), ("-(3)", -3), ("+3", 3), ("6 & 3", 2), ("6 | 3", 7), ("6 ^ 3", 5),
    ("1 << 4", 16), ("-16 >> 2", -4), ("~5", -6),
])
def test_arithmetic(source, expected):
    result = value(source)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("source, expected", [
    ("0.1 + 0.2", "0.3"), ("0.1 + 0.2 == 0.3", "true"), ("1.1 * 3", "3.3"), ("1.0 - 0.9", "0.1"), ("2.0 / 3", "0.6666666667"),
    ("4.0 / 2", "2.0"), ("100 / 3", "33.3333333333"), ("-2 / 3", "-0.6666666667"), ("2.5 * 2", "5.0"),
])
def test_decimal_literals_compute_like_bigdecimal(source, expected):
    assert shown(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("'a' + 1", "a1"), ("1 + 'a'", "1a"), ("'a' + null", "anull"), ("'ab' * 3", "ababab"),
    ("'hello' - 'l'", "helo"), ("'a-b-c' - ~/-/", "ab-c"), ("[1, 2] + [3]", [1, 2, 3]), ("[1, 2] + 3", [1, 2, 3]),
    ("[1, 2, 2, 3] - [2]", [1, 3]), ("[1, 2, 3] - 2", [1, 3]), ("[1, 2] * 2", [1, 2, 1, 2]),
    ("[a: 1] + [b: 2]", {"a": 1, "b": 2}), ("[a: 1, b: 2] - [a: 1]", {"b": 2}), ("[1, 2] << 3", [1, 2, 3]),
    ("def m = [a: 1]\nm << [b: 2]", {"a": 1, "b": 2}), ("('a' << 'b').toString()", "ab"),
])
def test_plus_minus_multiply_on_strings_lists_maps(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("1 == 1.0", True), ("[1, [2, 3]] == [1, [2, 3]]", True), ("[a: [1]] == [a: [1]]", True), ("[1] == [1, 2]", False),
    ("'a' == 'a'", True), ("'1' == 1", False), ("true == 1", False), ("null == null", True), ("null == 0", False),
    ("1 != 2", True), ("1 < 2.5", True), ("2.5 >= 2", True), ("'abc' < 'abd'", True), ("'b' > 'a'", True),
    ("1 <=> 2", -1), ("'b' <=> 'a'", 1), ("2 <=> 2.0", 0), ("null < 1", True), ("[1, 2].is([1, 2])", False),
])
def test_equality_and_comparison(source, expected):
    assert value(source) == expected


def test_comparing_a_string_with_a_number_is_a_runtime_error():
    assert "Cannot compare java.lang.String with value 'a'" in str(error_of("'a' < 1", GroovyRuntimeError))


@pytest.mark.parametrize("source, expected", [
    ("1 && 'x'", True), ("0 || ''", False), ("null || 'a'", True), ("[] && true", False), ("!''", True),
    ("![]", True), ("!0", True), ("![0]", False), ("!null", True), ("!'false'", False),
])
def test_logic_returns_booleans_with_groovy_truth(source, expected):
    assert value(source) is expected


def test_and_or_short_circuit():
    _, binding = run("false && error('never')\ntrue || error('never')")
    assert binding.calls == []


@pytest.mark.parametrize("source, expected", [
    ("1 > 2 ? 'a' : 'b'", "b"), ("[] ? 'full' : 'empty'", "empty"), ("null ?: 'd'", "d"), ("'' ?: 'd'", "d"),
    ("'x' ?: 'd'", "x"), ("0 ?: 5", 5),
])
def test_ternary_and_elvis(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("def x = null\nx?.foo", None), ("def x = null\nx?.size()", None), ("[a: null].a?.b?.c", None),
    ("def s = 'ab'\ns?.size()", 2), ("[[a: 1], [a: 2]]*.a", [1, 2]), ("['ab', 'c']*.size()", [2, 1]),
    ("['a', 'b']*.toUpperCase()", ["A", "B"]), ("def l = null\nl*.x", None), ("[[a: 1], null]*.a", [1, None]),
    ("[[n: 'x'], [n: 'y']].n", ["x", "y"]), ("def x = null\nx?.y = 1\nx", None),
])
def test_safe_navigation_and_spread(source, expected):
    assert value(source) == expected


def test_null_dereference_is_a_null_pointer_error():
    error = error_of("def x = null\nx.foo", GroovyRuntimeError)
    assert str(error) == "Cannot get property 'foo' on null object" and error.line == 2
    assert "Cannot invoke method size() on null object" in str(error_of("null.size()", GroovyRuntimeError))


@pytest.mark.parametrize("source, expected", [
    ("2 in [1, 2, 3]", True), ("4 !in [1, 2]", True), ("1.0 in [1]", True), ("'a' in [a: 1]", True),
    ("'b' in [a: 1]", False), ("3 in 1..5", True), ("6 in 1..5", False), ("'abc' in 'abc'", True),
    # Groovy's isCase for strings is equality, not contains: 'b' in 'abc' is false on Jenkins too
    ("'b' in 'abc'", False), ("'b' !in 'abc'", True), ("null in [null]", True),
    # and for maps it is the Groovy truth of the value (Groovy 2.4's Map.isCase), not containsKey
    ("'a' in [a: 0]", False), ("'a' in [a: 'x']", True),
])
def test_in_operator_uses_groovy_iscase(source, expected):
    assert value(source) is expected


@pytest.mark.parametrize("source, expected", [
    ("'a' instanceof String", True), ('"${1}" instanceof String', True), ("1 instanceof Integer", True),
    ("1 instanceof Number", True), ("1.5 instanceof Number", True), ("1.5 instanceof Double", True),
    ("[] instanceof List", True), ("[:] instanceof Map", True), ("true instanceof Boolean", True),
    ("'a' instanceof Integer", False), ("null instanceof String", False), ("true instanceof Integer", False),
    ("(1..2) instanceof List", True), ("[] instanceof java.util.List", True), ("'x' instanceof Object", True),
    ("{ it } instanceof Closure", True), ("new Exception('x') instanceof Exception", True),
    ("def c\ntry { error 'x' } catch (e) { c = e }\nc instanceof hudson.AbortException", True),
    ("new IllegalStateException('x') instanceof RuntimeException", True), ("(1..2) instanceof Map", False),
])
def test_instanceof(source, expected):
    assert value(source) is expected


@pytest.mark.parametrize("source, expected", [
    ("'42' as int", 42), ("'42' as Integer", 42), ("3.7 as int", 3), ("42 as String", "42"), ("'2.5' as Double", 2.5),
    ("'ab' as List", ["a", "b"]), ("[1, 1, 2] as Set", [1, 2]), ("'x' as boolean", True), ("'' as Boolean", False),
    ("'false' as boolean", True), ("(1..3) as List", [1, 2, 3]), ("[1, 2] as String[]", ["1", "2"]),
])
def test_as_conversions(source, expected):
    assert value(source) == expected


def test_as_with_an_unknown_type_is_unsupported():
    assert str(error_of("'x' as java.io.File", UnsupportedGroovy)) == "line 1: unsupported Groovy: as java.io.File"


def test_bad_number_conversion_is_a_number_format_error():
    error = error_of("'abc' as int", GroovyRuntimeError)
    assert str(error) == 'For input string: "abc"' and error.java_class == "java.lang.NumberFormatException"


@pytest.mark.parametrize("source, expected", [
    ("('abc' =~ /b/) ? 'y' : 'n'", "y"), ("('abc' =~ /z/) ? 'y' : 'n'", "n"), ("('a1b2' =~ /\\d/)[1]", "2"),
    ("('k=v' =~ /(\\w)=(\\w)/)[0]", ["k=v", "k", "v"]), ("('k=v' =~ /(\\w)=(\\w)/)[0][2]", "v"),
    ("('a1b22' =~ /\\d+/).collect { it }", ["1", "22"]), ("('a1b22' =~ /\\d+/).size()", 2),
    ("def m = 'v1.2' =~ /v(\\d+)\\.(\\d+)/\nm.find() ? m.group(2) : null", "2"),
    ("def m = 'x' =~ /(?<name>x)/\nm.matches() ? m.group('name') : null", "x"),
    ("'abc' ==~ /a.c/", True), ("'abcd' ==~ /a.c/", False), ("null ==~ /a/", False), ("'abc' ==~ 'a.*'", True),
    ("'a.b' ==~ /\\Qa.b\\E/", True), ("'axb' ==~ /\\Qa.b\\E/", False), ("'ab\\n' ==~ /ab\\z/", False),
])
def test_regex_operators(source, expected):
    assert value(source) == expected


def test_a_bad_regex_is_a_pattern_syntax_error():
    error = error_of("'a' =~ /(/", GroovyRuntimeError)
    assert error.java_class == "java.util.regex.PatternSyntaxException" and error.line == 1


@pytest.mark.parametrize("source, expected", [
    ("def i = 1\ni++\n++i\ni", 3), ("def i = 1\ndef j = i++\n[i, j]", [2, 1]),
    ("def i = 1\ndef j = ++i\n[i, j]", [2, 2]),
    ("def i = 5\ni--\n--i", 3), ("def m = [n: 1]\nm.n++\nm.n", 2), ("def l = [1, 2]\nl[1]++\nl", [1, 3]),
    ("def s = 'a'\ns += 'b'\ns *= 2\ns", "abab"), ("def l = [1]\nl += [2]\nl += 3\nl", [1, 2, 3]),
    ("def n = 5\nn /= 2\nn", 2.5), ("def n = 10\nn -= 3\nn %= 4\nn", 3),
    ("def m = [a: 1]\nm.a += 1\nm['a'] *= 10\nm.a", 20),
    ("def l = [1, 2]\nl[0] += 5\nl", [6, 2]), ("def n = 2\nn **= 3\nn", 8), ("def x\nx = y = 4\n[x, y]", [4, 4]),
])
def test_increment_and_compound_assignment(source, expected):
    assert value(source) == expected


# ---------------------------------------------------------------- declarations and scoping
@pytest.mark.parametrize("source, expected", [
    ("def x = 1\nx", 1), ("String s = 5\ns", "5"), ("int i = 2.7\ni", 2), ("double d = 1\nd", 1.0),
    ("def (a, b) = [1, 2]\na + b", 3), ("def (p, q) = [1]\n[p, q]", [1, None]), ("int z\nz", 0), ("def z\nz", None),
    ("boolean b\nb", False), ("final x = 'f'\nx", "f"), ("List<String> l = ['a']\nl", ["a"]),
    ("Map<String, Integer> m = [a: 1]\nm.a", 1), ("AAA_Key1 = 'k'\nAAA_Key1", "k"),
    ("(Collection)['a', 'b']", ["a", "b"]), ("def l = [0, 0]\nl[3] = 9\nl", [0, 0, None, 9]),
    ("def m = [a: [b: 1]]\nm.a.b = 2\nm", {"a": {"b": 2}}), ("def m = [:]\nm['k'] = 'v'\nm.k", "v"),
])
def test_declarations_and_assignment(source, expected):
    assert value(source) == expected


def test_top_level_def_is_seen_by_closures_not_by_methods():
    assert value("def x = 1\ndef c = { x + 1 }\nc()") == 2
    error = error_of("def x = 1\ndef f() { x }\nf()", GroovyRuntimeError)
    assert str(error) == "No such property: x for class: WorkflowScript" and error.line == 2


def test_undeclared_assignment_is_a_binding_variable_seen_everywhere():
    result, binding = run("y = 3\ndef f() { y + 1 }\nf()")
    assert result == 4 and binding.assigned == {"y": 3}


def test_field_annotation_makes_a_script_field():
    assert value("import groovy.transform.Field\n@Field def limit = 5\ndef f() { limit * 2 }\nf()") == 10


def test_closures_capture_and_modify_outer_variables():
    assert value("def count = 0\n[1, 2, 3].each { count += it }\ncount") == 6


def test_block_scopes_end_with_the_block():
    error = error_of("if (true) { def inner = 1 }\ninner", GroovyRuntimeError)
    assert "No such property: inner" in str(error)


def test_missing_property_names_workflowscript_with_the_line():
    error = error_of("def a = 1\n\necho undefinedThing", GroovyRuntimeError)
    assert str(error) == "No such property: undefinedThing for class: WorkflowScript"
    assert error.line == 3 and error.java_class == "groovy.lang.MissingPropertyException"


# ---------------------------------------------------------------- control flow
def test_if_else_chain():
    script = "def f(n) { if (n < 0) { 'neg' } else if (n == 0) { 'zero' } else 'pos' }\n[f(-1), f(0), f(2)]"
    assert value(script) == ["neg", "zero", "pos"]


@pytest.mark.parametrize("source, expected", [
    ("for (x in [1, 2]) { echo \"$x\" }", ["1", "2"]),
    ("for (e in [a: 1, b: 2]) { echo \"${e.key}=${e.value}\" }", ["a=1", "b=2"]),
    ("for (i in 1..3) { echo \"$i\" }", ["1", "2", "3"]),
    ("for (c in 'ab') { echo c }", ["a", "b"]),
    ("for (String s : ['p', 'q']) { echo s }", ["p", "q"]),
    ("for (x in null) { echo 'never' }", []),
    ("for (int i = 0; i < 3; i++) { echo \"$i\" }", ["0", "1", "2"]),
    ("def i = 0\nwhile (i < 3) { echo \"${i++}\" }", ["0", "1", "2"]),
    ("for (x in 1..10) { if (x == 3) break; echo \"$x\" }", ["1", "2"]),
    ("for (x in 1..4) { if (x % 2) continue; echo \"$x\" }", ["2", "4"]),
    ("def i = 0\nwhile (true) { if (++i > 2) { break }; echo \"$i\" }", ["1", "2"]),
    ("outer: for (a in 1..3) { for (b in 1..3) { if (b == 2) continue outer; if (a == 3) break outer; "
     "echo \"$a$b\" } }", ["11", "21"]),
    ("outer: while (true) { while (true) { break outer } }\necho 'out'", ["out"]),
])
def test_loops(source, expected):
    assert output(source) == expected


def test_closures_in_a_loop_see_a_fresh_declaration_per_iteration():
    script = "def cs = []\nfor (x in [1, 2]) { def y = x; cs << { y } }\ncs.collect { it() }"
    assert value(script) == [1, 2]


@pytest.mark.parametrize("subject, expected", [
    ("1", ["one", "small"]), ("2", ["small"]), ("5", ["range"]), ("'abc'", ["regex"]), ("'zzz'", ["string"]),
    ("[1]", ["list"]), ("42", ["closure"]), ("-1", ["default"]),
])
def test_switch_with_groovy_iscase_and_fallthrough(subject, expected):
    script = f"""
    switch ({subject}) {{
        case 1: echo 'one'
        case [2, 3]: echo 'small'; break
        case 4..6: echo 'range'; break
        case ~/a.c/: echo 'regex'; break
        case String: echo 'string'; break
        case List: echo 'list'; break
        case {{ it > 40 }}: echo 'closure'; break
        default: echo 'default'
    }}"""
    assert output(script) == expected


def test_switch_value_and_default_in_the_middle():
    assert value("def r\nswitch ('x') { case 'y': r = 1; break; default: r = 2; break; case 'z': r = 3 }\nr") == 2


# ---------------------------------------------------------------- exceptions
def test_catching_a_failed_step_with_its_message():
    script = """
    try { error 'boom' } catch (Exception e) {
        echo e.message; echo e.getMessage(); echo e.toString(); echo "${e}"
    }"""
    assert output(script) == ["boom", "boom", "hudson.AbortException: boom", "hudson.AbortException: boom"]


def test_abort_exception_catches_only_failed_steps():
    assert output("try { error 'x' } catch (hudson.AbortException e) { echo 'caught' }") == ["caught"]
    error = error_of("try { nosuch } catch (hudson.AbortException e) { echo 'no' }", GroovyRuntimeError)
    assert "No such property: nosuch" in str(error)


def test_untyped_catch_catches_a_missing_step():
    _, binding = run("try { notAStep('x') } catch (e) { echo \"${e.message}\" }")
    assert binding.output == ["No such DSL method 'notAStep' found among steps"]


def test_flow_interruption_is_an_exception_like_on_jenkins():
    assert output("try { interrupt() } catch (Exception e) { echo 'caught' }") == ["caught"]
    assert output("try { interrupt() } catch (InterruptedException e) { echo 'caught' }") == ["caught"]
    with pytest.raises(FlowInterrupted):
        run("try { interrupt() } catch (hudson.AbortException e) { echo 'no' }")


def test_catch_by_java_type_of_runtime_errors():
    script = "try { Integer.parseInt('x') } catch (NumberFormatException e) { echo e.message }"
    assert output(script) == ['For input string: "x"']
    assert output("try { [].first() } catch (NoSuchElementException e) { echo 'empty' }") == ["empty"]
    assert output("try { 1 / 0 } catch (ArithmeticException e) { echo e.message }") == ["Division by zero"]


def test_thrown_exceptions_match_their_class_and_superclasses():
    script = """
    try { throw new IllegalStateException('bad') }
    catch (IllegalArgumentException e) { echo 'wrong' }
    catch (RuntimeException e) { echo "runtime ${e.message}" }"""
    assert output(script) == ["runtime bad"]
    assert output("try { throw new Exception('x') } catch (IOException | Exception e) { echo e.message }") == ["x"]


def test_uncaught_throw_fails_the_build_with_its_message_and_line():
    error = error_of("echo 'a'\nthrow new Exception('custom failure')")
    assert type(error) is BuildError and str(error) == "custom failure" and error.line == 2


def test_rethrow_keeps_the_original_error():
    error = error_of("try { error 'first' } catch (e) { echo 'seen'; throw e }", StepFailed)
    assert str(error) == "first"


def test_finally_runs_on_success_failure_and_return():
    assert output("try { echo 'body' } finally { echo 'fin' }") == ["body", "fin"]
    binding = FakeBinding()
    with pytest.raises(StepFailed):
        run("try { error 'x' } finally { echo 'fin' }", binding)
    assert binding.output == ["fin"]
    result, binding = run("def f() { try { return 1 } finally { echo 'fin' } }\nf()")
    assert result == 1 and binding.output == ["fin"]


def test_try_and_catch_have_values():
    assert value("def r = 0\ntry { r = 1 } catch (e) { r = 2 }\nr") == 1


def test_sandbox_rejections_are_never_caught():
    with pytest.raises(UnsupportedGroovy):
        run("try { Jenkins.instance } catch (Throwable t) { echo 'escaped' }")


def test_assert():
    assert str(error_of("def x = 2\nassert x == 1", GroovyRuntimeError)) == "Assertion failed: assert x == 1"
    assert str(error_of("assert 1 > 2 : 'math'", GroovyRuntimeError)) == "math. Expression: 1 > 2"
    assert value("assert [1]\n'ok'") == "ok"


def test_errors_carry_the_line_of_the_failing_node():
    assert error_of("echo 'a'\n\nnotAStep()", NoSuchStep).line == 3
    assert error_of("def m = [:]\nm.x.y", GroovyRuntimeError).line == 2
    assert error_of("def f() {\n  error 'in method'\n}\nf()", StepFailed).line == 2


# ---------------------------------------------------------------- closures
@pytest.mark.parametrize("source, expected", [
    ("def c = { it * 2 }\nc(4)", 8), ("def c = { it }\nc()", None), ("def c = { a, b -> a + b }\nc(1, 2)", 3),
    ("def c = { -> 'none' }\nc()", "none"), ("def c = { x -> x * 2 }\nc.call(5)", 10),
    ("def add = { a, b -> a + b }\ndef inc = add.curry(1)\ninc(5)", 6),
    ("def twice = { f, x -> f(f(x)) }\ntwice({ it + 3 }, 1)", 7),
    ("def outer = { x -> { y -> x + y } }\nouter(1)(2)", 3),
    ("[[1, 2], [3, 4]].collect { a, b -> a * b }", [2, 12]),
    ("def counter = { def n = 0; return { ++n } }()\ncounter(); counter()", 2),
    ("def c = { if (it > 1) return 'big'; 'small' }\n[c(1), c(2)]", ["small", "big"]),
])
def test_closures(source, expected):
    assert value(source) == expected


def test_return_inside_a_closure_returns_from_the_closure_only():
    assert output("[1, 2, 3].each { if (it == 2) return; echo \"$it\" }\necho 'after'") == ["1", "3", "after"]


def test_closure_default_parameters():
    # the grammar cannot parse `{ a, b = 3 -> }` yet, so build that closure from one it parses
    interpreter = Interpreter(FakeBinding())
    node = parse_expression("{ a, b -> a + b }")
    b = dataclasses.replace(node.params[1], default=parse_expression("3"))
    closure = interpreter.closure(dataclasses.replace(node, params=(node.params[0], b)), interpreter.script_scope)
    assert closure(1) == 4 and closure(1, 1) == 2


def test_closures_are_callable_from_python():
    interpreter = Interpreter(FakeBinding(), parse_groovy("def base = 10"))
    interpreter.run_script()
    node = parse_expression("{ x -> base + x }")
    closure = interpreter.closure(node, interpreter.script_scope)
    assert isinstance(closure, GroovyClosure) and closure.node is node and closure(5) == 15


def test_calling_a_closure_with_too_many_arguments_fails():
    assert "No signature of method" in str(error_of("def c = { a -> a }\nc(1, 2)", GroovyRuntimeError))


def test_break_outside_a_loop_is_an_error():
    assert "only allowed inside loops" in str(error_of("[1].each { break }", GroovyRuntimeError))


def test_method_pointer():
    assert value("def twice(x) { x * 2 }\ndef f = this.&twice\n[1, 2].collect(f)") == [2, 4]
    assert value("def up = 'abc'.&toUpperCase\nup()") == "ABC"


# ---------------------------------------------------------------- script methods
def test_methods_with_defaults_overloads_and_implicit_return():
    script = """
    def greet(name, greeting = 'hello') { "$greeting $name" }
    def size(a) { 1 }
    def size(a, b) { 2 }
    [greet('bob'), greet('ann', 'hi'), size(0), size(0, 0)]"""
    assert value(script) == ["hello bob", "hi ann", 1, 2]


def test_recursion():
    assert value("def fact(n) { n <= 1 ? 1 : n * fact(n - 1) }\nfact(20)") == 2432902008176640000


def test_deep_recursion_is_a_stack_overflow_not_a_crash():
    error = error_of("def f(n) { f(n + 1) }\nf(0)", GroovyRuntimeError)
    assert str(error) == "StackOverflowError" and error.line == 1
    assert output("def f(n) { f(n + 1) }\ntry { f(0) } catch (StackOverflowError e) { echo 'deep' }") == ["deep"]
    closure_recursion = "def c\nc = { n -> [n].collect { c(n + 1) } }\nc(0)"
    assert str(error_of(closure_recursion, GroovyRuntimeError)) == "StackOverflowError"


def test_a_script_method_shadows_a_step_with_the_same_arity():
    _, binding = run("def echo(a, b) { 'mine' }\necho 'step'\nassert echo(1, 2) == 'mine'")
    assert binding.output == ["step"]


def test_a_closure_variable_is_called_before_methods_and_steps():
    _, binding = run("def echo = { 'closure' }\ndef r = echo('x')\nprintln r")
    assert binding.output == ["closure"]


def test_a_loaded_script_object_keeps_its_own_methods():
    """What `load 'x.groovy'` returns (its `this`) calls the loaded script's methods."""
    library = Interpreter(FakeBinding(), parse_groovy("def greet(n) { \"hi $n\" }\nlibVar = 'lib'\nreturn this"))
    loaded = library.run_script()
    binding = FakeBinding()
    binding.globals["lib"] = loaded
    assert run("[lib.greet('bob'), lib.libVar]", binding)[0] == ["hi bob", "lib"]


def test_methods_take_named_arguments_as_a_leading_map():
    assert value("def f(Map opts, x) { opts.a + x }\nf(a: 1, 2)") == 3


# ---------------------------------------------------------------- script classes and enums
def test_enums():
    script = ("enum Modes { FAST, SLOW }\n"
              "[Modes.FAST, Modes.values(), Modes.valueOf('SLOW').ordinal(), Modes.FAST.name()]")
    assert shown(script) == "[FAST, [FAST, SLOW], 1, FAST]"
    assert value("enum M { A, B }\ndef m = M.B\nswitch (m) { case M.A: 'a'; break; case M.B: 'b'; break }") == "b"
    assert value("enum M { A }\n[M.A == M.A, M.A instanceof M, 'A' as M]")[:2] == [True, True]


def test_classes_with_fields_methods_and_constructors():
    script = """
    class Counter {
        static final String LABEL = 'count'
        int n = 1
        String name
        Counter(String name) { this.name = name }
        def inc(by = 1) { n += by; return this }
        String toString() { "$LABEL $name=$n" }
    }
    def c = new Counter('x')
    c.inc().inc(5)
    [c.n, c.name, "${c}", Counter.LABEL, c.getN(), c instanceof Counter]"""
    assert value(script) == [7, "x", "count x=7", "count", 7, True]


def test_class_map_constructor_and_inheritance():
    script = """
    class Base { String kind = 'base'; def describe() { "$kind:$name" } }
    class Item extends Base { String name }
    def i = new Item(name: 'bolt')
    [i.describe(), i instanceof Base]"""
    assert value(script) == ["base:bolt", True]


def test_class_instances_can_call_steps_through_a_passed_script_object():
    script = """
    class Helper { def steps; Helper(steps) { this.steps = steps }; def hello() { steps.echo 'from class' } }
    new Helper(this).hello()"""
    assert output(script) == ["from class"]


# ---------------------------------------------------------------- the binding
def test_steps_receive_positional_named_and_closure_arguments():
    _, binding = run("echo 'hi'\nfoo = 1\nstage('build') { echo \"in ${env.BRANCH_NAME}\" }\n"
                     "timeout(time: 5, unit: 'MINUTES') { echo 'timed' }\nnode({ echo 'last arg' })")
    names = [call[0] for call in binding.calls]
    assert names == ["echo", "stage", "echo", "timeout", "echo", "node", "echo"]
    stage = binding.calls[1]
    assert stage[1] == ["build"] and stage[2] == {} and isinstance(stage[3], GroovyClosure)
    assert binding.calls[3][2] == {"time": 5, "unit": "MINUTES"}
    assert binding.calls[5][1] == [] and isinstance(binding.calls[5][3], GroovyClosure)
    assert binding.output == ["hi", "in main", "timed", "last arg"]


def test_step_results_and_spread_arguments():
    assert value("sh(script: 'ls', returnStdout: true).trim()") == "stdout of ls"
    _, binding = run("def parts = ['x']\necho(*parts)")
    assert binding.output == ["x"]


def test_unknown_steps_raise_no_such_step():
    error = error_of("\nmissingStep 'x'", NoSuchStep)
    assert error.line == 2


def test_env_params_and_current_build():
    script = """
    env.DEPLOY_TO = params.TARGET
    currentBuild.result = 'UNSTABLE'
    [env.BRANCH_NAME, env.DEPLOY_TO, env.NOT_SET, params.DEPLOY, params['COUNT'].toInteger(),
     currentBuild.result, currentBuild.getNumber(), currentBuild.number, currentBuild.displayName,
     env.getEnvironment().BUILD_NUMBER, BUILD_URL]"""
    result, binding = run(script)
    assert result == ["main", "prod", None, True, 3, "UNSTABLE", 7, 7, "#7", "7", "http://ci/job/7/"]
    assert binding.env.vars["DEPLOY_TO"] == "prod" and binding.build.result == "UNSTABLE"


def test_underscore_names_reach_only_the_property_hooks():
    result, binding = run("env._HIDDEN = 'h'\n[env._HIDDEN, env._UNSET]")
    assert result == ["h", None] and binding.env.vars["_HIDDEN"] == "h"


def test_setter_style_and_missing_attributes_on_binding_objects():
    result, binding = run("currentBuild.setResult('FAILURE')\ncurrentBuild.result")
    assert result == "FAILURE"
    assert "No such property: nope" in str(error_of("currentBuild.nope", GroovyRuntimeError))
    assert "No such property: brandNew" in str(error_of("currentBuild.brandNew = 1", GroovyRuntimeError))


def test_step_results_are_plain_values():
    script = "def data = readJSON(text: '{}')\n[data.items[0].name, data.items[0].tags.join(','), data.count + 1]"
    assert value(script) == ["a", "x,y", 2]


# ---------------------------------------------------------------- GDK methods
@pytest.mark.parametrize("source, expected", [
    ("def out = []\n[1, 2].each { out << it * 10 }\nout", [10, 20]),
    ("def out = []\n['a', 'b'].eachWithIndex { x, i -> out << \"$i$x\" }\nout", ["0a", "1b"]),
    ("def out = []\n[a: 1, b: 2].each { k, v -> out << k + v }\nout", ["a1", "b2"]),
    ("def out = []\n[a: 1].each { out << it.key + it.value }\nout", ["a1"]),
    ("def out = []\n[a: 1].eachWithIndex { e, i -> out << \"$i:${e.key}\" }\nout", ["0:a"]),
    ("[1, 2, 3].collect { it * it }", [1, 4, 9]), ("[a: 1, b: 2].collect { k, v -> k * v }", ["a", "bb"]),
    ("['a', 'b'].collectEntries { [(it): it.toUpperCase()] }", {"a": "A", "b": "B"}),
    ("['a', 'b'].collectEntries { [it, 1] }", {"a": 1, "b": 1}), ("[a: 1].collectEntries { k, v -> [v, k] }", {1: "a"}),
    ("[1, 2, 3, 4].find { it > 2 }", 3), ("[1, 2].find { it > 5 }", None),
    ("[1, 2, 3, 4].findAll { it % 2 == 0 }", [2, 4]),
    ("[a: 1, b: 2].findAll { k, v -> v > 1 }", {"b": 2}), ("[a: 1, b: 2].find { it.value == 2 }.key", "b"),
    ("[0, 1, null, 'x'].findAll()", [1, "x"]), ("[5, 6, 7].findIndexOf { it == 6 }", 1),
    ("[1, 2].any { it > 1 }", True), ("[1, 2].every { it > 1 }", False), ("[a: 1].any { k, v -> v == 1 }", True),
    ("[1, 2, 3].inject(0) { acc, x -> acc + x }", 6), ("[1, 2, 3].inject { acc, x -> acc * x }", 6),
    ("[a: 1, b: 2].inject(0) { acc, k, v -> acc + v }", 3),
    ("[1, 2, 3].sum()", 6), ("['a', 'b'].sum()", "ab"), ("[].sum()", None), ("[1, 2].sum(10)", 13),
    ("[1, 2].sum { it * 10 }", 30), ("[3, 1, 2].max()", 3), ("[3, 1, 2].min()", 1),
    ("['bb', 'a'].max { it.size() }", "bb"),
    ("[1, 2, 1].count(1)", 2), ("[1, 2, 3].count { it > 1 }", 2),
    ("['a', 'bb', 'cc'].groupBy { it.size() }", {1: ["a"], 2: ["bb", "cc"]}),
    ("def l = [3, 1, 2]\nl.sort()\nl", [1, 2, 3]), ("['bb', 'a', 'ccc'].sort { it.size() }", ["a", "bb", "ccc"]),
    ("[1, 3, 2].sort { a, b -> b <=> a }", [3, 2, 1]), ("def l = [2, 1]\nl.sort(false)\nl", [2, 1]),
    ("[c: 1, a: 2].sort()", {"a": 2, "c": 1}), ("[a: 3, b: 1].sort { it.value }", {"b": 1, "a": 3}),
    ("[1, 2, 1, 3].unique()", [1, 2, 3]), ("['a', 'A', 'b'].unique { it.toLowerCase() }", ["a", "b"]),
    ("[1, 2, 3].reverse()", [3, 2, 1]), ("[1, [2, [3]]].flatten()", [1, 2, 3]),
    ("[1, 'a', null].join(', ')", "1, a, null"),
    ("[1, 2, 3].first()", 1), ("[1, 2, 3].last()", 3), ("[1, 2, 3].head()", 1), ("[1, 2, 3].tail()", [2, 3]),
    ("[1, 2, 3].take(2)", [1, 2]), ("[1, 2, 3].drop(2)", [3]), ("[1, 2].size()", 2), ("[].isEmpty()", True),
    ("[1, 2].contains(2)", True), ("[a: 1].containsKey('a')", True), ("[a: 1].containsValue(1)", True),
    ("[5, 6].get(1)", 6), ("[a: 1].get('a')", 1), ("[a: 1].get('b')", None),
    ("def m = [:]\nm.get('x', []) << 1\nm", {"x": [1]}),
    ("[a: 1].getOrDefault('z', 0)", 0), ("def m = [:]\nm.put('k', 'v')\nm", {"k": "v"}),
    ("def m = [a: 1, b: 2]\nm.remove('a')\nm", {"b": 2}), ("def l = ['a', 'b']\nl.remove(0)\nl", ["b"]),
    ("def l = ['a', 'b']\nl.remove('b')\nl", ["a"]), ("def l = [1]\nl.add(2)\nl.addAll([3, 4])\nl", [1, 2, 3, 4]),
    ("def l = [1]\nl.add(0, 9)\nl", [9, 1]), ("[1].plus(2)", [1, 2]), ("[1, 2].minus(1)", [2]),
    ("[a: 1, b: 2].keySet()", ["a", "b"]), ("[a: 1, b: 2].values()", [1, 2]),
    ("[a: 1].entrySet().collect { it.key + '=' + it.value }", ["a=1"]),
    ("def m = [a: 1]\nm.entrySet()[0].value = 5\nm", {"a": 5}),
    ("['x', 'y'].withIndex()", [["x", 0], ["y", 1]]), ("[1, 2, 3, 4].subList(1, 3)", [2, 3]), ("[5, 6].indexOf(6)", 1),
    ("[1, 2, 3, 4].collate(2)", [[1, 2], [3, 4]]), ("[1, 2, 3].intersect([2, 3, 4])", [2, 3]),
    ("def l = [1, 2]\nl.push(3)\nl.pop()", 3), ("[1, 2, 3].findResult { it > 1 ? it * 10 : null }", 20),
    ("[[1, 2], [3]].collectMany { it }", [1, 2, 3]), ("['a1', 'b', 'c2'].grep(~/.\\d/)", ["a1", "c2"]),
    ("[a: 1, b: 2].subMap(['a'])", {"a": 1}), ("[a: 1].plus([b: 2])", {"a": 1, "b": 2}),
    ("[a: [x: 1], b: [x: 2]].max { it.value.x }.key", "b"), ("[1, 2, 3].countBy { it % 2 }", {1: 2, 0: 1}),
    ("[a: 1, b: 2].groupBy { it.value > 1 }", {False: {"a": 1}, True: {"b": 2}}),
])
def test_collection_methods(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("'a,b,,c,,'.split(',')", ["a", "b", "", "c"]), ("' a  b '.split()", ["a", "b"]),
    ("'a1b22c'.split(/\\d+/)", ["a", "b", "c"]),
    ("'a, b;c'.tokenize(',; ')", ["a", "b", "c"]), ("'a  b'.tokenize()", ["a", "b"]), ("'  x \\n'.trim()", "x"),
    ("' x '.strip()", "x"), ("'abc'.startsWith('ab')", True), ("'abc'.endsWith('bc')", True),
    ("'aBc'.toUpperCase()", "ABC"), ("'aBc'.toLowerCase()", "abc"), ("'hello world'.capitalize()", "Hello world"),
    ("'a.b.c'.replace('.', '/')", "a/b/c"), ("'v1.2.3'.replaceAll(/(\\d+)/, '<$1>')", "v<1>.<2>.<3>"),
    ("'a-b-c'.replaceFirst('-', '+')", "a+b-c"), ("'cost: $5'.replaceAll(/\\$(\\d)/, '\\\\$$1')", "cost: $5"),
    ("'x1y2'.replaceAll(/\\d/) { it * 2 }", "x11y22"), ("'k=v'.replaceAll(/(\\w)=(\\w)/) { all, a, b -> b + a }", "vk"),
    ("'abc'.matches('a.c')", True), ("'abc'.matches('b')", False), ("'hello'.substring(1)", "ello"),
    ("'hello'.substring(1, 3)", "el"), ("'abc'.length()", 3), ("'abc'.size()", 3), ("'abc'.charAt(1)", "b"),
    ("'abc'.equals('abc')", True), ("'ABC'.equalsIgnoreCase('abc')", True), ("' 42 '.toInteger()", 42),
    ("'42'.toLong()", 42), ("'2.5'.toDouble()", 2.5), ("'true'.toBoolean()", True), ("'no'.toBoolean()", False),
    ("'Y'.toBoolean()", True), ("'x'.toString()", "x"), ("'3.5'.isNumber()", True), ("'3.5'.isInteger()", False),
    ("'35'.isInteger()", True), ("'x'.isNumber()", False), ("'7'.padLeft(3, '0')", "007"),
    ("'ab'.padRight(4, '.')", "ab.."),
    ("'ab'.padLeft(1)", "ab"), ("'ab'.center(6, '*')", "**ab**"), ("'a\\nb\\r\\nc\\n'.readLines()", ["a", "b", "c"]),
    ("'%s-%03d'.format('v', 7)", "v-007"),
    ("String.format('%.2f|%5s|%-3s|%,d', 3.14159, 'ab', 'x', 1234567)", "3.14|   ab|x  |1,234,567"),
    ("String.format('%s %s %b %n', null, [1], null)", "null [1] false \n"), ("'ab'.multiply(2)", "abab"),
    ("'abc'.contains('bc')", True), ("'abcb'.indexOf('b')", 1), ("'abcb'.lastIndexOf('b')", 3),
    ("'abc'.reverse()", "cba"),
    ("'abc'[0..1]", "ab"), ("'hello'[0..<-1]", "hell"), ("'hello'[-3..-1]", "llo"), ("'abc'[-1]", "c"),
    ("'hello'[4..0]", "olleh"), ("'x-1-y'.find(/\\d/)", "1"), ("'a1b2'.findAll(/\\d/)", ["1", "2"]),
    ("'aaa'.count('aa')", 2), ("'|a\\n  |b'.stripMargin()", "a\nb"), ("'abc'.toList()", ["a", "b", "c"]),
    ("'abc'.collect { it.toUpperCase() }", ["A", "B", "C"]), ("'abc'.take(2)", "ab"), ("'abc'.drop(1)", "bc"),
    ("'ab'.every { it in ['a', 'b'] }", True), ("'a b'.isBlank()", False), ("'abc'.with { it.size() }", 3),
])
def test_string_methods(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("def out = []\n3.times { out << it }\nout", [0, 1, 2]), ("def out = []\n1.upto(3) { out << it }\nout", [1, 2, 3]),
    ("def out = []\n3.downto(1) { out << it }\nout", [3, 2, 1]), ("(-5).abs()", 5), ("2.5.round()", 3),
    ("2.4.round()", 2), ("3.14159.round(2)", 3.14), ("10.intdiv(3)", 3), ("7.toString()", "7"), ("3.7.toInteger()", 3),
    ("5.toDouble()", 5.0), ("Integer.parseInt('12')", 12), ("Integer.parseInt('ff', 16)", 255),
    ("Integer.valueOf('3')", 3),
    ("Long.parseLong('9')", 9), ("Double.parseDouble('1.5')", 1.5), ("Boolean.parseBoolean('TRUE')", True),
    ("Boolean.parseBoolean('yes')", False), ("String.valueOf(12)", "12"), ("String.valueOf(null)", "null"),
    ("Math.max(3, 7)", 7), ("Math.min(3, 7)", 3), ("Math.abs(-2)", 2), ("Math.round(2.5)", 3), ("Math.floor(2.7)", 2.0),
    ("Math.ceil(2.1)", 3.0), ("Math.pow(2, 3)", 8.0), ("Integer.MAX_VALUE", 2147483647),
    ("String.join('-', ['a', 'b'])", "a-b"),
    ("true.toString()", "true"), ("false.and(true)", False), ("null.toString()", "null"), ("null.is(null)", True),
])
def test_number_boolean_and_static_methods(source, expected):
    result = value(source)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("source, expected", [
    ("def l = new ArrayList()\nl.add(1)\nl", [1]), ("new ArrayList([1, 2])", [1, 2]),
    ("def m = new HashMap()\nm.a = 1\nm", {"a": 1}),
    ("new LinkedHashMap([b: 2])", {"b": 2}), ("new StringBuilder().append('a').append(1).toString()", "a1"),
    ("def sb = new StringBuilder('x')\nsb << 'y'\nsb.toString()", "xy"),
    ("new Date(0).format('yyyy-MM-dd HH:mm')", "1970-01-01 00:00"),
    ("new Date(86400000).format(\"EEE, d MMM yyyy 'at' HH:mm:ss\")", "Fri, 2 Jan 1970 at 00:00:00"),
    ("new Date().getTime() > 0", True), ("new ArrayList<String>() instanceof List", True),
])
def test_allowed_constructors(source, expected):
    assert value(source) == expected


def test_unknown_methods_report_a_missing_method():
    error = error_of("'abc'.frobnicate(1)", GroovyRuntimeError)
    assert str(error).startswith("No signature of method: java.lang.String.frobnicate() is applicable")
    assert error.java_class == "groovy.lang.MissingMethodException"


def test_gdk_argument_errors_become_groovy_errors():
    assert "String index out of range" in str(error_of("'abc'.charAt(10)", GroovyRuntimeError))
    assert "Cannot access first element from an empty List" in str(error_of("[].first()", GroovyRuntimeError))
    assert "No signature of method" in str(error_of("'abc'.substring(1, 2, 3)", GroovyRuntimeError))


# ---------------------------------------------------------------- sandbox
@pytest.mark.parametrize("source, construct", [
    ("Jenkins.instance", "Jenkins.instance"),
    ("Jenkins.instance.getItem('x')", "Jenkins.instance"),
    ("Jenkins.getInstance()", "Jenkins.getInstance"),
    ("def j = Jenkins", "Jenkins"),
    ("System.getenv('HOME')", "System.getenv"),
    ("System.currentTimeMillis()", "System.currentTimeMillis"),
    ("System.exit(0)", "System.exit"),
    ("Runtime.getRuntime().exec('ls')", "Runtime.getRuntime().exec"),
    ("Class.forName('java.lang.Runtime')", "Class.forName"),
    ("Thread.sleep(10)", "Thread.sleep"),
    ("Eval.me('1 + 1')", "Eval.me"),
    ("'ls'.execute()", "'ls'.execute"),
    ("['ls', '-l'].execute()", "['ls', '-l'].execute"),
    ("''.class", "''.class"),
    ("[].getClass()", "[].getClass"),
    ("def x = 1\nx.metaClass", "x.metaClass"),
    ("String.metaClass.foo = { 1 }", "String.metaClass"),
    ("this.class.classLoader", "this.class.classLoader"),
    ("getClass()", "getClass"),
    ("evaluate('1 + 1')", "evaluate"),
    ("new File('/etc/passwd').text", "new File"),
    ("new java.io.File('x')", "new java.io.File"),
    ("new groovy.json.JsonSlurper()", "new groovy.json.JsonSlurper"),
    ("new ProcessBuilder('ls').start()", "new ProcessBuilder"),
    ("hudson.model.Hudson.instance", "hudson.model.Hudson.instance"),
    ("jenkins.model.Jenkins.get()", "jenkins.model.Jenkins.get"),
    ("java.lang.System.getenv()", "java.lang.System.getenv"),
    ("def r = hudson.model.Result.SUCCESS", "hudson.model.Result.SUCCESS"),
    ("currentBuild.rawBuild", "currentBuild.rawBuild"),
    ("currentBuild.getRawBuild()", "currentBuild.getRawBuild"),
    ("@Grab('org.foo:bar:1.0')\nimport org.foo.Bar", "@Grab"),
    ("Calendar.getInstance()", "Calendar.getInstance"),
])
def test_sandbox_rejects_java_and_jenkins_access(source, construct):
    error = error_of(source, UnsupportedGroovy)
    line = source.count("\n") + 1  # the construct is on the last line of each snippet
    assert str(error) == f"line {line}: unsupported Groovy: {construct}"
    assert error.construct == construct and error.line == line


@pytest.mark.parametrize("source", [
    "def x = 'a'\nx.__class__",
    "''.__class__.__mro__",
    "[].__class__",
    "[:].__init__",
    "def c = { 1 }\nc.__globals__",
    "def c = { 1 }\nc.__call__()",
    "currentBuild.__dict__",
    "currentBuild._secret",
    "currentBuild._secret = 1",
    "env.__class__.__subclasses__()",
    "def m = [a: 1]\nm.__len__()",
    "'x'.\"${'__class__'}\"",
    "'x'.\"__class__\"()",
])
def test_scripts_cannot_reach_python_internals(source):
    error = error_of(source, UnsupportedGroovy)
    assert "unsupported Groovy" in str(error)


@pytest.mark.parametrize("source", [
    "def c = { 1 }\nc.interpreter", "def c = { 1 }\nc.scope", "def c = { 1 }\nc.node",
    "(1..2).steps", "('a' =~ /a/).regex", "new Exception('x').error", "def sb = new StringBuilder()\nsb.text",
])
def test_interpreter_objects_expose_only_their_groovy_members(source):
    assert "No such property" in str(error_of(source, GroovyRuntimeError))


def test_python_format_strings_are_not_interpreted():
    assert value("'{0.__class__}'.format('x')") == "{0.__class__}"
    assert value("String.format('{0.__class__.__mro__}')") == "{0.__class__.__mro__}"


def test_binding_objects_do_not_hand_out_classes_or_modules():
    class Sneaky:
        kind = str
        def __init__(self):
            self.module = math
    binding = FakeBinding()
    binding.globals["sneaky"] = Sneaky()
    for source in ("sneaky.kind", "sneaky.module", "sneaky.module.sqrt(4)"):
        with pytest.raises(UnsupportedGroovy):
            run(source, binding)


def test_rejection_message_names_the_line_and_construct():
    error = error_of("def a = 1\necho 'x'\ndef j = Jenkins.instance.getItemByFullName('job')", UnsupportedGroovy)
    assert str(error) == "line 3: unsupported Groovy: Jenkins.instance"


def test_bare_java_class_names_read_as_unsupported_not_missing():
    assert str(error_of("def rt = Runtime", UnsupportedGroovy)) == "line 1: unsupported Groovy: Runtime"


def test_imports_run_but_unlisted_classes_stay_unsupported():
    error = error_of("import groovy.json.JsonOutput\nJsonOutput.toJson([a: 1])", UnsupportedGroovy)
    assert str(error) == "line 2: unsupported Groovy: JsonOutput.toJson"


def test_capitalized_globals_can_come_from_the_binding():
    binding = FakeBinding()
    binding.globals["Artifactory"] = {"server": "art-1"}
    assert run("Artifactory.server", binding)[0] == "art-1"


def test_dict_subclasses_from_the_binding_keep_map_access_and_python_methods():
    class EnvProxy(dict):
        def getEnvironment(self):
            return dict(self)

    binding = FakeBinding()
    binding.globals["env"] = EnvProxy(A="1")
    assert run("env.B = '2'\n[env.A, env.getEnvironment(), env.size()]", binding)[0] == ["1", {"A": "1", "B": "2"}, 2]
    with pytest.raises(UnsupportedGroovy):
        run("env.fromkeys(['x'])", binding)  # builtin dict methods are not the script's to call


def test_binding_methods_called_with_wrong_arguments_are_missing_methods():
    error = error_of("env.getEnvironment(1, 2)", GroovyRuntimeError)
    assert error.java_class == "groovy.lang.MissingMethodException"


# ---------------------------------------------------------------- public API and engine use
def test_scope_api():
    outer = Scope()
    outer.declare("a", 1)
    inner = Scope(outer)
    inner.set("a", 2)
    inner.declare("b", 3)
    assert outer.get("a") == 2 and inner.has("a") and not outer.has("b")
    with pytest.raises(KeyError):
        outer.set("b", 1)
    with pytest.raises(KeyError):
        outer.get("missing")


def test_truthy_and_to_groovy_string():
    assert [truthy(v) for v in (None, 0, 0.0, "", [], {}, False)] == [False] * 7
    assert [truthy(v) for v in (1, "false", [0], {"a": None}, True, object())] == [True] * 6
    assert to_groovy_string([None, True, {"k": [1, "v"]}]) == "[null, true, [k:[1, v]]]"


def test_evaluate_and_execute_with_a_scope():
    interpreter = Interpreter(FakeBinding())
    scope = Scope(interpreter.script_scope)
    scope.declare("n", 4)
    assert interpreter.evaluate(parse_expression("n * 2"), scope) == 8
    assert interpreter.evaluate(parse_expression("env.BRANCH_NAME")) == "main"
    assert interpreter.execute(parse_groovy("def a = n + 1\na * 10").body, scope) == 50
    assert interpreter.execute(parse_groovy("return 'early'\necho 'never'").body) == "early"


def test_engine_style_script_blocks_share_the_script_scope_and_methods():
    text = """
    def version = '1.0'
    def tag(v) { "v$v" }
    pipeline {
        agent any
        stages {
            stage('Build') {
                when { expression { return params.DEPLOY } }
                steps {
                    script {
                        def t = tag(version)
                        echo "tag ${t}"
                        released = t
                    }
                }
            }
        }
    }"""
    script = parse_groovy(text)
    binding = FakeBinding()
    interpreter = Interpreter(binding, script)
    # run the top-level statements except `pipeline {}` (the engine interprets that itself)
    interpreter.execute([s for s in script.body if not _is_pipeline(s)])
    closures = _closures_named(script, {"expression", "script"})
    condition = interpreter.closure(closures["expression"], Scope(interpreter.script_scope))
    assert truthy(condition())
    interpreter.execute(closures["script"].body, Scope(interpreter.script_scope))
    assert binding.output == ["tag v1.0"] and binding.assigned == {"released": "v1.0"}


def _is_pipeline(stmt) -> bool:
    return type(stmt).__name__ == "ExprStmt" and getattr(stmt.expr, "name", None) == "pipeline"


def _closures_named(node, names: set) -> dict:
    """The trailing closures of calls with these names, found anywhere in the tree."""
    found = {}

    def walk(item):
        if isinstance(item, (list, tuple)):
            for child in item:
                walk(child)
            return
        if not dataclasses.is_dataclass(item):
            return
        if type(item).__name__ == "Call" and item.name in names and item.args:
            found[item.name] = item.args[-1]
        for field in dataclasses.fields(item):
            walk(getattr(item, field.name))

    walk(node)
    return found


# ---------------------------------------------------------------- robustness on real Jenkinsfiles
class _Anything:
    """A permissive global for the corpus run: every property answers, as a proxy would."""

    def getProperty(self, name):
        return _Anything() if name[:1].islower() else "value"

    def setProperty(self, name, value):
        pass


class _PermissiveBinding(FakeBinding):
    def lookup(self, name, node):
        if name in self.assigned:
            return self.assigned[name]
        return _Anything() if name[:1].islower() else "value"

    def call(self, name, args, kwargs, closure, node):
        if name == "parallel":
            branches = args[0] if args and isinstance(args[0], dict) else kwargs
            return [branch() for branch in branches.values() if callable(branch)]
        if name in ("sh", "bat", "powershell"):
            return "" if kwargs.get("returnStdout") else 0
        for arg in list(args) + [closure]:
            if isinstance(arg, GroovyClosure):
                arg()
        return None


def test_real_jenkinsfiles_only_ever_raise_build_errors(corpus, report):
    """Every real-world and plugin-test Jenkinsfile, run as Groovy with a binding that answers
    everything: the interpreter may fail them (BuildError), but no Python error may escape."""
    files = [p for folder in ("realworld", "declarative/valid") for p in sorted((corpus / folder).rglob("*"))
             if p.is_file() and p.suffix not in (".tsv", ".md", ".json", ".txt", ".xml", ".yaml", ".yml")]
    outcomes = {"ran": 0, "build error": 0, "unparsable": 0}
    for path in files:
        try:
            tree = parse_groovy(path.read_text(errors="replace"))
        except Exception:
            outcomes["unparsable"] += 1
            continue
        try:
            Interpreter(_PermissiveBinding(), tree).run_script()
            outcomes["ran"] += 1
        except BuildError:
            outcomes["build error"] += 1
    report(f"script interpreter on {len(files)} corpus Jenkinsfiles: {outcomes}")
    assert outcomes["ran"] > len(files) // 2
