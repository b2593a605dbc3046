"""Finding and reading configuration sources: the one module of the casc layer that does I/O.

A source value is what `--casc` or `CASC_JENKINS_CONFIG` holds: a file, a folder, an http(s)
URL or a `file:` URI, or several of these separated by commas (kept in that order). A folder
contributes its `*.yml`/`*.yaml` files at any depth, sorted by relative path, as JCasC's
LocalFileSystemFetcher does; unlike JCasC HEAD, hidden files and folders are skipped (JCasC did
so until 2114): a Kubernetes ConfigMap mount holds every file twice, once under `..data/`, and
reading both would make every key conflict. Everything else in the layer works on the texts.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union
from urllib.parse import urlsplit, urlunsplit

from .errors import SourceError

YAML_SUFFIXES = (".yml", ".yaml")
FETCH_TIMEOUT = 30  # seconds, as JCasC's DefaultHttpFetcher


@dataclass(frozen=True)
class Source:
    """One YAML document: `name` is the path or URL shown in messages."""
    name: str
    text: str


def split(value: Union[str, Sequence[str]]) -> list[str]:
    """`a.yaml, conf.d/` -> ['a.yaml', 'conf.d/']; a list is split item by item."""
    parts = [value] if isinstance(value, str) else list(value)
    return [p.strip() for part in parts for p in part.split(",") if p.strip()]


def read(value: Union[str, Sequence[str]]) -> list[Source]:
    """Every YAML document the source value names, in order. Raises SourceError."""
    sources: list[Source] = []
    for candidate in split(value):
        if candidate.startswith(("http://", "https://")):
            sources.append(Source(redact(candidate), fetch_url(candidate)))
            continue
        if candidate.startswith("file://"):
            path = Path(urlsplit(candidate).path)
        elif candidate.startswith("file:"):
            path = Path(candidate[len("file:"):])
        else:
            path = Path(candidate).expanduser()
        if path.is_dir():
            files = yaml_files(path)
            if not files:
                # an empty folder would otherwise apply an empty configuration (everything back to defaults)
                raise SourceError(f"Source '{candidate}' holds no *.yml or *.yaml file.", candidate)
            sources += [Source(str(f), _read_file(f)) for f in files]
        elif path.is_file():
            sources.append(Source(candidate, _read_file(path)))
        else:
            raise SourceError(f"Source '{candidate}' is not supported by any registered configuration fetcher "
                              "or does not exist.", candidate)
    return sources


def yaml_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(root, f) for f in files if f.lower().endswith(YAML_SUFFIXES) and not f.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise SourceError(f"Failed to read {path}: {e.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise SourceError(f"Failed to read {path}: not UTF-8 text", str(path)) from None


def fetch_url(url: str) -> str:
    """GET a remote document (JCasC's wording on failure; credentials in the URL never echoed)."""
    import requests
    shown = redact(url)
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT)
    except requests.RequestException as e:
        raise SourceError(f"Failed to fetch configuration from {shown}: {type(e).__name__}", shown) from None
    if not 200 <= response.status_code < 300:
        raise SourceError(f"Failed to fetch configuration from {shown}. HTTP status code: {response.status_code}",
                          shown)
    return response.text


def redact(url: str) -> str:
    """The URL without user:password@ and without its query string (tokens live there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "…" if parts.query else "", ""))
