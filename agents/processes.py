"""Run a build's shell steps as local processes, and make sure nothing outlives them.

Each step runs in its own session (process group). Its output is streamed line by line to a
callback as it arrives, so a step printing gigabytes never sits in memory. Every process gets a
cookie in its environment; when the step ends (normally, on abort or on timeout) every process
still carrying the cookie is killed, which also catches children that daemonised themselves.
"""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

COOKIE_VAR = "ORCHESTRATOR_PROCESS_COOKIE"
_READ_SIZE = 65536
_MAX_LINE = 1 << 20  # split pathological lines so one line never holds more than 1 MiB


@dataclass
class ProcessResult:
    exit_code: int
    stdout: bytes = b""
    interrupted: bool = False


def run_process(
    argv: list[str],
    *,
    cwd: str,
    env: dict[str, str],
    cookie: str,
    on_output: Callable[[bytes], None],
    capture_stdout: bool = False,
    stop: Optional[threading.Event] = None,
    poll_interval: float = 0.1,
) -> ProcessResult:
    """Run argv; stream its output (stderr always, stdout unless captured) to on_output in chunks
    of whole lines (each chunk ends with a newline).

    `stop` set by another thread (abort, timeout) kills the whole process tree; the result then
    has interrupted=True. The exit code of a signal-killed process is 128+signal, as in a shell.
    """
    env = dict(env)
    env[COOKIE_VAR] = cookie
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stdout else subprocess.STDOUT, start_new_session=True,
    )
    captured = bytearray()
    buffers: dict[int, bytearray] = {}
    selector = selectors.DefaultSelector()
    streams = [proc.stdout] + ([proc.stderr] if capture_stdout else [])
    for stream in streams:
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ)
        buffers[stream.fileno()] = bytearray()
    interrupted = False
    exited_at: Optional[float] = None
    try:
        while selector.get_map():
            if stop is not None and stop.is_set() and not interrupted:
                interrupted = True
                kill_tree(proc, cookie)
            if exited_at is None and proc.poll() is not None:
                exited_at = time.monotonic()
            if exited_at is not None and time.monotonic() - exited_at > 0.5:
                # the step's own process is done; whatever still holds its pipes is a leftover child
                kill_by_cookie(cookie)
                if time.monotonic() - exited_at > 2.0:
                    break
            for key, _ in selector.select(poll_interval):
                fd = key.fileobj.fileno()
                try:
                    chunk = os.read(fd, _READ_SIZE)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                if capture_stdout and key.fileobj is proc.stdout:
                    captured += chunk
                    continue
                _emit_lines(buffers[fd], chunk, on_output)
    finally:
        selector.close()
        for rest in buffers.values():
            if rest:
                on_output(bytes(rest) + b"\n")
        exit_code = _wait(proc)
        kill_by_cookie(cookie)
        for stream in streams:
            stream.close()
    return ProcessResult(exit_code, bytes(captured), interrupted)


def _emit_lines(buffer: bytearray, chunk: bytes, on_output: Callable[[bytes], None]) -> None:
    """Hand over every complete line in one call (a 100 MB log is ~1,600 calls, not 50 million);
    keep the partial last line for the next chunk, unless it grows past _MAX_LINE."""
    buffer += chunk
    last_newline = buffer.rfind(b"\n")
    if last_newline >= 0:
        on_output(bytes(buffer[:last_newline + 1]))
        del buffer[:last_newline + 1]
    elif len(buffer) > _MAX_LINE:
        on_output(bytes(buffer) + b"\n")
        buffer.clear()


def _wait(proc: subprocess.Popen) -> int:
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        code = proc.wait()
    return 128 - code if code < 0 else code


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(proc: subprocess.Popen, cookie: str, grace: float = 1.0) -> None:
    """SIGTERM the step's process group, then SIGKILL whatever remains (group and cookie holders)."""
    _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    _signal_group(proc.pid, signal.SIGKILL)
    kill_by_cookie(cookie)


def processes_with_cookie(cookie: str) -> list[int]:
    """PIDs of live processes whose environment carries this cookie (Linux /proc)."""
    needle = f"{COOKIE_VAR}={cookie}".encode()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    me = os.getpid()
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_by_cookie(cookie: str, wait: float = 1.0) -> int:
    """SIGKILL every process carrying the cookie and wait (briefly) until they are gone;
    returns how many were signalled."""
    pids = processes_with_cookie(cookie)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + wait
    while pids and time.monotonic() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.01)
    return len(pids)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False
