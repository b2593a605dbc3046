"""Pipeline Utility Steps for data files: readJSON/writeJSON, readYaml/writeYaml, readProperties."""
from __future__ import annotations

import json

from orchestrator.errors import StepFailed

from . import step
from .files import _path


def _text(call, file, text) -> str:
    if (file is None) == (text is None):
        raise StepFailed(f"{call.name}: give exactly one of file or text", call.line)
    if text is not None:
        return str(text)
    path = _path(call, file)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StepFailed(f"{path} does not exist.", call.line) from None


@step("readJSON", needs_node=False)
def read_json(call, file=None, text=None, returnPojo=False):
    try:
        return json.loads(_text(call, file, text))
    except json.JSONDecodeError as e:
        raise StepFailed(f"readJSON: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}", call.line) from None


@step("writeJSON", needs_node=False)
def write_json(call, json=None, file=None, pretty=0, returnText=False):  # noqa: A002
    import json as jsonlib
    text = jsonlib.dumps(json, indent=int(pretty) if pretty else None, default=str)
    if returnText or file is None:
        return text
    path = _path(call, file)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@step("readYaml", needs_node=False)
def read_yaml(call, file=None, text=None):
    import yaml
    try:
        docs = list(yaml.safe_load_all(_text(call, file, text)))
    except yaml.YAMLError as e:
        raise StepFailed(f"readYaml: {e}", call.line) from None
    return docs[0] if len(docs) == 1 else docs


@step("writeYaml", needs_node=False)
def write_yaml(call, file=None, data=None, datas=None, overwrite=False, charset="UTF-8", returnText=False):
    import yaml
    text = yaml.safe_dump_all(datas, sort_keys=False) if datas is not None else yaml.safe_dump(data, sort_keys=False)
    if returnText or file is None:
        return text
    path = _path(call, file)
    if path.exists() and not overwrite:
        raise StepFailed(f"{path} already exists (use overwrite: true)", call.line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@step("readProperties", needs_node=False)
def read_properties(call, file=None, text=None, defaults=None):
    values = dict(defaults or {})
    for line in _text(call, file, text).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        for sep in ("=", ":"):
            if sep in line:
                key, _, value = line.partition(sep)
                values[key.strip()] = value.strip()
                break
    return values
