"""The Declarative Pipeline model: frozen dataclasses built from the Groovy tree by `model.py`.

Values that Jenkins evaluates at run time (step arguments, environment values, agent settings)
stay Groovy expressions (`groovy.Expr`), so the engine evaluates them with the same semantics as
`script {}` code. Every node has the line and column of the Groovy call it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from . import groovy as g


@dataclass(frozen=True)
class Node:
    line: int
    column: int


@dataclass(frozen=True)
class Step(Node):
    """A step call: `sh 'make'`, `dir('x') { ... }`, `script { ... }`.

    args are the call's arguments without the trailing block. A block step has `children`
    (the declarative steps inside its closure); `script {}` keeps its Groovy closure in `script`.
    """
    name: str
    args: tuple[g.Arg, ...] = ()
    children: Optional["Steps"] = None
    script: Optional[g.Closure] = None
    call: Optional[g.Call] = field(default=None, compare=False, repr=False)

    @property
    def named_args(self) -> dict[str, g.Expr]:
        return {literal_key(a.key): a.value for a in self.args if isinstance(a, g.NamedArg)}

    @property
    def positional_args(self) -> tuple[g.Expr, ...]:
        return tuple(a for a in self.args if isinstance(a, g.Expr))


@dataclass(frozen=True)
class Steps(Node):
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class ParallelBranch(Node):
    """A branch of the legacy `parallel(a: { ... }, b: { ... })` step inside `steps {}`."""
    name: str
    steps: Steps


@dataclass(frozen=True)
class Agent(Node):
    """`agent any` / `agent none` / `agent { label 'x' }` / `agent { kubernetes { yaml ... } }`.

    value holds the single-value form (`label 'x'`, `docker 'maven:3'`); params the block or
    named-argument form, where a nested block becomes a nested dict.
    """
    type: str
    value: Optional[g.Expr] = None
    params: tuple[tuple[str, Union[g.Expr, "AgentParams"]], ...] = ()

    def param(self, key: str):
        for k, v in self.params:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class AgentParams(Node):
    params: tuple[tuple[str, Union[g.Expr, "AgentParams"]], ...]


@dataclass(frozen=True)
class EnvEntry(Node):
    name: str
    value: g.Expr
    credentials_id: Optional[g.Expr] = None  # `NAME = credentials('id')`


@dataclass(frozen=True)
class Environment(Node):
    entries: tuple[EnvEntry, ...]


@dataclass(frozen=True)
class Describable(Node):
    """An option, trigger, build parameter or when-argument call such as `timeout(time: 5)`."""
    name: str
    args: tuple[g.Arg, ...]
    call: Optional[g.Call] = field(default=None, compare=False, repr=False)

    @property
    def named_args(self) -> dict[str, g.Expr]:
        return {literal_key(a.key): a.value for a in self.args if isinstance(a, g.NamedArg)}

    @property
    def positional_args(self) -> tuple[g.Expr, ...]:
        return tuple(a for a in self.args if isinstance(a, g.Expr))


@dataclass(frozen=True)
class Options(Node):
    options: tuple[Describable, ...]


@dataclass(frozen=True)
class Parameters(Node):
    parameters: tuple[Describable, ...]


@dataclass(frozen=True)
class Triggers(Node):
    triggers: tuple[Describable, ...]


@dataclass(frozen=True)
class Tool(Node):
    type: str
    name: g.Expr


@dataclass(frozen=True)
class Tools(Node):
    tools: tuple[Tool, ...]


@dataclass(frozen=True)
class Libraries(Node):
    libraries: tuple[g.Expr, ...]


@dataclass(frozen=True)
class WhenCondition(Node):
    """`branch 'main'`, `allOf { ... }`, `expression { ... }`..."""
    name: str
    args: tuple[g.Arg, ...] = ()
    children: tuple["WhenCondition", ...] = ()
    script: Optional[g.Closure] = None

    @property
    def named_args(self) -> dict[str, g.Expr]:
        return {literal_key(a.key): a.value for a in self.args if isinstance(a, g.NamedArg)}

    @property
    def positional_args(self) -> tuple[g.Expr, ...]:
        return tuple(a for a in self.args if isinstance(a, g.Expr))


@dataclass(frozen=True)
class When(Node):
    conditions: tuple[WhenCondition, ...]
    before_agent: bool = False
    before_input: bool = False
    before_options: bool = False


@dataclass(frozen=True)
class PostCondition(Node):
    condition: str
    steps: Steps


@dataclass(frozen=True)
class Post(Node):
    conditions: tuple[PostCondition, ...]

    def get(self, name: str) -> Optional[PostCondition]:
        return next((c for c in self.conditions if c.condition == name), None)


@dataclass(frozen=True)
class Input(Node):
    message: Optional[g.Expr]
    id: Optional[g.Expr] = None
    ok: Optional[g.Expr] = None
    submitter: Optional[g.Expr] = None
    submitter_parameter: Optional[g.Expr] = None
    parameters: Optional[Parameters] = None


@dataclass(frozen=True)
class Axis(Node):
    name: Optional[str]  # None when the name was not a string literal (already reported)
    values: tuple[g.Expr, ...]
    inverse: bool = False  # `notValues` in an exclude


@dataclass(frozen=True)
class Exclude(Node):
    axes: tuple[Axis, ...]


@dataclass(frozen=True)
class Matrix(Node):
    axes: tuple[Axis, ...]
    excludes: tuple[Exclude, ...] = ()
    stages: tuple["Stage", ...] = ()
    agent: Optional[Agent] = None
    when: Optional[When] = None
    post: Optional[Post] = None
    options: Optional[Options] = None
    input: Optional[Input] = None
    tools: Optional[Tools] = None
    environment: Optional[Environment] = None


@dataclass(frozen=True)
class Stage(Node):
    name: str
    steps: Optional[Steps] = None
    stages: Optional[tuple["Stage", ...]] = None       # a sequential group
    parallel: Optional[tuple["Stage", ...]] = None     # parallel stages
    matrix: Optional[Matrix] = None
    agent: Optional[Agent] = None
    when: Optional[When] = None
    post: Optional[Post] = None
    options: Optional[Options] = None
    input: Optional[Input] = None
    tools: Optional[Tools] = None
    environment: Optional[Environment] = None
    fail_fast: Optional[bool] = None
    parallel_branches: tuple[ParallelBranch, ...] = ()  # legacy `steps { parallel(a: {...}) }`


@dataclass(frozen=True)
class Pipeline(Node):
    agent: Optional[Agent]
    stages: tuple[Stage, ...]
    environment: Optional[Environment] = None
    options: Optional[Options] = None
    parameters: Optional[Parameters] = None
    triggers: Optional[Triggers] = None
    tools: Optional[Tools] = None
    libraries: Optional[Libraries] = None
    post: Optional[Post] = None
    script: Optional[g.Script] = field(default=None, compare=False, repr=False)


def literal_key(key: g.Expr) -> str:
    """The name of a named argument (`name:` or `'name':`); other keys render as source-ish text."""
    if isinstance(key, g.Literal):
        return str(key.value)
    return repr(key)
