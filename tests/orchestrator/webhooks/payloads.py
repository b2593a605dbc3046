"""The recorded-shape payloads under payloads/ (GitHub and GitLab documentation examples)."""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "payloads"


def payload(name: str) -> dict:
    """A payload by file name (without .json)."""
    return json.loads((HERE / f"{name}.json").read_text())


def pointed_at(data: dict, remote: str, original: str) -> dict:
    """The payload with every URL of the `original` repository replaced by `remote` (a local repository
    the test server can clone), in every URL form GitHub and GitLab send."""
    text = json.dumps(data)
    host, path = original.split("/", 1)
    for form in (f"https://{host}/{path}.git", f"git@{host}:{path}.git", f"git://{host}/{path}.git",
                 f"https://{host}/{path}"):
        text = text.replace(json.dumps(form)[1:-1], remote)
    return json.loads(text)
