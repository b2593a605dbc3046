"""Local processes: streaming, exit codes, interruption, and no process left behind."""
from __future__ import annotations

import os
import resource
import threading
import time

import pytest

from orchestrator.agents.local import LocalAgent, workspace_name
from orchestrator.agents.processes import processes_with_cookie, run_process


def run_sh(script: str, tmp_path, **kw):
    chunks: list[bytes] = []
    result = LocalAgent(tmp_path).run_shell(script, cwd=str(tmp_path / "ws"), env=dict(os.environ),
                                            on_output=chunks.append, **kw)
    return result, b"".join(chunks)


def test_output_exit_code_and_xtrace(tmp_path):
    result, out = run_sh("echo hello\necho oops >&2\nexit 3", tmp_path)
    assert result.exit_code == 3
    assert b"+ echo hello\nhello\n" in out and b"oops\n" in out


def test_errexit_stops_at_first_failure(tmp_path):
    result, out = run_sh("false\necho never", tmp_path)
    assert result.exit_code == 1 and b"never" not in out.replace(b"+ echo never", b"")


def test_capture_stdout_keeps_stderr_in_the_log(tmp_path):
    result, out = run_sh("echo captured\necho logged >&2", tmp_path, capture_stdout=True)
    assert result.stdout == b"captured\n"
    assert b"logged" in out and b"captured\n" not in out.replace(b"+ echo captured\n", b"")


def test_binary_and_invalid_utf8_output(tmp_path):
    result, out = run_sh(r"printf 'a\377\376\000b\n'", tmp_path)
    assert result.exit_code == 0 and b"a\xff\xfe\x00b\n" in out


def test_partial_last_line_is_delivered(tmp_path):
    result, out = run_sh("printf 'no newline'", tmp_path)
    assert out.endswith(b"no newline\n")


def test_stop_kills_the_whole_tree(tmp_path):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    result, _ = run_sh("sleep 60 &\nsleep 60", tmp_path, stop=stop)
    assert result.interrupted and time.monotonic() - started < 10
    assert result.exit_code != 0


def test_children_that_outlive_the_step_are_killed(tmp_path):
    marker = tmp_path / "pids"
    cookie_holder = []

    def capture(data: bytes) -> None:
        cookie_holder.append(data)
    agent = LocalAgent(tmp_path)
    result = agent.run_shell(f"sleep 300 & echo $! > {marker}\nsetsid sleep 301 & echo $! >> {marker}\necho done",
                             cwd=str(tmp_path / "ws"), env=dict(os.environ), on_output=capture)
    assert result.exit_code == 0
    time.sleep(0.2)
    for pid in map(int, marker.read_text().split()):
        assert not _alive(pid), f"process {pid} outlived its step"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie is dead, only not yet reaped
    except FileNotFoundError:
        return False


def test_cookie_lookup_finds_only_its_processes(tmp_path):
    seen = []
    done = threading.Event()

    def check(data):
        if b"ready" in data and not seen:
            seen.append(processes_with_cookie("cookie-test-1"))
    run_process(["sh", "-c", "sleep 1 & echo ready; wait"], cwd=str(tmp_path), env=dict(os.environ),
                cookie="cookie-test-1", on_output=check)
    assert seen and len(seen[0]) >= 1
    assert processes_with_cookie("cookie-test-1") == []


def test_huge_output_streams_in_bounded_memory(tmp_path):
    size = 100_000_000
    total = 0

    def count(data: bytes) -> None:
        nonlocal total
        total += len(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = LocalAgent(tmp_path).run_shell(f"yes 'a line of build output' | head -c {size}",
                                            cwd=str(tmp_path / "ws"), env=dict(os.environ), on_output=count)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.exit_code == 0
    assert total >= size
    assert (after - before) * 1024 < 64 * 1024 * 1024, "output was held in memory"


def test_one_enormous_line_is_split(tmp_path):
    sizes = []
    LocalAgent(tmp_path).run_shell("head -c 3000000 /dev/zero | tr '\\0' a", cwd=str(tmp_path / "ws"),
                                   env=dict(os.environ), on_output=lambda d: sizes.append(len(d)))
    assert sum(sizes) >= 3_000_000 and max(sizes) <= (1 << 20) + 65536 + 1


@pytest.mark.parametrize("job,expected", [("app", "app"), ("team/app", "team_app"), ("../../etc", "etc"),
                                          ("a b/c", "a_b_c"), ("", "job"), ("..", "job")])
def test_workspace_names_stay_inside_the_root(job, expected):
    assert workspace_name(job) == expected
