"""Helpers for the casc tests: load YAML text as one source, with a controlled environment."""
from __future__ import annotations

from pathlib import Path

import pytest
from casc_helpers import doc

from orchestrator.casc import check_documents, load_documents

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def load():
    """load(yaml_text, env={}) -> Config (raises CascLoadError)."""
    def _load(text: str, env: dict | None = None, name: str = "jenkins.yaml"):
        return load_documents([doc(text, name)], env or {})
    return _load


@pytest.fixture
def check():
    """check(yaml_text, env={}) -> Report (errors and warnings, never raises)."""
    def _check(text: str, env: dict | None = None, name: str = "jenkins.yaml"):
        return check_documents([doc(text, name)], env or {})
    return _check


@pytest.fixture(scope="session")
def casc_corpus() -> Path:
    path = CORPUS / "casc"
    if not path.is_dir():
        pytest.skip(f"JCasC corpus not found at {path} (the corpus tests need ../shared/corpus/casc)")
    return path


@pytest.fixture(scope="session")
def k8s_casc_corpus() -> Path:
    path = CORPUS / "kubernetes" / "casc"
    if not path.is_dir():
        pytest.skip(f"kubernetes JCasC corpus not found at {path} (needs ../shared/corpus/kubernetes/casc)")
    return path
