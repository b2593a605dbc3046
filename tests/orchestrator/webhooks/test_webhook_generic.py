"""The Generic Webhook Trigger: the trigger read from the Jenkinsfile, variables, filter, cause."""
from __future__ import annotations

import pytest

from orchestrator.webhooks import generic
from orchestrator.webhooks.declared import NotLiteral, declared_trigger
from payloads import payload

JENKINSFILE = """pipeline {
  agent any
  parameters { string(name: 'ref', defaultValue: 'none') ; booleanParam(name: 'deleted', defaultValue: true) }
  triggers {
    GenericTrigger(
      genericVariables: [
        [key: 'ref', value: '$.ref'],
        [key: 'pusher', value: '$.pusher.name', regexpFilter: 'cat$'],
        [key: 'added', value: '$.commits[*].added[*]'],
        [key: 'repo', value: '$.repository.owner'],
        [key: 'missing', value: '$.nothing.here', defaultValue: 'fallback'],
      ],
      genericRequestVariables: [[key: 'env']],
      genericHeaderVariables: [[key: 'X-GitHub-Event']],
      token: 'abc123',
      causeString: 'Triggered on $ref by ${pusher}',
      regexpFilterText: '$ref',
      regexpFilterExpression: '^refs/heads/(main|release/.+)$'
    )
  }
  stages { stage('Build') { steps { echo "building ${env.ref}" } } }
}"""


def test_the_trigger_is_read_from_the_jenkinsfile():
    trigger = generic.trigger_of(JENKINSFILE)
    assert trigger.token == "abc123" and trigger.filter_expression == "^refs/heads/(main|release/.+)$"
    assert [v.key for v in trigger.variables] == ["ref", "pusher", "added", "repo", "missing"]
    assert generic.trigger_of("pipeline { agent any\n stages { stage('a') { steps { echo 'x' } } } }") is None


def test_variables_filter_and_cause_from_a_github_push():
    trigger = generic.trigger_of(JENKINSFILE)
    outcome = generic.evaluate(trigger, payload("github-push"), {"env": ["prod"]},
                               {"x-github-event": ["push"]})
    v = outcome.variables
    assert v["ref"] == "refs/heads/main" and v["pusher"] == "octo"       # regexpFilter removed 'cat'
    assert v["added"] == '["README.md"]' and v["added_0"] == "README.md"
    assert v["repo_login"] == "octo-org" and v["missing"] == "fallback"
    assert v["env"] == "prod" and v["x_github_event"] == "push"
    assert outcome.triggered and outcome.filter_text == "refs/heads/main"
    assert outcome.cause == {"_class": "org.jenkinsci.plugins.gwt.GenericCause",
                             "shortDescription": "Triggered on refs/heads/main by octo"}
    assert generic.parameter_values([{"name": "ref", "type": "StringParameterDefinition", "default": "none"},
                                     {"name": "deleted", "type": "BooleanParameterDefinition", "default": True}],
                                    v) == {"ref": "refs/heads/main", "deleted": True}


def test_a_filter_that_does_not_match_does_not_trigger():
    outcome = generic.evaluate(generic.trigger_of(JENKINSFILE), payload("github-push-tag"), {}, {})
    assert not outcome.triggered and outcome.filter_text == "refs/tags/v1.0"
    assert generic.filter_matches("", "") and not generic.filter_matches("", "x")


def test_render_prefers_the_longest_name_and_default_cause():
    assert generic.render("$ref_name/$ref/${ref}", {"ref": "A", "ref_name": "B"}) == "B/A/A"
    outcome = generic.evaluate(generic.GenericTrigger(token="t"), {}, {}, {})
    assert outcome.cause["shortDescription"] == "Generic Cause" and outcome.triggered


def test_tokens_compare_whole():
    assert generic.token_matches("abc123", "abc123")
    assert not generic.token_matches("abc", "abc123") and not generic.token_matches("", "")
    assert not generic.token_matches(None, "abc123")


def test_unusable_triggers_say_why():
    with pytest.raises(generic.BadTrigger, match="only JSONPath"):
        generic.trigger_of(JENKINSFILE.replace("[key: 'ref', value: '$.ref']",
                                               "[key: 'ref', value: '/a', expressionType: 'XPath']"))
    with pytest.raises(generic.BadTrigger, match="not a literal"):
        generic.trigger_of(JENKINSFILE.replace("token: 'abc123'", "token: env.TOKEN"))
    with pytest.raises(generic.BadTrigger, match="not a JSONPath"):
        generic.evaluate(generic.GenericTrigger(variables=(generic.Variable("x", "$.[[x"),)), {}, {}, {})
    with pytest.raises(generic.BadTrigger, match="regexpFilterExpression"):
        generic.filter_matches("x", "(")


def test_declared_gitlab_trigger_options():
    script = JENKINSFILE.replace("triggers {", "triggers {\n    gitlab(triggerOnPush: false, secretToken: 'gl')")
    assert declared_trigger(script, "gitlab") == {"triggerOnPush": False, "secretToken": "gl"}
    with pytest.raises(NotLiteral):
        declared_trigger(script.replace("'gl'", "\"${env.X}\""), "gitlab")
