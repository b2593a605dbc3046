"""The pure security decisions, as tables: who may do what, which permission each URL needs,
which policy is in force, and password/token hashing."""
from __future__ import annotations

import pytest

from orchestrator.casc import Source, load_documents
from orchestrator.casc.model import LoggedInUsersCanDoAnything, MatrixAuthorization, PermissionGrant, Unsecured
from orchestrator.security import passwords
from orchestrator.security.permissions import Identity, Policy, allowed, denial, effective_permissions, policy_for
from orchestrator.security.routes import requirement
from orchestrator.server import is_loopback, security_default

ANON = Identity()
ALICE = Identity("alice", "token")
BOB = Identity("bob", "password")
MATRIX = Policy(MatrixAuthorization((
    PermissionGrant("Overall/Administer", "alice", "USER"),
    PermissionGrant("Overall/Read", "bob", "USER"), PermissionGrant("Job/Build", "bob", "USER"),
    PermissionGrant("Job/Read", "authenticated", "GROUP"),
    PermissionGrant("Overall/Read", "anonymous", "EITHER"),
    PermissionGrant("Job/Configure", "bob", "GROUP"),     # a group sid does not match the user bob
)), enforced=True, crumbs=True)
PROJECT = Policy(MatrixAuthorization((PermissionGrant("Overall/Read", "authenticated", "GROUP"),), True), True)


@pytest.mark.parametrize("policy, who, permission, grants, expected", [
    (Policy(), ANON, "Overall/Administer", (), True),                         # loopback default: no security
    (Policy(Unsecured(), True, True), ANON, "Job/Delete", (), True),          # JCasC unsecured
    (Policy(LoggedInUsersCanDoAnything(False), True), ANON, "Overall/Read", (), False),
    (Policy(LoggedInUsersCanDoAnything(True), True), ANON, "Overall/Read", (), True),
    (Policy(LoggedInUsersCanDoAnything(True), True), ANON, "Job/Read", (), True),
    (Policy(LoggedInUsersCanDoAnything(True), True), ANON, "Job/Build", (), False),
    (Policy(LoggedInUsersCanDoAnything(False), True), BOB, "Overall/Administer", (), True),
    (MATRIX, ALICE, "Job/Delete", (), True),                                   # Administer implies all
    (MATRIX, ALICE, "Overall/Manage", (), True),
    (MATRIX, BOB, "Job/Build", (), True),
    (MATRIX, BOB, "Job/Cancel", (), True),                                     # Build implies Cancel
    (MATRIX, BOB, "Job/Read", (), True),                                       # via the authenticated group
    (MATRIX, BOB, "Job/Discover", (), True),                                   # Read implies Discover
    (MATRIX, BOB, "Job/Configure", (), False),                                 # GROUP:bob is not user bob
    (MATRIX, BOB, "Job/ExtendedRead", (), False),
    (MATRIX, BOB, "Overall/Manage", (), False),
    (MATRIX, ANON, "Overall/Read", (), True),
    (MATRIX, ANON, "Job/Read", (), False),                                     # anonymous is not authenticated
    (MATRIX, Identity("carol", "session"), "Job/Read", (), True),
    (MATRIX, Identity("carol", "session"), "Job/Build", (), False),
    (MATRIX, BOB, "Job/Delete", (PermissionGrant("Job/Delete", "bob", "USER"),), False),  # global: job grants ignored
    (PROJECT, BOB, "Job/Delete", (PermissionGrant("Job/Delete", "bob", "USER"),), True),   # projectMatrix: used
    (PROJECT, BOB, "Job/Delete", (PermissionGrant("Job/Delete", "carol", "USER"),), False),
    # a job's own grants never give Overall permissions, nor what Overall/Administer implies
    (PROJECT, BOB, "Overall/Administer", (PermissionGrant("Overall/Administer", "bob", "USER"),), False),
    (PROJECT, BOB, "Overall/SystemRead", (PermissionGrant("Overall/SystemRead", "bob", "USER"),), False),
    (PROJECT, ANON, "Overall/Read", (PermissionGrant("Overall/Read", "anonymous", "USER"),), False),
    (PROJECT, BOB, "Job/Delete", (PermissionGrant("Overall/Administer", "bob", "USER"),), False),
])
def test_allowed(policy, who, permission, grants, expected):
    assert allowed(policy, who, permission, grants) is expected


def test_everything_below_the_root_needs_overall_read_too():
    assert effective_permissions("Job/Build") == ("Overall/Read", "Job/Build")
    assert effective_permissions("Overall/Read") == ("Overall/Read",)


def test_denial_messages_are_jenkins_wording():
    assert denial(BOB, "Job/Build") == "bob is missing the Job/Build permission"
    assert denial(ANON, "Overall/Read").startswith("Authentication required")


@pytest.mark.parametrize("method, path, permission, job, flags", [
    ("GET", "/", "Overall/Read", None, ""),
    ("GET", "/api/json", "Overall/Read", None, ""),
    ("GET", "/queue/api/json", "Overall/Read", None, ""),
    ("POST", "/queue/cancelItem", "Job/Cancel", None, "queue_item"),
    ("GET", "/queue/item/12/api/json", "Job/Read", None, "queue_item"),
    ("POST", "/createItem", "Job/Create", None, ""),
    ("POST", "/job/team/createItem", "Job/Create", "team", ""),
    ("GET", "/job/team/job/app/", "Job/Read", "team/app", ""),
    ("GET", "/job/app/api/json", "Job/Read", "app", ""),
    ("GET", "/job/app/config.xml", "Job/ExtendedRead", "app", ""),
    ("POST", "/job/app/config.xml", "Job/Configure", "app", ""),
    ("POST", "/job/app/build", "Job/Build", "app", "job_token"),
    ("GET", "/job/app/build", "Job/Build", "app", "job_token"),
    ("POST", "/job/team/job/app/buildWithParameters", "Job/Build", "team/app", "job_token"),
    ("POST", "/job/app/doDelete", "Job/Delete", "app", ""),
    ("POST", "/job/app/disable", "Job/Configure", "app", ""),
    ("POST", "/job/app/enable", "Job/Configure", "app", ""),
    ("POST", "/job/app/cancelQueue", "Job/Cancel", "app", ""),
    ("GET", "/job/app/7/consoleText", "Job/Read", "app", ""),
    ("GET", "/job/app/lastBuild/artifact/out/app.bin", "Job/Read", "app", ""),
    ("POST", "/job/app/7/stop", "Job/Cancel", "app", ""),
    ("POST", "/job/app/7/term", "Job/Cancel", "app", ""),
    ("POST", "/job/app/7/kill", "Job/Cancel", "app", ""),
    ("POST", "/job/app/7/doDelete", "Run/Delete", "app", ""),
    ("POST", "/job/app/7/input/Ok/proceedEmpty", "Job/Build", "app", ""),
    ("POST", "/job/app/7/wfapi/inputSubmit", "Job/Build", "app", ""),
    ("POST", "/job/app/7/somethingNew", "Job/Configure", "app", ""),         # unknown changes: conservative
    ("POST", "/configuration-as-code/reload", "Overall/Manage", None, ""),
    ("POST", "/configuration-as-code/check", "Overall/Administer", None, ""),
    ("POST", "/configuration-as-code/export", "Overall/SystemRead", None, ""),
    ("GET", "/configuration-as-code/schema", "Overall/SystemRead", None, ""),
    ("POST", "/someNewThing", "Overall/Administer", None, ""),                # unknown POST: admins only
    ("GET", "/prometheus", "Overall/Read", None, ""),
    ("POST", "/user/bob/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
     "Overall/Administer", None, "user"),
])
def test_route_permissions(method, path, permission, job, flags):
    need = requirement(method, path)
    assert (need.permission, need.job, need.public) == (permission, job, False)
    assert need.job_token is (flags == "job_token")
    assert need.queue_item is (flags == "queue_item")
    assert (need.user == "bob") is (flags == "user")


@pytest.mark.parametrize("method, path, crumb_exempt", [
    ("GET", "/healthz", False), ("GET", "/login", False), ("GET", "/loginError", False),
    ("POST", "/j_spring_security_check", True), ("GET", "/logout", False), ("GET", "/whoAmI/api/json", False),
    ("GET", "/crumbIssuer/api/json", False), ("POST", "/github-webhook/", True), ("POST", "/project/team/app", True),
    ("POST", "/generic-webhook-trigger/invoke", True), ("POST", "/reload-configuration-as-code/", True),
])
def test_public_routes(method, path, crumb_exempt):
    need = requirement(method, path)
    assert need.public and need.crumb_exempt is crumb_exempt


def test_public_prefixes_do_not_leak_to_lookalike_paths():
    assert not requirement("GET", "/loginx").public
    assert not requirement("POST", "/github-webhookx").public


def load(text: str, env: dict):
    return load_documents([Source("jenkins.yaml", text)], env)


def test_policy_from_jcasc_and_defaults():
    assert policy_for(None, "unsecured") == Policy()
    secured = policy_for(None, "secured")
    assert secured.enforced and secured.crumbs and secured.strategy == LoggedInUsersCanDoAnything(False)
    no_security = load("jenkins:\n  systemMessage: hi\n", {})
    assert not policy_for(no_security, "unsecured").enforced
    config = load("jenkins:\n  authorizationStrategy:\n    loggedInUsersCanDoAnything:\n"
                  "      allowAnonymousRead: true\n  crumbIssuer:\n    standard:\n"
                  "      excludeClientIPFromCrumb: true\n", {})
    policy = policy_for(config, "unsecured")
    assert policy.enforced and policy.origin == "casc" and policy.exclude_client_ip
    assert policy.strategy == LoggedInUsersCanDoAnything(True)
    realm_only = load("jenkins:\n  securityRealm:\n    local:\n      users:\n        - id: a\n          password: x\n", {})
    assert policy_for(realm_only, "unsecured").strategy == LoggedInUsersCanDoAnything(False)


@pytest.mark.parametrize("host, insecure, setup_admin, expected", [
    ("127.0.0.1", False, False, "unsecured"), ("localhost", False, False, "unsecured"),
    ("::1", False, False, "unsecured"), ("127.0.0.2", False, False, "unsecured"),
    ("0.0.0.0", False, False, "secured"), ("::", False, False, "secured"), ("10.1.2.3", False, False, "secured"),
    ("ci.example.com", False, False, "secured"), ("0.0.0.0", True, False, "unsecured"),
    ("127.0.0.1", False, True, "secured"),
])
def test_security_default(host, insecure, setup_admin, expected):
    assert security_default(host, insecure, setup_admin) == expected
    assert is_loopback(host) is (host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))


def test_password_hashes_are_salted_scrypt_and_verify():
    first, second = passwords.hash_password("s3cret"), passwords.hash_password("s3cret")
    assert first != second and first.startswith("scrypt$") and "s3cret" not in first
    assert passwords.verify_password("s3cret", first) and not passwords.verify_password("s3creT", first)
    assert not passwords.verify_password("", first) and not passwords.verify_password("x", "")
    assert not passwords.verify_password("x", "garbage$hash")


@pytest.mark.skipif(not passwords.bcrypt_supported(), reason="crypt(3) without bcrypt")
def test_jenkins_bcrypt_hashes_from_jcasc_are_checked():
    # Jenkins' documented example: "#jbcrypt:" + bcrypt("somepassword")
    import crypt
    hashed = "#jbcrypt:" + crypt.crypt("somepassword", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).replace("$2b$", "$2a$")
    assert passwords.stored_form(hashed) == hashed
    assert passwords.verify_password("somepassword", hashed) and not passwords.verify_password("other", hashed)


def test_tokens_are_jenkins_shaped_and_only_their_digest_is_kept():
    uuid, value, digest = passwords.new_token()
    assert len(value) == 34 and value.startswith("11") and int(value, 16) >= 0
    assert digest == passwords.token_digest(value) and value not in digest and len(uuid) == 36


def test_a_jobs_matrix_property_keeps_no_overall_permission():
    from orchestrator.jobs import matrix_grants
    import xml.etree.ElementTree as ET
    root = ET.fromstring("<flow-definition><properties><hudson.security.AuthorizationMatrixProperty>"
                         "<permission>USER:hudson.model.Hudson.Administer:mallory</permission>"
                         "<permission>USER:jenkins.model.Jenkins.Read:mallory</permission>"
                         "<permission>USER:hudson.model.Item.Build:mallory</permission>"
                         "</hudson.security.AuthorizationMatrixProperty></properties></flow-definition>")
    assert matrix_grants(root) == [{"permission": "Job/Build", "sid": "mallory", "type": "USER"}]


def test_a_configuration_generation_this_process_cannot_load_fails_closed(tmp_path, caplog):
    """Keeping the previous (maybe more permissive) configuration would enforce a policy nobody applied."""
    from orchestrator.live_config import LiveConfig, apply_sources, snapshot_dir
    from orchestrator.store import Store
    store = Store(tmp_path / "home")
    casc = tmp_path / "jenkins.yaml"
    casc.write_text("jenkins:\n  systemMessage: open\n  authorizationStrategy: unsecured\n")
    apply_sources(store, str(casc), {})
    live = LiveConfig(env={})
    assert live.current(store).config is not None
    casc.write_text("jenkins:\n  systemMessage: second\n  authorizationStrategy: loggedInUsersCanDoAnything\n")
    apply_sources(store, str(casc), {})
    # this process cannot load the new generation: its snapshot is damaged
    snapshot = snapshot_dir(store.home) / f"{store.casc_generation()['digest']}.json"
    snapshot.write_text(snapshot.read_text().replace("second", "damaged"))
    now = live.current(store)
    assert now.generation == 2 and now.config is None
    assert "denying every request" in caplog.text   # auth.policy() denies all when `generation and config is None`
