"""The web pages people use: dashboard, folder, job, build (stage graph, live console, abort, input)
and the configuration-as-code page. Server-rendered with Jinja; `static/app.js` keeps them live by
polling the same JSON endpoints API clients use, so a page never shows what the REST API would not.

Job and build pages live under the REST routes' `/job/...` dispatcher (`api.dispatch_item` calls
`job_page` / `build_page` for the bare item URL); the rest are routes of this blueprint.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, Response, current_app, render_template, request

from orchestrator.store import Store, now_ms
from orchestrator.web import humanize
from orchestrator.web.serialize import Exporter

bp = Blueprint("pages", __name__)
_RESULT_COLORS = {"SUCCESS": "blue", "UNSTABLE": "yellow", "FAILURE": "red", "NOT_BUILT": "nobuilt",
                  "ABORTED": "aborted"}
_COLOR_TITLES = {"blue": "Success", "yellow": "Unstable", "red": "Failed", "nobuilt": "Not built",
                 "aborted": "Aborted", "disabled": "Disabled", "folder": "Folder"}
# pages run no inline script or style: a `<script>` that slipped into a page could not run
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _store() -> Store:
    return current_app.extensions["orchestrator"]["store"]


def _paths() -> Exporter:
    """An exporter whose URLs are root-relative paths (`/job/x/`): links work behind any proxy."""
    from orchestrator.web import auth
    return Exporter(_store(), request.script_root + "/", current_app.config["EXECUTORS"], readable=auth.job_readable)


def current_user() -> Optional[Any]:
    """The signed-in user; None when anonymous (the header then offers "log in")."""
    from orchestrator.web import auth
    identity = auth.current_user()
    return None if identity.anonymous else identity


def page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, user=current_user(), login_url=request.script_root + "/login",
                           root=request.script_root + "/", **context)
    response = Response(html, status=status, content_type="text/html;charset=UTF-8")
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def ball(color: str) -> dict:
    base = color.removesuffix("_anime")
    return {"color": base, "running": color.endswith("_anime"),
            "title": _COLOR_TITLES.get(base, base) + (" (running)" if color.endswith("_anime") else "")}


def _refusal(permission: str, job: str) -> str:
    """Why the signed-in user may not press a button needing `permission` ("" when they may): the page
    disables the button and says so, instead of letting the POST fail."""
    from orchestrator.web import auth
    return auth.refusal(permission, job) or ""


# ---------------------------------------------------------------- dashboard and folders
@bp.route("/", methods=["GET", "HEAD"])
def dashboard() -> Response:
    return page("dashboard.html", title="Dashboard", folder=None, items=item_rows(""), crumbs=[])


def folder_page(folder: dict) -> Response:
    return page("dashboard.html", title=folder["name"], folder=folder, items=item_rows(folder["name"]),
                crumbs=crumbs(folder["name"]))


def item_rows(folder: str) -> list[dict]:
    store, paths, now = _store(), _paths(), now_ms()
    rows = []
    for job in paths.children(folder):
        name = job["name"]
        row = {"name": name.split("/")[-1], "url": paths.job_url(name), "kind": job["kind"],
               "description": job["description"]}
        if job["kind"] == "folder":
            rows.append(dict(row, ball=ball("folder"), last_success="", last_failure="", last_duration="",
                             last_build=None))
            continue
        links = store.permalinks(name)
        last = store.builds(name, limit=1)
        completed = links["lastCompletedBuild"]
        rows.append(dict(row, ball=ball(paths.color(job, last)),
                         last_success=_since(store, name, links["lastSuccessfulBuild"], now),
                         last_failure=_since(store, name, links["lastFailedBuild"], now),
                         last_duration=humanize.duration(store.build(name, completed)["duration"])
                         if completed is not None else "N/A",
                         last_build={"number": last[0]["number"], "url": paths.build_url(name, last[0]["number"]),
                                     "result": last[0]["result"] or "running"} if last else None))
    return rows


def _since(store: Store, job: str, number: Optional[int], now: int) -> str:
    """`3 min 4 sec ago · #12` for a permalink's build, N/A when there is none."""
    if number is None:
        return "N/A"
    return f"{humanize.ago(store.build(job, number)['timestamp'], now)} · #{number}"


def crumbs(name: str) -> list[dict]:
    """Breadcrumbs for a job path: each enclosing folder, then the item."""
    paths = _paths()
    parts = name.split("/")
    return [{"name": part, "url": paths.job_url("/".join(parts[:i + 1]))} for i, part in enumerate(parts)]


# ---------------------------------------------------------------- job
def job_page(job: dict) -> Response:
    if job["kind"] == "folder":
        return folder_page(job)
    store, paths, now = _store(), _paths(), now_ms()
    builds = []
    for b in store.builds(job["name"], limit=50):
        running = b["state"] == "running"
        builds.append({"number": b["number"], "url": paths.build_url(job["name"], b["number"]),
                       "ball": ball(_RESULT_COLORS.get(b["result"] or "", "nobuilt") + ("_anime" if running else "")),
                       "result": "running" if running else b["result"], "when": humanize.ago(b["timestamp"], now),
                       "duration": humanize.duration(now - b["timestamp"] if running else b["duration"])})
    queued = store.waiting_items(job["name"])
    return page("job.html", title=job["name"], job=job, job_url=paths.job_url(job["name"]),
                ball=ball(paths.color(job, store.builds(job["name"], limit=1))), builds=builds,
                params=[form_field(p) for p in job["params"]], queued=len(queued), crumbs=crumbs(job["name"]),
                build_refusal=_refusal("Job/Build", job["name"]),
                active=bool(queued) or any(b["result"] == "running" for b in builds))


def form_field(p: dict) -> dict:
    """A parameter definition as the build form shows it (passwords never echo their default)."""
    kind = {"BooleanParameterDefinition": "boolean", "ChoiceParameterDefinition": "choice",
            "TextParameterDefinition": "text", "PasswordParameterDefinition": "password"}.get(p["type"], "string")
    default = p.get("default")
    return {"name": p["name"], "kind": kind, "description": p.get("description") or "",
            "choices": list(p.get("choices") or []), "checked": default is True,
            "value": "" if kind == "password" or default is None else str(default)}


# ---------------------------------------------------------------- build
def build_page(job: dict, build: dict) -> Response:
    paths, now = _paths(), now_ms()
    running = build["state"] == "running"
    hidden = {p["name"] for p in job["params"] if p["type"] == "PasswordParameterDefinition"}
    params = [{"name": k, "value": "****" if k in hidden else ("true" if v is True else "false" if v is False
                                                               else str(v))} for k, v in build["params"].items()]
    color = _RESULT_COLORS.get(build["result"] or "", "nobuilt") + ("_anime" if running else "")
    return page("build.html", title=f"{job['name']} #{build['number']}", job=job, build=build, running=running,
                ball=ball(color), result="In progress" if running else build["result"],
                job_url=paths.job_url(job["name"]), build_url=paths.build_url(job["name"], build["number"]),
                started=humanize.ago(build["timestamp"], now),
                duration=humanize.duration(now - build["timestamp"] if running else build["duration"]),
                causes=[c.get("shortDescription", "") for c in build["causes"]], params=params,
                abort_refusal=_refusal("Job/Cancel", job["name"]), input_refusal=_refusal("Job/Build", job["name"]),
                crumbs=crumbs(job["name"]) + [{"name": f"#{build['number']}",
                                               "url": paths.build_url(job["name"], build["number"])}])


# ---------------------------------------------------------------- configuration as code
@bp.route("/manage/configuration-as-code/", methods=["GET"])
def casc_page() -> Response:
    """The configuration in force (the generation `serve --casc` or the last reload applied), exported with
    secrets as ${VARIABLES}; the error when this worker could not load it."""
    from orchestrator.casc import export_yaml
    from orchestrator.web.auth import live_config
    live = live_config()
    sources, exported, error = live.sources, "", ""
    if live.config is not None:
        from orchestrator.web.auth import has_permission
        exported = export_yaml(live.config, include_jobs=has_permission("Overall/Administer"))
    elif live.generation:
        error = "The configuration in force could not be loaded by this server process (see the server log)"
    if sources and not error:
        # a dry run of the sources as they are now: what a reload would say
        from orchestrator.live_config import check_sources
        report, _texts = check_sources(sources)
        if not report.ok:
            error = ("The sources changed and no longer load; a reload would be rejected (the configuration "
                     "shown stays in force):\n" + "\n".join(str(e) for e in report.errors))
    return page("casc.html", title="Configuration as Code", sources=sources, exported=exported, error=error,
                reload_url=request.script_root + "/configuration-as-code/reload")
