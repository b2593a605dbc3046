"""${...} interpolation: every row of the plugin's resolver vectors, secret sources, helpers."""
from __future__ import annotations

import base64
import csv

import pytest
from casc_helpers import only_error, warning_texts

from orchestrator.casc.errors import UnresolvedVariableError
from orchestrator.casc.interpolation import InterpolationFailure, Resolver, encode, parse_properties

STRICT = "CASC_STRICT_SECRET_RESOLUTION"


def _vector_env(cell: str) -> dict[str, str]:
    """`FOO=hello;BAR=world` -> env. `\\n` is a newline (the trim rows need real ones; the JSON row's
    escaped newline inside a JSON string then is a raw newline, which the resolver accepts)."""
    env = {}
    for part in filter(None, cell.split(";")):
        key, _, value = part.partition("=")
        env[key] = value.replace("\\n", "\n")
    return env


def _vectors(casc_corpus):
    with open(casc_corpus / "interpolation_vectors.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_all_interpolation_vectors(casc_corpus, tmp_path, report):
    rows = _vectors(casc_corpus)
    assert len(rows) == 40
    failures = []
    for row in rows:
        expected = row["expected"].replace("\\n", "\n")
        text = row["input"]
        if text.startswith("(export) "):
            got = encode(text[len("(export) "):])
        elif row["env"].startswith("file containing"):
            secret = tmp_path / "secret.txt"
            secret.write_text("secret\n")
            got = Resolver({}).resolve(text.replace("<path>", str(secret)))
        else:
            try:
                got = Resolver(_vector_env(row["env"])).resolve(text)
            except InterpolationFailure as e:
                got = f"<IllegalStateException: {e}>"
        if got != expected:
            failures.append((row["test"], text, got, expected))
    report(f"casc interpolation vectors: {len(rows) - len(failures)}/{len(rows)} pass")
    assert failures == []


def test_unresolved_variable_warns_with_the_jcasc_text():
    resolver = Resolver({})
    assert resolver.resolve("a${FOO}b") == "ab"
    assert resolver.warnings == ["Configuration import: Found unresolved variable 'FOO'. Will default to empty string"]


def test_strict_mode_only_accepts_the_exact_word_true():
    with pytest.raises(InterpolationFailure, match="Unable to resolve variable 'X'"):
        Resolver({STRICT: "TRUE"}).resolve("${X}")
    assert Resolver({STRICT: "yes"}).resolve("${X}") == ""  # Boolean.parseBoolean: anything else is false


def test_docker_secrets_folder_is_trimmed_and_env_wins(tmp_path):
    (tmp_path / "DB_PASSWORD").write_text("  hunter2\n")
    (tmp_path / "TOKEN").write_text("from-file")
    resolver = Resolver({"SECRETS": str(tmp_path), "TOKEN": "from-env"})
    assert resolver.resolve("${DB_PASSWORD}") == "hunter2"
    assert resolver.resolve("${TOKEN}") == "from-env"


def test_a_secret_key_never_reads_outside_the_secrets_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.write_text("nope")
    (tmp_path / "secrets").mkdir()
    resolver = Resolver({"SECRETS": str(tmp_path / "secrets")})
    assert resolver.resolve("${../outside}") == ""


def test_properties_file_source(tmp_path):
    props = tmp_path / "secrets.properties"
    props.write_text("# comment\nA=1\nB : two\\\n  lines\nC\\u0041=x\n")
    resolver = Resolver({"SECRETS_FILE": str(props), "SECRETS": str(tmp_path / "none")})
    assert resolver.resolve("${A}-${B}-${CA}") == "1-twolines-x"


def test_parse_properties_separators_and_escapes():
    assert parse_properties("a=b\nc:d\ne f\n! bang\ng=\\tx\n") == {"a": "b", "c": "d", "e": "f", "g": "\tx"}


def test_helpers_prefixes_are_case_insensitive(tmp_path):
    f = tmp_path / "key.bin"
    f.write_bytes(b"\x00\x01pem\n")
    resolver = Resolver({})
    assert resolver.resolve(f"${{READFILEBASE64:{f}}}") == base64.b64encode(b"\x00\x01pem\n").decode()
    assert resolver.resolve("${decodeBase64:aGk=}") == "hi"
    assert resolver.resolve(f"${{file:{f}}}").endswith("pem\n")


def test_sysprop_has_no_jvm_here():
    resolver = Resolver({})
    assert resolver.resolve("${sysProp:user.home}") == ""
    assert "System Properties did not contain the specified key 'user.home'" in resolver.warnings[0]


@pytest.mark.parametrize("text, message", [
    ("${decodeBase64:not base64!}", "not valid base64"),
    ("${json:a:not json}", "not valid JSON"),
    ("${json:nokey}", "expected ${json:<field>:<json document>}"),
])
def test_helper_failures_never_echo_the_value(text, message):
    with pytest.raises(InterpolationFailure) as e:
        Resolver({}).resolve(text)
    assert message in str(e.value)
    assert "not base64!" not in str(e.value) and "not json" not in str(e.value)


def test_resolved_values_are_substituted_again_and_cycles_stop():
    assert Resolver({"A": "${B}", "B": "b"}).resolve("${A}") == "b"  # Commons Text resolves values recursively
    with pytest.raises(InterpolationFailure, match="Infinite loop in property interpolation of A->A"):
        Resolver({"A": "${A}"}).resolve("${A}")


def test_loader_interpolates_values_never_keys_and_reports_positions(check):
    report = check("""
        jenkins:
          systemMessage: "${GREETING:-hi} ^${NOT_ME} $ALSO_NOT"
          labelString: "${MISSING}"
        x-${KEY}: 1
        """, {"GREETING": "hello"})
    assert report.ok
    assert report.config.jenkins.system_message == "hello ${NOT_ME} $ALSO_NOT"
    warning = report.warnings[0]
    assert (warning.line, warning.path) == (3, "jenkins.labelString")
    assert "unresolved variable 'MISSING'" in warning.message


def test_strict_mode_fails_the_load_with_position(check):
    error = only_error(check("jenkins:\n  systemMessage: \"${FOO}:${MISSING}\"\n", {STRICT: "true", "FOO": "x"}))
    assert isinstance(error, UnresolvedVariableError)
    assert "Unable to resolve variable 'MISSING'. Aborting configuration reload." == error.message
    assert (error.line, error.path) == (2, "jenkins.systemMessage")


def test_unknown_keys_are_not_interpolated(check):
    report = check("configuration-as-code: {unknown: warn}\njenkins:\n  nope: ${MISSING}\n")
    assert report.ok and "unresolved" not in warning_texts(report)
