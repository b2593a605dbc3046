"""Export: YAML that loads back into the same Config, with secrets replaced by ${VARIABLES}."""
from __future__ import annotations

from casc_helpers import doc

from orchestrator.casc import export, export_yaml, load_documents
from orchestrator.casc.exporter import secret_values

EVERYTHING = r"""
configuration-as-code: {unknown: warn}
jenkins:
  systemMessage: "Costs ^${PRICE} today"
  numExecutors: 0
  mode: EXCLUSIVE
  securityRealm:
    local:
      allowsSignup: true
      users:
        - id: admin
          password: ${ADMIN_PW}
          name: Admin
          properties: [{mailer: {emailAddress: a@example.com}}]
  authorizationStrategy:
    globalMatrix:
      entries:
        - user: {name: admin, permissions: [Overall/Administer]}
        - group: {name: devs, permissions: [Overall/Read, Job/Build]}
  crumbIssuer: {standard: {excludeClientIPFromCrumb: true}}
  projectNamingStrategy: {pattern: {namePattern: "[a-z/-]+"}}
  globalNodeProperties: [{envVars: {env: [{key: FOO, value: bar}]}}]
  proxy: {name: proxy, port: 3128, secretPassword: "${PROXY_PW}"}
  clouds:
    - kubernetes:
        name: k8s
        serverUrl: https://k8s:443
        containerCap: 5
        podLabels: [{key: team, value: blue}]
        templates:
          - name: maven
            label: maven jdk
            nodeSelector: disktype=ssd
            instanceCap: 2
            podRetention: onFailure
            yamlMergeStrategy: merge
            workspaceVolume: {dynamicPVC: {requestsSize: 1Gi}}
            volumes: [{secretVolume: {secretName: s, mountPath: /s}}]
            envVars: [{secretEnvVar: {key: T, secretName: s, secretKey: t}}]
            imagePullSecrets: [{name: regcred}]
            yaml: |
              spec:
                priorityClassName: high
            containers:
              - name: maven
                image: maven:3
                command: sleep
                args: infinity
                resourceLimitMemory: 1Gi
                ports: [{name: http, containerPort: 8080}]
                livenessProbe: {execArgs: "true", periodSeconds: 5}
unclassified:
  location: {url: "https://ci.example.com/", adminAddress: ci@example.com}
security:
  apiToken: {usageStatisticsEnabled: false}
credentials:
  system:
    domainCredentials:
      - domain: {name: corp, specifications: [{hostnameSpecification: {includes: "*.corp"}}]}
        credentials:
          - usernamePassword: {id: git, username: bot, password: "${GIT_PW}", usernameSecret: true}
      - credentials:
          - string: {id: token, secret: "${TOKEN}", description: "a ^${x}"}
          - file: {id: kube, fileName: config, secretBytes: "${base64:kube-config}"}
          - basicSSHUserPrivateKey:
              {id: ssh, username: git, passphrase: pp, privateKeySource: {directEntry: {privateKey: "-----BEGIN KEY"}}}
          - certificate: {id: cert, password: cert-pw, keyStoreSource: {uploaded: {uploadedKeystore: AAEC}}}
items:
  actionOnUndeclaredItems: delete-tracked
jobs:
  - script: |
      folder('team') { description('Team') }
      pipelineJob('team/app') {
        disabled()
        parameters {
          stringParam('A', 'x', 'y')
          booleanParam('B', true, '')
          choiceParam('C', ['1', '2'], '')
        }
        logRotator(1, 2, 3, 4)
        triggers { cron('@daily') }
        properties { disableConcurrentBuilds() }
        definition {
          cpsScm { scm { git { remote { url('https://g/app.git'); credentials('git') }; branch('main') } } }
        }
      }
      pipelineJob('inline') {
        description('back\\slash and it\'s')
        definition {
          cps {
            script('''pipeline {
        agent any
        stages { stage('s') { steps { sh 'echo "^${HOME}" done' } } }
      }''')
            sandbox()
          }
        }
      }
"""
ENV = {"ADMIN_PW": "admin-pw", "PROXY_PW": "proxy-pw", "GIT_PW": "git-pw", "TOKEN": "t0k3n"}
SECRETS = ("admin-pw", "proxy-pw", "git-pw", "t0k3n", "kube-config", "a3ViZS1jb25maWc=", "BEGIN KEY", "cert-pw")


def test_round_trip_gives_the_same_configuration():
    original = load_documents([doc(EVERYTHING)], ENV)
    text = export_yaml(original)
    again = load_documents([doc(text, "export.yaml")], secret_values(original))
    assert again.jenkins == original.jenkins
    assert again.credentials == original.credentials
    assert again.credential_domains == original.credential_domains
    assert (again.location, again.api_token, again.options, again.undeclared_jobs) == (
        original.location, original.api_token, original.options, original.undeclared_jobs)
    assert again.jobs == original.jobs


def test_export_contains_no_secret_and_escapes_dollar_braces():
    original = load_documents([doc(EVERYTHING)], ENV)
    text = export_yaml(original)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "${CREDENTIALS_TOKEN_SECRET}" in text and "${USER_ADMIN_PASSWORD}" in text
    assert "Costs ^${PRICE} today" in text
    data = export(original)
    assert data["credentials"]["system"]["domainCredentials"][1]["credentials"][0]["string"]["description"] == "a ^${x}"


def test_loading_an_export_without_its_variables_fails_under_strict_mode():
    original = load_documents([doc(EVERYTHING)], ENV)
    from orchestrator.casc import check_documents
    report = check_documents([doc(export_yaml(original))], {"CASC_STRICT_SECRET_RESOLUTION": "true"})
    assert not report.ok and "Unable to resolve variable 'USER_ADMIN_PASSWORD'" in report.errors[0].message


def test_defaults_are_not_exported():
    assert export(load_documents([doc("jenkins:\n  numExecutors: 2\n")], {})) == {}
