"""`items:`: JCasC's structure checks, freestyle jobs as the pipeline they amount to, the removal policy."""
from __future__ import annotations

import pytest
from casc_helpers import only_error

from orchestrator.casc.errors import ItemsError
from orchestrator.casc.items import groovy_string
from orchestrator.casc.model import LogRotator, Parameter, Trigger
from orchestrator.grammar import check as check_pipeline
from orchestrator.grammar import parse_groovy

FREESTYLE = """
items:
  actionOnUndeclaredItems: delete-tracked
  items:
    - freestyle:
        name: my-freestyle-full-job
        displayName: My Freestyle Job
        description: Configured via JCasC
        concurrentBuild: true
        quietPeriod: 50
        buildDiscarder:
          logRotator: {daysToKeepStr: "7", numToKeepStr: "10"}
        builders:
          - shell:
              command: |
                echo "it's $HOME"
                printf 'a\\tb\\n'
        publishers:
          - archiveArtifacts: {artifacts: "*.jar", onlyIfSuccessful: true}
        triggers:
          - cron: {spec: "* * * * *"}
        properties:
          - parameters:
              parameterDefinitions:
                - string: {name: DEPLOY_ENV, defaultValue: dev, description: Target environment}
                - choice: {name: SIZE, choices: [s, m]}
"""


def test_freestyle_job_becomes_a_checked_declarative_pipeline(load):
    config = load(FREESTYLE)
    assert config.undeclared_jobs == "delete-tracked"
    job = config.jobs[0]
    assert (job.name, job.kind, job.display_name, job.description, job.concurrent_builds, job.quiet_period) == (
        "my-freestyle-full-job", "freestyle", "My Freestyle Job", "Configured via JCasC", True, 50)
    assert job.log_rotator == LogRotator(days_to_keep=7, num_to_keep=10)
    assert job.triggers == (Trigger("cron", "* * * * *"),)
    assert job.parameters == (Parameter("string", "DEPLOY_ENV", "dev", "Target environment"),
                              Parameter("choice", "SIZE", "s", "", ("s", "m")))
    result = check_pipeline(job.definition.script)
    assert result.valid and result.pipeline is not None, result.diagnostics
    assert "sh 'echo \"it\\'s $HOME\"\\nprintf \\'a\\\\tb\\\\n\\'\\n'" in job.definition.script
    assert "success {" in job.definition.script and "archiveArtifacts(artifacts: '*.jar')" in job.definition.script


@pytest.mark.parametrize("text", ["plain", "it's", "back\\slash", "new\nline", "tab\there", "$HOME ${X}", "'''"])
def test_groovy_string_round_trips_through_the_grammar(text):
    literal = parse_groovy(f"x({groovy_string(text)})").body[0].expr.args[0]
    assert literal.value == text


def test_minimal_item_list_form(load):
    job = load("items:\n  - freestyle:\n      name: minimal\n").jobs[0]
    assert job.kind == "freestyle" and job.concurrent_builds is False
    assert "echo 'No build steps'" in job.definition.script


@pytest.mark.parametrize("text, message, line", [
    ("items:\n  - unknown:\n      name: foo\n", "No ItemConfigurator found for type: unknown", 2),
    ("items:\n  - dummy:\n      description: hello\n", "Item of type 'dummy' is missing a 'name' attribute.", 3),
    ("items:\n  - freestyle:\n      name: \"\"\n",
     "Item of type 'freestyle' must have a non-empty 'name' attribute.", 3),
    ("items:\n  - freestyle: {name: a}\n    pipeline: {name: b}\n", "Each item must have exactly one type key.", 2),
    ("items:\n  dummy:\n    name: x\n", "Invalid items configuration. Expected a sequence of items, or a mapping "
                                        "containing 'items' or 'actionOnUndeclaredItems'.", 2),
    ("items:\n  actionOnUndeclaredItems: remove-all\n  itmes: []\n", "Invalid items configuration. Unsupported key "
     "'itmes'. Only 'items' and 'actionOnUndeclaredItems' are allowed.", 3),
    ("items:\n  actionOnUndeclaredItems: abc\n", "Invalid actionOnUndeclaredItems: abc", 2),
    ("items:\n  items: {}\n", "Expected a sequence of items, found: Mapping", 2),
    ("items:\n  - freestyle: {name: a/b}\n", "‘/’ is an unsafe character", 2),
])
def test_jcasc_structure_messages(check, text, message, line):
    error = check(text).errors[0]  # the first one; `remove-all` is also an invalid action, reported too
    assert isinstance(error, ItemsError)
    assert error.message.startswith(message) and error.line == line


def test_attributes_are_checked_in_the_same_dry_run(check):
    error = only_error(check("items:\n  - freestyle:\n      name: bad-job\n      unknownProperty: 123\n"))
    assert error.message.startswith("freestyle: Invalid configuration elements for type: class "
                                    "hudson.model.FreeStyleProject : unknownProperty.")
    assert error.line == 4


def test_windows_builders_name_why(check):
    error = only_error(check("items:\n  - freestyle:\n      name: w\n      builders:\n"
                             "        - batchFile: {command: dir}\n"))
    assert "Windows batch" in error.message and error.line == 5


def test_items_and_jobs_share_names_and_folders(check):
    report = check("items:\n  - freestyle: {name: same}\njobs:\n  - script: pipelineJob('same')\n")
    assert [j.kind for j in report.config.jobs] == ["pipeline"]  # jobs: is applied after items:, as in JCasC
