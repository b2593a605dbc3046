"""The JCasC endpoints: reload (permission or token), dry-run check, export and schema.

A reload re-reads the sources the running configuration came from and applies them all or
nothing (`live_config.apply_sources`); every process follows the new generation on its next
request or scheduler step, and running builds keep what they started with. A rejected reload is a
400 whose JSON lists each error with file, line and key; nothing changes. Differences from Jenkins,
on purpose: a failed reload answers 400 (Jenkins: 200 with an error page or `{"status":"error"}`),
so scripts and sidecars see the failure in the status code; a successful one answers JSON.
"""
from __future__ import annotations

import hmac
import json
import logging
import os

from flask import Blueprint, Response, current_app, request

from orchestrator.casc import sources as casc_sources
from orchestrator.casc.errors import CascError, CascLoadError
from orchestrator.casc.loader import check_documents
from orchestrator.errors import OrchestratorError
from orchestrator.live_config import apply_sources, check_sources
from orchestrator.security.permissions import ADMINISTER
from orchestrator.web.auth import has_permission, live_config, public

bp = Blueprint("casc", __name__)
log = logging.getLogger("orchestrator.casc")
TOKEN_ENV = "CASC_RELOAD_TOKEN"


class ReloadTokenDisabled(OrchestratorError):
    status = 404


class ReloadTokenInvalid(OrchestratorError):
    status = 401


def _json(obj, status: int = 200) -> Response:
    return Response(json.dumps(obj), status=status, content_type="application/json;charset=UTF-8")


def _failure(e: CascError) -> Response:
    errors = e.errors if isinstance(e, CascLoadError) else (e,)
    response = _json({"status": "error", "message": f"Failed to reload configuration: {e.message}",
                      "errors": [x.as_dict() for x in errors]}, 400)
    first = " ".join(errors[0].render().split()) if errors else e.message
    response.headers["X-Error"] = f"Failed to reload configuration: {first}".encode("latin-1", "replace").decode(
        "latin-1")
    return response


def _reload() -> Response:
    from orchestrator.web.api import require_post
    require_post()
    store = current_app.extensions["orchestrator"]["store"]
    try:
        applied = apply_sources(store, live_config().sources or None)
    except CascError as e:
        log.warning("configuration reload rejected: %s", e)
        return _failure(e)
    log.info("configuration reloaded: generation %s", applied.generation)
    return _json({"status": "ok", "generation": applied.generation, "jobs": list(applied.applied),
                  "deleted": list(applied.deleted), "warnings": [w.as_dict() for w in applied.warnings]})


@bp.route("/configuration-as-code/reload", methods=["GET", "POST"])
@bp.route("/manage/configuration-as-code/reload", methods=["GET", "POST"])
def reload() -> Response:
    return _reload()


@bp.route("/reload-configuration-as-code/", methods=["GET", "POST"])
@bp.route("/reload-configuration-as-code", methods=["GET", "POST"])
@public
def token_reload() -> Response:
    """JCasC's TokenReloadAction: POST only, 404 when CASC_RELOAD_TOKEN is unset, 401 on a wrong token."""
    from orchestrator.web.api import require_post
    require_post()
    expected = os.environ.get(TOKEN_ENV, "")
    if not expected:
        log.warning("Configuration reload via token is not enabled")
        raise ReloadTokenDisabled("Configuration reload via token is not enabled")
    given = request.args.get("casc-reload-token") or request.form.get("casc-reload-token") or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("Invalid token received, not reloading configuration")
        raise ReloadTokenInvalid("Invalid token received, not reloading configuration")
    log.info("Configuration reload triggered via token")
    return _reload()


@bp.route("/configuration-as-code/check", methods=["GET", "POST"])
def check() -> Response:
    """Dry run: the posted YAML (alone, as JCasC checks it), or with an empty body the configured
    sources as a reload would read them. 200 with the warnings, or 400 with the errors."""
    from orchestrator.web.api import require_post
    require_post()
    body = request.get_data(cache=True, as_text=True)
    if body.strip():
        report = check_documents([casc_sources.Source("<request body>", body)], os.environ)
    else:
        report, _ = check_sources(live_config().sources or None)
    return _report(report)


@bp.route("/configuration-as-code/checkNewSource", methods=["GET", "POST"])
def check_new_source() -> Response:
    from orchestrator.web.api import require_post
    require_post()
    source = request.values.get("newSource", "").strip()
    report, _ = check_sources(source or live_config().sources or None)
    return _report(report)


def _report(report) -> Response:
    if report.ok:
        return _json([w.as_dict() for w in report.warnings])
    return _json([e.as_dict() for e in report.errors] + [w.as_dict() for w in report.warnings], 400)


@bp.route("/configuration-as-code/export", methods=["GET", "POST"])
def export() -> Response:
    """The running configuration as YAML; every secret is a `${VARIABLE}`."""
    from orchestrator.casc.exporter import export_yaml
    from orchestrator.store import NotFound
    config = live_config().config
    if config is None:
        raise NotFound("No configuration as code has been applied to this server")
    # Overall/SystemRead may export, but the jobs' scripts are only for administrators
    response = Response(export_yaml(config, include_jobs=has_permission(ADMINISTER)), content_type="application/x-yaml;charset=UTF-8")
    response.headers["Content-Disposition"] = 'attachment; filename="jenkins.yaml"'
    return response


@bp.route("/configuration-as-code/schema", methods=["GET"])
def schema() -> Response:
    from orchestrator.casc.schemas import schema as casc_schema
    return _json(casc_schema())
