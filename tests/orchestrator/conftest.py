"""Run Jenkinsfiles through the real engine (`orchestrator run`'s code path) in a temp home."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.results import Result


@dataclass
class Run:
    result: Result
    log: str
    home: Path

    def index(self, text: str) -> int:
        assert text in self.log, f"{text!r} not in log:\n{self.log}"
        return self.log.index(text)

    def in_order(self, *texts: str) -> None:
        position = -1
        for text in texts:
            found = self.log.find(text, position + 1)
            assert found > position, f"{text!r} not found after position {position} in log:\n{self.log}"
            position = found


@pytest.fixture
def run_pipeline(tmp_path):
    from orchestrator.runlocal import RunOptions, run

    counter = {"n": 0}

    def runner(text: str, params=None, credentials=None, job="job", input_answer=None, workspace=None) -> Run:
        counter["n"] += 1
        folder = tmp_path / f"src{counter['n']}"
        folder.mkdir()
        jenkinsfile = folder / "Jenkinsfile"
        jenkinsfile.write_text(textwrap.dedent(text))
        creds = None
        if credentials:
            creds = folder / "creds.yaml"
            creds.write_text(textwrap.dedent(credentials))
        home = tmp_path / "home"
        options = RunOptions(jenkinsfile=jenkinsfile, params=params or {}, job=job, home=home,
                             credentials=creds, input_answer=input_answer, quiet=True,
                             workspace=Path(workspace) if workspace else None)
        result = run(options)
        logs = sorted((home / "jobs" / job / "builds").iterdir(), key=lambda p: int(p.name))
        return Run(result, (logs[-1] / "log").read_text(), home)

    return runner
