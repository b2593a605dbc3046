"""The webhook endpoints Git hosting and other tools call, in their own blueprint.

Jenkins serves these without a login: each is protected by its own secret (GitHub's signature,
GitLab's token, the Generic Webhook Trigger's token), so the authentication layer exempts this
blueprint. Every request either enqueues all its builds in one transaction (with the delivery id
remembered, so a replay starts nothing) or answers 4xx and changes nothing.

    POST /github-webhook/                     push, pull_request, ping
    POST /project/<job full path>             GitLab: Push Hook, Tag Push Hook, Merge Request Hook
    GET|POST /generic-webhook-trigger/invoke  Generic Webhook Trigger (token: ?token=, token header, Bearer)
"""
from __future__ import annotations

import json
import os
from typing import Any, Optional
from urllib.parse import parse_qs, unquote

from flask import Blueprint, Response, current_app, request

from orchestrator import jobs as jobdefs
from orchestrator.errors import OrchestratorError, UsageError
from orchestrator.web.api import raw_path, store
from orchestrator.webhooks import events, generic, github, gitlab, gitlab_access, settings
from orchestrator.webhooks.declared import NotLiteral, declared_trigger
from orchestrator.webhooks.events import BadPayload, GitEvent, Ignored
from orchestrator.webhooks.matching import matching_jobs
from orchestrator.webhooks.signatures import Unauthorized, check_github_signature

bp = Blueprint("webhooks", __name__)


class UnusableTrigger(UsageError):
    """The job's trigger cannot be evaluated as written (e.g. a secret that is an expression)."""
    status = 409


# ---------------------------------------------------------------- GitHub
@bp.route("/github-webhook/", methods=["GET", "POST"])
@bp.route("/github-webhook", methods=["GET", "POST"])
def github_webhook() -> Response:
    if request.method != "POST":
        return json_answer(405, "Method GET not allowed: GitHub posts its webhooks here")
    event_type = request.headers.get("X-GitHub-Event")
    if not event_type:
        raise UsageError("Hook should contain event type (the X-GitHub-Event header)")
    body = request.get_data(cache=True)
    check_github_signature(settings.github_secrets(casc_config(), os.environ), body,
                           request.headers.get("X-Hub-Signature-256"))
    payload = decode_payload(body, form_field="payload")
    parsed = github.parse(event_type, payload)
    delivery_id = request.headers.get("X-GitHub-Delivery")
    delivery = ("github", delivery_id) if delivery_id else None
    if isinstance(parsed, github.Ping):
        store().enqueue_delivery(delivery, [])
        return json_answer(200, f"pong: {parsed.zen}".strip(), event=event_type)
    return start_git_builds(parsed, delivery, event_type, store().pipeline_jobs())


# ---------------------------------------------------------------- GitLab
@bp.route("/project/<path:_job>", methods=["GET", "POST"])
def gitlab_webhook(_job: str) -> Response:
    if request.method != "POST":   # answered before the job is looked up: the answer tells nothing about it
        return json_answer(405, "GitLab posts its webhooks here")
    name = project_name()
    job = store().find_job(name) if name else None
    job = job if job is not None and job["kind"] == "job" else None
    try:
        options = declared_trigger(pipeline_script(job), "gitlab") if job else None
    except NotLiteral as e:
        if secured():   # cannot be checked: refused like any unauthorised call, the cause left out
            raise Unauthorized(gitlab_access.SECURED_REFUSAL) from None
        raise UnusableTrigger(f"{job['name']}: cannot check the secret token: {e}") from None
    refused = gitlab_access.refusal(
        secured=secured(), env_token=os.environ.get(settings.GITLAB_TOKEN_VAR) or "",
        given=request.headers.get("X-Gitlab-Token"), name=name, has_trigger=options is not None,
        job_token=str((options or {}).get("secretToken") or ""))
    if refused:
        return json_answer(refused.status, refused.message)
    event_header = request.headers.get("X-Gitlab-Event")
    if not event_header:
        raise UsageError("Missing X-Gitlab-Event header: is this a GitLab webhook?")
    payload = decode_payload(request.get_data(cache=True))
    parsed = gitlab.parse(event_header, payload)
    uuid = request.headers.get("X-Gitlab-Event-UUID") or request.headers.get("X-Gitlab-Webhook-UUID")
    delivery = ("gitlab", uuid) if uuid else None
    if isinstance(parsed, GitEvent):
        refused_event = gitlab.job_refuses(job, options, parsed)
        if refused_event:
            parsed = Ignored(f"{job['name']} does not build this event: {refused_event}")
    return start_git_builds(parsed, delivery, event_header, [job], named_job=True)


def project_name() -> str:
    """The job name `/project/<folder>/<job>` names (segments decoded one by one, as job names)."""
    segments = [s for s in raw_path().split("/")[2:] if s]
    try:
        return "/".join(jobdefs.check_name(unquote(s, errors="strict")) for s in segments)
    except UnicodeDecodeError:
        raise UsageError("Job names must be UTF-8") from None


def secured() -> bool:
    """Whether this server enforces security (JCasC or the secured default)."""
    from orchestrator.web.auth import policy
    return policy().enforced


def pipeline_script(job: dict) -> str:
    """The Jenkinsfile whose `triggers {}` count: the job's own, or the one a cpsScm job's last build read
    (as in Jenkins, a pipeline from Git registers its triggers when it first runs)."""
    return job["script"] or job.get("scm_script") or ""


# ---------------------------------------------------------------- both Git hosts
def start_git_builds(parsed: Any, delivery: Optional[tuple[str, str]], event_type: str, jobs: list[dict],
                     named_job: bool = False) -> Response:
    if isinstance(parsed, Ignored):
        store().enqueue_delivery(delivery, [])
        return json_answer(200, f"Ignored: {parsed.reason}", event=event_type, triggered=[])
    chosen = jobs if named_job else matching_jobs(jobs, parsed)
    cause = events.cause(parsed)
    revision = events.revision(parsed)
    items = [{"job": job["name"], "params": jobdefs.parameter_values(job["params"], {}), "causes": [cause],
              "delay_ms": quiet_period_ms(job), "revision": revision} for job in chosen]
    ids = store().enqueue_delivery(delivery, items)
    triggered = [{"job": job["name"], "id": item_id, "url": f"queue/item/{item_id}/"}
                 for job, item_id in zip(chosen, ids, strict=True)]
    what = f"{parsed.kind} '{parsed.change.id if parsed.change else parsed.name}'"
    message = (f"Triggered {len(triggered)} job(s) for {what}" if triggered else
               f"No job's Git remote and branch spec match {', '.join(parsed.repo_urls[:1])} {what}: nothing started")
    return json_answer(200, message, event=event_type, triggered=triggered)


def quiet_period_ms(job: dict) -> int:
    return int((job["props"] or {}).get("quiet_period", current_app.config["QUIET_PERIOD"])) * 1000


# ---------------------------------------------------------------- Generic Webhook Trigger
@bp.route("/generic-webhook-trigger/invoke", methods=["GET", "POST", "OPTIONS"])
def generic_invoke() -> Response:
    if request.method == "OPTIONS":
        return Response("", status=200)
    token = given_token()
    raw = request.get_data(cache=True)
    query = {k: request.args.getlist(k) for k in request.args if k != "token"}
    headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        headers.setdefault(key.lower(), []).append(value)
    body = generic_body(raw)
    found = jobs_with_token(token) if token else []
    if not found:
        return generic_answer(404, not_found_message(token), None)
    results: dict[str, Any] = {}
    items, triggered_names, errors = [], [], False
    for job, trigger in found:
        try:
            outcome = generic.evaluate(trigger, body, query, headers)
        except generic.BadTrigger as e:
            results[job["name"]] = str(e)
            errors = True
            continue
        entry = {"regexpFilterExpression": trigger.filter_expression, "regexpFilterText": outcome.filter_text,
                 "resolvedVariables": outcome.variables, "triggered": False, "id": 0, "url": None}
        if outcome.triggered and not job["disabled"]:
            items.append({"job": job["name"], "params": generic.parameter_values(job["params"], outcome.variables),
                          "causes": [outcome.cause], "delay_ms": quiet_period_ms(job),
                          "revision": {"env": outcome.variables}})
            triggered_names.append(job["name"])
        if not trigger.silent_response:
            results[job["name"]] = entry
    if errors:   # the plugin answers 500 here; a client error code keeps 5xx for real server faults
        return generic_answer(422, "There were errors when triggering jobs.", results)
    for name, item_id in zip(triggered_names, store().enqueue_delivery(None, items), strict=True):
        if name in results:
            results[name].update(triggered=True, id=item_id, url=f"queue/item/{item_id}/")
    if not results:   # every job asked for a silent response
        return Response("", status=200)
    return generic_answer(200, "Triggered jobs.", results)


def given_token() -> Optional[str]:
    """As the plugin: ?token=, then a `token` header, then `Authorization: Bearer`, then X-Gitlab-Token."""
    if request.args.get("token"):
        return request.args["token"]
    if request.headers.get("token"):
        return request.headers["token"]
    auth = request.headers.get("Authorization") or ""
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):].strip()
    return request.headers.get("X-Gitlab-Token")


def generic_body(raw: bytes) -> Any:
    """The JSON body JSONPath reads: empty is {}, a form becomes {field: [values]} (as the plugin)."""
    content_type = (request.mimetype or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        fields = parse_qs(raw.decode("utf-8", "strict"), keep_blank_values=True)
        fields.pop("token", None)
        return fields
    if not raw.strip():
        return {}
    return parse_json(raw)


def generic_jobs() -> list[tuple[dict, generic.GenericTrigger]]:
    """Every job declaring a usable GenericTrigger (one whose arguments are not literals cannot be
    matched by token, so it is left out, like a job without a token)."""
    found = []
    for job in store().pipeline_jobs():
        try:
            trigger = generic.trigger_of(pipeline_script(job))
        except generic.BadTrigger:
            continue
        if trigger is not None:
            found.append((job, trigger))
    return found


def jobs_with_token(token: str) -> list[tuple[dict, generic.GenericTrigger]]:
    """The jobs whose GenericTrigger token (or the string credential `tokenCredentialId` names) is `token`.
    A job whose credential cannot be read is skipped: it cannot be matched, and must not block the others."""
    found = []
    for job, trigger in generic_jobs():
        expected = trigger.token
        if trigger.token_credential_id:
            try:
                expected = settings.credential_secret(casc_config(), trigger.token_credential_id,
                                                      f"{job['name']}'s GenericTrigger")
            except settings.SecretUnavailable:
                continue
        if generic.token_matches(token, expected):
            found.append((job, trigger))
    return found


def not_found_message(token: Optional[str]) -> str:
    message = "Did not find any jobs with GenericTrigger configured!\n"
    if token:
        return message + "A token was supplied.\n"
    return message + ("No token was supplied.\n"
                      "If you are using a token, you need to pass it like ...trigger/invoke?token=TOKENHERE\n"
                      "Jobs without a token are never triggered here: give the GenericTrigger a token.\n")


def generic_answer(status: int, message: str, jobs: Optional[dict]) -> Response:
    response = Response(json.dumps({"jobs": jobs, "message": message}), status=status,
                        content_type="application/json;charset=UTF-8")
    if status >= 400:
        response.headers["X-Error"] = " ".join(message.split()).encode("latin-1", "replace").decode("latin-1")
    return response


# ---------------------------------------------------------------- request bodies
def decode_payload(raw: bytes, form_field: Optional[str] = None) -> Any:
    """A JSON webhook body: `application/json`, or (GitHub's other choice) a form whose `payload`
    field holds the JSON."""
    content_type = (request.mimetype or "").lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return parse_json(raw)
    if form_field and content_type == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(raw.decode("utf-8", "strict"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise BadPayload("The form body is not valid UTF-8") from None
        if not fields.get(form_field):
            raise BadPayload(f"The form has no '{form_field}' field with the JSON payload")
        return parse_json(fields[form_field][0].encode())
    accepted = "application/json" + (" or application/x-www-form-urlencoded" if form_field else "")
    raise BadPayload(f"Unsupported Content-Type {content_type or '(none)'}: send {accepted}")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadPayload(f"The payload is not valid JSON: {e}") from None


def json_answer(status: int, message: str, **fields: Any) -> Response:
    response = Response(json.dumps({"message": message, **fields}), status=status,
                        content_type="application/json;charset=UTF-8")
    if status >= 400:
        response.headers["X-Error"] = message.encode("latin-1", "replace").decode("latin-1")
    return response


# ---------------------------------------------------------------- configuration
def casc_config() -> Any:
    """The JCasC configuration in force (the generation `serve --casc` or the last reload applied, see
    live_config); None without one."""
    from orchestrator.web.auth import live_config
    live = live_config()
    if live.generation and live.config is None:
        raise settings.SecretUnavailable("The JCasC configuration in force could not be loaded by this worker "
                                         "for webhook secrets (see the server log)")
    return live.config


@bp.errorhandler(OrchestratorError)
def webhook_error(e: OrchestratorError) -> Response:
    """Errors answer JSON with the cause (and X-Error, as everywhere)."""
    return json_answer(getattr(e, "status", 500), str(e))
