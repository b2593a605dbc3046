"""The `jenkins:` root and the generic attribute rules (unknown, inert, restricted, kinds, types)."""
from __future__ import annotations

import pytest
from casc_helpers import messages, only_error, warning_texts

from orchestrator.casc.errors import (InvalidValueError, RejectedAttributeError, UnknownAttributeError,
                                      UnknownRootError, UnknownSymbolError)
from orchestrator.casc.model import (LocalSecurityRealm, LoggedInUsersCanDoAnything, MatrixAuthorization,
                                     PermissionGrant, Unsecured)


def test_system_settings(load):
    j = load("""
        jenkins:
          systemMessage: "Welcome\\n\\n"
          numExecutors: "5"
          labelString: linux docker
          mode: EXCLUSIVE
          quietPeriod: 10
          scmCheckoutRetryCount: 2
          globalNodeProperties:
            - envVars:
                env:
                  - {key: FOO, value: BAR}
                  - {key: EMPTY}
          crumbIssuer:
            standard:
              excludeClientIPFromCrumb: true
          markupFormatter: plainText
          proxy: {name: proxyhost, port: 80, userName: login, secretPassword: pw, noProxyHost: internal}
        unclassified:
          location: {url: "https://ci.example.com", adminAddress: ci@example.com}
        """).jenkins
    assert (j.system_message, j.num_executors, j.label_string, j.mode) == (
        "Welcome\n\n", 5, "linux docker", "EXCLUSIVE")
    assert (j.quiet_period, j.scm_checkout_retry_count) == (10, 2)
    assert j.global_env == (("FOO", "BAR"), ("EMPTY", ""))
    assert j.crumb_issuer.exclude_client_ip_from_crumb is True
    assert j.proxy.port == 80 and "pw" not in repr(j.proxy)


def test_defaults_are_jenkins_defaults(load):
    config = load("jenkins:\n")
    j = config.jenkins
    assert (j.num_executors, j.quiet_period, j.mode, j.security_realm, j.crumb_issuer is not None) == (
        2, 5, "NORMAL", None, True)
    assert config.location.url == ""


def test_location_url_gets_its_trailing_slash(load):
    assert load("unclassified:\n  location:\n    url: https://ci.example.com\n").location.url == "https://ci.example.com/"


def test_local_realm_users_and_properties(load):
    realm = load("""
        jenkins:
          securityRealm:
            local:
              allowsSignup: false
              users:
                - id: admin
                  password: ${ADMIN_PW}
                  name: Admin
                  description: Superwoman
                  properties:
                    - mailer: {emailAddress: admin@example.com}
                    - timezone: {timeZoneName: Europe/London}
                    - sshPublicKey: {authorizedKeys: "ssh-rsa AAA"}
                - id: hashed
                  password: "#jbcrypt:$2a$10$LP4bMhwyCPnsDm.XRcTZSuBqWYKGAiDAsQXrSrJGYcEd9padaPgsC"
        """, {"ADMIN_PW": "s3cret"}).jenkins.security_realm
    assert isinstance(realm, LocalSecurityRealm) and not realm.allows_signup
    admin, hashed = realm.users
    assert (admin.id, admin.password, admin.name, admin.email, admin.time_zone) == (
        "admin", "s3cret", "Admin", "admin@example.com", "Europe/London")
    assert hashed.password_is_hashed and not admin.password_is_hashed
    assert "s3cret" not in repr(realm)


def test_duplicate_and_empty_user_ids(check):
    assert "Duplicate user id 'a'" in messages(check(
        "jenkins:\n  securityRealm:\n    local:\n      users: [{id: a}, {id: a}]\n"))
    assert "a user id cannot be empty" in messages(check(
        "jenkins:\n  securityRealm:\n    local:\n      users: [{id: '${NOBODY}'}]\n"))


@pytest.mark.parametrize("text, expected", [
    ("unsecured", Unsecured()),
    ("loggedInUsersCanDoAnything", LoggedInUsersCanDoAnything(False)),
    ("{loggedInUsersCanDoAnything: {allowAnonymousRead: true}}", LoggedInUsersCanDoAnything(True)),
])
def test_simple_authorization_strategies(load, text, expected):
    assert load(f"jenkins:\n  authorizationStrategy: {text}\n").jenkins.authorization_strategy == expected


def test_matrix_entries_old_style_and_unknown_permissions(check):
    report = check("""
        jenkins:
          authorizationStrategy:
            projectMatrix:
              entries:
                - user: {name: admin, permissions: [Overall/Administer]}
                - group: {name: authenticated, permissions: [Overall/Read, Job/Build, Lockable Resources/Unlock]}
              permissions:
                - "Overall/Read:anonymous"
                - "GROUP:Job/Read:devs"
        """)
    assert report.ok, messages(report)
    strategy = report.config.jenkins.authorization_strategy
    assert isinstance(strategy, MatrixAuthorization) and strategy.project_based
    assert strategy.grants == (
        PermissionGrant("Overall/Administer", "admin", "USER"),
        PermissionGrant("Overall/Read", "authenticated", "GROUP"),
        PermissionGrant("Job/Build", "authenticated", "GROUP"), PermissionGrant("Overall/Read", "anonymous", "EITHER"),
        PermissionGrant("Job/Read", "devs", "GROUP"))
    assert strategy.permissions_of("authenticated") == {"Overall/Read", "Job/Build"}
    warnings = warning_texts(report)
    assert "Unknown permission 'Lockable Resources/Unlock'" in warnings
    assert "does not say whether 'anonymous' is a user or a group" in warnings


def test_unknown_attribute_lists_the_valid_ones(check):
    error = only_error(check("jenkins:\n  systemMessage: x\n  systemMessage2: Hello World\n"))
    assert isinstance(error, UnknownAttributeError)
    assert error.message.startswith("jenkins: Invalid configuration elements for type: class jenkins.model.Jenkins : "
                                    "systemMessage2.\nAvailable attributes : authorizationStrategy, clouds,")
    assert (error.line, error.path) == (3, "jenkins.systemMessage2")


def test_attributes_match_case_insensitively_as_in_jcasc(load):
    assert load("jenkins:\n  NumExecutors: 7\n").jenkins.num_executors == 7


def test_unknown_warn_turns_unknown_and_unsupported_keys_into_warnings(check):
    report = check("""
        configuration-as-code:
          unknown: warn
        jenkins:
          doesntexist: foo
          nodes: [{permanent: {name: a}}]
        unclassified:
          mailer: {smtpHost: smtp}
        """)
    assert report.ok, messages(report)
    warnings = warning_texts(report)
    assert "doesntexist" in warnings and "'nodes' is not supported" in warnings
    assert "'mailer' belongs to the Jenkins plugin 'mailer'" in warnings


def test_security_is_never_loosened_by_ignoring_an_unknown_realm(check):
    report = check("configuration-as-code: {unknown: warn}\njenkins:\n  securityRealm:\n    ldap: {server: x}\n")
    error = only_error(report)
    assert isinstance(error, UnknownSymbolError)
    assert error.message.startswith("No hudson.security.SecurityRealm implementation found for ldap\n'ldap' belongs "
                                    "to the Jenkins plugin 'ldap'")


def test_restricted_attribute_policy(check):
    error = only_error(check("jenkins:\n  rawBuildsDir: /tmp\n"))
    assert isinstance(error, RejectedAttributeError) and error.message == "'rawBuildsDir' is restricted: NoExternalUse"
    report = check("configuration-as-code: {restricted: warn}\njenkins:\n  rawBuildsDir: /tmp\n")
    assert report.ok and "'rawBuildsDir' is restricted: NoExternalUse" in warning_texts(report)


def test_inert_settings_are_accepted_with_the_reason(check):
    report = check("jenkins:\n  slaveAgentPort: 50000\n  remotingSecurity: {enabled: true}\n")
    assert report.ok
    assert "'slaveAgentPort' has no effect here: there are no inbound (JNLP) agents" in warning_texts(report)


def test_wrong_node_kind_message(check):
    error = only_error(check("jenkins:\n  systemMessage: [\"Wrong Type\"]\n", name="t.yaml"))
    assert isinstance(error, InvalidValueError)
    assert error.message == "Failed to configure 'systemMessage': Item isn't a Scalar t.yaml:2"
    assert (error.line, error.path) == (2, "jenkins.systemMessage")


@pytest.mark.parametrize("value, message", [
    ('"Hello"', "Failed to configure 'numExecutors': expected type: Integer, found: String 'Hello'"),
    ("-1", "Failed to configure 'numExecutors': -1 is less than the minimum 0"),
])
def test_integer_conversion(check, value, message):
    assert only_error(check(f"jenkins:\n  numExecutors: {value}\n")).message == message


def test_boolean_must_be_true_or_false_and_secrets_are_not_echoed(check):
    error = only_error(check("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                             "          - usernamePassword: {id: x, usernameSecret: maybe}\n"))
    assert "expected type: Boolean (true or false), found: String 'maybe'" in error.message


def test_describable_forms(check, load):
    assert load("jenkins:\n  crumbIssuer: standard\n").jenkins.crumb_issuer.exclude_client_ip_from_crumb is False
    error = only_error(check("jenkins:\n  securityRealm:\n    local: {}\n    unsecured: {}\n"))
    assert error.message.startswith("Single entry map expected to configure a hudson.security.SecurityRealm but found "
                                    "multiple entries: [local, unsecured]")


def test_bare_symbols_are_interpolated_before_lookup(check):
    assert check("jenkins:\n  markupFormatter: ${F}\n", {"F": "rawHtml"}).config.jenkins.markup_formatter == "rawHtml"
    error = only_error(check("jenkins:\n  markupFormatter: ${F}\n", {"F": "some-invalid-formatter-name"}))
    assert "No hudson.markup.MarkupFormatter implementation found for some-invalid-formatter-name" in error.message


def test_required_attribute(check):
    error = only_error(check("jenkins:\n  proxy: {port: 80}\n"))
    assert error.message == "name is required to configure hudson.ProxyConfiguration"
    assert error.path == "jenkins.proxy.name"


def test_project_naming_pattern_is_enforced_on_jobs(check):
    report = check("""
        jenkins:
          projectNamingStrategy:
            pattern: {namePattern: "team-.*", description: "prefix with team-"}
        jobs:
          - script: |
              pipelineJob('team-ok')
              pipelineJob('rogue')
        """)
    error = only_error(report)
    assert error.message == "‘rogue’ does not match the job name convention pattern team-.*: prefix with team-"
    assert error.line == 7


def test_unknown_roots_follow_java_hashmap_order_and_name_plugins(check):
    error = only_error(check("alice:\n  hello: bob\n\nbob:\n  hello: alice\n"))
    assert isinstance(error, UnknownRootError)
    assert error.message.startswith("No configurator found for the following root elements: bob, alice. This may "
                                    "indicate that the required plugin is not installed")
    assert "\n  alice (jenkins.yaml:1)" in error.message and "\n  bob (jenkins.yaml:4)" in error.message
    plugin = only_error(check("aws:\n  s3: {container: x}\n"))
    assert "'aws' belongs to the Jenkins plugin 'aws-global-configuration" in plugin.message


def test_x_keys_hold_anchors_and_are_ignored(load):
    config = load("x-defaults: &msg {systemMessage: anchored}\njenkins:\n  <<: *msg\n")
    assert config.jenkins.system_message == "anchored"


def test_root_names_ignore_case(load):
    assert load("Jenkins:\n  numExecutors: 1\n").jenkins.num_executors == 1


def test_all_errors_are_reported_together(check):
    report = check("jenkins:\n  nope: 1\n  numExecutors: x\nunclassified:\n  mailer: {}\n")
    assert [e.line for e in report.errors] == [2, 3, 5]
