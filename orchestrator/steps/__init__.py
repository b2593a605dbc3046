"""The step library: a registry of Python functions, one per Jenkins step.

A step function takes a `StepCall` (where it runs, the engine, the body to run for block steps)
and its arguments bound by name: a lone unnamed argument goes to the step's single parameter
from `orchestrator.grammar.catalog` (`echo 'x'` -> message='x'), as Jenkins does.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Optional

from orchestrator.errors import NoSuchStep, StepFailed
from orchestrator.grammar import catalog

NODE_CONTEXT_MESSAGE = ("Attempted to execute a step that requires a node context while ‘agent none’ was specified. "
                        "Be sure to specify your own ‘node { ... }’ blocks when using ‘agent none’.")


@dataclass(frozen=True)
class StepDef:
    name: str
    func: Callable[..., Any]
    needs_node: bool = False        # runs in a workspace (sh, writeFile...): fails under `agent none`
    block: bool = False             # takes a body
    marker: bool = True             # print `[Pipeline] name`
    takes_raw: bool = False         # receives (call, args, kwargs) unbound (parallel, build...)


REGISTRY: dict[str, StepDef] = {}


def step(name: str, *, needs_node: bool = False, block: bool = False, marker: bool = True, raw: bool = False):
    def register(func):
        REGISTRY[name] = StepDef(name, func, needs_node, block, marker, raw)
        return func
    return register


class StepCall:
    """One invocation: the context it runs in, the engine, the Groovy node and the body."""

    def __init__(self, engine, ctx, name: str, node, body: Optional[Callable] = None) -> None:
        self.engine = engine
        self.ctx = ctx
        self.name = name
        self.node = node
        self._body = body

    @property
    def console(self):
        return self.ctx.build.console

    @property
    def line(self) -> Optional[int]:
        return getattr(self.node, "line", None)

    def body(self, ctx=None) -> Any:
        """Run the step's block in `ctx` (default: the step's own context)."""
        if self._body is None:
            raise StepFailed(f"{self.name} step needs a block: {self.name}(...) {{ ... }}", self.line)
        return self.engine.run_body(self._body, ctx or self.ctx)

    def block(self, ctx=None, note: Optional[str] = None) -> Any:
        """Run the body between Jenkins' block markers: `[Pipeline] {` ... `[Pipeline] // name`."""
        if note:
            self.console.line(note)
        self.console.pipeline("{")
        try:
            return self.body(ctx)
        finally:
            self.console.pipeline("}")
            self.console.pipeline(f"// {self.name}")

    @property
    def has_body(self) -> bool:
        return self._body is not None

    def fail(self, message: str) -> StepFailed:
        return StepFailed(message, self.line)


def bind_arguments(name: str, args: list, kwargs: dict) -> dict:
    """Named arguments for a step call; a single positional argument binds to the step's single
    parameter. Several positional arguments are refused, as Jenkins refuses them."""
    bound = dict(kwargs)
    if not args:
        return bound
    model = catalog.STEPS.get(name)
    sole = model.sole_required if model else None
    if len(args) == 1 and isinstance(args[0], dict) and not bound and not sole:
        return dict(args[0])
    if len(args) == 1 and sole:
        bound[sole] = args[0]
        return bound
    if len(args) == 1 and model is None:
        bound["value"] = args[0]
        return bound
    raise StepFailed(f'Arguments to "{name}" must be explicitly named.')


def call_step(defn: StepDef, call: StepCall, args: list, kwargs: dict) -> Any:
    if defn.takes_raw:
        return defn.func(call, args, kwargs)
    bound = bind_arguments(defn.name, args, kwargs)
    signature = inspect.signature(defn.func)
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    if not accepts_any:
        known = set(signature.parameters) - {"call"}
        unknown = [k for k in bound if k not in known]
        if unknown:
            raise StepFailed(f'Invalid parameter "{unknown[0]}" for step "{defn.name}"; valid parameters are '
                             f'{sorted(known)}', call.line)
    missing = [p.name for p in signature.parameters.values()
               if p.name != "call" and p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD
               and p.name not in bound]
    if missing:
        raise StepFailed(f'Missing required parameter: "{missing[0]}" for step "{defn.name}"', call.line)
    return defn.func(call, **bound)


def lookup(name: str, line: Optional[int] = None) -> StepDef:
    try:
        return REGISTRY[name]
    except KeyError:
        raise NoSuchStep(f"No such DSL method '{name}' found among steps "
                         f"[{', '.join(sorted(REGISTRY))}]", line) from None


def load_all() -> None:
    """Import the step modules (each registers its steps)."""
    from . import basic, data, files, flow, scm, shell, credentials, interaction  # noqa: F401
