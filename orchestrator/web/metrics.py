"""GET /prometheus: the controller's metrics in Prometheus' text format (see orchestrator.metrics)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from orchestrator.metrics import collect
from orchestrator.prometheus import CONTENT_TYPE, render

bp = Blueprint("metrics", __name__)


@bp.get("/prometheus", strict_slashes=False)
def prometheus() -> Response:
    from orchestrator.web import auth, store_of
    families = collect(store_of(current_app), int(current_app.config["EXECUTORS"]), auth.job_readable)
    response = Response(render(families), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-cache"
    return response
