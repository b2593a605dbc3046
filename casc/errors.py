"""What goes wrong while loading JCasC YAML, always with file, line and YAML path.

Every error the casc layer raises is a `CascError` carrying where it happened; a load that finds
several problems raises one `CascLoadError` holding all of them, so a user fixes a file in one
round instead of one error per reload. Messages keep the Jenkins plugin's wording where it has
one (`No configurator found for the following root element: ...`), because users search for it.
Values of secret attributes never enter a message: errors name keys and lines, not contents.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from orchestrator.errors import OrchestratorError


def _where(file: Optional[str], line: Optional[int]) -> str:
    if file and line:
        return f"{file}:{line}"
    return file or ""


@dataclass(frozen=True)
class CascWarning:
    """Something accepted with a caveat (unresolved variable, setting with no effect, `unknown: warn`)."""
    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    path: str = ""

    def render(self) -> str:
        where = _where(self.file, self.line)
        suffix = f" (path: {self.path})" if self.path else ""
        return f"{where + ': ' if where else ''}warning: {self.message}{suffix}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message,
                "severity": "warning"}


class CascError(OrchestratorError):
    """A configuration that cannot be applied. `message` is the bare text; str() adds the place."""

    exit_code = 1
    status = 400

    def __init__(self, message: str, file: Optional[str] = None, line: Optional[int] = None,
                 path: str = "") -> None:
        self.message, self.file, self.line, self.path = message, file, line, path
        super().__init__(self.render())

    def render(self) -> str:
        where = _where(self.file, self.line)
        suffix = f" (path: {self.path})" if self.path else ""
        return f"{where + ': ' if where else ''}{self.message}{suffix}"

    def as_dict(self) -> dict:
        """The JSON shape the check/reload endpoints return (`line` is -1 when unknown, as in JCasC)."""
        return {"file": self.file, "line": self.line if self.line else -1, "path": self.path,
                "message": self.message, "severity": "error"}


class SourceError(CascError):
    """A source cannot be found, read or fetched (`Failed to fetch configuration from <url>`)."""


class YamlSyntaxError(CascError):
    """The text is not YAML, or breaks a limit (aliases, size)."""


class MergeError(CascError):
    """Two files disagree (`Found conflicting configuration at YamlSource: ...`)."""


class UnknownRootError(CascError):
    """A root key no configurator handles (`No configurator found for the following root element: x`)."""


class UnknownAttributeError(CascError):
    """A key the object does not have (`Invalid configuration elements for type: ...`)."""


class UnknownSymbolError(CascError):
    """A describable symbol with no implementation here (`No <interface> implementation found for x`)."""


class InvalidValueError(CascError):
    """A value of the wrong YAML kind or that does not convert (`Item isn't a Scalar`, not an integer...)."""


class RejectedAttributeError(CascError):
    """A restricted or deprecated attribute under the `reject` policy (`'rawBuildsDir' is restricted: ...`)."""


class UnresolvedVariableError(CascError):
    """Strict secret resolution found a `${VAR}` nothing resolves."""


class ItemsError(CascError):
    """The `items:` root is malformed (`Each item must have exactly one type key.`)."""


class JobDslError(CascError):
    """A `jobs:` script uses Groovy or Job DSL outside the subset this orchestrator reads."""


class PipelineScriptError(CascError):
    """An inline pipeline script (`cps { script(...) }`) is not a valid Declarative Pipeline."""


class CascLoadError(CascError):
    """Everything wrong with one load: the configuration was rejected whole and nothing changed."""

    def __init__(self, errors: Iterable[CascError], warnings: Iterable[CascWarning] = ()) -> None:
        self.errors = tuple(errors)
        self.warnings = tuple(warnings)
        first = self.errors[0] if self.errors else None
        count = len(self.errors)
        if count == 1 and first is not None:
            text = first.message
        else:
            text = f"{count} configuration errors:\n" + "\n".join(e.render() for e in self.errors)
        super().__init__(text, first.file if count == 1 and first else None,
                         first.line if count == 1 and first else None, first.path if count == 1 and first else "")
