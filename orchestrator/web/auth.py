"""Authentication, authorization and CSRF crumbs for every request: the Flask adapter of
`orchestrator.security`.

`enforce()` runs before each view: it finds the policy in force (the live JCasC configuration, or
the server's default), authenticates the request (HTTP basic with an API token or a password, else
the signed session cookie the login page sets, else anonymous), checks the crumb on POSTs a
browser could forge, and checks the permission `security.routes.requirement` names for the URL.
Views and pages use `current_user()`, `has_permission(permission, job)` and `require(...)`.

Wrong credentials are a 401 without a `WWW-Authenticate` challenge: browsers then never cache
basic credentials, which is why basic-authenticated POSTs can skip the crumb safely.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import html
import os
import secrets
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, Response, current_app, g, redirect, request, session

from orchestrator.casc.model import MatrixAuthorization
from orchestrator.errors import OrchestratorError, UsageError
from orchestrator.security import passwords
from orchestrator.security.permissions import (ADMINISTER, ANONYMOUS, AUTHENTICATED, Identity, Policy, allowed,
                                               denial, effective_permissions, policy_for, submitter_refusal)
from orchestrator.security.routes import Requirement, requirement
from orchestrator.store import NotFound, Store

bp = Blueprint("auth", __name__)
CRUMB_FIELD = "Jenkins-Crumb"
TOKEN_DESCRIPTOR = "descriptorByName/jenkins.security.ApiTokenProperty"
_REQUIREMENT_ATTR = "_orchestrator_requirement"
_DUMMY_HASH = passwords.hash_password(secrets.token_hex(8))
SESSION_HOURS = 12


class Unauthorized(OrchestratorError):
    status = 401


class Forbidden(OrchestratorError):
    status = 403


# ---------------------------------------------------------------- set-up
def init_app(app: Flask) -> None:
    app.secret_key = session_key(Path(app.config["HOME"]))
    app.config.update(SESSION_COOKIE_NAME="JSESSIONID.orchestrator", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=str(app.config.get("ROOT_URL") or "").startswith("https:"),
                      # the signature's timestamp ends a session server-side, even for a copied cookie
                      PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=SESSION_HOURS))
    app.config.setdefault("SECURITY_DEFAULT", os.environ.get("ORCHESTRATOR_SECURITY", "unsecured"))
    app.extensions["orchestrator"]["verified"] = OrderedDict()
    app.before_request(enforce)
    app.register_blueprint(bp)


def session_key(home: Path) -> bytes:
    """HOME/secrets/session.key, created once (first process wins; the others read it)."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "session.key"
    if not path.exists():
        tmp = folder / f".session.key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)   # atomic and never overwrites: every worker ends up with the same key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())


def public(view: Callable) -> Callable:
    """Mark a view reachable by anyone (it protects itself, e.g. with a webhook signature)."""
    setattr(view, _REQUIREMENT_ATTR, Requirement(public=True, crumb_exempt=True))
    return view


def requires(permission: str) -> Callable[[Callable], Callable]:
    """Mark a view as needing `permission` (instead of the routes table's default)."""
    def mark(view: Callable) -> Callable:
        setattr(view, _REQUIREMENT_ATTR, Requirement(permission))
        return view
    return mark


# ---------------------------------------------------------------- what views use
def _store() -> Store:
    return current_app.extensions["orchestrator"]["store"]


def live_config() -> Any:
    """The JCasC configuration this request runs under (None when none was applied)."""
    if "live" not in g:
        g.live = current_app.extensions["orchestrator"]["live"].current(_store())
    return g.live


def policy() -> Policy:
    if "policy" not in g:
        live = live_config()
        if live.generation and live.config is None:
            # a configuration exists but this process could not load it (see its log): fail closed
            g.policy = Policy(MatrixAuthorization(()), enforced=True, crumbs=True, origin="unloadable")
        else:
            g.policy = policy_for(live.config, current_app.config["SECURITY_DEFAULT"])
    return g.policy


def current_user() -> Identity:
    return g.get("identity") or Identity()


def has_permission(permission: str, job: Optional[str] = None) -> bool:
    """Whether the current user holds `permission` (on `job`, for projectMatrix grants)."""
    return _missing(permission, job) is None


def job_readable(job: str) -> bool:
    """Whether the current user may see `job` at all: lists (dashboard, `jobs`, the queue) leave it out otherwise."""
    return has_permission("Job/Read", job)


def refusal(permission: str, job: Optional[str] = None) -> Optional[str]:
    """Why the current user may not do what needs `permission` (the 403's words), or None when they may:
    pages show it next to the buttons they disable."""
    missing = _missing(permission, job)
    return None if missing is None else denial(current_user(), missing)


def input_refusal(submitter: Optional[str], job: str) -> Optional[str]:
    """Why the current user may not answer an input (Job/Build, then its `submitter` list), or None."""
    return refusal("Job/Build", job) or submitter_refusal(current_user(), submitter, has_permission(ADMINISTER))


def require(permission: str, job: Optional[str] = None) -> None:
    """Raise Forbidden (403, Jenkins' wording) unless the current user holds `permission`."""
    reason = refusal(permission, job)
    if reason is not None:
        raise Forbidden(reason)


def _missing(permission: str, job: Optional[str]) -> Optional[str]:
    grants = _job_grants(job) if job else ()
    return next((p for p in effective_permissions(permission) if not allowed(policy(), current_user(), p, grants)),
                None)


def _job_grants(job: str) -> tuple:
    """projectMatrix grants of a job and its folders (props["grants"] from config.xml)."""
    from orchestrator.casc.model import PermissionGrant
    strategy = policy().strategy
    if not (isinstance(strategy, MatrixAuthorization) and strategy.project_based):
        return ()
    grants = []
    parts = job.split("/")
    for i in range(1, len(parts) + 1):
        row = _store().find_job("/".join(parts[:i]))
        for g_ in (row or {}).get("props", {}).get("grants", ()):
            grants.append(PermissionGrant(g_["permission"], g_["sid"], g_.get("type", "EITHER")))
    return tuple(grants)


def crumb() -> str:
    """The crumb for this client: bound to its session, else to its user name, plus its address
    unless `excludeClientIPFromCrumb`."""
    identity = current_user()
    salt = f"session:{session.get('n')}" if identity.via == "session" else f"user:{identity.id}"
    if not policy().exclude_client_ip:
        salt += f"|{request.remote_addr}"
    return hmac.new(current_app.secret_key, salt.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the check before every view
def enforce() -> Optional[Response]:
    pol = policy()
    g.identity = authenticate(pol)
    need = _requirement()
    if need.job_token and _job_token_matches(need.job):
        g.job_token_ok = True   # the job's own secret: anyone holding it may trigger, also by GET
        return None
    if not pol.enforced or need.public:
        return None
    if pol.crumbs and request.method == "POST" and not need.crumb_exempt \
            and g.identity.via in ("session", "anonymous") and not _crumb_ok():
        raise Forbidden("No valid crumb was included in the request")
    if need.user is not None and g.identity.name == need.user:
        return None
    job = need.job
    if need.queue_item:
        job = _queue_item_job()
    if not has_permission(need.permission or "Overall/Read", job):
        if g.identity.anonymous and request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
            return redirect(f"{request.script_root}/login?from={quote(request.full_path.rstrip('?'))}", 302)
        require(need.permission or "Overall/Read", job)
    return None


def _requirement() -> Requirement:
    view = current_app.view_functions.get(request.endpoint or "")
    marked = getattr(view, _REQUIREMENT_ATTR, None)
    if marked is not None:
        return marked
    from orchestrator.web.api import raw_path
    return requirement(request.method, raw_path())


def authenticate(pol: Policy) -> Identity:
    """Basic auth (API token first, then password), else the session cookie, else anonymous.
    Without security (the loopback default) credentials are not looked at, as before."""
    if not pol.enforced:
        return Identity()
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        user = auth.username or ""
        row = _store().user(user)
        secret = auth.password or ""
        if row is not None and _store().token_by_digest(user, passwords.token_digest(secret)) is not None:
            return Identity(user, "token", row["full_name"])
        if row is not None and _password_ok(user, secret, row["password_hash"]):
            return Identity(user, "password", row["full_name"])
        if row is None:
            passwords.verify_password(secret, _DUMMY_HASH)   # as slow as a real check: names do not leak
        raise Unauthorized(f"Invalid password/token for user: {user}")
    user = session.get("u")
    if user:
        row = _store().user(user)
        if row is not None and hmac.compare_digest(session.get("s", ""), row["seed"]):
            return Identity(user, "session", row["full_name"])
        session.clear()   # the user is gone or changed password: signed out
    return Identity()


def _password_ok(user: str, password: str, stored: str) -> bool:
    """scrypt costs ~50 ms: remember successes (keyed by an HMAC, never the password) per process."""
    cache: OrderedDict = current_app.extensions["orchestrator"]["verified"]
    key = hmac.new(current_app.secret_key, f"{user}\0{password}\0{stored}".encode(), hashlib.sha256).digest()
    if key in cache:
        cache.move_to_end(key)
        return True
    if not passwords.verify_password(password, stored):
        return False
    cache[key] = True
    while len(cache) > 256:
        cache.popitem(last=False)
    return True


def _crumb_ok() -> bool:
    given = request.headers.get(CRUMB_FIELD)
    if given is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = request.form.get(CRUMB_FIELD) or request.form.get(".crumb")
    return bool(given) and hmac.compare_digest(given, crumb())


def _job_token_matches(job: Optional[str]) -> bool:
    token = request.args.get("token")
    if not token or not job:
        return False
    row = _store().find_job(job)
    expected = (row or {}).get("props", {}).get("auth_token_sha256")
    return bool(expected) and hmac.compare_digest(expected, passwords.token_digest(token))


def _queue_item_job() -> Optional[str]:
    parts = request.path.strip("/").split("/")
    raw = parts[2] if parts[:2] == ["queue", "item"] and len(parts) > 2 else \
        request.args.get("id") or request.form.get("id") or ""
    if not raw.isdigit():
        return None
    try:
        return _store().queue_item(int(raw))["job"]
    except NotFound:
        return None


# ---------------------------------------------------------------- endpoints
@bp.route("/crumbIssuer/api/<flavour>")
def crumb_issuer(flavour: str) -> Response:
    from orchestrator.web.api import api_response
    data = {"_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": crumb(), "crumbRequestField": CRUMB_FIELD}
    if flavour == "xml" and request.args.get("xpath", "").replace(" ", "") in (
            'concat(//crumbRequestField,":",//crumb)', "concat(//crumbRequestField,':',//crumb)"):
        return Response(f"{CRUMB_FIELD}:{data['crumb']}", mimetype="text/plain")   # Jenkins' documented one-liner
    if flavour == "xml":
        return Response(f'<defaultCrumbIssuer _class="hudson.security.csrf.DefaultCrumbIssuer"><crumb>{data["crumb"]}'
                        f'</crumb><crumbRequestField>{CRUMB_FIELD}</crumbRequestField></defaultCrumbIssuer>',
                        content_type="application/xml;charset=UTF-8")
    return api_response(data, flavour)


@bp.route("/whoAmI/api/<flavour>")
def who_am_i(flavour: str) -> Response:
    from orchestrator.web.api import api_response
    identity = current_user()
    authorities = [ANONYMOUS] if identity.anonymous else [AUTHENTICATED]
    return api_response({"_class": "hudson.security.WhoAmI", "anonymous": identity.anonymous,
                         "authenticated": not identity.anonymous, "authorities": authorities, "details": None,
                         "name": identity.id, "toString": f"{identity.id} (via {identity.via})"}, flavour)


@bp.route("/me/api/<flavour>")
def me(flavour: str) -> Response:
    return _user_api(current_user().id, flavour)


@bp.route("/user/<user_id>/api/<flavour>")
def user_api(user_id: str, flavour: str) -> Response:
    return _user_api(user_id, flavour)


def _user_api(user_id: str, flavour: str) -> Response:
    from orchestrator.web.api import api_response, base_url
    row = _store().user(user_id) if user_id != ANONYMOUS else {"id": ANONYMOUS, "full_name": ANONYMOUS}
    if row is None:
        raise NotFound(f"No such user: {user_id}")
    return api_response({"_class": "hudson.model.User", "id": row["id"], "fullName": row["full_name"] or row["id"],
                         "absoluteUrl": f"{base_url()}user/{quote(row['id'])}", "description": None,
                         "property": []}, flavour)


@bp.route("/asynchPeople/api/<flavour>")
def people(flavour: str) -> Response:
    from orchestrator.web.api import api_response, base_url
    return api_response({"_class": "hudson.model.View$AsynchPeople$People", "users": [
        {"user": {"id": u["id"], "fullName": u["full_name"] or u["id"],
                  "absoluteUrl": f"{base_url()}user/{quote(u['id'])}"}} for u in _store().users()]}, flavour)


@bp.route(f"/user/<user_id>/{TOKEN_DESCRIPTOR}/generateNewToken", methods=["GET", "POST"])
def generate_token(user_id: str) -> Response:
    from orchestrator.web.api import json_response, require_post
    require_post()
    if _store().user(user_id) is None:
        raise NotFound(f"No such user: {user_id}")
    name = (request.values.get("newTokenName") or "").strip() or "Token created on " + _today()
    uuid, value, digest = passwords.new_token()
    _store().add_token(user_id, name, digest, uuid)
    return json_response({"status": "ok", "data": {"tokenName": name, "tokenUuid": uuid, "tokenValue": value}})


@bp.route(f"/user/<user_id>/{TOKEN_DESCRIPTOR}/revoke", methods=["GET", "POST"])
def revoke_token(user_id: str) -> Response:
    from orchestrator.web.api import json_response, require_post
    require_post()
    uuid = request.values.get("tokenUuid") or ""
    if not uuid:
        raise UsageError("Form field 'tokenUuid' is required")
    if not _store().revoke_token(user_id, uuid):
        raise NotFound(f"{user_id} has no API token {uuid}")
    return json_response({"status": "ok"})


def _today() -> str:
    return datetime.date.today().isoformat()


# ---------------------------------------------------------------- login page
_LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in [orchestrator]</title>
<style>body{{font-family:system-ui,sans-serif;display:flex;justify-content:center;padding:3em 1em}}
form{{display:flex;flex-direction:column;gap:.6em;width:100%;max-width:20em}}input,button{{font-size:1em;padding:.5em}}
.error{{color:#b00}}</style></head>
<body><form method="post" action="{root}/j_spring_security_check">
<h1>Sign in to orchestrator</h1>{error}
<label>Username <input name="j_username" id="j_username" autocomplete="username" autofocus required></label>
<label>Password <input name="j_password" id="j_password" type="password" autocomplete="current-password"></label>
<input type="hidden" name="from" value="{came_from}">
<button type="submit" name="Submit">Sign in</button></form></body></html>
"""


def _login_page(error: str = "", status: int = 200) -> Response:
    came_from = _safe_target(request.values.get("from"))
    page = _LOGIN_PAGE.format(root=html.escape(request.script_root), came_from=html.escape(came_from),
                              error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "")
    return Response(page, status=status, mimetype="text/html")


def _safe_target(target: Optional[str]) -> str:
    """Only an absolute path on this server, else `/`: no open redirect after login. Browsers drop tabs
    and newlines from URLs (`/<TAB>/evil.example` is `//evil.example`) and read `\\` as `/`, so any
    whitespace, control character or backslash refuses the target, as does a scheme or a host."""
    if not target or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7f or c == "\\" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.route("/login", methods=["GET"])
def login() -> Response:
    return _login_page()


@bp.route("/loginError", methods=["GET"])
def login_error() -> Response:
    return _login_page("Invalid username or password", 401)


@bp.route("/j_spring_security_check", methods=["POST"])
def login_submit() -> Response:
    user = request.form.get("j_username", "")
    password = request.form.get("j_password", "")
    row = _store().user(user) if user else None
    if row is None or not _password_ok(user, password, row["password_hash"]):
        target = request.form.get("from")
        return redirect(f"{request.script_root}/loginError" + (f"?from={quote(target)}" if target else ""), 302)
    session.clear()   # a new session at login: no fixation
    session.update(u=user, s=row["seed"], n=secrets.token_hex(16))
    return redirect(request.script_root + _safe_target(request.form.get("from")), 302)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    session.clear()
    return redirect(request.script_root + "/", 302)
