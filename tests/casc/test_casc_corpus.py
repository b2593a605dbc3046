"""The JCasC plugin's own material: every demo's outcome, the failing cases and the warning cases.

Each demo either loads or fails naming the plugin (or core feature) it needs; the table below is
the contract. The errors corpus is scored row by row: the expected message of EXPECTED.tsv, or a
documented equivalent (listed with its reason) that names the same key and line.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from casc_helpers import doc

from orchestrator.casc import check, check_documents
from orchestrator.casc.apply import reload_failure
from orchestrator.casc.errors import (InvalidValueError, MergeError, UnknownAttributeError, UnknownRootError,
                                      YamlSyntaxError)

LOADS = "loads"
# demo -> LOADS, or text the errors must contain: the plugin (or core feature / job type) it needs
DEMOS = {
    "active-directory/README.block-01.yaml": "plugin 'active-directory'",
    "alauda-devops-sync/README.block-01.yaml": "plugin 'alauda-devops-sync'",
    "artifact-manager-s3/README.block-01.yaml": "plugin 'aws-global-configuration",
    "artifactory/README.block-01.yaml": "plugin 'artifactory'",
    "artifactory/README.block-02.yaml": "plugin 'artifactory'",
    "build_agents/README.block-01.yaml": "'nodes' is not supported",
    "config-file-provider/README.block-01.yaml": "plugin 'config-file-provider'",
    "credentials/README.block-01.yaml": LOADS,
    "credentials/README.block-02.yaml": "plugin 'aws-credentials'",
    "docker/README.block-01.yaml": "plugin 'docker-plugin'",
    "docker-workflow/README.block-01.yaml": "plugin 'docker-workflow'",
    "ec2/README.block-01.yaml": "plugin 'ec2'",
    "embedded-userdatabase/README.block-01.yaml": LOADS,
    "embedded-userdatabase/README.block-02.yaml": "plugin 'slack'",
    "external-workspace-manager/README.block-01.yaml": "plugin 'external-workspace-manager'",
    "git/README.block-01.yaml": "plugin 'git'",
    "git-client/README.block-01.yaml": "plugin 'git-client'",
    "git-client/README.block-02.yaml": "plugin 'git-client'",
    "git-client/README.block-03.yaml": "plugin 'git-client'",
    "gitea/README.block-01.yaml": "plugin 'gitea'",
    "github/README.block-01.yaml": "'configs' is not supported",
    "github-oauth/README.block-01.yaml": "plugin 'github-oauth'",
    "gitlab/README.block-01.yaml": "plugin 'gitlab-plugin'",
    "golang/README.block-01.yaml": "plugin 'golang'",
    "google-login/README.block-01.yaml": "plugin 'google-login'",
    "google-login/config.yaml": "plugin 'google-login'",
    "graphite/README.block-01.yaml": "plugin 'metrics-graphite'",
    "jdk/README.block-01.yaml": "'jdk' is a Jenkins core (JDK installations) setting",
    "jenkins/README.block-01.yaml": LOADS,
    "jenkins/README.block-02.yaml": LOADS,
    "jenkins/jenkins.yaml": "plugin 'docker-plugin'",
    "jira/README.block-01.yaml": "plugin 'jira'",
    "jobs/README.block-01.yaml": "'batchFile' is a Jenkins core (Windows batch",
    "jobs/README.block-02.yaml": LOADS,
    "jobs/bitbucket.yaml": "organizationFolder(...) is a Job DSL job or view type",
    "jobs/gitea.yaml": "organizationFolder(...) is a Job DSL job or view type",
    "jobs/multibranch-github.yaml": "multibranchPipelineJob(...) is a Job DSL job or view type",
    "jobs/pipeline.yaml": LOADS,
    "kubernetes/README.block-01.yaml": LOADS,
    "kubernetes/adv_config.yml": "this looks like a Kubernetes manifest",
    "kubernetes/config.yml": "this looks like a Kubernetes manifest",
    "kubernetes/jenkins.yml": "expected a single document in the stream",
    "kubernetes/service-account.yml": "expected a single document in the stream",
    "kubernetes-helm/README.block-01.yaml": "this looks like Helm chart values",
    "kubernetes-helm/values.yaml": "this looks like Helm chart values",
    "kubernetes-secrets/README.block-01.yaml": "expected a single document in the stream",
    "ldap/README.block-01.yaml": "plugin 'ldap'",
    "locale/README.block-01.yaml": "plugin 'locale'",
    "log-recorder/README.block-01.yaml": "'log' is not supported",
    "mailer/README.block-01.yaml": "plugin 'mailer'",
    "matrix-auth/README.block-01.yaml": LOADS,
    "matrix-auth/README.block-02.yaml": LOADS,
    "matrix-auth/README.block-03.yaml": LOADS,
    "maven/README.block-01.yaml": "'maven' is a Jenkins core (Maven installations) setting",
    "maven/README.block-02.yaml": "'mavenGlobalConfig' is a Jenkins core",
    "maven/README.block-03.yaml": "'mavenGlobalConfig' is a Jenkins core",
    "maven/README.block-04.yaml": "plugin 'config-file-provider'",
    "mercurial/README.block-01.yaml": "plugin 'mercurial'",
    "msbuild/README.block-01.yaml": "plugin 'msbuild'",
    "mstestrunner/README.block-01.yaml": "plugin 'mstestrunner'",
    "node-monitors/README.block-01.yaml": LOADS,  # accepted with a warning: no static nodes to monitor
    "nodejs/README.block-01.yaml": "plugin 'nodejs'",
    "pipeline-groovy-lib/README.block-01.yaml": "plugin 'pipeline-groovy-lib'",
    "pipeline-groovy-lib/README.block-02.yaml": "plugin 'pipeline-groovy-lib'",
    "pipeline-maven/README.block-01.yaml": "plugin 'pipeline-maven'",
    "pipeline-maven/README.block-02.yaml": "plugin 'pipeline-maven'",
    "pipeline-maven/README.block-03.yaml": "plugin 'pipeline-maven'",
    "pipeline-maven/README.block-04.yaml": "plugin 'pipeline-maven'",
    "pipeline-maven/README.block-05.yaml": "plugin 'pipeline-maven'",
    "pipeline-maven/README.block-06.yaml": "plugin 'pipeline-maven'",
    "proxy/README.block-01.yaml": LOADS,
    "proxy/proxy.yaml": LOADS,
    "proxy/proxyMinimal.yaml": LOADS,
    "role-strategy-auth/README.block-01.yaml": "plugin 'role-strategy'",
    "saml/README.block-01.yaml": "plugin 'saml'",
    "sbt/README.block-01.yaml": "plugin 'sbt'",
    "simple-theme-plugin/README.block-01.yaml": "plugin 'simple-theme-plugin'",
    "slack/README.block-01.yaml": "plugin 'slack'",
    "sonarqube/README.block-01.yaml": "plugin 'sonar'",
    "sonarqube/README.block-02.yaml": "plugin 'sonar'",
    "sonarqube/README.block-03.yaml": "plugin 'sonar'",
    "statistics-gatherer/README.block-01.yaml": "plugin 'statistics-gatherer'",
    "terraform/README.block-01.yaml": "plugin 'terraform'",
    "terraform/README.block-02.yaml": "job(...) is a Job DSL job or view type",
    "tfs/README.block-01.yaml": "plugin 'tfs'",
    "thin-backup/README.block-01.yaml": "plugin 'thinBackup'",
    "view-job-filters/README.block-01.yaml": "'views' is not supported",
}
NO_ENV = {"SECRETS": "/nonexistent", "SECRETS_FILE": "/nonexistent"}


def _all_text(report) -> str:
    return "\n".join(e.render() for e in report.errors)


def test_demo_table_covers_every_yaml(casc_corpus):
    found = {p.relative_to(casc_corpus / "demos").as_posix() for p in (casc_corpus / "demos").rglob("*.y*ml")}
    assert found == set(DEMOS)


@pytest.mark.parametrize("demo", sorted(DEMOS))
def test_demo_outcome(casc_corpus, demo):
    report = check(str(casc_corpus / "demos" / demo), env=NO_ENV)
    expected = DEMOS[demo]
    if expected == LOADS:
        assert report.ok, _all_text(report)
        return
    assert not report.ok and expected in _all_text(report), _all_text(report)
    assert all(e.file and e.line for e in report.errors), _all_text(report)


def test_demo_table_counts(casc_corpus, report):
    loads = sum(1 for v in DEMOS.values() if v == LOADS)
    report(f"casc demos: {len(DEMOS)} YAML files, {loads} load, {len(DEMOS) - loads} fail naming the unsupported "
           "plugin, key, job type or file format")
    assert loads == 14


def _embedded_jcasc(path: Path) -> dict[str, str]:
    """JCasC carried inside a Kubernetes ConfigMap or Helm values, as a user would extract it."""
    texts = {}
    for document in yaml.safe_load_all(path.read_text()):
        if not isinstance(document, dict):
            continue
        if document.get("kind") == "ConfigMap":
            texts.update({f"{path.name}#{k}": v for k, v in document.get("data", {}).items()})
        top = document.get("controller") or document.get("master") or {}
        scripts = (top.get("JCasC") or {}).get("configScripts") or {}
        texts.update({f"{path.name}#{k}": v for k, v in scripts.items()})
    return texts


@pytest.mark.parametrize("demo, outcome", [
    ("kubernetes/adv_config.yml", "could not find expected ':'"),  # `- script: >` body not indented (#2364)
    ("kubernetes/config.yml", "could not find expected ':'"),
    ("kubernetes-helm/values.yaml", LOADS),
    ("kubernetes-helm/README.block-01.yaml", LOADS),
])
def test_jcasc_embedded_in_manifests_and_helm_values(casc_corpus, demo, outcome):
    texts = _embedded_jcasc(casc_corpus / "demos" / demo)
    assert texts
    for name, text in texts.items():
        report = check_documents([doc(text, name)], NO_ENV)
        if outcome == LOADS:
            assert report.ok, _all_text(report)
        else:
            assert outcome in _all_text(report)


# ---------------------------------------------------------------- errors corpus
# file -> (text our errors contain instead, why it is equivalent). Each names the same key and line.
EQUIVALENTS = {
    "test-harness/maxAliasesLimit.yml": (
        "Number of aliases for non-scalar nodes exceeds the specified max=1\nYou can increase the maximum by setting "
        "an environment variable\n  ENV: CASC_YAML_MAX_ALIASES=\"100\"",
        "same text without the `-Dcasc.yaml.max.aliases` line: there is no JVM property here"),
    "test-harness/invalidSchemaConfig.yml": (
        "Failed to configure 'numExecutors': expected type: Integer, found: String 'Hello'",
        "the loader rejects it (JCasC itself would only fail JSON Schema validation); path jenkins.numExecutors"),
    "test-harness/invalidBaseConfig.yml": (
        "No configurator found for the following root element: invalidBaseConfigurator",
        "the loader's unknown-root error for the key the schema calls extraneous"),
    "test-harness/invalidHeteroConfig.yml": (
        "Invalid configuration elements for type: class hudson.security.csrf.DefaultCrumbIssuer : "
        "someCompletelyFakeProperty.", "the loader's unknown-attribute error at the same key"),
    "inline/ErrorPageTest.noImplementationFoundForSymbol.yaml": (
        "No hudson.security.SecurityRealm implementation found for unknown",
        "the exception text behind the UI page's 'No implementation found for:'; path jenkins.securityRealm"),
    "inline/TokenReloadActionTest.reloadFailure.yaml": (
        "this_fake_property_forces_a_configurator_exception",
        "the endpoint body comes from casc.apply.reload_failure (checked below)"),
}
# rows whose preconditions cannot hold here; what happens instead is asserted, but they do not score
NOT_REPRODUCIBLE = {
    "plugin/impl/configurators/multiple-implementations.yml": "needs the test-only realm extension 'dummyOic'",
    "test-harness/impl/configurators/MissingConfiguratorTest.yml": "needs matrix-auth absent; globalMatrix is built in",
}
CLASSES = {"ConfiguratorConflictException": MergeError, "UnknownConfiguratorException": UnknownRootError,
           "UnknownAttributesException": (UnknownAttributeError, InvalidValueError)}


def _env(preconditions: str) -> dict[str, str]:
    env = dict(NO_ENV)
    for assignment in ("ENV_FORMATTER=some-invalid-formatter-name", "CASC_YAML_MAX_ALIASES=1",
                       "CASC_STRICT_SECRET_RESOLUTION=true"):
        if assignment in preconditions:
            key, value = assignment.split("=")
            env[key] = value
    if "strict mode on" in preconditions:
        env["CASC_STRICT_SECRET_RESOLUTION"] = "true"
    if "FOO set" in preconditions:
        env["FOO"] = "foo"
    return env


def _expected_rows(casc_corpus):
    with open(casc_corpus / "errors" / "EXPECTED.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# the extra strings a row's test asserts besides the expected message (EXPECTED.tsv `match` column)
ALSO = {
    "plugin/impl/configurators/multiple-implementations.yml": ["wellKnown", "manual"],
    "inline/ErrorPageTest.reloadSimple.yaml": ["systemMessage2", "systemMessage"],
    "inline/ErrorPageTest.noConfigurator.yaml": ["invalid"],
}


def _row_passes(row: dict, report) -> tuple[bool, str]:
    """(passes, how): "exact" (the expected text, or what the row's test asserts) or "equivalent"."""
    name, match = row["file"], row["match"]
    expected = row["expected_message"].replace("\\n", "\n")
    text = _all_text(report)
    if report.ok:
        return False, "loads"
    first = report.errors[0]
    if not (first.file and first.line):
        return False, "no position"
    if name in EQUIVALENTS:
        return EQUIVALENTS[name][0] in text, "equivalent"
    if match.startswith("path/source"):  # ex.getPath()==systemMessage; the source names line 2
        return first.path.endswith("systemMessage") and first.line == 2, "exact"
    if match.startswith(("kind-only", "size>0", "status-only")):  # an error (HTTP 400 on the check endpoint)
        return first.status == 400, "exact"
    if match.startswith("contains (JSON key)"):  # the endpoint's JSON has a `message`
        return expected in first.as_dict(), "exact"
    if match.startswith("class-only"):
        wanted = next((cls for java, cls in CLASSES.items() if java in row["outcome"]), Exception)
        return isinstance(first, wanted), "exact"
    return expected in text and all(a in text for a in ALSO.get(name, [])), "exact"


def test_errors_corpus(casc_corpus, report):
    rows = _expected_rows(casc_corpus)
    results = {}
    for row in rows:
        files = ",".join(str(casc_corpus / "errors" / f) for f in row["file"].split("+"))
        outcome = check(files, env=_env(row["preconditions"]))
        results[row["file"]] = (_row_passes(row, outcome), outcome)
    exact = sum(1 for (ok, how), _ in results.values() if ok and how == "exact")
    equivalent = sum(1 for (ok, how), _ in results.values() if ok and how == "equivalent")
    failing = [name for name, ((ok, _), _) in results.items() if not ok]
    percent = 100.0 * (exact + equivalent) / len(rows)
    report(f"casc errors corpus: {exact + equivalent}/{len(rows)} = {percent:.1f}% ({exact} expected message, "
           f"{equivalent} documented equivalent; not reproducible here: {', '.join(sorted(NOT_REPRODUCIBLE))})")
    assert set(failing) == set(NOT_REPRODUCIBLE), failing
    assert percent >= 85.0


def test_errors_corpus_rows_that_cannot_be_reproduced(casc_corpus):
    matrix = check(str(casc_corpus / "errors/test-harness/impl/configurators/MissingConfiguratorTest.yml"), env={})
    assert matrix.ok and matrix.config.jenkins.authorization_strategy.grants[0].permission == "Overall/Administer"
    realm = check(str(casc_corpus / "errors/plugin/impl/configurators/multiple-implementations.yml"), env={})
    assert "implementation found for dummyOic" in _all_text(realm)


def test_token_reload_failure_body(casc_corpus):
    report = check(str(casc_corpus / "errors/inline/TokenReloadActionTest.reloadFailure.yaml"), env={})
    body = reload_failure(report.errors[0])
    assert body["status"] == "error" and body["message"].startswith("Failed to reload configuration: ")
    assert "this_fake_property_forces_a_configurator_exception" in body["message"]


def test_failed_merge_applies_nothing(casc_corpus):
    """ConfigurationAsCodeTest#shouldReportConfigurationConflict: nothing from merge1.yml is applied."""
    files = ",".join(str(casc_corpus / "errors/test-harness" / f) for f in ("merge1.yml", "merge2.yml"))
    report = check(files, env={})
    assert report.config is None and isinstance(report.errors[0], MergeError)


def test_warning_cases(casc_corpus):
    with open(casc_corpus / "errors" / "WARNINGS.tsv", encoding="utf-8", newline="") as f:
        rows = {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}
    self_test = check(str(casc_corpus / "errors" / "warnings/SelfConfiguratorTest.yml"), env={})
    assert self_test.ok
    warnings = "\n".join(w.render() for w in self_test.warnings)
    assert "doesntexist" in warnings and "'rawBuildsDir' is restricted: NoExternalUse" in warnings
    legacy = check(str(casc_corpus / "errors" / "warnings/BackwardCompatibilityTest.yml"), env={})
    # static nodes are not supported at all here, so the legacy-symbol warning becomes this error
    assert "'nodes' is not supported" in _all_text(legacy)
    assert set(rows) == {"warnings/BackwardCompatibilityTest.yml", "warnings/SelfConfiguratorTest.yml"}


def test_yaml_errors_are_yaml_errors(casc_corpus):
    tabs = check(str(casc_corpus / "errors/inline/ConfigurationAsCodeTest.doCheckNewSource_tabs.yaml"), env={})
    assert isinstance(tabs.errors[0], YamlSyntaxError) and tabs.errors[0].line == 2
