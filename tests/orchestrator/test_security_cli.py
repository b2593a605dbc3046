"""`orchestrator user` and `orchestrator token`: real subprocesses on a temp home; only hashes stored."""
from __future__ import annotations

import subprocess
import sys

from orchestrator.security.passwords import token_digest, verify_password
from orchestrator.store import Store


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestrator.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_users_and_tokens_from_the_command_line(tmp_path):
    home = str(tmp_path / "home")
    assert cli("user", "add", "dora", "--full-name", "Dora D", "--home", home, stdin="first-Pa55\n").returncode == 0
    assert cli("user", "add", "dora", "--home", home, stdin="x\n").returncode == 1          # exists
    assert cli("user", "add", "eve", "--home", home, stdin="").returncode == 2              # no password
    assert cli("user", "password", "nobody", "--home", home, stdin="x\n").returncode == 1
    store = Store(tmp_path / "home")
    first = store.user("dora")
    assert first["full_name"] == "Dora D" and verify_password("first-Pa55", first["password_hash"])
    assert cli("user", "password", "dora", "--home", home, stdin="second-Pa55\n").returncode == 0
    second = store.user("dora")
    assert verify_password("second-Pa55", second["password_hash"]) and second["seed"] != first["seed"]
    assert "dora  Dora D  (cli)" in cli("user", "list", "--home", home).stdout

    created = cli("token", "create", "dora", "laptop", "--home", home)
    token = created.stdout.strip()
    assert created.returncode == 0 and token.startswith("11") and "not shown again" in created.stderr
    (uuid, name), = [line.split("  ") for line in cli("token", "list", "dora", "--home", home).stdout.splitlines()]
    assert name == "laptop" and store.token_by_digest("dora", token_digest(token))["uuid"] == uuid
    assert cli("token", "create", "nobody", "x", "--home", home).returncode == 1
    assert cli("token", "revoke", "dora", "no-such-uuid", "--home", home).returncode == 1
    assert cli("token", "revoke", "dora", uuid, "--home", home).returncode == 0
    assert store.token_by_digest("dora", token_digest(token)) is None
    stored = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("orchestrator.db*"))
    assert b"first-Pa55" not in stored and b"second-Pa55" not in stored and token.encode() not in stored
