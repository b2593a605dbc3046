"""`serve --watch`: reload the JCasC configuration when its source files change.

A daemon thread in the serve process looks at the files of the running configuration's sources
once a second (modification time and size; URLs are not polled). A change is applied like the
reload endpoint applies it: all or nothing, a rejected file is reported and changes nothing.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from orchestrator.casc import sources as casc_sources


def fingerprint(sources: str) -> tuple:
    """(path, mtime, size) of every local file the sources name; a missing one counts too."""
    seen = []
    for part in casc_sources.split(sources):
        if urlsplit(part).scheme in ("http", "https"):
            continue
        path = Path(part[len("file:"):] if part.startswith("file:") else part)
        files = casc_sources.yaml_files(path) if path.is_dir() else [path]
        for f in files:
            try:
                stat = f.stat()
                seen.append((str(f), stat.st_mtime_ns, stat.st_size))
            except OSError:
                seen.append((str(f), None, None))
    return tuple(seen)


def start_watching(home: Path, interval: float = 1.0) -> threading.Thread:
    thread = threading.Thread(target=_watch, args=(home, interval), daemon=True, name="casc-watch")
    thread.start()
    return thread


def _watch(home: Path, interval: float) -> None:
    from orchestrator.casc.errors import CascError
    from orchestrator.live_config import apply_sources
    from orchestrator.store import Store
    store = Store(home)
    last: Optional[tuple] = None
    while True:
        row = store.casc_generation()
        sources = row["sources"] if row else ""
        current = fingerprint(sources) if sources else None
        if last is not None and current != last:
            try:
                applied = apply_sources(store, sources)
                print(f"orchestrator serve --watch: configuration reloaded (generation {applied.generation})",
                      file=sys.stderr)
            except CascError as e:
                print(f"orchestrator serve --watch: the changed configuration was rejected, nothing changed:\n{e}",
                      file=sys.stderr)
        last = current
        time.sleep(interval)
