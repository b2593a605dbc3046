"""The Declarative plugin's own test Jenkinsfiles and real-world files, linted as Jenkins would.

Figures (pass rates) are printed in the "corpus figures" section of pytest's summary.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orchestrator.grammar import check
from orchestrator.grammar.errors import render_report
from orchestrator.grammar.json_ast import to_json

# The Jenkins test harness configures these tool installations (AbstractModelDefTest).
TEST_TOOLS = {"maven": ["apache-maven-3.0.1", "apache-maven-3.5.0"], "jdk": ["default"]}

# ------------------------------------------------------------------ errors/EXPECTED.tsv
# Rows we knowingly do not reproduce, and why. Everything else must print the expected text.
UNSUPPORTED_ERROR_ROWS = {
    "agentMissingRequiredParam.groovy": "needs the test-only `otherField` agent type from Jenkins' test harness",
    "agentUnknownParamForType.groovy": "needs the test-only `otherField` agent type from Jenkins' test harness",
    "optionValidatorContributor.groovy": "needs a test-only DeclarativeValidatorContributor extension",
    "postValidatorContributor.groovy": "needs a test-only DeclarativeValidatorContributor extension",
    "validatorContributor.groovy": "needs the test-only `testProperty` option and its validator",
    "tooManyUnnamedParameters.groovy": "needs the test-only `multiArgCtorProp` job property",
    "emptyPipeline.groovy": "the NoSuchMethodError row is printed when the scripted body runs, not by lint",
    "envIdentifierDigitsUnderscore.groovy": "Groovy's own number-lexer message for `123_ABC`; we report a syntax "
                                            "error at the same place",
    "envIdentifierStartingWithDigit.groovy": "`1BAR = ...` is rejected by our Groovy grammar as a syntax error "
                                             "on that line instead of Jenkins' identifier message",
    "envIdentifiersCaughtInternally.groovy": "same `1BAR` line: a syntax error on that line",
    "scriptSecurityRejectionInEnvironment.groovy": "script-security sandbox rejection happens at run time",
    "scriptSecurityRejectionInSteps.groovy": "script-security sandbox rejection happens at run time",
    "scriptSecurityRejectionInWhenExpression.groovy": "script-security sandbox rejection happens at run time",
}


def _expected_rows(corpus: Path):
    rows = []
    for line in (corpus / "declarative/errors/EXPECTED.tsv").read_text().splitlines()[1:]:
        file, basis, message = line.split("\t")
        if file.endswith(".groovy"):
            rows.append((file, basis, message))
    return rows


def _fragments(message: str) -> list[str]:
    """Expected texts hold placeholders for lists that depend on installed plugins
    (`<runtime list ...>`, `<whole file>`) and the test harness' agent list; compare around them."""
    message = re.sub(r"Must be one of \[.*?\]", "Must be one of <list>", message)
    return [part for part in re.split(r"<[^>]*>", message) if part.strip()]


@pytest.fixture(scope="module")
def error_outputs(corpus):
    outputs = {}
    for file, _, _ in _expected_rows(corpus):
        if file not in outputs:
            text = (corpus / "declarative/errors" / file).read_text()
            result = check(text, tools=TEST_TOOLS)
            outputs[file] = render_report(result.diagnostics, text) if result.diagnostics else ""
    return outputs


def test_expected_error_messages(corpus, error_outputs, report):
    hits, misses = 0, []
    for file, basis, message in _expected_rows(corpus):
        if "[MUST NOT appear]" in basis:
            continue
        out = error_outputs[file]
        if "MultipleCompilationErrorsException" in message:
            found = out.startswith("org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:")
        else:
            found = all(fragment.strip() in out for fragment in _fragments(message))
        if found:
            hits += 1
        else:
            misses.append((file, message))
    total = hits + len(misses)
    report(f"errors/EXPECTED.tsv: {hits}/{total} expected messages printed ({100 * hits / total:.1f}%)")
    unexplained = [m for m in misses if m[0] not in UNSUPPORTED_ERROR_ROWS]
    assert not unexplained, "expected messages not printed:\n" + "\n".join(f"{f}: {m}" for f, m in unexplained)
    assert hits / total >= 0.90


def test_messages_that_must_not_appear(corpus, error_outputs):
    for file, basis, message in _expected_rows(corpus):
        if "[MUST NOT appear]" in basis:
            assert message not in error_outputs[file], f"{file} must not print {message!r}"


def test_every_error_file_is_rejected_with_positions(corpus):
    for path in sorted((corpus / "declarative/errors").glob("*.groovy")):
        text = path.read_text()
        result = check(text, tools=TEST_TOOLS)
        # files that only fail through test-only extensions or the run-time sandbox lint clean
        assert not result.valid or path.name in UNSUPPORTED_ERROR_ROWS, path.name
        lines = text.count("\n") + 1
        for d in result.diagnostics:
            assert 1 <= d.line <= lines and d.column >= 1, (path.name, d)


# ------------------------------------------------------------------ valid/
# Files of valid/ that do not lint clean, and why. The first group is rejected by Jenkins itself
# at compile time (their tests expect FAILURE with our message in the log).
REJECTED_BY_JENKINS_TOO = {
    "when/whenEmpty.groovy", "when/conditions/allOfEmpty.groovy", "properties/stashWithExcessPropertyValue.groovy",
    "properties/stashWithNegativePropertyValue.groovy",
}
NOT_LINT_CLEAN = {
    "matrix/matrixStagesHaveStatusAndPost.groovy": "matrix without axes; contradicts the asserted error test "
                                                   "errors/matrixMissingAxes, which we follow",
    "matrix/matrixStagesShouldntTriggerNSE.groovy": "matrix without axes (see matrixMissingAxes)",
    "matrix/matrixStagesGroupsAndStages.groovy": "matrix without axes (see matrixMissingAxes)",
    "matrix/matrixStagesNestedInSequential.groovy": "matrix without axes (see matrixMissingAxes)",
    "fromEvaluate.groovy": "no pipeline block: loads another file with evaluate()",
    "steps/validateDeclarativePipelineStep.groovy": "no pipeline block: a scripted helper that validates another file",
    "libraries/objectMethodPipelineCall.groovy": "the pipeline comes from a shared-library object (acmeVar.pipeline)",
    "libraries/pipelineDefinedInLibrary.groovy": "the pipeline is defined in a shared library",
    "libraries/multiplePipelinesDefinedInLibraryFirst.groovy": "the pipeline is defined in a shared library",
    "libraries/multiplePipelinesDefinedInLibrarySecond.groovy": "the pipeline is defined in a shared library",
    "libraries/libForPipelineDefinedInLibrary.groovy": "a shared-library step (def call() { pipeline {...} })",
    "libraries/libForMultiplePipelinesDefinedInLibrary.groovy": "a shared-library step (def call())",
    "libraries/libForMultiplePipelinesExecutedInLibrary.groovy": "a shared-library step (def call())",
    "agent/multipleVariablesForAgent.groovy": "test-only `otherField` agent type",
    "simplePipelineWithTestTrigger.groovy": "test-only `testtrigger` trigger types",
}


def _manifest(corpus: Path) -> dict[str, dict]:
    lines = (corpus / "declarative/valid/MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    return {row.split("\t")[0]: dict(zip(header, row.split("\t"))) for row in lines[1:]}


def test_valid_files_lint_clean(corpus, report):
    manifest = _manifest(corpus)
    expectations = json.loads((corpus / "declarative/valid/EXPECTATIONS.json").read_text())
    clean = 0
    for path, row in manifest.items():
        text = (corpus / "declarative/valid" / path).read_text()
        result = check(text, tools=TEST_TOOLS)
        if path in REJECTED_BY_JENKINS_TOO:
            out = render_report(result.diagnostics, text)
            for test in expectations[path]:
                assert test["result"] == "FAILURE"
                for line in test.get("logContains", []):
                    assert line in out, (path, line)
            continue
        if path in NOT_LINT_CLEAN:
            assert not result.valid, f"{path} now lints clean: remove it from NOT_LINT_CLEAN"
            continue
        assert result.valid, (path, row["tier"], [d.render() for d in result.diagnostics])
        clean += 1
    core = [p for p, r in manifest.items() if r["tier"] == "core"]
    report(f"valid/: {clean}/{len(manifest)} lint clean; core tier {sum(1 for p in core if p not in NOT_LINT_CLEAN and p not in REJECTED_BY_JENKINS_TOO)}/{len(core)}"
           f" (the rest are listed in NOT_LINT_CLEAN / REJECTED_BY_JENKINS_TOO with reasons)")


def _value(v):
    if isinstance(v, dict) and "isLiteral" in v:
        return v["value"] if v["isLiteral"] else re.sub(r"\s+", "", str(v["value"]))
    return None


def _steps(steps):
    out = []
    for s in steps:
        args = s.get("arguments")
        if s["name"] == "script":
            shape = None
        elif isinstance(args, list):
            shape = [(x.get("key"), _value(x.get("value"))) if isinstance(x, dict) and "key" in x else _value(x)
                     for x in args]
        else:
            shape = ("single", _value(args))
        out.append((s["name"], shape, _steps(s["children"]) if "children" in s else None))
    return out


def _stage(st):
    matrix = st.get("matrix", {})
    return {
        "name": st["name"],
        "branches": [(b["name"], _steps(b["steps"])) for b in st.get("branches", [])],
        "stages": [_stage(x) for x in st.get("stages", [])],
        "parallel": [_stage(x) for x in st.get("parallel", [])],
        "agent": st.get("agent"),
        "failFast": st.get("failFast"),
        "axes": [(a["name"], [_value(v) for v in a["values"]]) for a in matrix.get("axes", [])],
        "matrix_stages": [_stage(x) for x in matrix.get("stages", [])],
    }


def _structure(ast: dict):
    return {"agent": ast["pipeline"].get("agent"), "stages": [_stage(s) for s in ast["pipeline"]["stages"]]}


def test_golden_json_structure(corpus, report):
    valid = corpus / "declarative/valid"
    pairs = [(j, valid / j.relative_to(valid / "json").with_suffix(".groovy"))
             for j in sorted((valid / "json").rglob("*.json"))]
    pairs = [(j, g) for j, g in pairs if g.exists()]
    assert len(pairs) >= 50
    for golden, groovy in pairs:
        text = groovy.read_text()
        result = check(text, tools=TEST_TOOLS)
        assert result.pipeline is not None, groovy
        assert _structure(to_json(result.pipeline, text)) == _structure(json.loads(golden.read_text())), groovy.name
    report(f"valid/json: {len(pairs)} golden ASTs match in stages, branches, steps, arguments and agents")


# ------------------------------------------------------------------ real-world files
REAL_WORLD_NOT_CLEAN = {
    "AJarombek__react-webpack-seed__Jenkinsfile": "not valid Groovy: `mail to: andrew@jarombek.com` (an unquoted "
                                                  "e-mail address) at line 23; Jenkins rejects it too",
}


def test_real_world_declarative(corpus, report):
    files = sorted(p for p in (corpus / "realworld/declarative").iterdir() if p.is_file())
    assert len(files) >= 170
    failing = {}
    for path in files:
        result = check(path.read_text(encoding="utf-8", errors="replace"))
        if not result.valid:
            failing[path.name] = [d.render() for d in result.diagnostics]
    rate = 1 - len(failing) / len(files)
    report(f"realworld/declarative: {len(files) - len(failing)}/{len(files)} lint clean ({100 * rate:.1f}%)")
    assert set(failing) == set(REAL_WORLD_NOT_CLEAN), failing
    assert rate >= 0.97


@pytest.mark.parametrize("folder", ["realworld/scripted", "realworld/nondeclarative"])
def test_not_declarative_files_get_one_clear_message(corpus, folder, report):
    files = sorted(p for p in (corpus / folder).iterdir() if p.is_file() and p.suffix not in (".tsv", ".md"))
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        result = check(text)
        assert result.pipeline is None
        assert len(result.diagnostics) == 1, (path.name, result.diagnostics)
        d = result.diagnostics[0]
        assert "did not contain the 'pipeline' step" in d.message, (path.name, d.message)
        assert 1 <= d.line <= text.count("\n") + 1
    report(f"{folder}: {len(files)}/{len(files)} get the not-declarative message with a line")
