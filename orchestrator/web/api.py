"""The Jenkins REST surface clients use (python-jenkins, jenkinsapi, api4jenkins, curl).

Views parse the request, call the store, and serialize. Item paths (`/job/a/job/b/...`) are parsed
from the raw request URI so an encoded `%2f` stays inside a name (and is then refused), never
becoming a path separator.
"""
from __future__ import annotations

import html
import json
import mimetypes
import tempfile
import zipfile
from typing import Any, Callable
from urllib.parse import quote, unquote

from flask import Blueprint, Response, current_app, g, redirect, request, send_file

from orchestrator import jobs as jobdefs
from orchestrator.errors import UsageError
from orchestrator.store import PERMALINKS, NotFound, Store, now_ms
from orchestrator.web import auth, inputs, pages, stagegraph
from orchestrator.web.serialize import Exporter, remote_cause, user_cause
from orchestrator.web.tree import finish, render, to_python

bp = Blueprint("api", __name__)
_IGNORED_FIELDS = {"json", "token", "delay", "cause", "Jenkins-Crumb", ".crumb", "Submit", "statusCode",
                   "redirectTo"}


class MethodNotAllowed(UsageError):
    status = 405


class NotBuildable(UsageError):
    status = 409


def store() -> Store:
    return current_app.extensions["orchestrator"]["store"]


def base_url() -> str:
    """The root URL as the client sees us (configured, else the request's host, proxies honoured)."""
    configured = current_app.config.get("ROOT_URL")
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    headers = request.headers
    proto = headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    port = headers.get("X-Forwarded-Port")
    if port and ":" not in host:
        host = f"{host}:{port}"
    return f"{proto}://{host}{request.script_root}/"


def exporter() -> Exporter:
    return Exporter(store(), base_url(), current_app.config["EXECUTORS"], readable=auth.job_readable)


def api_response(obj: Any, flavour: str) -> Response:
    data = render(obj, request.args.get("tree"), request.args.get("depth"))
    if flavour == "python":
        return Response(to_python(data), mimetype="text/x-python", content_type="text/x-python;charset=UTF-8")
    if flavour != "json":
        raise NotFound(f"No such representation: api/{flavour} (use api/json or api/python)")
    indent = 2 if "pretty" in request.args else None
    return Response(json.dumps(data, indent=indent, ensure_ascii=False), content_type="application/json;charset=UTF-8")


def current_user_name() -> str:
    """Who is asking (the authenticated user's id; `anonymous` otherwise)."""
    return auth.current_user().id


def build_path(build: dict) -> str:
    """A build's URL path from the root (`/job/x/7/`), as Jenkins' wfapi links are."""
    return exporter().build_url(build["job"], build["number"])[len(base_url()) - 1:]


def require_post() -> None:
    if request.method != "POST":
        raise MethodNotAllowed("This URL requires POST")


# ---------------------------------------------------------------- server level
@bp.route("/healthz")
def healthz() -> Response:
    store().db.execute("select 1").fetchall()
    return Response('{"status":"ok"}', content_type="application/json")


@bp.route("/api/<flavour>")
def root_api(flavour: str) -> Response:
    root = exporter().root()
    root.update(useSecurity=auth.policy().enforced, useCrumbs=auth.policy().crumbs)
    return api_response(root, flavour)


@bp.route("/computer/api/<flavour>")
def computers(flavour: str) -> Response:
    return api_response(exporter().computers(), flavour)


@bp.route("/computer/<node>/api/<flavour>")
def computer(node: str, flavour: str) -> Response:
    if node not in ("(built-in)", "(master)", "Built-In Node"):
        raise NotFound(f"Node {node} does not exist")
    return api_response(exporter().computer(), flavour)


@bp.route("/queue/", methods=["GET"])
def queue_page() -> Response:
    return Response("queue\n", mimetype="text/plain")


@bp.route("/queue/api/<flavour>")
def queue_api(flavour: str) -> Response:
    return api_response(exporter().queue(), flavour)


@bp.route("/queue/item/<int:item_id>/api/<flavour>")
def queue_item(item_id: int, flavour: str) -> Response:
    return api_response(exporter().queue_item(store().queue_item(item_id)), flavour)


@bp.route("/queue/item/<int:item_id>/")
def queue_item_page(item_id: int) -> Response:
    store().queue_item(item_id)
    return Response(f"queue item {item_id}\n", mimetype="text/plain")


@bp.route("/queue/cancelItem", methods=["GET", "POST"])
def cancel_item() -> Response:
    require_post()
    raw = request.args.get("id") or request.form.get("id")
    if not raw or not raw.isdigit():
        raise UsageError("Query parameter 'id' must be a queue item number")
    store().queue_item(int(raw))
    store().cancel_item(int(raw))
    return redirect(base_url() + "queue/", 302)


@bp.route("/createItem", methods=["GET", "POST"])
def create_root_item() -> Response:
    return create_item("")


@bp.route("/job/<path:_rest>", methods=["GET", "POST", "HEAD"])
def job_routes(_rest: str) -> Response:
    name, rest = resolve_item_path()
    return dispatch_item(name, rest)


# ---------------------------------------------------------------- item paths
def raw_path() -> str:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        raw = raw.split("?", 1)[0]
        if "://" in raw:   # absolute-form request target
            raw = "/" + raw.split("://", 1)[1].split("/", 1)[-1]
        return raw[len(request.script_root):]
    return request.path


def resolve_item_path() -> tuple[str, list[str]]:
    """`/job/a/job/b/7/api/json` -> ("a/b", ["7", "api", "json"]); names checked, items must exist."""
    segments = raw_path().lstrip("/").split("/")
    name = ""
    i = 0
    while i + 1 < len(segments) and segments[i] == "job" and segments[i + 1] != "":
        if name:
            parent = store().job(name)
            if parent["kind"] != "folder":
                break
        try:
            short = unquote(segments[i + 1], errors="strict")
        except UnicodeDecodeError:
            raise UsageError("Job names must be UTF-8") from None
        jobdefs.check_name(short)
        name = f"{name}/{short}" if name else short
        i += 2
    if not name:
        raise NotFound("No job named in the URL")
    rest = [unquote(s) for s in segments[i:]]
    while rest and rest[-1] == "":
        rest.pop()
    return name, rest


def dispatch_item(name: str, rest: list[str]) -> Response:
    if rest == ["createItem"]:
        return create_item(name)
    job = store().job(name)
    head = rest[0] if rest else ""
    if head.isdigit() or head in PERMALINKS:
        return dispatch_build(job, head, rest[1:])
    action = _JOB_ACTIONS.get(tuple(rest)) if len(rest) <= 1 else None
    if action is not None:
        return action(job)
    if len(rest) == 2 and rest[0] == "api":
        return api_response(exporter().item(job), rest[1])
    if rest == ["wfapi", "runs"]:
        if job["kind"] != "job":
            raise NotFound(f"{name} is a folder")
        return json_response([exporter().wfapi_run(b) for b in store().builds(name, limit=10)])
    if rest == ["wfapi"]:
        return json_response({"_links": {"self": {"href": exporter().job_url(name)[len(base_url()) - 1:] + "wfapi/"},
                                         "runs": {"href": exporter().job_url(name)[len(base_url()) - 1:]
                                                  + "wfapi/runs"}},
                              "name": name.split("/")[-1], "runCount": len(store().builds(name, limit=None))})
    raise NotFound(f"Not found: {'/'.join(rest)} of {name}")


def json_response(obj: Any) -> Response:
    return Response(json.dumps(finish(obj)), content_type="application/json;charset=UTF-8")


def job_page(job: dict) -> Response:
    return pages.job_page(job)


def config_xml(job: dict) -> Response:
    if request.method == "POST":
        definition = jobdefs.definition(read_xml_body())
        if definition["kind"] != job["kind"]:
            raise UsageError(f"Cannot change {job['name']} from a {job['kind']} into a {definition['kind']}")
        store().upsert_job(job["name"], definition["script"], config_xml=definition["config_xml"],
                           description=definition["description"], disabled=definition["disabled"],
                           params=definition["params"], props=definition["props"], kind=definition["kind"])
        return Response("", status=200)
    text = job["config_xml"] or jobdefs.render_config(job)
    return Response(text, content_type="application/xml;charset=UTF-8")


def read_xml_body() -> bytes:
    body = request.get_data(cache=True)
    if not body.strip():
        raise UsageError("No config.xml in the request body")
    return body


def create_item(folder: str) -> Response:
    require_post()
    if folder and store().job(folder)["kind"] != "folder":
        raise NotFound(f"{folder} is not a folder")
    name = request.args.get("name") or request.form.get("name")
    if not name:
        raise UsageError("Query parameter 'name' is required")
    jobdefs.check_name(name)
    full = f"{folder}/{name}" if folder else name
    mode = request.args.get("mode") or request.form.get("mode")
    if mode == jobdefs.FOLDER_CLASS:
        definition = jobdefs.definition(jobdefs.render_config({"kind": "folder", "description": ""}))
        definition["config_xml"] = ""
    elif mode == "copy":
        source = store().job(request.args.get("from") or request.form.get("from") or "")
        auth.require("Job/ExtendedRead", source["name"])   # as Jenkins: copying reveals the source's config
        definition = {k: source[k] for k in ("kind", "script", "description", "disabled", "params", "props",
                                             "config_xml")}
    else:
        if not request.content_type or "xml" not in request.content_type:
            raise UsageError("No Content-Type header set" if not request.content_type
                             else f"Content-Type {request.content_type} is not XML")
        definition = jobdefs.definition(read_xml_body())
    store().upsert_job(full, definition["script"], config_xml=definition["config_xml"],
                       description=definition["description"], disabled=definition["disabled"],
                       params=definition["params"], props=definition["props"], kind=definition["kind"],
                       create_only=True)
    return Response("", status=200)


def delete_job(job: dict) -> Response:
    require_post()
    store().delete_job(job["name"])
    parent = job["name"].rsplit("/", 1)[0] if "/" in job["name"] else ""
    return redirect(exporter().job_url(parent) if parent else base_url(), 302)


def enable(job: dict) -> Response:
    require_post()
    store().set_disabled(job["name"], False)
    return redirect(exporter().job_url(job["name"]), 302)


def disable(job: dict) -> Response:
    require_post()
    store().set_disabled(job["name"], True)
    return redirect(exporter().job_url(job["name"]), 302)


def cancel_queue(job: dict) -> Response:
    require_post()
    for item in store().waiting_items(job["name"]):
        store().cancel_item(item["id"])
    return redirect(exporter().job_url(job["name"]), 302)


# ---------------------------------------------------------------- triggers
def trigger(job: dict, with_parameters: bool) -> Response:
    if not g.get("job_token_ok"):   # Jenkins lets a remote trigger with the job's token use GET
        require_post()
    name = job["name"]
    if job["kind"] != "job":
        raise NotFound(f"{name} is a folder and cannot be built")
    if job["disabled"]:
        raise NotBuildable(f"{name} is not buildable")
    if with_parameters and not job["params"]:
        raise UsageError(f"{name} is not parameterized")
    given = submitted_parameters()
    values = jobdefs.parameter_values(job["params"], given)
    delay = request.values.get("delay")
    if delay is not None:
        delay_ms = jobdefs.parse_delay(delay)
    else:
        delay_ms = int(job["props"].get("quiet_period", current_app.config["QUIET_PERIOD"])) * 1000
    note = request.values.get("cause")
    user = auth.current_user()
    cause = remote_cause(request.remote_addr or "", note) if note or request.values.get("token") \
        else user_cause(user.name)
    item_id = store().enqueue(name, values, [cause], delay_ms)
    response = Response("", status=201)
    response.headers["Location"] = f"{base_url()}queue/item/{item_id}/"
    return response


def submitted_parameters() -> dict[str, str]:
    """Parameters from the query string, form fields, and jenkinsapi's `json` form field."""
    given: dict[str, str] = {}
    for key in request.args:
        if key not in _IGNORED_FIELDS:
            given[key] = request.args.get(key, "")
    if request.files:
        raise UsageError("File parameters are not supported")
    for key in request.form:
        if key not in _IGNORED_FIELDS:
            given[key] = request.form.get(key, "")
    raw = request.form.get("json")
    if raw:
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise UsageError(f"The json form field is not valid JSON: {e}") from None
        entries = data.get("parameter", []) if isinstance(data, dict) else None
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "name" in e for e in entries):
            raise UsageError("The json form field must be {\"parameter\": [{\"name\": ..., \"value\": ...}]}")
        for entry in entries:
            given.setdefault(str(entry["name"]), str(entry.get("value", "")))
    return given


_JOB_ACTIONS: dict[tuple[str, ...], Callable[[dict], Response]] = {
    (): job_page,
    ("config.xml",): config_xml,
    ("build",): lambda job: trigger(job, with_parameters=False),
    ("buildWithParameters",): lambda job: trigger(job, with_parameters=True),
    ("doDelete",): delete_job,
    ("enable",): enable,
    ("disable",): disable,
    ("cancelQueue",): cancel_queue,
}


# ---------------------------------------------------------------- builds
def dispatch_build(job: dict, ref: str, rest: list[str]) -> Response:
    if job["kind"] != "job":
        raise NotFound(f"{job['name']} is a folder")
    number = int(ref) if ref.isdigit() else store().permalink(job["name"], ref)
    if number is None:
        raise NotFound(f"{job['name']} has no {ref}")
    build = store().build(job["name"], number)
    if not rest:
        return pages.build_page(job, build)
    if len(rest) == 2 and rest[0] == "api":
        return api_response(exporter().build(build), rest[1])
    if rest == ["consoleText"]:
        data, _ = store().read_log(build, 0)
        return Response(data, content_type="text/plain;charset=UTF-8")
    if rest in (["logText", "progressiveText"], ["logText", "progressiveHtml"]):
        return progressive(build)
    if rest in (["stop"], ["term"], ["kill"]):
        require_post()
        store().request_stop(job["name"], number, rest[0])
        return redirect(exporter().build_url(job["name"], number), 302)
    if rest == ["doDelete"]:
        require_post()
        if build["state"] == "running":
            raise UsageError(f"{job['name']} #{number} is still running; stop it first")
        store().delete_build(job["name"], number)
        return redirect(exporter().job_url(job["name"]), 302)
    if rest == ["wfapi", "describe"]:
        return json_response(exporter().wfapi_run(build))
    if rest == ["wfapi", "pendingInputActions"]:
        return json_response(inputs.pending_actions(store(), build, build_path(build),
                                                    lambda submitter: auth.input_refusal(submitter, job["name"])))
    answered = inputs.answer_for(rest, request.args.get("inputId"))
    if answered is not None:
        require_post()
        inputs.answer(store(), build, answered[0], answered[1], current_user_name(),
                      lambda submitter: auth.input_refusal(submitter, job["name"]))
        return redirect(exporter().build_url(job["name"], number), 302)
    if rest == ["pipeline-graph", "tree"]:
        return json_response(stagegraph.tree_response(store().stages(build["id"]), build["state"] == "running",
                                                      now_ms()))
    if rest == ["wfapi", "artifacts"]:
        return json_response(exporter().wfapi_artifacts(build, store().artifacts(build["id"])))
    if rest and rest[0] == "artifact":
        return sandboxed(artifact_response(build, rest[1:]))
    raise NotFound(f"Not found: {'/'.join(rest)} of {job['name']} #{number}")


#: Jenkins' default for files it serves from builds (DirectoryBrowserSupport): a build wrote them, so an
#: HTML artifact must not run scripts with this server's origin (stored XSS)
ARTIFACT_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline';"


def sandboxed(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = ARTIFACT_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def artifact_response(build: dict, parts: list[str]) -> Response:
    """`artifact/PATH` (one file), `artifact/[DIR/]` (a listing), `artifact/[DIR/]*zip*/NAME.zip` (a zip).

    Only paths in the artifacts index are served, so `..` or a file dropped next to the archive never is."""
    label = f"{build['job']} #{build['number']}"
    root = store().archive_dir(build)
    zipped = len(parts) >= 2 and parts[-2] == "*zip*"
    prefix = "/".join(parts[:-2] if zipped else parts)
    indexed = [a["relative_path"] for a in store().artifacts(build["id"])]
    if not zipped and prefix in indexed:
        if not (root / prefix).is_file():
            raise NotFound(f"{label}: artifact {prefix!r} is in the index but its file is gone")
        return send_file(root / prefix, mimetype=mimetypes.guess_type(prefix)[0] or "application/octet-stream",
                         download_name=prefix.rsplit("/", 1)[-1], max_age=0)
    under = [p for p in indexed if not prefix or p.startswith(prefix + "/")]
    if not under:
        raise NotFound(f"{label} has no artifact {prefix!r}" if prefix else f"{label} has no artifacts")
    if zipped:
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
        top = prefix.rsplit("/", 1)[-1] if prefix else "archive"
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for relative in under:
                archive.write(root / relative, f"{top}/{relative[len(prefix):].lstrip('/')}")
        spool.seek(0)
        return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=parts[-1])
    base = exporter().build_url(build["job"], build["number"]) + "artifact/"
    links = "".join(f'<li><a href="{html.escape(base + quote(p))}">{html.escape(p)}</a></li>' for p in under)
    return Response(f"<!DOCTYPE html><title>Artifacts of {html.escape(label)}</title><ul>{links}</ul>\n",
                    mimetype="text/html")


def progressive(build: dict) -> Response:
    raw = request.args.get("start", "0")
    try:
        start = int(raw)
    except ValueError:
        raise UsageError(f"start must be a byte offset, not {raw!r}") from None
    running = store().build_by_id(build["id"])["state"] == "running"   # before reading: no lost tail
    data, size = store().read_log(build, max(0, start))
    response = Response(data, content_type="text/plain;charset=UTF-8")
    response.headers["X-Text-Size"] = str(size)
    if running:
        response.headers["X-More-Data"] = "true"
    return response
