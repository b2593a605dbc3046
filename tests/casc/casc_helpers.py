"""Small helpers the casc tests import (kept out of conftest.py so they can be imported by name)."""
from __future__ import annotations

import textwrap

from orchestrator.casc import Source


def doc(text: str, name: str = "jenkins.yaml") -> Source:
    """A YAML source from an indented triple-quoted string."""
    return Source(name, textwrap.dedent(text).lstrip("\n"))


def only_error(report):
    """The single error of a Report (fails listing them all otherwise)."""
    assert len(report.errors) == 1, [e.render() for e in report.errors]
    return report.errors[0]


def messages(report) -> str:
    return "\n".join(e.render() for e in report.errors)


def warning_texts(report) -> str:
    return "\n".join(w.render() for w in report.warnings)
