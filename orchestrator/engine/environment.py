"""`environment { }` blocks: credentials bound first, then values resolved lazily in dependency
order, so entries may reference each other in any order and `PATH = "${PATH}:/x"` sees the
previous value (reference §4)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from orchestrator.errors import StepFailed
from orchestrator.grammar import ast as a
from orchestrator.grammar import groovy as g

from .context import ExecContext

if TYPE_CHECKING:
    from .runner import Engine


def referenced_names(expr) -> set[str]:
    """Names an expression reads: bare variables and `env.X` properties, inside GStrings too."""
    names: set[str] = set()
    for node in g.walk(expr):
        if isinstance(node, g.Var):
            names.add(node.name)
        elif isinstance(node, g.Property) and isinstance(node.obj, g.Var) and node.obj.name == "env" \
                and isinstance(node.name, str):
            names.add(node.name)
    return names


def evaluation_order(entries: tuple[a.EnvEntry, ...]) -> list[a.EnvEntry]:
    """Entries sorted so each comes after the entries it references; cycles keep file order."""
    by_name = {e.name: e for e in entries}
    done: list[a.EnvEntry] = []
    state: dict[str, int] = {}

    def visit(entry: a.EnvEntry) -> None:
        if state.get(entry.name) is not None:
            return
        state[entry.name] = 1
        for name in sorted(referenced_names(entry.value)):
            if name != entry.name and name in by_name and state.get(name) is None:
                visit(by_name[name])
        state[entry.name] = 2
        done.append(entry)

    for entry in entries:
        visit(entry)
    return done


def _unresolved_receivers(engine: "Engine", ctx: ExecContext, expr) -> list[str]:
    """Names used as method-call receivers that resolve to nothing. Jenkins evaluates these
    without safe navigation, so `"${UNSET?.contains('x')}"` fails (IllegalArgumentException)."""
    names = []
    for node in g.walk(expr):
        if isinstance(node, g.Call) and isinstance(node.receiver, g.Var):
            name = node.receiver.name
            if ctx.env_get(name) is None and name not in ctx.build.params and name not in ("env", "params",
                                                                                            "currentBuild", "scm"):
                try:
                    engine.binding.lookup(name)
                except KeyError:
                    if not engine.interpreter.script_scope.has(name):
                        names.append(name)
    return names


def _values_error(entry: a.EnvEntry) -> StepFailed:
    error = StepFailed(f"One or more variables have some issues with their values: {entry.name}", entry.line)
    error.java_class = "java.lang.IllegalArgumentException"
    return error


def bind_environment(engine: "Engine", ctx: ExecContext, env: Optional[a.Environment],
                     body: Callable[[ExecContext], None]) -> None:
    if env is None or not env.entries:
        body(ctx)
        return
    from orchestrator.steps.credentials import credential_variables
    values: dict[str, str] = {}
    cleanup: list[Callable[[], None]] = []
    secrets: list[str] = []
    try:
        for entry in env.entries:  # credentials first, so plain values can use them
            if entry.credentials_id is not None:
                cred_id = engine.evaluate_string(entry.credentials_id, ctx.with_env(values))
                bound, entry_secrets, undo = credential_variables(ctx, entry.name, cred_id, entry.line)
                values.update(bound)
                secrets.extend(entry_secrets)
                cleanup.append(undo)
        engine.console.add_secrets(secrets)
        for entry in evaluation_order(env.entries):
            if entry.credentials_id is not None:
                continue
            vctx = ctx.with_env(values)
            if _unresolved_receivers(engine, vctx, entry.value):
                raise _values_error(entry)
            # unknown names are null inside environment values, as in Jenkins (`"x${UNSET}"` -> xnull)
            value = engine.evaluate_string(entry.value, vctx.derive(lenient_names=True))
            if value is None:
                raise _values_error(entry)
            values[entry.name] = value
        body(ctx.with_env(values))
    finally:
        for undo in cleanup:
            undo()
