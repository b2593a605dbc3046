"""The JSON Schema describes exactly what loads: same attributes, same rejections."""
from __future__ import annotations

import json

import pytest
import yaml

from orchestrator.casc import check, schema
from orchestrator.casc.jenkins import JENKINS
from orchestrator.casc.loader import ROOTS


def test_schema_shape():
    s = schema()
    assert s["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(s["properties"]) == set(ROOTS)
    assert s["additionalProperties"] is False and "^x-" in s["patternProperties"]
    jenkins = s["properties"]["jenkins"]["properties"]
    assert {a.name for a in JENKINS.attrs if a.supported} <= set(jenkins)
    assert "nodes" not in jenkins and "rawBuildsDir" not in jenkins  # refused keys are not offered
    assert "slaveAgentPort" in jenkins and "no effect" in jenkins["slaveAgentPort"]["description"]
    realm = jenkins["securityRealm"]["oneOf"][0]["properties"]["local"]
    users = realm["properties"]["users"]["items"]["properties"]
    assert users["password"]["x-secret"] is True
    json.dumps(s)  # serialisable as is


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is optional: it checks the schema itself")
    jsonschema.Draft7Validator.check_schema(schema())
    return jsonschema.Draft7Validator(schema())


def _errors(validator, path):
    data = yaml.safe_load(path.read_text()) or {}
    return sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))


def test_demos_that_load_are_valid_against_the_schema(validator, casc_corpus):
    checked = 0
    for path in sorted((casc_corpus / "demos").rglob("*.y*ml")):
        if check(str(path), env={"SECRETS": "/nonexistent"}).ok:
            assert _errors(validator, path) == [], path
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name, pointer", [
    ("invalidSchemaConfig.yml", ["jenkins", "numExecutors"]),
    ("invalidBaseConfig.yml", []),
    ("invalidHeteroConfig.yml", ["jenkins", "crumbIssuer"]),
])
def test_schema_rejects_the_plugin_schema_cases(validator, casc_corpus, name, pointer):
    errors = _errors(validator, casc_corpus / "errors" / "test-harness" / name)
    assert errors and list(errors[0].absolute_path)[:len(pointer)] == pointer
