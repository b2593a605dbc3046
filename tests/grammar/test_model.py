"""The declarative model built from the Groovy tree, and Jenkins' messages for each rule."""
from __future__ import annotations

import pytest

from orchestrator.grammar import JenkinsfileError, check, parse
from orchestrator.grammar import groovy as g


def pipeline(body: str, top: str = "agent any") -> str:
    return f"pipeline {{\n    {top}\n    stages {{\n{body}\n    }}\n}}\n"


def stage(inner: str, name: str = "s") -> str:
    return f"        stage('{name}') {{\n{inner}\n        }}"


STEPS = stage("            steps { echo 'hi' }")


def messages(text: str, **kw) -> list[str]:
    return [d.message for d in check(text, **kw).diagnostics]


# ---------------------------------------------------------------- model shapes
def test_full_pipeline_model():
    p = parse("""
pipeline {
    agent { label 'linux' }
    environment { A = 'x'; B = "${A}-y"; C = credentials('cred') }
    options { timeout(time: 5, unit: 'MINUTES'); skipDefaultCheckout() }
    parameters { string(name: 'P', defaultValue: 'd') }
    triggers { cron('H * * * *') }
    tools { maven 'm3' }
    stages {
        stage('Build') {
            when { beforeAgent true; branch 'main' }
            steps {
                sh 'make'
                dir('sub') { sh 'make test' }
                script { def x = 1 }
            }
            post { always { echo 'done' } }
        }
        stage('Par') {
            failFast true
            parallel {
                stage('A') { steps { echo 'a' } }
                stage('B') { stages { stage('B1') { steps { echo 'b1' } } } }
            }
        }
    }
    post {
        failure { echo 'bad' }
        cleanup { deleteDir() }
    }
}
""", tools={"maven": ["m3"]})
    assert p.agent.type == "label" and p.agent.value.value == "linux"
    assert [e.name for e in p.environment.entries] == ["A", "B", "C"]
    assert isinstance(p.environment.entries[1].value, g.GString)
    assert p.environment.entries[2].credentials_id.value == "cred"
    assert [o.name for o in p.options.options] == ["timeout", "skipDefaultCheckout"]
    assert p.options.options[0].named_args["time"].value == 5
    assert p.parameters.parameters[0].name == "string" and p.triggers.triggers[0].name == "cron"
    assert p.tools.tools[0].type == "maven"
    build, par = p.stages
    assert build.name == "Build" and build.when.before_agent and build.when.conditions[0].name == "branch"
    assert [s.name for s in build.steps.steps] == ["sh", "dir", "script"]
    assert build.steps.steps[1].children.steps[0].name == "sh"
    assert isinstance(build.steps.steps[2].script, g.Closure)
    assert build.post.get("always").steps.steps[0].name == "echo"
    assert par.fail_fast is True and [s.name for s in par.parallel] == ["A", "B"]
    assert par.parallel[1].stages[0].name == "B1"
    assert [c.condition for c in p.post.conditions] == ["failure", "cleanup"]


def test_agent_forms():
    def agent(text):
        return parse(pipeline(STEPS, top=text)).agent
    assert agent("agent none").type == "none"
    assert agent("agent { docker 'maven:3' }").value.value == "maven:3"
    docker = agent("agent { docker { image 'maven:3'; args '-v /x:/x' } }")
    assert docker.type == "docker" and docker.param("args").value == "-v /x:/x"
    node = agent("agent { label { label 'x'; customWorkspace '/ws' } }")
    assert node.type == "node" and node.param("customWorkspace").value == "/ws"
    k8s = agent("agent { kubernetes { yaml '''\nkind: Pod\n'''\n defaultContainer 'maven' } }")
    assert k8s.type == "kubernetes" and k8s.param("yaml").value == "\nkind: Pod\n"


def test_matrix_model():
    p = parse(pipeline(stage("""
            matrix {
                axes {
                    axis { name 'OS'; values 'linux', 'mac' }
                    axis { name 'JDK'; values '11', '17' }
                }
                excludes { exclude { axis { name 'OS'; notValues 'linux' } } }
                stages { stage('t') { steps { echo "${OS}" } } }
            }""")))
    m = p.stages[0].matrix
    assert [(a.name, [v.value for v in a.values]) for a in m.axes] == [("OS", ["linux", "mac"]), ("JDK", ["11", "17"])]
    assert m.excludes[0].axes[0].inverse is True
    assert m.stages[0].name == "t"


def test_input_and_legacy_parallel():
    p = parse(pipeline(stage("""
            input { message 'Go?'; ok 'Yes'; parameters { string(name: 'WHO') } }
            steps { parallel(one: { echo '1' }, two: { echo '2' }, failFast: true) }""")))
    s = p.stages[0]
    assert s.input.message.value == "Go?" and s.input.parameters.parameters[0].name == "string"
    assert [b.name for b in s.parallel_branches] == ["one", "two"] and s.fail_fast is True


def test_code_around_the_pipeline_is_kept():
    result = check("@Library('lib') _\nimport foo.Bar\ndef helper() { 1 }\n" + pipeline(STEPS) + "def after = 2\n")
    assert result.valid
    kinds = [type(s).__name__ for s in result.script.body]
    assert kinds == ["VarDecl", "Import", "MethodDef", "ExprStmt", "VarDecl"]


def test_parse_raises_with_every_diagnostic():
    with pytest.raises(JenkinsfileError) as exc:
        parse("pipeline {\n  foo { }\n}\n")
    text = str(exc.value)
    assert 'WorkflowScript: 2: Undefined section "foo" @ line 2, column 3.' in text
    assert 'Missing required section "agent"' in text and 'Missing required section "stages"' in text


# ---------------------------------------------------------------- one row per rule
RULES = [
    # pipeline sections
    ("pipeline { stages { } }", 'Missing required section "agent"'),
    (pipeline(STEPS).replace("stages {", "stages {}\n stages {", 1), "Multiple occurrences of the stages section"),
    (pipeline(STEPS, top="agent any\n    properties { }"),
     "The ‘properties’ section has been renamed as of version 0.8. Use ‘options’ instead."),
    (pipeline(STEPS, top="agent any\n    when { branch 'x' }"), 'Undefined section "when"'),
    (pipeline(STEPS, top="agent any\n    environment"), 'Not a valid section definition: "environment". '
                                                       'Some extra configuration is required.'),
    (pipeline(STEPS, top="agent any\n    options 'x'"), "Expected a block for options"),
    ("pipeline { agent any; stages { } }", "No stages specified"),
    ("pipeline('x')", 'Expected a block with the "pipeline" step'),
    # agent
    (pipeline(STEPS, top="agent"), 'Not a valid section definition: "agent". Some extra configuration is required.'),
    (pipeline(STEPS, top="agent foo"), 'Only "agent none", "agent any" or "agent {...}" are allowed.'),
    (pipeline(STEPS, top="agent { }"), "No agent type specified. Must be one of [any, docker, dockerfile, "
                                       "kubernetes, label, node, none]"),
    (pipeline(STEPS, top="agent { docker 'a'; label 'b' }"), "Only one agent type is allowed per agent section"),
    (pipeline(STEPS, top="agent { banana 'x' }"), 'Invalid agent type "banana" specified.'),
    (pipeline(STEPS, top="agent { docker { args 'x' } }"), 'Missing required parameter for agent type "docker": image'),
    (pipeline(STEPS, top="agent { docker { image 'x'; fruit 'y' } }"), 'Invalid config option "fruit" for agent '
                                                                        'type "docker".'),
    # stages and steps
    (pipeline("        stage('a') { }"), 'Expected one of "steps", "stages", or "parallel" for stage "a"'),
    (pipeline("        foo('a') { }"), "Expected a stage"),
    (pipeline("        stage(\"${x}\") { steps { echo 'a' } }"), "Expected string literal"),
    (pipeline("        stage('a')"), "Stage does not have a block"),
    (pipeline(STEPS + "\n" + STEPS), 'Duplicate stage name: "s"'),
    (pipeline(stage("            steps { echo 'a' }\n            stages { stage('b') { steps { echo 'b' } } }")),
     'Only one of "matrix", "parallel", "stages", or "steps" allowed for stage "s"'),
    (pipeline(stage("            banana { }")), 'Unknown stage section "banana". Starting with version 0.5, steps in a '
                                               'stage must be in a ‘steps’ block.'),
    (pipeline(stage("            steps { }")), "No steps specified for branch"),
    (pipeline(stage("            steps { def x = 1 }")), "Expected a step"),
    (pipeline(stage("            steps { foo.bar() }")), 'Method calls on objects not allowed outside "script" blocks.'),
    (pipeline(stage("            steps { stage('x') { echo 'a' } }")),
     'Invalid step "stage" used - not allowed in this context - The stage step cannot be used in Declarative Pipelines'),
    (pipeline(stage("            steps { echo 'a'; parallel(a: { echo 'b' }) }")),
     'Invalid step "parallel" used - not allowed in this context - The parallel step can only be used as the only '
     'top-level step in a stages step block'),
    (pipeline(stage("            steps { parallel(a: { echo 'b' }, b: 'x') }")), "Expected closure or failFast"),
    (pipeline(stage("            steps { script() }")), "Script step without a block"),
    (pipeline(stage("            steps { echo ${FOO} }")),
     '${FOO} cannot be used as a value directly. Did you mean "${FOO}"? (add quotes)'),
    (pipeline(stage("            steps { sleep 99999999999999999999 }")), "BigIntegers cannot be used as constants"),
    (pipeline(stage("            steps { timeout(unit: 'MINUTES') { echo 'x' } }")), 'Missing required parameter: "time"'),
    (pipeline(stage("            steps { timeout(time: 5, banana: 1) { echo 'x' } }")),
     'Invalid parameter "banana", did you mean "unit"?'),
    (pipeline(stage("            steps { timeout(time: 'x') { echo 'x' } }")),
     'Expecting "int" for parameter "time" but got "x" of type class java.lang.String instead'),
    (pipeline(stage("            steps { timeout(time: 1, time: 2) { echo 'x' } }")),
     "Duplicate named parameter 'time' found"),
    (pipeline(stage("            steps { writeFile 'a', 'b' }")), 'Arguments to "writeFile" must be explicitly named.'),
    (pipeline(stage("            steps { cleanWs 'x' }")),
     "Step does not take a single required parameter - use named parameters instead"),
    # parallel / matrix nesting
    (pipeline(stage("            agent any\n            parallel { stage('a') { steps { echo 'a' } } }")),
     '"agent" is not allowed in stage "s" as it contains parallel or matrix stages'),
    (pipeline(stage("            parallel { stage('a') { parallel { stage('b') { steps { echo 'b' } } } } }")),
     '"matrix" or "parallel" cannot be nested inside another "matrix" or "parallel".'),
    (pipeline(stage("            failFast 'yes'\n            parallel { stage('a') { steps { echo 'a' } } }")),
     "Expected a boolean with failFast"),
    (pipeline(stage("            matrix { stages { stage('a') { steps { echo 'a' } } } }")),
     'Missing required section "axes"'),
    (pipeline(stage("            matrix { axes { } \n stages { stage('a') { steps { echo 'a' } } } }")),
     "No axis directives specified"),
    (pipeline(stage("            matrix { axes { axis { name 'A'; values 'x', 'x' } }\n"
                    " stages { stage('a') { steps { echo 'a' } } } }")), 'Duplicate axis value: "x"'),
    (pipeline(stage("            matrix { axes { axis { values 'x' } }\n stages { stage('a') { steps { echo 'a' } } } }")),
     'Missing required section "name"'),
    (pipeline(stage("            matrix { axes { axis { name 'A-B'; values 'x' } }\n"
                    " stages { stage('a') { steps { echo 'a' } } } }")), '"A-B" is not a valid identifier'),
    (pipeline(stage("            matrix { axes { axis { name 'A'; values 'x' } }\n excludes { exclude { axis {"
                    " name 'A'; values 'x'; notValues 'y' } } }\n stages { stage('a') { steps { echo 'a' } } } }")),
     'Exclude axis must contain either "values" or "notValues"'),
    # environment
    (pipeline(STEPS, top="agent any\n    environment { }"), "No variables specified for environment"),
    (pipeline(STEPS, top="agent any\n    environment { A = 'x'; A = 'y' }"), 'Duplicate environment variable name: "A"'),
    (pipeline(STEPS, top="agent any\n    environment { A = B }"),
     "Environment variable values must either be single quoted, double quoted, or function calls."),
    (pipeline(STEPS, top="agent any\n    environment { A = 'x' - 'y' }"),
     "Environment variable values can only be joined together with ‘+’s."),
    (pipeline(STEPS, top="agent any\n    environment { A = 'x' + foo() }"),
     "Environment variable values to be concatenated together must be single or double quoted."),
    (pipeline(STEPS, top="agent any\n    environment { echo('x') }"),
     "\"echo('x')\" is not a valid environment expression. Use \"key = value\" pairs with valid Java/shell keys."),
    (pipeline(STEPS, top="agent any\n    environment { $A = 'x' }"), '"$A" is not a valid identifier'),
    (pipeline(STEPS, top="agent any\n    environment { A = credentials(1) }"),
     "Internal function call parameters must be strings."),
    # options, parameters, triggers, tools, libraries
    (pipeline(STEPS, top="agent any\n    options { }"), "options can not be empty"),
    (pipeline(STEPS, top="agent any\n    options { banana() }"), 'Invalid option type "banana". Valid option types: ['),
    (pipeline(STEPS, top="agent any\n    options { timestamps(); timestamps() }"), 'Duplicate option name: "timestamps"'),
    (pipeline(STEPS, top="agent any\n    options { parameters([]) }"),
     'The "parameters" job property cant be used in the "options" directive.'),
    (pipeline(STEPS, top="agent any\n    options { timestamps { } }"), "Options definitions cannot have blocks"),
    (pipeline(stage("            options { buildDiscarder(logRotator(numToKeepStr: '1')) }\n"
                    "            steps { echo 'a' }")), 'Invalid option type "buildDiscarder".'),
    (pipeline(STEPS, top="agent any\n    parameters { banana(name: 'x') }"), 'Invalid parameter type "banana".'),
    (pipeline(STEPS, top="agent any\n    parameters { string(name: 1234) }"),
     'Expecting "class java.lang.String" for parameter "name" but got "1234" of type class java.lang.Integer instead'),
    (pipeline(STEPS, top="agent any\n    parameters { string(name: 'a', 'b') }"), "Cannot mix named and unnamed arguments"),
    (pipeline(STEPS, top="agent any\n    triggers { [a: 1] }"), "Triggers cannot be defined as maps"),
    (pipeline(STEPS, top="agent any\n    triggers { cron() }"), '"cron" should have 1 arguments but has 0 arguments instead.'),
    (pipeline(STEPS, top="agent any\n    triggers { cron(foo { '@daily' }) }"), "Method call arguments"),
    (pipeline(STEPS, top="agent any\n    triggers { upstream(upstreamWhat: 'x') }"),
     'Invalid parameter "upstreamWhat", did you mean "upstreamProjects"?'),
    (pipeline(STEPS, top="agent any\n    tools { maven }"), "Expected to find ‘someTool \"someVersion\"’"),
    (pipeline(STEPS, top="agent any\n    tools { maven 'a', 'b' }"), 'Too many arguments for tool "maven"'),
    (pipeline(STEPS, top="agent any\n    tools { banana 'a' }"), 'Invalid tool type "banana".'),
    (pipeline(STEPS, top="agent any\n    libraries { foo('x') }"), "Expected a \"lib(...)\" but got foo('x')"),
    # when
    (pipeline(stage("            when { }\n            steps { echo 'a' }")),
     "Empty when closure, remove the property or add some content."),
    (pipeline(stage("            when { banana 'x' }\n            steps { echo 'a' }")), "Unknown conditional banana."),
    (pipeline(stage("            when { allOf { } }\n            steps { echo 'a' }")),
     'Nested when condition "allOf" requires at least one child condition.'),
    (pipeline(stage("            when { not { branch 'a'; branch 'b' } }\n            steps { echo 'a' }")),
     'Nested when condition "not" requires exactly 1 child condition(s).'),
    (pipeline(stage("            when { branch('a') { tag 'x' } }\n            steps { echo 'a' }")),
     'No children when conditions are allowed for when condition "branch".'),
    (pipeline(stage("            when { environment name: 'A' }\n            steps { echo 'a' }")),
     'Missing required parameter: "value"'),
    (pipeline(stage("            when { branch 4 }\n            steps { echo 'a' }")),
     'Expecting "class java.lang.String" but got "4" of type class java.lang.Integer instead'),
    (pipeline(stage("            when { beforeAgent 'yes'; branch 'a' }\n            steps { echo 'a' }")),
     "Expected a boolean with beforeAgent"),
    (pipeline(stage("            when { changelog '(' }\n            steps { echo 'a' }")),
     '"(" is not a valid regular expression.'),
    # post and input
    (pipeline(STEPS, top="agent any\n    post { }"), "post can not be empty"),
    (pipeline(STEPS, top="agent any\n    post { banana { echo 'x' } }"), 'Invalid condition "banana" - valid conditions are ['),
    (pipeline(STEPS, top="agent any\n    post { always { echo 'x' }; always { echo 'y' } }"),
     'Duplicate build condition name: "always"'),
    (pipeline(STEPS, top="agent any\n    post { echo 'x' }"),
     "The ‘post’ section can only contain build condition names with code blocks."),
    (pipeline(stage("            input { ok 'yes' }\n            steps { echo 'a' }")), "No message specified for input"),
    (pipeline(stage("            input { message 'a'; banana 'b' }\n            steps { echo 'a' }")),
     'Not a valid field for input: "banana"'),
    # the file as a whole
    ("node { pipeline { agent any } }", "pipeline block must be at the top-level, not within another block."),
    ("node { sh 'make' }", "did not contain the 'pipeline' step"),
    ("pipeline {\n  agent any\n  stages {\n", "unexpected end of file"),
]


@pytest.mark.parametrize("text,message", RULES, ids=[m[:60] for _, m in RULES])
def test_rule_message(text, message):
    found = messages(text)
    assert any(message in m for m in found), found


def test_all_errors_are_collected_in_line_order():
    text = pipeline(stage("            steps { }", "a") + "\n" + stage("            banana { }", "b"), top="agent foo")
    diagnostics = check(text).diagnostics
    assert len(diagnostics) >= 3
    assert [d.line for d in diagnostics] == sorted(d.line for d in diagnostics)


def test_positions_point_at_the_offending_call():
    text = pipeline(stage("            steps {\n                timeout(time: 'x') { echo 'a' }\n            }"))
    (d,) = check(text).diagnostics
    line = text.splitlines()[d.line - 1]
    assert line[d.column - 1:].startswith("'x'")
    assert d.render().startswith(f"WorkflowScript: {d.line}: Expecting")
    assert d.render().endswith(f"@ line {d.line}, column {d.column}.")


def test_unknown_step_is_not_a_lint_error():
    assert check(pipeline(stage("            steps { myCustomStep 'x' }"))).valid


def test_stage_name_from_bare_identifier_is_literal():
    assert parse(pipeline("        stage(FOO) { steps { echo 'a' } }")).stages[0].name == "FOO"


def test_configured_tools_are_checked_when_given():
    text = pipeline(STEPS, top="agent any\n    tools { maven 'apache-maven-3.0.2' }")
    assert check(text).valid  # without a configuration, names are not checked
    assert ('Tool type "maven" does not have an install of "apache-maven-3.0.2" configured - did you mean '
            '"apache-maven-3.0.1"?') in messages(text, tools={"maven": ["apache-maven-3.0.1"]})
