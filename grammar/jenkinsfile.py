"""The grammar layer's entry points: Jenkinsfile text -> Pipeline, or every error Jenkins would print."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from . import ast as a
from . import groovy as g
from .errors import Diagnostic, GroovySyntaxError, JenkinsfileError
from .model import ModelBuilder, find_pipeline
from .parser import parse_groovy
from .validate import Validator

SCRIPTED_MARKERS = ("node", "podTemplate", "stage", "timestamps", "timeout", "ansiColor", "withCredentials",
                    "dockerNode", "parallel", "properties", "try")


@dataclass(frozen=True)
class LintResult:
    """What `check()` found: the model when the file is declarative, and every diagnostic."""
    pipeline: Optional[a.Pipeline]
    diagnostics: tuple[Diagnostic, ...]
    script: Optional[g.Script] = None

    @property
    def valid(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def check(text: str, tools: Optional[dict[str, list[str]]] = None) -> LintResult:
    """Parse and validate a Jenkinsfile, collecting all errors as Jenkins does."""
    try:
        return _check(text, tools)
    except RecursionError:
        # Python's stack, not Groovy, ran out: say so instead of crashing (Groovy would overflow too)
        return LintResult(None, (Diagnostic(1, 1, "The Jenkinsfile nests expressions too deeply to be "
                                                  "processed; split the deepest expression into variables."),))


def _check(text: str, tools: Optional[dict[str, list[str]]]) -> LintResult:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        script = parse_groovy(text)
    except GroovySyntaxError as e:
        return LintResult(None, tuple(_syntax_diagnostics(text, e)))
    found = find_pipeline(script)
    if found is None:
        return LintResult(None, (_not_declarative(text, script),), script)
    if isinstance(found, tuple):
        kind, node = found
        if kind == "call":
            message = (f"Jenkinsfile content did not contain the 'pipeline' step at the top level: its pipeline {{ }} "
                       f"is inside def call() (line {node.line}), which makes it a shared-library step "
                       "(vars/*.groovy), not a Declarative Jenkinsfile. Call that step from a Jenkinsfile instead.")
            return LintResult(None, (Diagnostic(node.line, node.column, message),), script)
        return LintResult(None, (Diagnostic(node.line, node.column,
                                            "pipeline block must be at the top-level, not within another block."),),
                          script)
    builder = ModelBuilder(script)
    pipeline = builder.pipeline(found)
    validator = Validator(tools)
    validator.pipeline(pipeline)
    diagnostics = sorted(set(builder.errors.diagnostics + validator.diagnostics))
    return LintResult(pipeline, tuple(diagnostics), script)


def parse(text: str, tools: Optional[dict[str, list[str]]] = None) -> a.Pipeline:
    """The Pipeline of a valid Jenkinsfile; raises JenkinsfileError with every error otherwise."""
    result = check(text, tools)
    if not result.valid or result.pipeline is None:
        raise JenkinsfileError(list(result.diagnostics))
    return result.pipeline


def _not_declarative(text: str, script: g.Script) -> Diagnostic:
    marker = next((s for s in script.body if _scripted_name(s) in SCRIPTED_MARKERS), None)
    if marker is None:
        marker = next((s for s in script.body if not isinstance(s, (g.Import, g.Package, g.VarDecl, g.MethodDef,
                                                                     g.ClassDef, g.EnumDef))), None)
    if marker is None and script.body:
        marker = script.body[0]
    line, column = (marker.line, marker.column) if marker is not None else (1, 1)
    what = _scripted_name(marker) if marker is not None else None
    return Diagnostic(line, column, _not_declarative_message(what, line, text))


def _excerpt(text: str, line: int) -> str:
    lines = text.splitlines()
    first = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return first if len(first) <= 40 else first[:37] + "..."


def _not_declarative_message(what: Optional[str], line: int, text: str) -> str:
    found = f" (it starts with '{what}' at line {line})" if what else ""
    return (f"Jenkinsfile content '{_excerpt(text, line)}' did not contain the 'pipeline' step: this is not a "
            f"Declarative Pipeline{found}. orchestrator runs Declarative Pipelines only; put the work in "
            "pipeline { agent any; stages { stage('Build') { steps { ... } } } }.")


def _scripted_name(stmt) -> Optional[str]:
    if isinstance(stmt, g.ExprStmt) and isinstance(stmt.expr, g.Call):
        return stmt.expr.name
    if isinstance(stmt, g.Try):
        return "try"
    if isinstance(stmt, g.Labelled):
        return stmt.label
    return None


# ---------------------------------------------------------------- files Groovy-this-parser cannot read
_SCAN = re.compile(r"""
    (?P<comment>//[^\n]*|/\*[\s\S]*?\*/)
  | (?P<string>'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<open>[{(\[]) | (?P<close>[})\]])
  | (?P<word>[A-Za-z_$][\w$]*)
  | (?P<newline>\n)
""", re.X)


def top_level_calls(text: str) -> list[tuple[str, int, int]]:
    """(name, line, column) of every word at brace depth 0 that is followed by `{` or `(`, by a
    string- and comment-aware scan that needs no parser (for files the grammar rejects)."""
    found = []
    depth = 0
    line, line_start = 1, 0
    pending: Optional[tuple[str, int, int]] = None
    for m in _SCAN.finditer(text):
        kind = m.lastgroup
        if kind in ("comment", "string"):
            chunk = m.group()
            line += chunk.count("\n")
            if "\n" in chunk:
                line_start = m.start() + chunk.rfind("\n") + 1
            if kind == "string":
                pending = None
            continue
        if kind == "newline":
            line += 1
            line_start = m.end()
            continue
        if kind == "word":
            pending = (m.group(), line, m.start() - line_start + 1) if depth == 0 else None
        elif kind == "open":
            if pending is not None and m.group() in "{(":
                found.append(pending)
            pending = None
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
            pending = None
    return found


def _syntax_diagnostics(text: str, error: GroovySyntaxError) -> list[Diagnostic]:
    calls = top_level_calls(text)
    if any(name == "pipeline" for name, _, _ in calls):
        return list(error.diagnostics)
    marker = next(((n, ln, col) for n, ln, col in calls if n in SCRIPTED_MARKERS), calls[0] if calls else None)
    what, line, column = marker if marker else (None, 1, 1)
    message = _not_declarative_message(what, line, text)
    message += f" (The file also has Groovy this linter could not read at line {error.line}: {error.reason}.)"
    return [Diagnostic(line, column, message)]
