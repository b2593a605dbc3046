"""The global variables a pipeline script sees: `env`, `params`, `currentBuild`, `scm`.

They are small proxy objects the Groovy interpreter reads and writes through plain attributes,
the way Jenkins exposes its whitelisted RunWrapper / EnvActionImpl. They resolve the current
execution context (environment overlay, stage) at the moment they are used.
"""
from __future__ import annotations

import contextvars
from typing import Any, Optional

from orchestrator.results import Result

from .context import Build, ExecContext

CURRENT: contextvars.ContextVar[ExecContext] = contextvars.ContextVar("orchestrator_exec_context")


def current() -> ExecContext:
    return CURRENT.get()


class EnvProxy:
    """`env.X` reads the current environment; `env.X = 'v'` sets a build-wide variable."""

    def __getattr__(self, name: str) -> Optional[str]:
        if name.startswith("_"):
            raise AttributeError(name)
        return current().env_get(name) if name not in ("WORKSPACE", "STAGE_NAME", "NODE_NAME") \
            else current().environment().get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(name)
        from orchestrator.script import to_groovy_string
        current().build.global_env[name] = None if value is None else to_groovy_string(value)

    def __getitem__(self, name: str) -> Optional[str]:
        return getattr(self, str(name))

    def __setitem__(self, name: str, value: Any) -> None:
        setattr(self, str(name), value)

    def getEnvironment(self) -> dict:  # noqa: N802 - Groovy method name
        return current().environment()

    def __contains__(self, name: str) -> bool:
        return name in current().environment()

    def __repr__(self) -> str:
        return "env"


class ParamsProxy(dict):
    """`params.X`: the build's parameters, read-only."""

    def __setitem__(self, key, value):
        raise TypeError("params is read-only")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)


class PreviousBuild:
    def __init__(self, number: int, result: Optional[Result]) -> None:
        self.number = number
        self.result = result.value if result else None
        self.currentResult = self.result  # noqa: N815 - Jenkins' property name

    def __repr__(self) -> str:
        return f"#{self.number}"


class CurrentBuild:
    """`currentBuild`: result, currentResult, number, displayName, description, durationString..."""

    def __init__(self, build: Build) -> None:
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_post_result", None)

    # result: null while nothing set it, like Jenkins (except while post blocks run)
    @property
    def result(self) -> Optional[str]:
        if self._post_result is not None:
            return self._post_result.value
        return self._build.result.value if self._build.result else None

    @result.setter
    def result(self, value: Any) -> None:
        self._build.set_result(Result.parse(value))

    @property
    def currentResult(self) -> str:  # noqa: N802
        if self._post_result is not None:
            return self._post_result.value
        return self._build.current_result.value

    @property
    def number(self) -> int:
        return self._build.number

    @property
    def id(self) -> str:
        return str(self._build.number)

    @property
    def displayName(self) -> str:  # noqa: N802
        return self._build.display_name or f"#{self._build.number}"

    @displayName.setter
    def displayName(self, value: Any) -> None:  # noqa: N802
        self._build.display_name = None if value is None else str(value)

    @property
    def description(self) -> Optional[str]:
        return self._build.description

    @description.setter
    def description(self, value: Any) -> None:
        self._build.description = None if value is None else str(value)

    @property
    def duration(self) -> int:
        return int(self._build.duration_seconds() * 1000)

    @property
    def durationString(self) -> str:  # noqa: N802
        return duration_string(self._build.duration_seconds()) + " and counting"

    @property
    def startTimeInMillis(self) -> int:  # noqa: N802
        return int(self._build.start_time * 1000)

    @property
    def projectName(self) -> str:  # noqa: N802
        return self._build.job_name.split("/")[-1]

    @property
    def fullProjectName(self) -> str:  # noqa: N802
        return self._build.job_name

    @property
    def absoluteUrl(self) -> str:  # noqa: N802
        return self._build.build_url

    @property
    def previousBuild(self) -> Optional[PreviousBuild]:  # noqa: N802
        if self._build.number <= 1 and self._build.previous_result is None:
            return None
        return PreviousBuild(self._build.number - 1, self._build.previous_result)

    @property
    def buildCauses(self) -> list:  # noqa: N802
        return [dict(c) for c in self._build.job_properties.get("causes", [{"_class": "UserIdCause",
                                                                           "shortDescription": "Started by user"}])]

    def getBuildCauses(self, cls: Optional[str] = None) -> list:  # noqa: N802
        causes = self.buildCauses
        if cls:
            causes = [c for c in causes if str(c.get("_class", "")).endswith(str(cls).split(".")[-1])]
        return causes

    def resultIsBetterOrEqualTo(self, other: str) -> bool:  # noqa: N802
        return not Result.parse(self.currentResult).worse_than(Result.parse(other))

    def resultIsWorseOrEqualTo(self, other: str) -> bool:  # noqa: N802
        return not Result.parse(other).worse_than(Result.parse(self.currentResult))

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ("result", "displayName", "description"):
            raise AttributeError(f"currentBuild.{name} cannot be set")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"#{self._build.number}"


def duration_string(seconds: float) -> str:
    """Jenkins' Util.getTimeSpanString: `1 min 5 sec`, `0.21 sec`, `2 hr 3 min`."""
    if seconds < 1:
        return f"{seconds:.2g} sec" if seconds >= 0.01 else "0 ms"
    if seconds < 60:
        return f"{int(seconds)} sec"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} sec"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} hr {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} day {hours} hr"
