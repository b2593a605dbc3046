"""The command line: `orchestrator lint` (text, JSON, stdin, exit codes) and `orchestrator run` (exit codes, abort), as real subprocesses too."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.cli import main

REPO = Path(__file__).resolve().parents[2]
VALID = """pipeline {
    agent any
    stages {
        stage('Build') {
            steps {
                echo 'hello'
            }
        }
    }
}
"""
INVALID = """pipeline {
    stages {
        stage('Build') {
            steps {
                echo 'hello'
            }
        }
    }
}
"""
SCRIPTED = "node {\n    sh 'make'\n}\n"


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("good", VALID), ("bad", INVALID), ("scripted", SCRIPTED)):
        paths[name] = tmp_path / f"{name}.Jenkinsfile"
        paths[name].write_text(text)
    return paths


def test_valid_file_prints_ok_and_exits_0(files, capsys):
    assert main(["lint", str(files["good"])]) == 0
    assert capsys.readouterr().out == f"{files['good']}: OK\n"


def test_invalid_file_prints_jenkins_format_and_exits_1(files, capsys):
    assert main(["lint", str(files["good"]), str(files["bad"])]) == 1
    out = capsys.readouterr().out
    assert f"{files['good']}: OK" in out
    assert 'WorkflowScript: 1: Missing required section "agent" @ line 1, column 1.' in out
    assert "org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:" in out
    assert out.rstrip().endswith("1 error")


def test_json_output(files, capsys):
    assert main(["lint", "--json", str(files["good"]), str(files["bad"]), str(files["scripted"])]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [r["valid"] for r in reports] == [True, False, False]
    assert reports[0] == {"file": str(files["good"]), "valid": True, "errors": [], "warnings": []}
    assert reports[1]["errors"] == [{"line": 1, "column": 1, "message": 'Missing required section "agent"'}]
    assert "did not contain the 'pipeline' step" in reports[2]["errors"][0]["message"]
    assert reports[2]["errors"][0]["line"] == 1


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(VALID))
    assert main(["lint", "-"]) == 0
    assert capsys.readouterr().out == "<stdin>: OK\n"


def test_unreadable_file_exits_2(tmp_path, files, capsys):
    assert main(["lint", str(files["good"]), str(tmp_path / "missing")]) == 2
    captured = capsys.readouterr()
    assert "cannot read" in captured.err and "missing" in captured.err
    assert f"{files['good']}: OK" in captured.out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["lint"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_syntax_error_is_reported_not_raised(tmp_path, capsys):
    path = tmp_path / "Jenkinsfile"
    path.write_text("pipeline {\n  agent any\n  stages {\n")
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "WorkflowScript: " in out and "Traceback" not in out


def test_warnings_for_plugin_only_types_keep_the_file_valid(tmp_path, capsys):
    path = tmp_path / "Jenkinsfile"
    path.write_text(VALID.replace("agent any", "agent any\n    triggers { issueCommentTrigger('.*test.*') }"))
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK (1 warning)" in out and '"pipeline-github"' in out


def test_real_subprocess_and_examples():
    examples = REPO / "examples"
    proc = subprocess.run([sys.executable, "-m", "orchestrator", "lint", str(examples / "Jenkinsfile"),
                           str(examples / "kubernetes.Jenkinsfile")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": OK") == 2
    proc = subprocess.run([sys.executable, "-m", "orchestrator", "lint", str(examples / "broken.Jenkinsfile")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    for expected in ('Unknown stage section "sh"', 'Duplicate stage name: "Build"',
                     'Invalid parameter "tme", did you mean "time"?', 'Invalid condition "sucess"'):
        assert expected in proc.stdout


def test_run_is_aborted_by_sigint_and_post_runs(tmp_path):
    import signal
    import time
    jenkinsfile = tmp_path / "Jenkinsfile"
    jenkinsfile.write_text("""pipeline {
    agent any
    stages { stage('long') { steps { sh 'echo started; sleep 60' } } }
    post { aborted { echo 'POST SAW ABORT' } }
}
""")
    proc = subprocess.Popen([sys.executable, "-m", "orchestrator", "run", str(jenkinsfile), "--home",
                             str(tmp_path / "home"), "--workspace", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    seen = ""
    while "started" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 4, seen + out
    assert "POST SAW ABORT" in out and out.rstrip().endswith("Finished: ABORTED")


def test_run_exit_codes(tmp_path):
    cases = {"echo 'ok'": 0, "error 'no'": 1, "unstable 'meh'": 3}
    for steps, code in cases.items():
        jenkinsfile = tmp_path / f"J{code}"
        jenkinsfile.write_text(VALID.replace("echo 'hello'", steps))
        done = subprocess.run([sys.executable, "-m", "orchestrator", "run", str(jenkinsfile), "--home",
                               str(tmp_path / "home"), "--workspace", str(tmp_path)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == code, done.stdout + done.stderr
    bad = tmp_path / "bad"
    bad.write_text(INVALID)
    done = subprocess.run([sys.executable, "-m", "orchestrator", "run", str(bad), "--home", str(tmp_path / "h")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'Missing required section "agent"' in done.stderr


def test_run_with_a_bad_casc_file_is_a_usage_error_with_its_position(tmp_path, capsys):
    jenkinsfile = tmp_path / "Jenkinsfile"
    jenkinsfile.write_text(VALID)
    casc = tmp_path / "jenkins.yaml"
    casc.write_text("jenkins:\n  clouds:\n  - kubernetes:\n      name: k8s\n      containerCap: lots\n")
    assert main(["run", str(jenkinsfile), "--casc", str(casc), "--home", str(tmp_path / "home")]) == 2
    err = capsys.readouterr().err
    assert f"{casc}:5:" in err and "containerCap" in err
    assert not (tmp_path / "home").exists()    # nothing ran


def test_run_with_casc_clouds_still_runs_local_agents(tmp_path, capsys):
    jenkinsfile = tmp_path / "Jenkinsfile"
    jenkinsfile.write_text(VALID)
    casc = tmp_path / "jenkins.yaml"
    casc.write_text("jenkins:\n  clouds:\n  - kubernetes:\n      name: k8s\n      containerCap: 2\n")
    assert main(["run", str(jenkinsfile), "--casc", str(casc), "--home", str(tmp_path / "home"),
                 "--workspace", str(tmp_path)]) == 0
    assert "hello" in capsys.readouterr().out
