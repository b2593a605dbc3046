"""Parallel branches and matrix cells: each in its own thread and cancellation scope; with failFast
the first failure aborts the others (reference §10.3, §10.4)."""
from __future__ import annotations

import contextvars
import threading
from typing import Any, Callable

from orchestrator.errors import BuildError, FlowInterrupted, StepFailed
from orchestrator.grammar import ast as a

from . import conditions
from .context import ExecContext, StageState
from .globals import CURRENT

Body = Callable[[ExecContext], Any]


class ParallelRunner:
    """Mixin of Engine."""

    # ------------------------------------------------------------ parallel and matrix
    def fan_out(self, ctx: ExecContext, stage: a.Stage, state: StageState) -> None:
        fail_fast = bool(stage.fail_fast) or "parallelsAlwaysFailFast" in self.options
        state.fans_out = "parallel" if stage.parallel is not None else "matrix"
        if stage.parallel is not None:
            branches = [(child.name, (lambda c: lambda bctx: self.run_stage(bctx, c))(child))
                        for child in stage.parallel]
        else:
            m = stage.matrix
            axes = [(axis.name, [self.evaluate_string(v, ctx) or "" for v in axis.values]) for axis in m.axes]
            excludes = [[(x.name, [self.evaluate_string(v, ctx) or "" for v in x.values], x.inverse)
                         for x in e.axes] for e in m.excludes]
            cells = conditions.matrix_cells(axes, excludes)
            branches = [(conditions.matrix_cell_name(cell),
                         (lambda c: lambda bctx: self.run_stage(bctx, stage, cell=c, matrix=m))(cell))
                        for cell in cells]
        self.parallel(ctx, branches, fail_fast)

    def legacy_parallel(self, ctx: ExecContext, stage: a.Stage) -> None:
        branches = [(b.name, (lambda steps: lambda bctx: self.run_steps(bctx, steps))(b.steps))
                    for b in stage.parallel_branches]
        self.parallel(ctx, branches, bool(stage.fail_fast) or "parallelsAlwaysFailFast" in self.options)

    def parallel(self, ctx: ExecContext, branches: list[tuple[str, Body]], fail_fast: bool) -> None:
        """Run branches concurrently; with failFast the first failure aborts the others."""
        self.console.pipeline("parallel")
        errors: dict[str, BaseException] = {}
        order: list[str] = []
        lock = threading.Lock()
        tokens = {name: ctx.token.child() for name, _ in branches}

        def run(name: str, body: Body) -> None:
            bctx = ctx.derive(token=tokens[name], branch=name)
            CURRENT.set(bctx)
            self.console.pipeline(f"{{ (Branch: {name})")
            try:
                body(bctx)
            except BuildError as e:
                with lock:
                    errors[name] = e
                    order.append(name)
                if fail_fast and not isinstance(e, FlowInterrupted):
                    reason = FlowInterrupted(f"Failed in branch {name}")
                    siblings = [t for other, t in tokens.items() if other != name and not t.cancelled]
                    if siblings:
                        self.console.line(f"Failed in branch {name}")
                    for token in siblings:
                        token.cancel(reason)
            except Exception as e:  # noqa: BLE001 - a bug in a step must not hang the build
                with lock:
                    errors[name] = StepFailed(f"{type(e).__name__}: {e}")
                    order.append(name)
            finally:
                self.console.pipeline("}")

        # each branch thread starts from a copy of this context (current stage, timestamps...)
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, name, body),
                                    name=f"branch {name}", daemon=True) for name, body in branches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for token in tokens.values():
            token.detach()
        self.console.pipeline("// parallel")
        if errors:
            real = [errors[n] for n in order if not isinstance(errors[n], FlowInterrupted)]
            raise (real[0] if real else errors[order[0]])
