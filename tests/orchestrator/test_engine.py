"""Jenkins semantics of the engine, one test per rule of reference §3-§13 (real processes)."""
from __future__ import annotations

import pytest

from orchestrator.results import Result

S = "SUCCESS"


def simple(steps: str, top: str = "agent any", post: str = "") -> str:
    return f"""
        pipeline {{
            {top}
            stages {{
                stage('one') {{
                    steps {{
                        {steps}
                    }}
                }}
            }}
            {post}
        }}
        """


# ---------------------------------------------------------------- basics and console format
def test_hello_console_format(run_pipeline):
    r = run_pipeline(simple("echo 'hello'\n sh 'echo from-shell'"))
    assert r.result == Result.SUCCESS
    r.in_order("[Pipeline] Start of Pipeline", "[Pipeline] node", "Running on built-in in ", "[Pipeline] {",
               "[Pipeline] stage", "[Pipeline] { (one)", "[Pipeline] echo", "hello", "[Pipeline] sh",
               "+ echo from-shell", "from-shell", "[Pipeline] }", "[Pipeline] // stage", "[Pipeline] // node",
               "[Pipeline] End of Pipeline", "Finished: SUCCESS")


def test_failing_sh_reports_exit_code(run_pipeline):
    r = run_pipeline(simple("sh 'exit 3'"))
    assert r.result == Result.FAILURE
    r.in_order("+ exit 3", "ERROR: script returned exit code 3", "Finished: FAILURE")


def test_standard_environment_variables(run_pipeline):
    r = run_pipeline(simple('sh \'echo "N=$BUILD_NUMBER J=$JOB_NAME T=$BUILD_TAG S=$STAGE_NAME W=$WORKSPACE '
                            'NODE=$NODE_NAME"\''), job="myjob")
    line = next(l for l in r.log.splitlines() if l.startswith("N="))
    assert line.startswith("N=1 J=myjob T=jenkins-myjob-1 S=one W=") and line.endswith("NODE=built-in")
    assert run_pipeline(simple("echo \"n=${env.BUILD_NUMBER}\""), job="myjob").index("n=2")


# ---------------------------------------------------------------- failures and skipping
def test_failure_skips_later_stages_but_post_runs(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('a') { steps { error 'boom' } }
                stage('b') { steps { echo 'never' }; post { always { echo 'b post' } } }
            }
            post { always { echo 'pipeline post' } }
        }""")
    assert r.result == Result.FAILURE
    r.in_order('Stage "b" skipped due to earlier failure(s)', "pipeline post", "ERROR: boom", "Finished: FAILURE")
    assert "never" not in r.log and "b post" not in r.log


def test_when_false_skips_only_that_stage(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('a') { when { expression { false } }; steps { echo 'A' }; post { always { echo 'A post' } } }
                stage('b') { steps { echo 'B ran' } }
            }
        }""")
    assert r.result == Result.SUCCESS
    r.in_order('Stage "a" skipped due to when conditional', "B ran")
    assert "A post" not in r.log


def test_unstable_does_not_stop_the_pipeline(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('a') { steps { unstable 'flaky' } }
                stage('b') { steps { echo 'still runs' } }
            }
        }""")
    assert r.result == Result.UNSTABLE
    r.in_order("WARNING: flaky", "still runs", "Finished: UNSTABLE")


def test_skip_stages_after_unstable(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            options { skipStagesAfterUnstable() }
            stages {
                stage('a') { steps { unstable 'flaky' } }
                stage('b') { steps { echo 'not me' } }
            }
        }""")
    assert r.result == Result.UNSTABLE
    r.index('Stage "b" skipped due to earlier stage(s) marking the build as unstable')
    assert "not me" not in r.log


def test_result_never_improves(run_pipeline):
    r = run_pipeline(simple("script { currentBuild.result = 'FAILURE'; currentBuild.result = 'SUCCESS' }\n"
                            " echo \"now ${currentBuild.currentResult}\""))
    assert r.result == Result.FAILURE
    r.index("now FAILURE")


def test_current_build_result_set_keeps_going(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('a') { steps { script { currentBuild.result = 'UNSTABLE' } } }
                stage('b') { steps { echo 'b ran' } }
            }
            post { unstable { echo 'post unstable' } }
        }""")
    assert r.result == Result.UNSTABLE
    r.in_order("b ran", "post unstable")


# ---------------------------------------------------------------- post
def test_post_runs_in_fixed_order_whatever_the_file_order(run_pipeline):
    r = run_pipeline(simple("error 'x'", post="""
            post {
                cleanup { echo 'P-cleanup' }
                failure { echo 'P-failure' }
                unsuccessful { echo 'P-unsuccessful' }
                always { echo 'P-always' }
                changed { echo 'P-changed' }
                success { echo 'P-success' }
            }"""))
    r.in_order("P-always", "P-changed", "P-unsuccessful", "P-failure", "P-cleanup")
    assert "P-success" not in r.log


def test_error_in_post_is_recorded_and_later_conditions_see_failure(run_pipeline):
    r = run_pipeline(simple("echo 'fine'", post="""
            post {
                always { error 'post broke' }
                success { echo 'P-success' }
                failure { echo 'P-failure' }
                cleanup { echo 'P-cleanup' }
            }"""))
    assert r.result == Result.FAILURE
    r.in_order("Error when executing always post condition:", "post broke", "P-failure", "P-cleanup")
    assert "P-success" not in r.log


def test_changed_fixed_regression_across_builds(run_pipeline):
    post = "post { changed { echo 'CHANGED' }; fixed { echo 'FIXED' }; regression { echo 'REGRESSION' } }"
    first = run_pipeline(simple("echo 'ok'", post=post), job="flip")
    assert "CHANGED" in first.log and "FIXED" not in first.log and "REGRESSION" not in first.log
    second = run_pipeline(simple("error 'no'", post=post), job="flip")
    assert "CHANGED" in second.log and "REGRESSION" in second.log
    third = run_pipeline(simple("echo 'ok'", post=post), job="flip")
    assert "FIXED" in third.log and "CHANGED" in third.log
    fourth = run_pipeline(simple("echo 'ok'", post=post), job="flip")
    assert "CHANGED" not in fourth.log.split("Start of Pipeline")[1]


def test_stage_post_sees_stage_result(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('a') {
                    steps { catchError(buildResult: 'SUCCESS', stageResult: 'FAILURE') { error 'caught' } }
                    post { failure { echo 'STAGE FAILURE' }; success { echo 'STAGE SUCCESS' } }
                }
            }
            post { success { echo 'BUILD SUCCESS' } }
        }""")
    assert r.result == Result.SUCCESS
    r.in_order("STAGE FAILURE", "BUILD SUCCESS")
    assert "STAGE SUCCESS" not in r.log


# ---------------------------------------------------------------- catchError / warnError
def test_catch_error_default_marks_build_failure_and_continues(run_pipeline):
    r = run_pipeline(simple("catchError { sh 'exit 1' }\n echo 'after'"))
    assert r.result == Result.FAILURE
    r.index("after")


def test_warn_error_is_unstable(run_pipeline):
    r = run_pipeline(simple("warnError('careful') { error 'x' }\n echo 'after'"))
    assert r.result == Result.UNSTABLE
    r.in_order("ERROR: careful", "after")


# ---------------------------------------------------------------- when ordering
def test_when_is_evaluated_after_agent_and_before_stage_environment(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent none
            stages {
                stage('a') {
                    agent any
                    environment { ONLY_IN_STAGE = 'yes' }
                    when { expression { echo "when sees ${env.ONLY_IN_STAGE}"; return true } }
                    steps { echo "steps see ${env.ONLY_IN_STAGE}" }
                }
            }
        }""")
    r.in_order("[Pipeline] node", "when sees null", "steps see yes")


def test_before_agent_skips_without_allocating(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent none
            stages {
                stage('a') {
                    agent any
                    when { beforeAgent true; expression { false } }
                    steps { echo 'no' }
                }
            }
        }""")
    assert "[Pipeline] node" not in r.log
    r.index('Stage "a" skipped due to when conditional')


@pytest.mark.parametrize("condition,env,expected", [
    ("branch 'main'", {"BRANCH": "main"}, True),
    ("branch 'release-*'", {"BRANCH": "release-1.2"}, True),
    ("branch 'feature/*'", {"BRANCH": "main"}, False),
    ("branch pattern: 'rel.*', comparator: 'REGEXP'", {"BRANCH": "release"}, True),
    ("environment name: 'DEPLOY', value: 'yes'", {"DEPLOY": "yes"}, True),
    ("not { environment name: 'DEPLOY', value: 'yes' }", {"DEPLOY": "yes"}, False),
    ("anyOf { branch 'x'; environment name: 'DEPLOY', value: 'yes' }", {"DEPLOY": "yes"}, True),
    ("allOf { branch 'x'; environment name: 'DEPLOY', value: 'yes' }", {"DEPLOY": "yes"}, False),
    ("equals expected: 2, actual: 1 + 1", {}, True),
    ("tag 'v*'", {"TAG": "v1.0"}, True),
    ("buildingTag()", {}, False),
    ("changeRequest()", {}, False),
    ("changeRequest target: 'main'", {"CHANGE": "7"}, True),
    ("triggeredBy 'UserIdCause'", {}, True),
    ("triggeredBy 'TimerTrigger'", {}, False),
])
def test_when_conditions(run_pipeline, condition, env, expected):
    env_lines = []
    if "BRANCH" in env:
        env_lines.append(f"BRANCH_NAME = '{env['BRANCH']}'")
    if "DEPLOY" in env:
        env_lines.append(f"DEPLOY = '{env['DEPLOY']}'")
    if "TAG" in env:
        env_lines.append(f"TAG_NAME = '{env['TAG']}'")
    if "CHANGE" in env:
        env_lines += [f"CHANGE_ID = '{env['CHANGE']}'", "CHANGE_TARGET = 'main'"]
    environment = f"environment {{ {'; '.join(env_lines)} }}" if env_lines else ""
    r = run_pipeline(f"""
        pipeline {{
            agent any
            {environment}
            stages {{ stage('s') {{ when {{ {condition} }}; steps {{ echo 'RAN' }} }} }}
        }}""")
    assert ("RAN" in r.log.replace("echo 'RAN'", "")) is expected, r.log


# ---------------------------------------------------------------- environment
def test_environment_is_lazy_and_order_independent(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            environment {
                B = "${A}-b"
                A = 'a'
                C = "${env.B}-c"
            }
            stages { stage('s') { steps { sh 'echo "C=$C"' } } }
        }""")
    r.index("C=a-b-c")


def test_self_reference_sees_previous_value(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            environment { PATH = "/opt/extra/bin:${PATH}" }
            stages { stage('s') { steps { sh 'echo "P=$PATH"' } } }
        }""")
    line = next(l for l in r.log.splitlines() if l.startswith("P="))
    assert line.startswith("P=/opt/extra/bin:/") and line.count("/opt/extra/bin") == 1


def test_stage_environment_overrides_pipeline(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            environment { WHO = 'pipeline' }
            stages {
                stage('a') { environment { WHO = 'stage' }; steps { echo "a=${WHO}" } }
                stage('b') { steps { echo "b=${WHO}" } }
            }
        }""")
    r.in_order("a=stage", "b=pipeline")


CREDENTIALS = """
credentials:
  system:
    domainCredentials:
      - credentials:
          - string: {id: token, secret: s3cr3t-t0ken}
          - usernamePassword: {id: login, username: bob, password: hunter2pass}
"""


def test_credentials_bind_and_mask(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            environment {
                TOKEN = credentials('token')
                LOGIN = credentials('login')
            }
            stages { stage('s') { steps {
                sh 'echo "t=$TOKEN u=$LOGIN_USR p=$LOGIN_PSW both=$LOGIN"'
                echo "direct ${env.TOKEN}"
            } } }
        }""", credentials=CREDENTIALS)
    assert r.result == Result.SUCCESS
    assert "s3cr3t-t0ken" not in r.log and "hunter2pass" not in r.log
    r.index("t=**** u=bob p=**** both=****")
    r.index("direct ****")


def test_with_credentials_step_masks(run_pipeline):
    r = run_pipeline(simple("withCredentials([string(credentialsId: 'token', variable: 'T')]) { sh 'echo $T' }"),
                     credentials=CREDENTIALS)
    assert "s3cr3t-t0ken" not in r.log
    r.index("****")


def test_missing_credentials_fail_clearly(run_pipeline):
    r = run_pipeline("""
        pipeline { agent any
            environment { X = credentials('nope') }
            stages { stage('s') { steps { echo 'x' } } } }""")
    assert r.result == Result.FAILURE
    r.index("Could not find credentials entry with ID 'nope'")


# ---------------------------------------------------------------- parameters
def test_parameters_defaults_and_overrides(run_pipeline):
    text = """
        pipeline {
            agent any
            parameters {
                string(name: 'WHO', defaultValue: 'world')
                booleanParam(name: 'LOUD', defaultValue: false)
                choice(name: 'ENV', choices: ['dev', 'prod'])
            }
            stages { stage('s') { steps {
                echo "hello ${params.WHO} loud=${params.LOUD} env=${params.ENV}"
                sh 'echo "shell sees $WHO"'
            } } }
        }"""
    run_pipeline(text).index("hello world loud=false env=dev")
    r = run_pipeline(text, params={"WHO": "you", "LOUD": "true"})
    r.index("hello you loud=true env=dev")
    r.index("shell sees you")


# ---------------------------------------------------------------- parallel and matrix
def test_parallel_branches_all_run_without_fail_fast(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('p') {
                    parallel {
                        stage('fails') { steps { error 'bad' } }
                        stage('slow') { steps { sleep 1; echo 'slow finished' } }
                    }
                }
            }
        }""")
    assert r.result == Result.FAILURE
    r.index("{ (Branch: fails)")
    r.index("slow finished")


def test_fail_fast_aborts_siblings(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('p') {
                    failFast true
                    parallel {
                        stage('fails') { steps { sleep 1; error 'bad' } }
                        stage('slow') {
                            steps { sh 'sleep 30'; echo 'slow finished' }
                            post { aborted { echo 'SLOW ABORTED' } }
                        }
                    }
                }
            }
        }""")
    assert r.result == Result.FAILURE
    assert "slow finished" not in r.log
    r.index("SLOW ABORTED")


def test_matrix_cells_names_and_excludes(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('m') {
                    matrix {
                        axes {
                            axis { name 'OS'; values 'linux', 'mac' }
                            axis { name 'JDK'; values '11', '17' }
                        }
                        excludes { exclude { axis { name 'OS'; values 'mac' }; axis { name 'JDK'; notValues '17' } } }
                        stages { stage('build') { steps { echo "cell ${OS}-${JDK}" } } }
                    }
                }
            }
        }""")
    assert r.result == Result.SUCCESS
    for name in ("Matrix - OS = 'linux', JDK = '11'", "Matrix - OS = 'linux', JDK = '17'",
                 "Matrix - OS = 'mac', JDK = '17'"):
        r.index(f"{{ (Branch: {name})")
    assert "OS = 'mac', JDK = '11'" not in r.log
    for cell in ("linux-11", "linux-17", "mac-17"):
        r.index(f"cell {cell}")


def test_sequential_nested_stages(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('outer') { stages {
                    stage('inner1') { steps { echo 'i1' } }
                    stage('inner2') { steps { echo 'i2' } }
                } }
            }
        }""")
    r.in_order("{ (outer)", "{ (inner1)", "i1", "{ (inner2)", "i2")


# ---------------------------------------------------------------- options and steps
def test_timeout_aborts(run_pipeline):
    r = run_pipeline(simple("timeout(time: 1, unit: 'SECONDS') { sh 'sleep 30' }"))
    assert r.result == Result.ABORTED
    r.index("Timeout has been exceeded")


def test_pipeline_timeout_option_covers_post(run_pipeline):
    r = run_pipeline(simple("sh 'sleep 30'", top="agent any\n options { timeout(time: 1, unit: 'SECONDS') }",
                            post="post { aborted { echo 'WAS ABORTED' } }"))
    assert r.result == Result.ABORTED
    r.index("WAS ABORTED")


def test_retry(run_pipeline, tmp_path):
    marker = tmp_path / "count"
    r = run_pipeline(simple(f"retry(3) {{ sh 'echo x >> {marker}; test $(wc -l < {marker}) -ge 3' }}"))
    assert r.result == Result.SUCCESS
    assert marker.read_text().count("x") == 3
    r.index("Retrying")


def test_agent_none_node_step_message(run_pipeline):
    r = run_pipeline(simple("sh 'true'", top="agent none"))
    assert r.result == Result.FAILURE
    r.index("Attempted to execute a step that requires a node context while ‘agent none’ was specified.")


def test_unknown_step_fails_with_jenkins_text(run_pipeline):
    r = run_pipeline(simple("frobnicate 'x'"))
    assert r.result == Result.FAILURE
    r.index("No such DSL method 'frobnicate' found among steps")


def test_files_dir_stash_and_script_values(run_pipeline):
    r = run_pipeline(simple("""
        writeFile file: 'out/a.txt', text: 'alpha'
        dir('out') { sh 'cat a.txt; echo' }
        stash name: 'things', includes: 'out/**'
        deleteDir()
        unstash 'things'
        script {
            def text = readFile('out/a.txt')
            def exists = fileExists('out/a.txt')
            def out = sh(script: 'echo captured', returnStdout: true).trim()
            def code = sh(script: 'exit 4', returnStatus: true)
            echo "text=${text} exists=${exists} out=${out} code=${code}"
        }"""))
    assert r.result == Result.SUCCESS, r.log
    r.index("text=alpha exists=true out=captured code=4")


def test_junit_failures_make_the_build_unstable(run_pipeline):
    xml = ("<testsuite tests='2' failures='1'><testcase name='a'/><testcase name='b'><failure message='x'/>"
           "</testcase></testsuite>")
    r = run_pipeline(simple(f"writeFile file: 'r.xml', text: \"{xml}\"\n junit 'r.xml'"))
    assert r.result == Result.UNSTABLE


def test_parallel_step_in_script(run_pipeline):
    r = run_pipeline(simple("script { parallel one: { echo 'ONE' }, two: { echo 'TWO' } }"))
    assert r.result == Result.SUCCESS
    r.index("ONE") and r.index("TWO") and r.index("{ (Branch: one)")


def test_input_in_cli_mode(run_pipeline):
    text = """
        pipeline {
            agent any
            stages { stage('ask') { input { message 'Deploy?' }; steps { echo 'deployed' } } }
        }"""
    assert run_pipeline(text, input_answer="proceed").result == Result.SUCCESS
    aborted = run_pipeline(text, input_answer="abort")
    assert aborted.result == Result.ABORTED and "deployed" not in aborted.log.replace("echo 'deployed'", "")


def test_build_step_in_cli_mode_is_a_clear_error(run_pipeline):
    r = run_pipeline(simple("build job: 'other'"))
    assert r.result == Result.FAILURE
    r.index("`orchestrator run` runs a single Jenkinsfile")


def test_code_around_the_pipeline_runs(run_pipeline):
    r = run_pipeline("""
        def greet(name) { return "hi ${name}" }
        def topLevel = 'TOP'
        pipeline {
            agent any
            stages { stage('s') { steps { echo greet('you'); echo "${topLevel}" } } }
        }""")
    r.in_order("hi you", "TOP")


def test_sandbox_rejection_fails_the_build(run_pipeline):
    r = run_pipeline(simple("script { def j = Jenkins.instance }"))
    assert r.result == Result.FAILURE
    r.index("unsupported Groovy: Jenkins")


def test_process_left_behind_is_killed(run_pipeline, tmp_path):
    pidfile = tmp_path / "pid"
    r = run_pipeline(simple(f"sh 'sleep 300 & echo $! > {pidfile}'"))
    assert r.result == Result.SUCCESS
    pid = int(pidfile.read_text())
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().split()[2]
    except FileNotFoundError:
        state = "gone"
    assert state in ("gone", "Z"), f"background process {pid} is still running ({state})"


def test_unknown_step_fails_before_anything_runs(run_pipeline):
    r = run_pipeline("""
        pipeline {
            agent any
            stages {
                stage('first') { steps { echo 'SHOULD NOT RUN' } }
                stage('second') { steps { frobnicate 'x' } }
            }
        }""")
    assert r.result == Result.FAILURE
    assert "SHOULD NOT RUN" not in r.log.replace("echo 'SHOULD NOT RUN'", "")
    r.index("No such DSL method 'frobnicate' found among steps")
    r.index("(Jenkinsfile line 6)")


# ---------------------------------------------------------------- bad input through the whole engine
def test_a_step_printing_100_mb(tmp_path):
    import resource

    from orchestrator.runlocal import RunOptions, run
    jenkinsfile = tmp_path / "Jenkinsfile"
    jenkinsfile.write_text(simple("sh 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 100000000; echo END-MARKER'"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run(RunOptions(jenkinsfile=jenkinsfile, job="big", home=tmp_path / "home", quiet=True))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result == Result.SUCCESS
    log = tmp_path / "home/jobs/big/builds/1/log"
    assert log.stat().st_size > 100_000_000
    with open(log, "rb") as f:
        f.seek(-2000, 2)
        assert b"END-MARKER" in f.read()
    assert (after - before) * 1024 < 64 * 1024 * 1024, "memory grew with the output"


def test_a_step_that_never_ends_under_timeout(run_pipeline, tmp_path):
    pidfile = tmp_path / "pid"
    r = run_pipeline(simple(f"timeout(time: 2, unit: 'SECONDS') {{ sh 'echo $$ > {pidfile}; while true; do sleep 1; done' }}"))
    assert r.result == Result.ABORTED
    assert "Timeout has been exceeded" in r.log and r.log.rstrip().endswith("Finished: ABORTED")
    pid = int(pidfile.read_text())
    assert _gone(pid)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_process_that_forks_children_and_exits(run_pipeline, tmp_path):
    pids = tmp_path / "pids"
    r = run_pipeline(simple(f"sh '(sleep 100 & echo $! >> {pids}); (setsid sleep 101 & echo $! >> {pids}); echo parent-done'"))
    assert r.result == Result.SUCCESS
    r.index("parent-done")
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"child {pid} was left behind"


def test_binary_and_invalid_utf8_output(run_pipeline):
    r = run_pipeline(simple(r"""sh 'printf "ok\\377\\376\\000\\033[31mred\\033[0m\\n"; head -c 2000 /dev/urandom; echo; echo DONE'"""))
    assert r.result == Result.SUCCESS
    assert "ok\ufffd\ufffd" in r.log and "DONE" in r.log and "\x00" not in r.log


def test_timestamps_option_prefixes_lines(run_pipeline):
    import re
    r = run_pipeline(simple("echo 'stamped'\n sh 'echo from-sh'", top="agent any\n options { timestamps() }"))
    assert re.search(r"^\[\d\d:\d\d:\d\d\.\d{3}\] stamped$", r.log, re.M)
    assert re.search(r"^\[\d\d:\d\d:\d\d\.\d{3}\] from-sh$", r.log, re.M)
    assert r.log.rstrip().endswith("Finished: SUCCESS")  # lines outside the block are not stamped


def test_changelog_and_changeset_from_git_history(tmp_path):
    import subprocess

    from orchestrator.runlocal import RunOptions, run
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    (repo / "Jenkinsfile").write_text("""
        pipeline {
            agent any
            stages {
                stage('docs') { when { changeset 'docs/**' }; steps { echo 'DOCS CHANGED' } }
                stage('skip') { when { changelog '.*\\\\[ci skip\\\\].*' }; steps { echo 'CI SKIP SEEN' } }
            }
        }""")
    subprocess.run(git + ["init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "first"], cwd=repo, check=True)
    home = tmp_path / "home"

    def build(n: int) -> str:
        assert run(RunOptions(jenkinsfile=repo / "Jenkinsfile", job="git", home=home, quiet=True)) == Result.SUCCESS
        return (home / "jobs/git/builds" / str(n) / "log").read_text()

    first = build(1)  # no previous build: empty changelog, both stages skipped
    assert "DOCS CHANGED" not in first.replace("echo 'DOCS CHANGED'", "")
    (repo / "docs").mkdir()
    (repo / "docs/a.md").write_text("x")
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "docs [ci skip]"], cwd=repo, check=True)
    second = build(2)
    assert "\nDOCS CHANGED\n" in second and "\nCI SKIP SEEN\n" in second
