"""The Flask application (factory) serving the Jenkins-compatible REST API.

Web workers never run builds: they read the store and write requests to it (queue items, stop
requests, job definitions); the scheduler process acts on them. Run with
`gunicorn 'orchestrator.web:create_app()'` and ORCHESTRATOR_HOME set, or through `orchestrator serve`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from orchestrator.errors import OrchestratorError
from orchestrator.store import Store
from orchestrator.web.serialize import VERSION


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        HOME=os.environ.get("ORCHESTRATOR_HOME") or str(Path.home() / ".orchestrator"),
        ROOT_URL=os.environ.get("ORCHESTRATOR_URL") or None,      # None: the request's own host
        QUIET_PERIOD=int(os.environ.get("ORCHESTRATOR_QUIET_PERIOD", "5")),  # seconds, Jenkins' default
        EXECUTORS=int(os.environ.get("ORCHESTRATOR_EXECUTORS", "2")),
        MAX_CONTENT_LENGTH=int(os.environ.get("ORCHESTRATOR_MAX_BODY", str(4 * 1024 * 1024))),
    )
    if test_config:
        app.config.update(test_config)
    from orchestrator.live_config import LiveConfig
    app.extensions["orchestrator"] = {"store": Store(Path(app.config["HOME"])), "live": LiveConfig()}

    from orchestrator.web import auth
    from orchestrator.web.api import bp
    from orchestrator.web.casc_api import bp as casc_bp
    from orchestrator.web.pages import bp as pages_bp
    auth.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(__import__("orchestrator.web.metrics", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("orchestrator.web.webhooks", fromlist=["bp"]).bp)   # no login: signed/token
    app.register_blueprint(casc_bp)

    @app.after_request
    def jenkins_headers(response: Response) -> Response:
        response.headers["X-Jenkins"] = VERSION
        response.headers["X-Hudson"] = "1.395"
        response.headers["X-Jenkins-Session"] = "orchestrator"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "deny")
        return response

    @app.errorhandler(OrchestratorError)
    def orchestrator_error(e: OrchestratorError) -> Response:
        response = error_response(getattr(e, "status", 500), str(e))
        if response.status_code == 405:
            response.headers["Allow"] = "POST"
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        response = error_response(e.code or 500, e.description or e.name)
        for key, value in e.get_headers():
            if key.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(UnicodeError)
    def unicode_error(e: UnicodeError) -> Response:
        return error_response(400, f"Request is not valid UTF-8: {e}")

    return app


def error_response(status: int, message: str) -> Response:
    message = " ".join(str(message).split())
    response = Response(message + "\n", status=status, mimetype="text/plain")
    if status >= 400:
        # the header must be latin-1; keep the message readable
        response.headers["X-Error"] = message.encode("latin-1", "replace").decode("latin-1")
    return response


def store_of(app: Flask) -> Store:
    return app.extensions["orchestrator"]["store"]


__all__ = ["create_app", "request"]
