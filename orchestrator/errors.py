"""The one exception root every layer raises below.

This module imports nothing, so the pure layers (grammar, casc) can share the root with the
application without importing upward.
"""
from __future__ import annotations


class OrchestratorError(Exception):
    """Root of every error the orchestrator raises on purpose."""

    #: exit status for the CLI when this error ends a command
    exit_code = 1
    #: HTTP status when this error ends a request
    status = 500


class UsageError(OrchestratorError):
    """The command line or request was malformed."""

    exit_code = 2
    status = 400
