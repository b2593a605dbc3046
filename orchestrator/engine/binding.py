"""What Groovy code in a Jenkinsfile can reach: globals, script variables and steps.

The interpreter asks the binding for every name it cannot resolve locally and for every call that
is not a local closure or a script method; this is where Jenkins' global variables and its step
library live.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Optional

from orchestrator import steps
from orchestrator.errors import StepFailed

from .globals import CurrentBuild, EnvProxy, ParamsProxy, current

if TYPE_CHECKING:
    from .runner import Engine


class EngineBinding:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.variables: dict[str, Any] = {}
        self._lock = threading.Lock()
        build = engine.build
        self.globals: dict[str, Any] = {
            "env": EnvProxy(),
            "currentBuild": CurrentBuild(build),
        }
        if build.scm is not None:
            self.globals["scm"] = dict(build.scm)

    def lookup(self, name: str, node=None) -> Any:
        if name in self.variables:
            return self.variables[name]
        if name in self.globals:
            return self.globals[name]
        if name == "params":
            return ParamsProxy(self.engine.build.params)
        ctx = current()
        value = ctx.env_get(name)
        if value is None:
            value = ctx.environment().get(name) if name in ("WORKSPACE", "STAGE_NAME", "NODE_NAME") else None
        if value is not None:
            return value
        if name in ctx.build.params:
            return ctx.build.params[name]
        if ctx.lenient_names:
            return None
        raise KeyError(name)

    def assign(self, name: str, value: Any) -> None:
        with self._lock:
            self.variables[name] = value

    def call(self, name: str, args: list, kwargs: dict, closure=None, node=None) -> Any:
        if name == "pipeline":
            return self.engine.run_declarative(current(), node)
        definition = steps.lookup(name, getattr(node, "line", None))
        ctx = current()
        if definition.needs_node and ctx.agent is None:
            raise StepFailed(steps.NODE_CONTEXT_MESSAGE, getattr(node, "line", None))
        ctx.token.check()
        if definition.marker:
            ctx.build.console.pipeline(name)
        call = steps.StepCall(self.engine, ctx, name, node, closure)
        return steps.call_step(definition, call, list(args), dict(kwargs))

    def currentBuild(self) -> Optional[CurrentBuild]:  # noqa: N802 - convenience for the engine
        return self.globals["currentBuild"]
