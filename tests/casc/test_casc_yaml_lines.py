"""YAML -> nodes with positions: marks, merge keys, SnakeYAML's limits, script line mapping."""
from __future__ import annotations

import textwrap

import pytest

from orchestrator.casc.errors import YamlSyntaxError
from orchestrator.casc.yaml_lines import Mapping, Scalar, Sequence, parse, script_lines


def tree(text: str, env=None):
    node, warnings = parse(textwrap.dedent(text).lstrip("\n"), "f.yaml", env or {})
    return node, warnings


def test_every_node_knows_file_line_and_column():
    node, _ = tree("""
        jenkins:
          systemMessage: hello
          numExecutors: 5
        list:
          - a
          - {b: c}
        """)
    assert isinstance(node, Mapping)
    jenkins = node.get("jenkins")
    assert (jenkins.file, jenkins.line) == ("f.yaml", 2)
    message = jenkins.get("systemMessage")
    assert isinstance(message, Scalar) and (message.value, message.line, message.column) == ("hello", 2, 18)
    # every scalar is a string, as in JCasC's model
    assert jenkins.get("numExecutors").value == "5"
    seq = node.get("list")
    assert isinstance(seq, Sequence) and [n.line for n in seq] == [5, 6]


def test_null_and_empty_document():
    node, _ = tree("jenkins:\n")
    assert node.get("jenkins").value is None
    empty, _ = tree("# only a comment\n")
    assert isinstance(empty, Mapping) and len(empty) == 0


def test_anchors_aliases_and_merge_keys_with_explicit_keys_winning():
    node, _ = tree("""
        x-base: &base
          remoteFS: /home/jenkins
          mode: NORMAL
        agent:
          <<: *base
          mode: EXCLUSIVE
        """)
    agent = node.get("agent")
    assert agent.get("remoteFS").text == "/home/jenkins"
    assert agent.get("mode").text == "EXCLUSIVE"
    assert agent.get("remoteFS").line == 2  # an aliased value points at where the anchor defines it


def test_duplicate_keys_warn_and_the_later_wins():
    node, warnings = tree("a: 1\na: 2\n")
    assert node.get("a").text == "2"
    assert len(warnings) == 1 and warnings[0].line == 2 and "duplicate key 'a'" in warnings[0].message


@pytest.mark.parametrize("limit, fails", [("1", True), ("2", False)])
def test_alias_limit_for_collections(limit, fails):
    text = """
        x-a: &a {k: v}
        one: *a
        two: *a
        """
    if fails:
        with pytest.raises(YamlSyntaxError) as e:
            tree(text, {"CASC_YAML_MAX_ALIASES": limit})
        assert e.value.message.startswith("Number of aliases for non-scalar nodes exceeds the specified max=1\n")
        assert 'CASC_YAML_MAX_ALIASES="100"' in e.value.message
        assert e.value.line == 3
    else:
        tree(text, {"CASC_YAML_MAX_ALIASES": limit})


def test_scalar_aliases_do_not_count():
    tree("x-a: &a v\none: *a\ntwo: *a\n", {"CASC_YAML_MAX_ALIASES": "1"})


def test_code_point_limit():
    with pytest.raises(YamlSyntaxError, match="exceeds the limit: 1048576 code points"):
        parse("a: " + "x" * (1024 * 1024), "big.yaml", {"CASC_YAML_CODE_POINT_LIMIT": "1"})


@pytest.mark.parametrize("text, line", [
    ("jenkins:\n\t- tabs: are: forbidden\n", 2),
    ("jenkins:\n  numExecutors: {\n", 3),
    ("a: 1\n---\nb: 2\n", 2),  # one document per file, as SnakeYAML's compose
])
def test_syntax_errors_carry_the_line(text, line):
    with pytest.raises(YamlSyntaxError) as e:
        parse(text, "bad.yaml")
    assert e.value.file == "bad.yaml" and e.value.line == line
    assert e.value.message.startswith("Invalid YAML: ")


def test_script_lines_literal_block():
    text = "jobs:\n  - script: |\n      folder('a')\n\n      pipelineJob('b')\n"
    node, _ = parse(text, "f.yaml")
    scalar = node.get("jobs").items[0].get("script")
    assert script_lines(scalar, text, scalar.value) == [3, 4, 5, 6]


def test_script_lines_folded_block_joins_runs_of_lines():
    text = textwrap.dedent("""\
        jobs:
          - script: >
              folder('a')
              pipelineJob('b') {
                description('x')
              }
        """)
    node, _ = parse(text, "f.yaml")
    scalar = node.get("jobs").items[0].get("script")
    lines = scalar.value.split("\n")
    mapped = script_lines(scalar, text, scalar.value)
    # `folder('a')` and `pipelineJob('b') {` fold into one line; the more-indented line keeps its own
    assert lines[0] == "folder('a') pipelineJob('b') {" and mapped[0] == 3
    assert lines[1].strip() == "description('x')" and mapped[1] == 5
    assert mapped[2] == 6


def test_script_lines_flow_scalar_on_the_key_line():
    text = "jobs:\n  - script: \"folder('a')\"\n"
    node, _ = parse(text, "f.yaml")
    scalar = node.get("jobs").items[0].get("script")
    assert script_lines(scalar, text, scalar.value) == [2]
