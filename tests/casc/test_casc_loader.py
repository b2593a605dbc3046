"""The loader as a whole: root handling, options, layering, import cost."""
from __future__ import annotations

import subprocess
import sys

from casc_helpers import only_error

from orchestrator.casc.loader import java_hashmap_order


def test_java_hashmap_order_matches_jcasc_messages():
    assert java_hashmap_order(["alice", "bob"], 2) == ["bob", "alice"]
    assert java_hashmap_order(["apiVersion", "kind", "metadata", "data"], 4) == ["metadata", "apiVersion", "data",
                                                                                "kind"]


def test_configuration_as_code_root_options(check):
    assert check("configuration-as-code:\n  version: 1\n  unknown: warn\n").config.options.unknown == "warn"
    assert only_error(check("configuration-as-code:\n  version: 2\n")).message == (
        "Unsupported configuration version: 2 (only 1)")
    error = only_error(check("configuration-as-code:\n  unknown: ignore\n"))
    assert "No enum constant io.jenkins.plugins.casc.ConfigurationContext$Unknown.ignore" in error.message


def test_document_must_be_a_mapping(check):
    assert "a JCasC file is a mapping of root elements" in only_error(check("- a\n- b\n")).message


def test_root_given_twice_in_different_case(check):
    assert "Root element 'jenkins' is given twice" in only_error(check("jenkins: {}\nJENKINS: {}\n")).message


def test_tool_root_is_known_but_every_tool_names_its_owner(check):
    error = only_error(check("tool:\n  git:\n    installations: []\n"))
    assert "Available attributes : (none)" in error.message
    assert "'git' belongs to the Jenkins plugin 'git-client'" in error.message


def test_casc_layer_imports_neither_engine_flask_nor_kubernetes():
    code = ("import sys\n"
            "from orchestrator import casc\n"
            "from orchestrator.casc import apply, exporter, loader, schemas\n"
            "casc.schema()\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'kubernetes')\n"
            "             or m.startswith(('orchestrator.engine', 'orchestrator.web', 'orchestrator.agents')))\n"
            "print(bad)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_importing_credentials_does_not_load_the_whole_loader():
    code = ("import sys\nimport orchestrator.casc.credentials\n"
            "print(sorted(m for m in sys.modules if m in ('orchestrator.casc.loader', 'orchestrator.casc.jobdsl', "
            "'orchestrator.grammar')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_every_warning_carries_file_line_and_path(check):
    report = check("""
        x-a: &a {k: 1}
        jenkins:
          systemMessage: ${UNSET}
          slaveAgentPort: 50000
          clouds:
            - kubernetes: {name: k, credentialsId: nowhere, templates: [{name: t, id: abc}]}
          authorizationStrategy:
            globalMatrix: {permissions: ["Overall/Read:anonymous"]}
        jobs:
          - script: |
              pipelineJob('a') {
                keepDependencies()
                definition { cpsScm { scm { git { remote { url('u'); credentials('missing') } } } } }
              }
              pipelineJob('a')
        unclassified:
          location: {url: ci.example.com}
          location: {url: "https://ci.example.com"}
        """)
    assert report.ok and len(report.warnings) >= 8
    for warning in report.warnings:
        assert warning.file == "jenkins.yaml" and warning.line and warning.path, warning
