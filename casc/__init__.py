"""Configuration as code: JCasC YAML -> a checked, typed `Config`, applied all or nothing.

    from orchestrator import casc
    config = casc.load("jenkins.yaml")          # or a folder, URL, or "a.yaml,b.yaml"
    holder = casc.ConfigHolder()
    holder.apply("jenkins.yaml")                # swaps the running configuration, or changes nothing

This layer is pure apart from reading the sources (sources.py): it imports neither the engine,
Flask nor the Kubernetes client. Names are imported on first use, so the engine's import of
`orchestrator.casc.credentials` does not load the whole loader.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConfigHolder": "apply", "JobPlan": "apply", "plan_jobs": "apply",
    "CascError": "errors", "CascLoadError": "errors", "CascWarning": "errors",
    "export": "exporter", "export_yaml": "exporter",
    "Report": "loader", "check": "loader", "check_documents": "loader", "load": "loader", "load_documents": "loader",
    "Config": "model", "schema": "schemas", "Source": "sources",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
