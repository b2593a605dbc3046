"""`orchestrator casc check|export|schema`."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orchestrator.cli import main

GOOD = "jenkins:\n  systemMessage: hi\ncredentials:\n  system:\n    domainCredentials:\n      - credentials:\n" \
       "          - string: {id: t, secret: \"${TOKEN:-s3cr3t}\"}\njobs:\n  - script: pipelineJob('a')\n"
BAD = "jenkins:\n  systemMessage: hi\n  nope: 1\nunclassified:\n  mailer: {}\n"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.delenv("CASC_JENKINS_CONFIG", raising=False)
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(BAD)
    return good, bad


def test_check_valid(files, capsys):
    assert main(["casc", "check", str(files[0])]) == 0
    assert capsys.readouterr().out == "OK: 1 job(s), 1 credential(s), 0 cloud(s)\n"


def test_check_invalid_prints_file_line_and_key(files, capsys):
    assert main(["casc", "check", str(files[1])]) == 1
    out = capsys.readouterr().out
    assert f"{files[1]}:3: jenkins: Invalid configuration elements for type: class jenkins.model.Jenkins : nope." in out
    assert "\n    Available attributes : " in out
    assert f"{files[1]}:5: unclassified: Invalid configuration elements" in out
    assert out.rstrip().endswith("2 error(s): nothing would be applied")


def test_check_several_files_merge_as_one_configuration(files, tmp_path, capsys):
    other = tmp_path / "more.yaml"
    other.write_text("jenkins:\n  systemMessage: again\n")
    assert main(["casc", "check", str(files[0]), str(other)]) == 1
    assert "Found conflicting configuration" in capsys.readouterr().out


def test_check_json(files, capsys):
    assert main(["casc", "check", "--json", str(files[1])]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and [e["line"] for e in data["errors"]] == [3, 5]
    assert data["errors"][0]["path"] == "jenkins.nope"


def test_check_uses_the_environment_default(files, monkeypatch, capsys):
    monkeypatch.setenv("CASC_JENKINS_CONFIG", str(files[0]))
    assert main(["casc", "check"]) == 0


def test_export_redacts_secrets(files, capsys):
    assert main(["casc", "export", "--casc", str(files[0])]) == 0
    out = capsys.readouterr().out
    assert "s3cr3t" not in out and "${CREDENTIALS_T_SECRET}" in out and "pipelineJob('a')" in out


def test_export_of_an_invalid_configuration_fails(files, capsys):
    assert main(["casc", "export", "--casc", str(files[1])]) == 1
    assert "nope" in capsys.readouterr().err


def test_schema(capsys):
    assert main(["casc", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$schema"].startswith("http://json-schema.org/draft-07")


def test_as_a_real_command(files):
    result = subprocess.run([sys.executable, "-m", "orchestrator", "casc", "check", str(files[1])],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and f"{files[1]}:3:" in result.stdout
