"""Diagnostics in Jenkins' format, and the grammar layer's exceptions."""
from __future__ import annotations

from dataclasses import dataclass

from orchestrator.errors import OrchestratorError


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One error or warning about a Jenkinsfile, positioned as Groovy reports it (1-based)."""
    line: int
    column: int
    message: str
    severity: str = "error"

    def render(self, script: str = "WorkflowScript") -> str:
        """`WorkflowScript: 12: Missing required section "agent" @ line 12, column 1.`"""
        return f"{script}: {self.line}: {self.message} @ line {self.line}, column {self.column}."

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


class JenkinsfileError(OrchestratorError):
    """A Jenkinsfile that cannot be run: syntax or validation errors, all of them."""

    exit_code = 2
    status = 400

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class GroovySyntaxError(JenkinsfileError):
    """The file is not valid Groovy (reported before any Declarative check, as in Jenkins)."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        self.line, self.column, self.reason = line, column, reason
        super().__init__([Diagnostic(line, column, reason)])


def render_report(diagnostics, text: str, script: str = "WorkflowScript") -> str:
    """Jenkins' startup-failure block: each error with its source line and a caret under the column."""
    lines = text.splitlines()
    out = ["org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:"]
    for d in diagnostics:
        out.append(d.render(script))
        if 0 < d.line <= len(lines):
            source = lines[d.line - 1].expandtabs(4) if "\t" in lines[d.line - 1] else lines[d.line - 1]
            out.append("   " + source.rstrip())
            out.append("   " + " " * max(0, d.column - 1) + "^")
        out.append("")
    count = len(diagnostics)
    out.append(f"{count} error{'s' if count != 1 else ''}")
    return "\n".join(out)
