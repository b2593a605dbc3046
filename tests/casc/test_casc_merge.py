"""Multi-file merging with JCasC's strategies and messages."""
from __future__ import annotations

import pytest
from casc_helpers import doc, messages, only_error

from orchestrator.casc import check_documents, load_documents
from orchestrator.casc.errors import MergeError
from orchestrator.casc.merge import merge_all, strategy_from_env
from orchestrator.casc.yaml_lines import parse

A = doc("""
    jenkins:
      systemMessage: hello a
      globalNodeProperties:
        - envVars: {env: [{key: A, value: "1"}]}
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: one, secret: s1}
    """, "a.yaml")
B = doc("""
    jenkins:
      systemMessage: hello b
      numExecutors: 3
    credentials:
      system:
        domainCredentials:
          - credentials:
              - string: {id: two, secret: s2}
    """, "b.yaml")


def test_scalar_conflict_is_an_error_by_default_naming_file_line_and_path():
    report = check_documents([A, B], {})
    error = only_error(report)
    assert isinstance(error, MergeError)
    assert error.message.startswith("Found conflicting configuration at YamlSource: b.yaml line 2")
    assert (error.file, error.line, error.path) == ("b.yaml", 2, "jenkins.systemMessage")
    assert report.config is None


def test_identical_scalars_still_conflict_as_in_jcasc():
    same = doc("jenkins:\n  numExecutors: 3\n", "c.yaml")
    assert "Found conflicting configuration" in messages(check_documents([B, same], {}))


def test_override_strategy_later_file_wins_and_sequences_concatenate():
    config = load_documents([A, B], {"CASC_MERGE_STRATEGY": "override"})
    assert config.jenkins.system_message == "hello b"
    assert config.jenkins.num_executors == 3
    assert [c.id for c in config.credentials] == ["one", "two"]  # lists add up under both strategies
    assert config.jenkins.global_env == (("A", "1"),)
    assert config.sources == ("a.yaml", "b.yaml")


def test_sequences_concatenate_under_error_on_conflict():
    b = doc("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
            "          - string: {id: two, secret: s2}\n", "b.yaml")
    config = load_documents([A, b], {})
    assert [c.id for c in config.credentials] == ["one", "two"]


@pytest.mark.parametrize("strategy", ["errorOnConflict", "override"])
def test_different_kinds_never_merge(strategy):
    incompatible = doc("jenkins:\n  systemMessage:\n    type: text\n", "i.yaml")
    error = only_error(check_documents([A, incompatible], {"CASC_MERGE_STRATEGY": strategy}))
    assert error.message.startswith("Found incompatible configuration elements YamlSource: i.yaml line 3")
    assert error.path == "jenkins.systemMessage"


def test_unknown_strategy_is_reported_not_a_crash():
    with pytest.raises(MergeError, match="Unknown merge strategy 'latest'"):
        strategy_from_env({"CASC_MERGE_STRATEGY": "latest"})


def test_merge_keeps_positions_of_each_file():
    left, _ = parse("jenkins:\n  a: 1\n", "l.yaml")
    right, _ = parse("jenkins:\n  b: 2\n", "r.yaml")
    merged = merge_all([left, right])
    jenkins = merged.get("jenkins")
    assert (jenkins.get("a").file, jenkins.get("b").file) == ("l.yaml", "r.yaml")
