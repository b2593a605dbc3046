"""The engine: runs a Declarative Pipeline with Jenkins' semantics (ModelInterpreter).

Order of a run (reference §13.1): root agent -> credentials/environment -> options wrappers ->
tools -> stages -> post; post still runs if something failed earlier. Order of a stage (§13.2):
[when beforeOptions] -> options wrappers -> [when beforeInput] -> input -> [when beforeAgent] ->
agent -> when -> credentials/environment -> tools -> steps or nested stages -> post.
Failures skip the later stages (still logged), results only get worse, post conditions run in
Jenkins' fixed order.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional

from orchestrator.errors import BuildError, FlowInterrupted, StepFailed
from orchestrator.grammar import ast as a
from orchestrator.grammar import groovy as g
from orchestrator.results import Result

from . import conditions
from .conditions import error_result
from .agents import allocate
from .binding import EngineBinding
from .context import Build, ExecContext, StageState
from .environment import bind_environment
from .globals import CURRENT
from .parallel import ParallelRunner
from .post import PostRunner
from .when import evaluate_when

Body = Callable[[ExecContext], Any]


class Engine(ParallelRunner, PostRunner):
    def __init__(self, build: Build, script: g.Script, pipeline: a.Pipeline) -> None:
        from orchestrator.script import Interpreter
        from orchestrator import steps
        steps.load_all()
        self.build = build
        self.console = build.console
        self.script = script
        self.pipeline = pipeline
        self.binding = EngineBinding(self)
        self.interpreter = Interpreter(self.binding, script)
        self._ran_pipeline = False
        self.options = {o.name: o for o in (pipeline.options.options if pipeline.options else ())}

    # ------------------------------------------------------------ running Groovy
    def run_body(self, body, ctx: ExecContext) -> Any:
        """Run a block: a Groovy closure (from a step call) or a Python callable (engine bodies)."""
        token = CURRENT.set(ctx)
        try:
            if isinstance(body, g.Closure):
                return self.interpreter.closure(body, self.interpreter.script_scope)()
            if hasattr(body, "node") and callable(body):  # a GroovyClosure
                return body()
            return body(ctx)
        finally:
            CURRENT.reset(token)

    def evaluate(self, expr: g.Expr, ctx: ExecContext) -> Any:
        token = CURRENT.set(ctx)
        try:
            return self.interpreter.evaluate(expr, self.interpreter.script_scope)
        finally:
            CURRENT.reset(token)

    def evaluate_string(self, expr: Optional[g.Expr], ctx: ExecContext) -> Optional[str]:
        if expr is None:
            return None
        from orchestrator.script import to_groovy_string
        value = self.evaluate(expr, ctx)
        return None if value is None else to_groovy_string(value)

    # ------------------------------------------------------------ the whole run
    def run(self) -> Result:
        """Run the script (its top-level statements, whose `pipeline {}` call runs the pipeline)."""
        build = self.build
        root = ExecContext(build, build.root_token)
        self.console.pipeline("Start of Pipeline")
        error: Optional[BaseException] = None
        token = CURRENT.set(root)
        try:
            self.preflight()
            self.interpreter.run_script()
        except BuildError as e:
            error = e
        except RecursionError:
            error = StepFailed("StackOverflowError: the script recursed too deeply")
        finally:
            CURRENT.reset(token)
        if error is not None:
            build.set_result(error_result(error))
            self._report(error)
        self.console.pipeline("End of Pipeline")
        result = build.current_result
        self.console.line(f"Finished: {result.value}")
        return result

    def preflight(self) -> None:
        """Fail before anything runs when a declarative step names no step and no script method
        (Jenkins' `No such DSL method`), instead of after the stages before it ran."""
        from orchestrator import steps as library
        defined = {s.name for s in self.script.body if isinstance(s, g.MethodDef)}
        for step in iter_steps(self.pipeline):
            if step.name not in library.REGISTRY and step.name not in defined:
                library.lookup(step.name, step.line)

    def resolve_parameters(self, ctx: ExecContext) -> None:
        """Build parameters: `parameters {}` defaults with this build's values, exported as env vars.

        Definitions may use the pipeline's plain environment values (`name: "${PARAM_NAME}"`), so a
        definition that cannot be evaluated alone is evaluated again with those values bound.
        """
        from .parameters import parameter_values, password_parameters
        overrides = self.build.param_overrides
        definitions = self.pipeline.parameters.parameters if self.pipeline.parameters else ()
        evaluate = lambda e: self.evaluate(e, ctx)   # noqa: E731
        try:
            values = parameter_values(definitions, overrides, evaluate)
        except BuildError:
            env = plain_environment(self, ctx, self.pipeline.environment)
            evaluate = lambda e: self.evaluate(e, ctx.with_env(env))   # noqa: E731
            values = parameter_values(definitions, overrides, evaluate)
        for name, value in overrides.items():
            values.setdefault(name, value)
        self.build.params.update(values)
        # password parameters are masked like credentials (Jenkins keeps a PasswordParameterValue as a Secret)
        hidden = self.build.password_params | password_parameters(definitions, evaluate)
        self.console.add_secrets(str(values[name]) for name in hidden if values.get(name) not in (None, ""))
        for name, value in values.items():
            self.build.base_env[name] = "true" if value is True else "false" if value is False else str(value)

    def _report(self, error: BaseException) -> None:
        if isinstance(error, FlowInterrupted):
            self.console.line(str(error) if str(error) != "Aborted" else "Aborted by user")
        else:
            where = f" (Jenkinsfile line {error.line})" if getattr(error, "line", None) else ""
            java_class = getattr(error, "java_class", None)
            if java_class:
                self.console.line(f"{java_class}: {error}{where}")
            else:
                self.console.line(f"ERROR: {error}{where}")

    def run_declarative(self, ctx: ExecContext, node=None) -> None:
        if self._ran_pipeline:
            raise StepFailed("Only one pipeline { ... } block can be executed in a single run.",
                             getattr(node, "line", None))
        self._ran_pipeline = True
        p = self.pipeline
        self.resolve_parameters(ctx)
        self.build.job_properties.update(job_properties(p))
        post_done = False
        state = {"error": None}

        def inside_agent(actx: ExecContext) -> None:
            nonlocal post_done

            def inside_env(ectx: ExecContext) -> None:
                nonlocal post_done

                def inside_wrappers(wctx: ExecContext) -> None:
                    nonlocal post_done
                    state["error"] = None  # a pipeline-level retry starts each attempt afresh
                    try:
                        wctx = self.install_tools(wctx, p.tools)
                        self.run_stages(wctx, p.stages, parent_error=None)
                    except BuildError as e:
                        state["error"] = e
                    post_done = True
                    state["error"] = self.run_post(wctx, p.post, state["error"], stage=None)
                    if state["error"] is not None:
                        raise state["error"]

                self.with_options(ectx, p.options, inside_wrappers, stage=False)

            bind_environment(self, actx, p.environment, inside_env)

        try:
            allocate(self, ctx, p.agent, inside_agent, root=True, checkout=not self.skip_checkout(p.options),
                     environment=p.environment, subdirectory=self.checkout_subdirectory(ctx, p.options))
        except BuildError as e:
            if not post_done:
                self.run_post(ctx, p.post, e, stage=None)
            raise

    # ------------------------------------------------------------ stages
    def run_stages(self, ctx: ExecContext, stages: tuple[a.Stage, ...], parent_error: Optional[BuildError]) -> None:
        """Sequential stages: after a failure, later ones are skipped (and logged), then it is rethrown."""
        first_error = parent_error
        for stage in stages:
            if first_error is not None:
                self.skip_stage(ctx, stage, f'Stage "{stage.name}" skipped due to earlier failure(s)',
                                "SKIPPED_FOR_FAILURE")
                continue
            if "skipStagesAfterUnstable" in self.options and self.build.current_result == Result.UNSTABLE:
                self.skip_stage(ctx, stage, f'Stage "{stage.name}" skipped due to earlier stage(s) marking the '
                                            'build as unstable', "SKIPPED_FOR_UNSTABLE")
                continue
            try:
                self.run_stage(ctx, stage)
            except BuildError as e:
                first_error = e
        if first_error is not None and first_error is not parent_error:
            raise first_error

    @contextlib.contextmanager
    def stage_block(self, ctx: ExecContext, name: str) -> Iterator[StageState]:
        state = StageState(name, ctx.stage)
        self.build.stages.append(state)
        self.console.pipeline("stage")
        self.console.pipeline(f"{{ ({name})")
        try:
            yield state
        finally:
            state.duration = max(0.0, __import__("time").time() - state.started)
            self.console.pipeline("}")
            self.console.pipeline("// stage")

    def skip_stage(self, ctx: ExecContext, stage: a.Stage, message: str, status: str, name: str = "") -> None:
        """A skipped stage is still shown, with its children, so the stage view keeps its shape."""
        reason = message[message.index(" skipped"):] if " skipped" in message else message
        with self.stage_block(ctx, name or stage.name) as state:
            self.console.line(message)
            state.status = status
            children: list[tuple[str, a.Stage]] = []
            if stage.parallel:
                children = [(child.name, child) for child in stage.parallel]
            elif stage.matrix is not None:
                axes = [(axis.name, [str(getattr(v, "value", "")) for v in axis.values]) for axis in stage.matrix.axes]
                excludes = [[(x.name, [str(getattr(v, "value", "")) for v in x.values], x.inverse) for x in e.axes]
                            for e in stage.matrix.excludes]
                children = [(conditions.matrix_cell_name(cell), a.Stage(stage.line, stage.column, "",
                                                                         stages=stage.matrix.stages))
                            for cell in conditions.matrix_cells(axes, excludes)]
            if children:
                state.fans_out = "parallel" if stage.parallel else "matrix"
                self.console.pipeline("parallel")
                for child_name, child in children:
                    self.console.pipeline(f"{{ (Branch: {child_name})")
                    self.skip_stage(ctx.derive(stage=state), child, f'Stage "{child_name}"{reason}', status,
                                    child_name)
                    self.console.pipeline("}")
                self.console.pipeline("// parallel")
            for child in stage.stages or ():
                self.skip_stage(ctx.derive(stage=state), child, f'Stage "{child.name}"{reason}', status)

    def run_stage(self, ctx: ExecContext, stage: a.Stage, cell: Optional[list[tuple[str, str]]] = None,
                  matrix: Optional[a.Matrix] = None) -> None:
        name = conditions.matrix_cell_name(cell) if cell else stage.name
        source = matrix if matrix is not None else stage
        with self.stage_block(ctx, name) as state:
            sctx = ctx.derive(stage=state)
            if cell:
                sctx = sctx.with_env(dict(cell))
            try:
                self._stage_body(sctx, stage, source, state, matrix)
                if state.status == "NOT_EXECUTED":
                    state.status = "SUCCESS"
                    state.result = state.warning or Result.SUCCESS
            except _Skipped:
                return
            except BuildError as e:
                state.result = error_result(e)
                state.status = "ABORTED" if state.result == Result.ABORTED else "FAILED"
                raise

    def _stage_body(self, ctx: ExecContext, stage: a.Stage, source, state: StageState,
                    matrix: Optional[a.Matrix]) -> None:
        when = source.when

        def check_when(wctx: ExecContext) -> None:
            if when is not None and not evaluate_when(self, wctx, when):
                self.console.line(f'Stage "{state.name}" skipped due to when conditional')
                state.status = "SKIPPED_FOR_CONDITIONAL"
                raise _Skipped()

        def after_options(octx: ExecContext) -> None:
            if when is not None and when.before_input and not when.before_options:
                check_when(octx)
            if source.input is not None:
                octx = self.stage_input(octx, source.input)
            if when is not None and when.before_agent and not (when.before_input or when.before_options):
                check_when(octx)
            early = when is not None and (when.before_agent or when.before_input or when.before_options)
            fans_out = matrix is None and (stage.parallel is not None or stage.matrix is not None)
            if fans_out:
                if not early:
                    check_when(octx)
                bind_environment(self, octx, source.environment, lambda ectx: self.fan_out(ectx, stage, state))
                return

            def inside_agent(actx: ExecContext) -> None:
                if not early:
                    check_when(actx)
                bind_environment(self, actx, source.environment, lambda ectx: self.stage_work(ectx, stage, source,
                                                                                             matrix, state))

            if source.agent is not None:
                allocate(self, octx, source.agent, inside_agent, root=False,
                         checkout=not self.skip_checkout(source.options) and not self.skip_checkout(
                             self.pipeline.options), environment=source.environment,
                         subdirectory=self.checkout_subdirectory(octx, source.options) or
                         self.checkout_subdirectory(octx, self.pipeline.options))
            else:
                inside_agent(octx)

        if when is not None and when.before_options:
            check_when(ctx)
        error: Optional[BuildError] = None
        try:
            self.with_options(ctx, source.options, after_options, stage=True)
        except _Skipped:
            raise
        except BuildError as e:
            error = e
        if stage.parallel is not None or (stage.matrix is not None and matrix is None):
            # a parallel/matrix parent's post runs after the branches, outside its wrappers
            error = self.run_post(ctx, stage.post, error, stage=state)
        if error is not None:
            raise error

    def stage_work(self, ctx: ExecContext, stage: a.Stage, source, matrix: Optional[a.Matrix],
                   state: StageState) -> None:
        error: Optional[BuildError] = None
        try:
            ctx = self.install_tools(ctx, source.tools)
            if matrix is not None:
                self.run_stages(ctx, matrix.stages, parent_error=None)
            elif stage.steps is not None:
                self.run_steps(ctx, stage.steps)
            elif stage.parallel_branches:
                self.legacy_parallel(ctx, stage)
            elif stage.stages is not None:
                self.run_stages(ctx, stage.stages, parent_error=None)
        except BuildError as e:
            error = e
        error = self.run_post(ctx, source.post, error, stage=state)
        if error is not None:
            raise error

    def run_steps(self, ctx: ExecContext, steps: a.Steps) -> None:
        for step in steps.steps:
            ctx.token.check()
            if step.call is not None:
                self.evaluate(step.call, ctx)

    # ------------------------------------------------------------ options, input, tools
    def with_options(self, ctx: ExecContext, options: Optional[a.Options], body: Body, stage: bool) -> None:
        """Wrap the body in the options' wrapper steps, first listed outermost."""
        from orchestrator import steps as step_library
        wrappers = [o for o in (options.options if options else ())
                    if o.name in step_library.REGISTRY and step_library.REGISTRY[o.name].block]
        if not wrappers:
            body(ctx)
            return

        def wrap(index: int, wctx: ExecContext) -> None:
            if index == len(wrappers):
                body(wctx)
                return
            option = wrappers[index]
            args = [self.evaluate(x, wctx) for x in option.positional_args]
            kwargs = {k: self.evaluate(v, wctx) for k, v in option.named_args.items()}
            definition = step_library.REGISTRY[option.name]
            self.console.pipeline(option.name)
            call = step_library.StepCall(self, wctx, option.name, option, lambda c: wrap(index + 1, c))
            step_library.call_step(definition, call, args, kwargs)

        wrap(0, ctx)

    def skip_checkout(self, options: Optional[a.Options]) -> bool:
        for option in (options.options if options else ()):
            if option.name == "skipDefaultCheckout":
                args = option.positional_args or tuple(option.named_args.values())
                if not args:
                    return True
                return bool(getattr(args[0], "value", True))
        return False

    def checkout_subdirectory(self, ctx: ExecContext, options: Optional[a.Options]) -> Optional[str]:
        for option in (options.options if options else ()):
            if option.name == "checkoutToSubdirectory":
                args = option.positional_args or tuple(option.named_args.values())
                return self.evaluate_string(args[0], ctx) if args else None
        return None

    def stage_input(self, ctx: ExecContext, input_: a.Input) -> ExecContext:
        """The stage `input` directive: asked before the stage agent; answers become env vars."""
        from orchestrator.steps.interaction import ask
        values = ask(self, ctx, self.evaluate_string(input_.message, ctx) or "",
                     ok=self.evaluate_string(input_.ok, ctx), parameters=input_.parameters,
                     submitter_parameter=self.evaluate_string(input_.submitter_parameter, ctx),
                     id=self.evaluate_string(input_.id, ctx),
                     submitter=self.evaluate_string(input_.submitter, ctx))
        if isinstance(values, dict):
            return ctx.with_env({k: "" if v is None else str(v) for k, v in values.items()})
        return ctx

    def install_tools(self, ctx: ExecContext, tools: Optional[a.Tools]) -> ExecContext:
        if tools is None or ctx.agent is None:
            return ctx  # Jenkins silently skips tools without an agent
        from orchestrator.steps.basic import tool_environment
        env: dict[str, str] = {}
        for tool in tools.tools:
            name = self.evaluate_string(tool.name, ctx) or ""
            env.update(tool_environment(ctx.with_env(env), tool.type, name))
        return ctx.with_env(env) if env else ctx


def iter_steps(p: a.Pipeline):
    """Every declarative step of the pipeline (not the code inside `script {}`)."""
    def steps_of(steps: Optional[a.Steps]):
        for step in (steps.steps if steps else ()):
            yield step
            yield from steps_of(step.children)

    def post_of(post: Optional[a.Post]):
        for condition in (post.conditions if post else ()):
            yield from steps_of(condition.steps)

    def stage_of(stage: a.Stage):
        yield from steps_of(stage.steps)
        for branch in stage.parallel_branches:
            yield from steps_of(branch.steps)
        for child in (stage.stages or ()) + (stage.parallel or ()):
            yield from stage_of(child)
        if stage.matrix is not None:
            for child in stage.matrix.stages:
                yield from stage_of(child)
            yield from post_of(stage.matrix.post)
        yield from post_of(stage.post)

    for stage in p.stages:
        yield from stage_of(stage)
    yield from post_of(p.post)


def plain_environment(engine: Engine, ctx: ExecContext, env: Optional[a.Environment]) -> dict[str, str]:
    """The environment block's values that need no credentials and evaluate on their own."""
    from .environment import evaluation_order
    values: dict[str, str] = {}
    for entry in evaluation_order(env.entries if env else ()):
        if entry.credentials_id is None:
            try:
                value = engine.evaluate_string(entry.value, ctx.with_env(values))
            except BuildError:
                continue
            if value is not None:
                values[entry.name] = value
    return values


class _Skipped(Exception):
    """A stage whose `when` was false: unwinds to its stage block without failing anything."""


def job_properties(p: a.Pipeline) -> dict:
    """What a run records on its job for the scheduler: options job properties, parameters, triggers."""
    props: dict[str, Any] = {}
    for option in (p.options.options if p.options else ()):
        if option.name in ("buildDiscarder", "disableConcurrentBuilds", "disableResume", "durabilityHint",
                           "quietPeriod", "preserveStashes", "rateLimitBuilds", "overrideIndexTriggers"):
            props[option.name] = option
    if p.parameters is not None:
        props["parameters"] = p.parameters
    if p.triggers is not None:
        props["triggers"] = p.triggers
    return props
