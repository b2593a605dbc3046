"""Reading a Job DSL script's Groovy tree into Jobs, for a fixed subset of the DSL.

Job DSL is Groovy, and the plugin runs it. Here a script is parsed with the project's Groovy
grammar and its tree is *read*:

    folder('name') { description(...); displayName(...) }
    pipelineJob('name') {
        description(...); displayName(...); disabled(); quietPeriod(n); keepDependencies(...)
        parameters { stringParam/booleanParam/choiceParam/textParam/nonStoredPasswordParam(...) }
        logRotator(days, num, artifactDays, artifactNum) or logRotator { numToKeep(n) ... }
        triggers { cron('spec'); scm('spec'); upstream('a,b', 'SUCCESS') }
        properties { disableConcurrentBuilds(); pipelineTriggers { triggers { cron { spec('...') } } } }
        definition {
            cps { script('''...'''); sandbox() }
            cpsScm { scm { git { remote { url(...); credentials(...) }; branch(...) } }  // or git(url, branch)
                     scriptPath('Jenkinsfile'); lightweight() }
        }
    }

Arguments may be string literals, GStrings over environment variables (the DSL's binding: the
process environment plus `providedEnv`), `+`, lists, and `.stripIndent()`, `.stripMargin()`,
`.trim()` on strings. Anything else (loops, variables, other job types, `configure {}` blocks) is
an error naming the construct and its line, in the script and in the file it is written in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from orchestrator.grammar import GroovySyntaxError, parse_groovy
from orchestrator.grammar import groovy as g

from .errors import CascWarning, JobDslError
from .jobs import check_pipeline, cron_problem, name_problem
from .model import InlineScript, Job, LogRotator, Origin, Parameter, ScmScript, Trigger
from .spec import Context

JOB_TYPES = ("folder", "pipelineJob")
OTHER_JOB_TYPES = ("job", "freeStyleJob", "multibranchPipelineJob", "organizationFolder", "matrixJob", "mavenJob",
                   "multiJob", "listView", "buildPipelineView", "deliveryPipelineView", "nestedView",
                   "categorizedJobsView", "sectionedView", "buildMonitorView", "dashboardView")


class _Refused(Exception):
    """A construct outside the subset; carries the node whose line is reported."""

    def __init__(self, node: g.Node, message: str) -> None:
        super().__init__(message)
        self.node, self.message = node, message


@dataclass(frozen=True)
class Where:
    """Maps a line of a script to a line of the file it is written in."""
    file: str
    lines: Optional[list[int]] = None  # None: the script is the whole file (file:, url:)

    def line(self, script_line: int) -> int:
        if self.lines is None:
            return script_line
        if not self.lines:
            return 0
        return self.lines[min(max(script_line, 1), len(self.lines)) - 1]


class Reader:
    """Reads one Job DSL script into Jobs, recording an error for each construct it cannot read."""

    def __init__(self, ctx: Context, text: str, where: Where, path: str, env: dict[str, str]) -> None:
        self.ctx, self.text, self.where, self.path, self.env = ctx, text, where, path, env
        self.lines = text.splitlines()

    def read(self) -> list[Job]:
        try:
            script = parse_groovy(self.text)
        except GroovySyntaxError as e:
            self._syntax_error(e)
            return []
        jobs: list[Job] = []
        for statement in script.body:
            try:
                jobs.append(self._statement(statement))
            except _Refused as r:
                self._error(r.node.line, f"Job DSL script line {r.node.line}: {r.message}")
        return jobs

    def _syntax_error(self, e: GroovySyntaxError) -> None:
        """A script the grammar cannot parse; if it declares a job type we do not read anyway
        (e.g. an organizationFolder with `configure {}` blocks), say that first."""
        syntax = f"line {e.line}, column {e.column}: {e.reason}"
        indent = min((len(line) - len(line.lstrip()) for line in self.lines if line.strip()), default=0)
        for number, line in enumerate(self.lines, 1):
            head = line[indent:]
            name = head.split("(", 1)[0].split("{", 1)[0].strip()
            if head[:1].isalpha() and name in OTHER_JOB_TYPES:
                self._error(number, f"Job DSL script line {number}: {name}(...) is a Job DSL job or view type this "
                                    f"orchestrator does not support (only {' and '.join(JOB_TYPES)}); the script also "
                                    f"has Groovy this reader cannot parse at {syntax}")
                return
        self._error(e.line, f"Job DSL script {syntax}")

    def _error(self, script_line: int, message: str) -> None:
        self.ctx.errors.append(JobDslError(message, self.where.file, self.where.line(script_line), self.path))

    def _origin(self, node: g.Node) -> Origin:
        return Origin(self.where.file, self.where.line(node.line), self.path)

    # ------------------------------------------------------------ statements
    def _statement(self, statement: g.Stmt) -> Job:
        call = _call_of(statement)
        if call is None or call.name not in JOB_TYPES:
            what = f"{call.name}(...)" if call is not None else _describe_statement(statement)
            hint = (" is a Job DSL job or view type this orchestrator does not support"
                    if call is not None and call.name in OTHER_JOB_TYPES else " is not supported here")
            raise _Refused(statement, f"{what}{hint}: Job DSL is read, not executed, and only "
                                      f"{' and '.join(JOB_TYPES)} are understood")
        positional, closure = _args(call)
        if len(positional) != 1:
            raise _Refused(call, f"{call.name}() takes the job name as its one argument")
        name = self._string(positional[0])
        problem = name_problem(name)
        if problem:
            raise _Refused(call, f"{call.name}('{name}'): {problem}")
        fields: dict[str, Any] = {"name": name, "kind": "folder" if call.name == "folder" else "pipeline",
                                  "origin": self._origin(call)}
        handlers = FOLDER_METHODS if call.name == "folder" else PIPELINE_METHODS
        for method in self._calls(closure, f"{call.name}('{name}')"):
            handler = handlers.get(method.name)
            if handler is None:
                raise _Refused(method, f"{call.name}('{name}'): unsupported Job DSL method '{method.name}' "
                                       f"(supported: {', '.join(sorted(handlers))})")
            handler(self, method, fields)
        return Job(**fields)

    def _calls(self, closure: Optional[g.Closure], what: str) -> list[g.Call]:
        if closure is None:
            return []
        calls = []
        for statement in closure.body:
            call = _call_of(statement)
            if call is None:
                raise _Refused(statement, f"{what}: only method calls are understood inside a DSL block, "
                                          f"not {type(statement).__name__}")
            calls.append(call)
        return calls

    # ------------------------------------------------------------ values
    def _value(self, expr: g.Node) -> Any:
        if isinstance(expr, g.Literal):
            return expr.value
        if isinstance(expr, g.GString):
            return "".join(p if isinstance(p, str) else str(self._binding(p)) for p in expr.parts)
        if isinstance(expr, g.ListLit):
            return [self._value(item) for item in expr.items]
        if isinstance(expr, g.Binary) and expr.op == "+":
            left, right = self._value(expr.left), self._value(expr.right)
            if isinstance(left, str) or isinstance(right, str):
                return f"{left}{right}"
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if isinstance(left, int) and isinstance(right, int):
                return left + right
        if isinstance(expr, g.Call) and expr.receiver is not None and expr.name in STRING_METHODS:
            receiver = self._value(expr.receiver)
            positional, _ = _args(expr)
            if isinstance(receiver, str) and len(positional) <= 1:
                return STRING_METHODS[expr.name](receiver, *[self._value(a) for a in positional])
        if isinstance(expr, g.Var):
            return self._binding(expr)
        if isinstance(expr, g.Unary) and expr.op == "-" and isinstance(expr.operand, g.Literal):
            return -expr.operand.value  # type: ignore[operator]
        raise _Refused(expr, f"{_describe(expr)} is not supported in a Job DSL argument: use a string, number, "
                             "boolean, list or an environment variable")

    def _binding(self, expr: Any) -> str:
        if isinstance(expr, g.Var):
            if expr.name in self.env:
                return self.env[expr.name]
            raise _Refused(expr, f"No such property: {expr.name} (Job DSL variables are the environment and "
                                 "providedEnv)")
        raise _Refused(expr, f"{_describe(expr)} is not supported inside a GString here: only ${{VARIABLE}}")

    def _string(self, expr: g.Node) -> str:
        value = self._value(expr)
        if not isinstance(value, str):
            raise _Refused(expr, f"expected a string, found {type(value).__name__} {value!r}")
        return value

    def _one(self, call: g.Call, kind: type, default: Any = None) -> Any:
        positional, closure = _args(call)
        if closure is not None or len(positional) > 1 or (not positional and default is None):
            raise _Refused(call, f"{call.name}() takes one {kind.__name__} argument")
        if not positional:
            return default
        value = self._value(positional[0])
        if kind is int and isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _Refused(call, f"{call.name}() takes one {kind.__name__} argument, not {type(value).__name__}")
        return value

    # ------------------------------------------------------------ pipelineJob parts
    def parameters(self, call: g.Call, fields: dict) -> None:
        params = list(fields.get("parameters", ()))
        for p in self._calls(_closure_only(call), "parameters"):
            maker = PARAMETERS.get(p.name)
            if maker is None:
                raise _Refused(p, f"parameters: unsupported parameter type '{p.name}' "
                                  f"(supported: {', '.join(PARAMETERS)})")
            positional, closure = _args(p)
            values = [self._value(a) for a in positional]
            if closure is not None or not values or not isinstance(values[0], str):
                raise _Refused(p, f"{p.name}() takes the parameter name first, then its default and description")
            try:
                params.append(maker(*values))
            except (TypeError, ValueError):
                raise _Refused(p, f"{p.name}(): wrong arguments {values!r}") from None
        fields["parameters"] = tuple(params)

    def triggers(self, call: g.Call, fields: dict) -> None:
        """`triggers { cron('spec'); scm('spec'); upstream('a,b', 'UNSTABLE') }` (Job DSL's own names)."""
        triggers = list(fields.get("triggers", ()))
        for t in self._calls(_closure_only(call), "triggers"):
            if t.name == "upstream":
                positional, _ = _args(t)
                values = [self._value(a) for a in positional]
                if not 1 <= len(values) <= 2 or not all(isinstance(v, str) for v in values):
                    raise _Refused(t, "upstream() takes the upstream job names ('a,b') and optionally a threshold "
                                      "('SUCCESS', 'UNSTABLE' or 'FAILURE')")
                triggers.append(self._upstream(t, values[0], values[1] if len(values) == 2 else "SUCCESS"))
                continue
            if t.name not in ("cron", "scm", "pollSCM"):
                raise _Refused(t, f"triggers: unsupported trigger '{t.name}' (supported: cron, scm, upstream)")
            triggers.append(self._timer(t, "cron" if t.name == "cron" else "pollSCM", self._one(t, str)))
        fields["triggers"] = tuple(triggers)

    def _timer(self, node: g.Node, kind: str, spec: str) -> Trigger:
        problem = cron_problem(spec)
        if problem:
            raise _Refused(node, f"triggers: {problem}")
        return Trigger(kind, spec)

    def _upstream(self, node: g.Node, projects: str, threshold: str) -> Trigger:
        threshold = threshold.rpartition(".")[2].upper()
        if threshold not in ("SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED"):
            raise _Refused(node, f"upstream: unknown threshold '{threshold}' (SUCCESS, UNSTABLE or FAILURE)")
        return Trigger("upstream", projects, threshold)

    def pipeline_triggers(self, call: g.Call, fields: dict) -> None:
        """`properties { pipelineTriggers { triggers { cron { spec('..') }; pollSCM { scmpoll_spec('..') };
        upstream { upstreamProjects('a'); threshold('SUCCESS') } } } }` (the dynamic DSL's spelling)."""
        triggers = list(fields.get("triggers", ()))
        for block in self._calls(_closure_only(call), "pipelineTriggers"):
            if block.name != "triggers":
                raise _Refused(block, "pipelineTriggers { } takes triggers { }")
            for t in self._calls(_closure_only(block), "triggers"):
                settings = {c.name: self._one(c, str) for c in self._calls(_closure_only(t), t.name)}
                wanted = {"cron": ("spec",), "pollSCM": ("scmpoll_spec",),
                          "upstream": ("upstreamProjects", "threshold")}.get(t.name)
                if wanted is None:
                    raise _Refused(t, f"pipelineTriggers: unsupported trigger '{t.name}' "
                                      "(supported: cron, pollSCM, upstream)")
                unknown = sorted(set(settings) - set(wanted))
                if unknown or wanted[0] not in settings:
                    raise _Refused(t, f"{t.name} {{ }} takes {' and '.join(f'{w}(...)' for w in wanted)}")
                if t.name == "upstream":
                    triggers.append(self._upstream(t, settings["upstreamProjects"],
                                                   settings.get("threshold", "SUCCESS")))
                else:
                    triggers.append(self._timer(t, t.name, settings[wanted[0]]))
        fields["triggers"] = tuple(triggers)

    def log_rotator(self, call: g.Call, fields: dict) -> None:
        positional, closure = _args(call)
        names = ("days_to_keep", "num_to_keep", "artifact_days_to_keep", "artifact_num_to_keep")
        values: dict[str, int] = {}
        if closure is not None:
            for c in self._calls(closure, "logRotator"):
                keyword = {"daysToKeep": "days_to_keep", "numToKeep": "num_to_keep",
                           "artifactDaysToKeep": "artifact_days_to_keep",
                           "artifactNumToKeep": "artifact_num_to_keep"}.get(c.name)
                if keyword is None:
                    raise _Refused(c, f"logRotator: unsupported setting '{c.name}'")
                values[keyword] = self._one(c, int)
        else:
            if len(positional) > 4:
                raise _Refused(call, "logRotator() takes at most four numbers")
            for keyword, expr in zip(names, positional, strict=False):
                value = self._value(expr)
                if not isinstance(value, int) or isinstance(value, bool):
                    raise _Refused(expr, "logRotator() takes numbers (-1 keeps everything)")
                values[keyword] = value
        fields["log_rotator"] = LogRotator(**values)

    def properties(self, call: g.Call, fields: dict) -> None:
        for p in self._calls(_closure_only(call), "properties"):
            if p.name == "pipelineTriggers":
                self.pipeline_triggers(p, fields)
                continue
            if p.name != "disableConcurrentBuilds":
                raise _Refused(p, f"properties: unsupported property '{p.name}' "
                                  "(supported: disableConcurrentBuilds, pipelineTriggers)")
            fields["concurrent_builds"] = False

    def definition(self, call: g.Call, fields: dict) -> None:
        parts = self._calls(_closure_only(call), "definition")
        if len(parts) != 1 or parts[0].name not in ("cps", "cpsScm"):
            raise _Refused(call, "definition { } takes exactly one of cps { } or cpsScm { }")
        part = parts[0]
        if part.name == "cps":
            fields["definition"] = self._cps(part, fields)
        else:
            fields["definition"] = self._cps_scm(part)

    def _cps(self, call: g.Call, fields: dict) -> InlineScript:
        script, sandbox, script_expr = None, False, None
        for c in self._calls(_closure_only(call), "cps"):
            if c.name == "script":
                positional, _ = _args(c)
                script, script_expr = self._one(c, str), positional[0]
            elif c.name == "sandbox":
                sandbox = self._one(c, bool, True)
            else:
                raise _Refused(c, f"cps: unsupported setting '{c.name}' (supported: script, sandbox)")
        if script is None or script_expr is None:
            raise _Refused(call, "cps { } needs script('...')")
        start = self._content_line(script_expr)
        what = f"pipelineJob('{fields['name']}')"
        check_pipeline(self.ctx, script, self.where.file, lambda n: self.where.line(start + n - 1), self.path, what)
        return InlineScript(script, sandbox)

    def _content_line(self, expr: g.Node) -> int:
        """The script line where a string argument's content starts (after a `'''\\` continuation)."""
        while isinstance(expr, (g.Call, g.Binary)):
            expr = expr.receiver if isinstance(expr, g.Call) else expr.left  # type: ignore[assignment]
        if expr is None:
            return 1
        text = self.lines[expr.line - 1][expr.column - 1:] if 0 < expr.line <= len(self.lines) else ""
        return expr.line + (1 if text.rstrip() in ("'''\\", '"""\\') else 0)

    def _cps_scm(self, call: g.Call) -> ScmScript:
        values: dict[str, Any] = {}
        for c in self._calls(_closure_only(call), "cpsScm"):
            if c.name == "scm":
                values.update(self._scm(c))
            elif c.name == "scriptPath":
                values["script_path"] = self._one(c, str)
            elif c.name == "lightweight":
                values["lightweight"] = self._one(c, bool, True)
            else:
                raise _Refused(c, f"cpsScm: unsupported setting '{c.name}' (supported: scm, scriptPath, lightweight)")
        if "url" not in values:
            raise _Refused(call, "cpsScm { } needs scm { git { remote { url('...') } } }")
        return ScmScript(**values)

    def _scm(self, call: g.Call) -> dict:
        parts = self._calls(_closure_only(call), "scm")
        if len(parts) != 1 or parts[0].name not in ("git", "github"):
            raise _Refused(call, "scm { } takes one git { } (or git(url, branch), github('owner/repo', branch))")
        part = parts[0]
        positional, closure = _args(part)
        if positional:
            values = [self._value(a) for a in positional]
            if len(values) > 2 or not all(isinstance(v, str) for v in values):
                raise _Refused(part, f"{part.name}() takes a repository and optionally a branch")
            url = values[0] if part.name == "git" else f"https://github.com/{values[0]}.git"
            return {"url": url, **({"branch": values[1]} if len(values) == 2 else {})}
        if part.name != "git":
            raise _Refused(part, "github() takes 'owner/repo' and optionally a branch")
        out: dict[str, Any] = {}
        for c in self._calls(closure, "git"):
            if c.name == "remote":
                for r in self._calls(_closure_only(c), "remote"):
                    if r.name == "url":
                        out["url"] = self._one(r, str)
                    elif r.name == "credentials":
                        out["credentials_id"] = self._one(r, str)
                        self.ctx.credential_refs.append((out["credentials_id"], self.where.file,
                                                         self.where.line(r.line), self.path, "a Job DSL git remote"))
                    elif r.name == "github":
                        out["url"] = f"https://github.com/{self._one(r, str)}.git"
                    elif r.name != "name":
                        raise _Refused(r, f"remote: unsupported setting '{r.name}' (supported: url, credentials)")
            elif c.name == "branch":
                out["branch"] = self._one(c, str)
            elif c.name == "branches":
                positional, _ = _args(c)
                if len(positional) != 1:
                    raise _Refused(c, "branches(): one branch is supported here")
                out["branch"] = self._string(positional[0])
            else:
                raise _Refused(c, f"git: unsupported setting '{c.name}' (supported: remote, branch)")
        return out


def _call_of(statement: g.Node) -> Optional[g.Call]:
    if isinstance(statement, g.ExprStmt) and isinstance(statement.expr, g.Call) and statement.expr.receiver is None:
        return statement.expr
    return None


def _args(call: g.Call) -> tuple[list[g.Expr], Optional[g.Closure]]:
    positional = list(call.positional_args)
    closure = positional.pop() if positional and isinstance(positional[-1], g.Closure) else None
    if call.named_args:
        raise _Refused(call.named_args[0], f"{call.name}(): named arguments are not understood here")
    return positional, closure


def _closure_only(call: g.Call) -> g.Closure:
    positional, closure = _args(call)
    if positional or closure is None:
        raise _Refused(call, f"{call.name} takes a {{ }} block")
    return closure


def _describe_statement(statement: g.Node) -> str:
    if isinstance(statement, g.ExprStmt) and isinstance(statement.expr, g.Call):
        return f"{statement.expr.name}(...)"  # a method called on something (`[...].each {}`)
    kinds = {g.VarDecl: "a variable declaration", g.MethodDef: "a method definition", g.ClassDef: "a class",
             g.If: "an if statement", g.ForIn: "a loop", g.ForC: "a loop", g.While: "a loop",
             g.Try: "a try block", g.Import: "an import"}
    return next((text for kind, text in kinds.items() if isinstance(statement, kind)),
                f"a {type(statement).__name__} statement")


def _describe(expr: g.Node) -> str:
    if isinstance(expr, g.Call):
        return f"the call {expr.name}(...)"
    if isinstance(expr, g.Var):
        return f"the variable {expr.name}"
    return f"a {type(expr).__name__} expression"


def _setter(keyword: str, kind: type, default: Any = None) -> Callable[[Reader, g.Call, dict], None]:
    def handler(reader: Reader, call: g.Call, fields: dict) -> None:
        fields[keyword] = reader._one(call, kind, default)
    return handler


def _ignored(reason: str) -> Callable[[Reader, g.Call, dict], None]:
    def handler(reader: Reader, call: g.Call, fields: dict) -> None:
        reader.ctx.warnings.append(CascWarning(f"{call.name}() has no effect here: {reason}",
                                            reader.where.file, reader.where.line(call.line), reader.path))
    return handler


def _strip_indent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    n = min(indents) if indents else 0
    return "\n".join(line[min(n, len(line) - len(line.lstrip())):] for line in lines)


def _strip_margin(text: str, margin: str = "|") -> str:
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        out.append(stripped[len(margin):] if stripped.startswith(margin) else line)
    return "\n".join(out)


STRING_METHODS: dict[str, Callable[..., str]] = {
    "stripIndent": _strip_indent, "stripMargin": _strip_margin, "trim": lambda s: s.strip(),
}
PARAMETERS: dict[str, Callable[..., Parameter]] = {
    "stringParam": lambda name, default="", description="": Parameter("string", name, str(default), description),
    "booleanParam": lambda name, default=False, description="": Parameter("boolean", name, bool(default), description),
    "choiceParam": lambda name, choices, description="": Parameter(
        "choice", name, str(choices[0]) if choices else "", description, tuple(str(c) for c in choices)),
    "textParam": lambda name, default="", description="": Parameter("text", name, str(default), description),
    "nonStoredPasswordParam": lambda name, description="": Parameter("password", name, "", description),
}
FOLDER_METHODS: dict[str, Callable[[Reader, g.Call, dict], None]] = {
    "description": _setter("description", str), "displayName": _setter("display_name", str),
}
PIPELINE_METHODS: dict[str, Callable[[Reader, g.Call, dict], None]] = {
    **FOLDER_METHODS,
    "disabled": _setter("disabled", bool, True), "quietPeriod": _setter("quiet_period", int),
    "authenticationToken": _setter("auth_token", str),
    "keepDependencies": _ignored("there are no upstream/downstream fingerprints"),
    "parameters": Reader.parameters, "triggers": Reader.triggers, "logRotator": Reader.log_rotator,
    "properties": Reader.properties, "definition": Reader.definition,
}
