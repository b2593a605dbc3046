"""A disk cache of lint results, keyed by the Jenkinsfile's text and this grammar's code.

`orchestrator run` re-runs the same Jenkinsfile again and again; like Python's .pyc files, the
parsed and validated result is kept so that later runs skip the parser (and never load Lark).
Any change to the text, the grammar or its code gives a different key; a damaged entry is
ignored and rewritten.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .jenkinsfile import LintResult, check

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")) + [_HERE / "jenkinsfile.lark"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "orchestrator" / "jenkinsfiles"


def cached_check(text: str, tools: Optional[dict[str, list[str]]] = None) -> LintResult:
    """`check(text, tools)`, served from the cache when this exact text was checked before."""
    digest = hashlib.sha256(_code_version())
    digest.update(repr(sorted((tools or {}).items())).encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    path = cache_dir() / f"{digest.hexdigest()}.pickle"
    try:
        with open(path, "rb") as f:
            result = pickle.load(f)
        if isinstance(result, LintResult):
            return result
    except Exception:  # noqa: BLE001 - missing, truncated or foreign entries are simply rebuilt
        pass
    result = check(text, tools)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, RecursionError):
        pass  # a read-only home or a very deep tree only costs the cache
    return result
