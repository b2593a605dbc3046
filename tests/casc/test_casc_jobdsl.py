"""`jobs:`: the Job DSL subset read from the Groovy tree, errors at the right YAML line."""
from __future__ import annotations

import pytest
import responses
from casc_helpers import messages, only_error, warning_texts

from orchestrator.casc.errors import JobDslError, PipelineScriptError
from orchestrator.casc.model import InlineScript, LogRotator, Parameter, ScmScript, Trigger

FULL = """
jobs:
  - script: |
      folder('team') {
        description('Team jobs')
        displayName('The Team')
      }
      pipelineJob('team/app') {
        description("Builds ${'$'}{REPO}")
        displayName('App')
        disabled()
        quietPeriod(3)
        keepDependencies(false)
        parameters {
          stringParam('TARGET', 'staging', 'where to deploy')
          booleanParam('DRY_RUN', true)
          choiceParam('SIZE', ['small', 'large'], 'machine size')
          textParam('NOTES')
          nonStoredPasswordParam('TOKEN', 'a token')
        }
        logRotator(-1, 10)
        triggers {
          cron('H 2 * * *')
          scm('H/5 * * * *')
        }
        properties {
          disableConcurrentBuilds()
        }
        definition {
          cpsScm {
            scm {
              git {
                remote {
                  url('https://git.example/app.git')
                  credentials('git-creds')
                }
                branch('*/main')
              }
            }
            scriptPath('ci/Jenkinsfile')
            lightweight()
          }
        }
      }
"""


def test_full_subset(load):
    config = load(FULL.replace("${'$'}{REPO}", "$REPO"), {"REPO": "app"})
    folder, app = config.jobs
    assert (folder.name, folder.kind, folder.description, folder.display_name) == ("team", "folder", "Team jobs",
                                                                                   "The Team")
    assert (app.name, app.kind, app.description, app.display_name, app.disabled, app.quiet_period) == (
        "team/app", "pipeline", "Builds app", "App", True, 3)
    assert app.parameters == (
        Parameter("string", "TARGET", "staging", "where to deploy"), Parameter("boolean", "DRY_RUN", True),
        Parameter("choice", "SIZE", "small", "machine size", ("small", "large")), Parameter("text", "NOTES"),
        Parameter("password", "TOKEN", "", "a token"))
    assert app.log_rotator == LogRotator(num_to_keep=10)
    assert app.triggers == (Trigger("cron", "H 2 * * *"), Trigger("pollSCM", "H/5 * * * *"))
    assert app.concurrent_builds is False
    assert app.definition == ScmScript("https://git.example/app.git", "git-creds", "*/main", "ci/Jenkinsfile", True)
    assert app.origin.line == 7  # the pipelineJob( line in the YAML file
    assert "keepDependencies() has no effect here" in "\n".join(w.message for w in config.warnings)
    assert "uses credentials 'git-creds'" in "\n".join(w.message for w in config.warnings)


def test_inline_pipeline_with_strip_indent_and_sandbox(load):
    config = load('''
        jobs:
          - script: >
              pipelineJob('p') {
                definition {
                  cps {
                    script("""\\
                      pipeline {
                        agent any
                        stages { stage('a') { steps { echo 'hi' } } }
                      }""".stripIndent())
                    sandbox()
                  }
                }
              }
        ''')
    job = config.jobs[0]
    assert job.definition == InlineScript(
        "pipeline {\n  agent any\n  stages { stage('a') { steps { echo 'hi' } } }\n}", sandbox=True)


def test_inline_pipeline_errors_point_at_the_yaml_line(check):
    report = check("""
        jobs:
          - script: |
              pipelineJob('broken') {
                definition {
                  cps {
                    script('''
                      pipeline {
                        stages {
                          stage('a') { steps { echo 'x' } }
                        }
                      }''')
                  }
                }
              }
        """)
    error = only_error(report)
    assert isinstance(error, PipelineScriptError)
    assert error.message == "pipelineJob('broken'): pipeline script line 2: Missing required section \"agent\""
    assert error.line == 7  # `pipeline {` is on line 7 of the YAML file


def test_scripted_pipelines_are_refused_with_the_reason(check):
    error = only_error(check("jobs:\n  - script: |\n      pipelineJob('s') {\n        definition {\n"
                             "          cps { script(\"node { sh 'make' }\") }\n        }\n      }\n"))
    assert "did not contain the 'pipeline' step" in error.message and error.line == 5


@pytest.mark.parametrize("script, line, text", [
    ("multibranchPipelineJob('m') {}", 3, "multibranchPipelineJob(...) is a Job DSL job or view type"),
    ("folder('a')\n      ['x', 'y'].each { pipelineJob(it) }", 4, "each(...) is not supported here"),
    ("pipelineJob('a') {\n        configure { node -> node }\n      }", 4, "unsupported Job DSL method 'configure'"),
    ("pipelineJob(NAME)", 3, "No such property: NAME"),
    ("pipelineJob('a/b')", 3, "Could not create item, unknown parent path in \"a/b\""),
    ("pipelineJob('bad?name')", 3, "‘?’ is an unsafe character"),
    ("pipelineJob('a') {\n        triggers { cron('every day') }\n      }", 4, 'Invalid input: "every day": line 1:0:'),
    ("pipelineJob('a') {", 4, "unexpected end of file"),
])
def test_constructs_outside_the_subset(check, script, line, text):
    error = only_error(check(f"jobs:\n  - script: |\n      {script}\n"))
    assert isinstance(error, JobDslError)
    assert text in error.message and error.line == line, error.render()
    assert error.path == "jobs[0].script"


def test_groovy_dollar_braces_must_be_escaped_as_in_jcasc(load):
    config = load("jobs:\n  - script: |\n      pipelineJob('a') { description(\"v^${VERSION}\") }\n",
                  {"VERSION": "1.2"})
    assert config.jobs[0].description == "v1.2"  # Groovy saw ${VERSION}, bound from the environment


def test_provided_env_and_file_and_url_sources(load, tmp_path):
    script = tmp_path / "jobs.groovy"
    script.write_text("pipelineJob(\"$TEAM-build\") { description('from a file ${not interpolated}') }\n")
    with responses.RequestsMock() as mock:
        mock.get("https://dsl.example/jobs.groovy", body="folder('remote')\n")
        config = load(f"""
            jobs:
              - providedEnv:
                  TEAM: blue
              - file: {script}
              - url: https://dsl.example/jobs.groovy
            """)
    assert [j.name for j in config.jobs] == ["blue-build", "remote"]


def test_file_errors_point_into_the_script_file(check, tmp_path):
    script = tmp_path / "jobs.groovy"
    script.write_text("folder('a')\n\nmatrixJob('m')\n")
    error = only_error(check(f"jobs:\n  - file: {script}\n"))
    assert (error.file, error.line) == (str(script), 3)


def test_missing_file(check, tmp_path):
    error = only_error(check(f"jobs:\n  - file: {tmp_path}/none.groovy\n"))
    assert error.message.startswith("Failed to retrieve job-dsl script") and error.line == 2


def test_later_declaration_wins_with_a_warning(check):
    report = check("jobs:\n  - script: |\n      pipelineJob('a') { description('one') }\n"
                   "      pipelineJob('a') { description('two') }\n")
    assert [j.description for j in report.config.jobs] == ["two"]
    assert "declared again (first at jenkins.yaml:3)" in warning_texts(report)


def test_every_bad_statement_is_reported(check):
    report = check("jobs:\n  - script: |\n      job('a')\n      pipelineJob('ok')\n      listView('v')\n")
    assert [e.line for e in report.errors] == [3, 5]
    assert "job(...)" in messages(report) and "listView(...)" in messages(report)


def test_unknown_script_source(check):
    error = only_error(check("jobs:\n  - groovy: x\n"))
    assert "No javaposse.jobdsl.plugin.casc.ScriptSource implementation found for groovy" in error.message


def test_git_shorthand_and_github(load):
    config = load("""
        jobs:
          - script: |
              pipelineJob('a') { definition { cpsScm { scm { git('https://g/a.git', 'dev') } } } }
              pipelineJob('b') { definition { cpsScm { scm { github('org/b') }; scriptPath('J') } } }
        """)
    a, b = config.jobs
    assert (a.definition.url, a.definition.branch, a.definition.script_path) == (
        "https://g/a.git", "dev", "Jenkinsfile")
    assert (b.definition.url, b.definition.script_path) == ("https://github.com/org/b.git", "J")


def test_triggers_in_both_job_dsl_spellings(load, check):
    config = load("""
        jobs:
          - script: |
              pipelineJob('lib') {
                triggers { upstream('core, /tools/x', 'UNSTABLE') }
              }
              pipelineJob('app') {
                properties {
                  pipelineTriggers {
                    triggers {
                      cron { spec('H H(0-2) * * *') }
                      pollSCM { scmpoll_spec('H/5 * * * *') }
                      upstream { upstreamProjects('lib'); threshold('FAILURE') }
                    }
                  }
                }
              }
        """)
    lib, app = config.jobs
    assert lib.triggers == (Trigger("upstream", "core, /tools/x", "UNSTABLE"),)
    assert app.triggers == (Trigger("cron", "H H(0-2) * * *"), Trigger("pollSCM", "H/5 * * * *"),
                            Trigger("upstream", "lib", "FAILURE"))
    error = only_error(check("jobs:\n  - script: |\n      pipelineJob('a') {\n        properties { pipelineTriggers "
                             "{ triggers { cron { spec('H 25 * * *') } } } }\n      }\n"))
    assert 'Invalid input: "H 25 * * *": line 1:2: 25 is an invalid value. Must be within 0 and 23' in error.message
    assert error.line == 4


def test_authentication_token_is_a_secret_of_the_job(load):
    config = load("jobs:\n  - script: |\n      pipelineJob('a') { authenticationToken('${TRIGGER}') }\n",
                  {"TRIGGER": "s3cret-trigger"})
    job = config.job("a")
    assert job.auth_token == "s3cret-trigger"
    assert "s3cret-trigger" not in repr(job) and "s3cret-trigger" in config.secrets()
