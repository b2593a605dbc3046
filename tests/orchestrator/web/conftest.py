"""Fixtures: a real server per test module (see serverkit)."""
from __future__ import annotations

import pytest

from serverkit import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("home") / "home", workers=4).start()
    yield srv
    srv.stop()
