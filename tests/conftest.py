"""Shared test fixtures: the shared corpus (skipped with a reason when absent) and a summary
section where corpus tests report their figures (pass rates, files checked)."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
_REPORT: list[str] = []


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (tests that read it need ../shared/corpus)")
    return CORPUS


@pytest.fixture(scope="session")
def report():
    """Call report("line") to print a figure in pytest's terminal summary."""
    return _REPORT.append


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("corpus figures")
        for line in _REPORT:
            terminalreporter.write_line(line)
