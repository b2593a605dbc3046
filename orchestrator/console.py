"""The console log: Jenkins' line format, written incrementally to a file (and optionally a stream).

Everything a build prints goes through one `Console`, which masks secrets (`****`) before any
byte reaches the file, keeps lines whole across threads, and decodes process output leniently
(binary or invalid UTF-8 never stops a build).
"""
from __future__ import annotations

import contextvars
import threading
import time
from typing import IO, Iterable, Optional

MASK = "****"
#: set inside `timestamps()` blocks: lines written from there get the Timestamper plugin's prefix
TIMESTAMPS: contextvars.ContextVar[bool] = contextvars.ContextVar("orchestrator_timestamps", default=False)


class Console:
    def __init__(self, path: Optional[str] = None, stream: Optional[IO[str]] = None) -> None:
        self._file = open(path, "a", encoding="utf-8", errors="replace", newline="\n") if path else None
        self._stream = stream
        self._lock = threading.Lock()
        self._secrets: list[str] = []
        self.path = path

    # ------------------------------------------------------------ secrets
    def add_secrets(self, values: Iterable[str]) -> None:
        """Mask these values from now on (longest first, so a secret containing another is masked whole)."""
        with self._lock:
            for value in values:
                if value and len(value) >= 1 and value not in self._secrets:
                    self._secrets.append(value)
            self._secrets.sort(key=len, reverse=True)

    def remove_secrets(self, values: Iterable[str]) -> None:
        with self._lock:
            for value in values:
                if value in self._secrets:
                    self._secrets.remove(value)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    # ------------------------------------------------------------ writing
    def line(self, text: str = "") -> None:
        """Write one line (a trailing newline is added)."""
        self.write(text + "\n")

    def write(self, text: str) -> None:
        if TIMESTAMPS.get() and text:
            text = _timestamped(text)
        with self._lock:
            text = self.mask(text)
            if self._file is not None:
                self._file.write(text)
                self._file.flush()
            if self._stream is not None:
                try:
                    self._stream.write(text)
                    self._stream.flush()
                except (OSError, ValueError):
                    self._stream = None  # a closed pipe (e.g. `| head`) must not fail the build

    def pipeline(self, text: str) -> None:
        """`[Pipeline] <text>`: the step/structure markers Jenkins prints."""
        self.line(f"[Pipeline] {text}")

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _timestamped(text: str) -> str:
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
    lines = text.split("\n")
    tail = lines.pop() if not text.endswith("\n") else lines.pop() or None
    out = "".join(f"[{stamp}] {line}\n" for line in lines)
    if tail:
        out += f"[{stamp}] {tail}"
    return out


def decode(data: bytes) -> str:
    """Process output as text: UTF-8 where valid, U+FFFD elsewhere, NULs dropped."""
    return data.decode("utf-8", errors="replace").replace("\x00", "")
