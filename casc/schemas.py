"""JSON Schema (draft-07) of exactly what the loader accepts, generated from the declarations.

Like JCasC's `/configuration-as-code/schema`: objects forbid unknown keys, describables are
`oneOf` single-key objects (or a bare symbol). Unlike JCasC's it is complete for what is
supported, and it accepts the scalar forms JCasC accepts (numbers and booleans may be quoted
strings, since every YAML scalar is a string to JCasC). Editors can use it for completion.
"""
from __future__ import annotations

from typing import Any

from .items import ACTIONS, ITEM_TYPES
from .loader import ROOT_OBJECTS
from .spec import OneOf

SCRIPT_SOURCES = {
    "script": {"type": "string", "description": "Job DSL text (interpolated: write Groovy's ${x} as ^${x})"},
    "file": {"type": "string", "description": "path of a Job DSL script, relative to the working directory"},
    "url": {"type": "string", "description": "http(s) URL of a Job DSL script"},
    "providedEnv": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]},
                    "description": "variables for the scripts that follow"},
}


def schema() -> dict:
    properties: dict[str, Any] = {name: obj.schema() for name, obj in ROOT_OBJECTS.items()}
    item = OneOf("items", dict(ITEM_TYPES)).schema()
    item_list = {"type": ["array", "null"], "items": item}
    properties["items"] = {"oneOf": [item_list, {
        "type": "object", "additionalProperties": False,
        "properties": {"items": item_list, "actionOnUndeclaredItems": {"enum": list(ACTIONS)}}}],
        "description": "native jobs; actionOnUndeclaredItems also governs jobs: (see apply.py)"}
    properties["jobs"] = {"type": ["array", "null"], "description": "Job DSL scripts (folder and pipelineJob)",
                          "items": {"oneOf": [{"type": "object", "additionalProperties": False, "required": [k],
                                               "properties": {k: v}} for k, v in SCRIPT_SOURCES.items()]}}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "urn:orchestrator:casc",
        "title": "orchestrator configuration as code (JCasC subset)",
        "type": "object",
        "additionalProperties": False,
        "patternProperties": {"^x-": {"description": "ignored; holds YAML anchors"}},
        "properties": properties,
    }
