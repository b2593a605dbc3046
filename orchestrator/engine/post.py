"""Post conditions: Jenkins' fixed order, the combined result each condition tests, and errors
inside post blocks that become the stage's or pipeline's error (reference §12)."""
from __future__ import annotations

from typing import Optional

from orchestrator.errors import BuildError, FlowInterrupted
from orchestrator.grammar import ast as a

from . import conditions
from .conditions import error_result
from .context import Cancellation, ExecContext, StageState


class PostRunner:
    """Mixin of Engine."""

    # ------------------------------------------------------------ post
    def run_post(self, ctx: ExecContext, post: Optional[a.Post], error: Optional[BuildError],
                 stage: Optional[StageState]) -> Optional[BuildError]:
        """Run the post conditions that fire; returns the error in scope afterwards (a failing post
        block becomes the error when there was none)."""
        if post is None:
            return error
        if stage is None:
            with self.stage_block(ctx, "Declarative: Post Actions") as state:
                after = self._post_conditions(ctx.derive(stage=state), post, error, None)
                # the stage view shows the post blocks' own outcome, as Jenkins' does
                state.status = "FAILED" if after is not None and after is not error else "SUCCESS"
                return after
        return self._post_conditions(ctx, post, error, stage)

    def _post_conditions(self, ctx: ExecContext, post: a.Post, error: Optional[BuildError],
                         stage: Optional[StageState]) -> Optional[BuildError]:
        current_build = self.binding.globals["currentBuild"]
        if stage is not None:
            self.console.line("Post stage")
        for name in conditions.POST_ORDER:
            condition = post.get(name)
            if condition is None:
                continue
            build_result = self.build.current_result.combine(error_result(error))
            result = build_result.combine(stage.warning if stage else None)
            if not conditions.post_condition_fires(name, result, build_result, self.build.previous_result):
                continue
            object.__setattr__(current_build, "_post_result", result)
            # after an interruption the post blocks still run, in a scope of their own
            pctx = ctx.derive(token=Cancellation()) if isinstance(error, FlowInterrupted) else ctx
            try:
                self.run_steps(pctx, condition.steps)
            except BuildError as e:
                self.console.line(f"Error when executing {name} post condition:")
                self.console.line(str(e))
                if error is None:  # becomes the stage's (or pipeline's) error; later conditions see it
                    error = e
            finally:
                object.__setattr__(current_build, "_post_result", None)
        return error
