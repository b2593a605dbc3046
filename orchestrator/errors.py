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


class BuildError(OrchestratorError):
    """Something a running pipeline raised: ends the stage (and the build) FAILURE unless caught.

    Carries the Jenkinsfile line when known, so the console can say where it happened.
    """

    result = "FAILURE"

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


class StepFailed(BuildError):
    """A step failed: `error('x')`, `sh` returning non-zero, a missing file..."""


class NoSuchStep(BuildError):
    """A call to a step or function that does not exist (Jenkins' `No such DSL method`)."""


class GroovyRuntimeError(BuildError):
    """Groovy semantics failed at run time: a missing property, null dereference, bad types."""


class UnsupportedGroovy(BuildError):
    """Groovy this orchestrator deliberately does not run: Java/Jenkins class access, reflection,
    metaprogramming. The message reads `line N: unsupported Groovy: <construct>`."""

    def __init__(self, construct: str, line: int | None = None) -> None:
        self.construct = construct
        prefix = f"line {line}: " if line else ""
        super().__init__(f"{prefix}unsupported Groovy: {construct}", line)


class FlowInterrupted(BuildError):
    """The build was interrupted (abort, timeout, input rejected): ends with `result`, ABORTED by default."""

    def __init__(self, message: str = "Aborted", result: str = "ABORTED", line: int | None = None) -> None:
        super().__init__(message, line)
        self.result = result
