"""Fixtures: a real server per test module (see serverkit)."""
from __future__ import annotations

import pytest

from serverkit import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("home") / "home", workers=4).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (skips with the reason when chromium, its driver or selenium is missing)."""
    from browserkit import Browser, missing
    reason = missing()
    if reason:
        pytest.skip(reason)
    b = Browser()
    yield b
    b.close()
