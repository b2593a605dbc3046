"""`credentials:`: the five kinds, domains, secrets kept out of repr/errors, and `run --credentials`."""
from __future__ import annotations

import base64

import pytest
from casc_helpers import messages, only_error, warning_texts

from orchestrator.casc.credentials import Credential, CredentialsError, credentials_from_config, load_credentials_file

ALL_KINDS = """
credentials:
  system:
    domainCredentials:
      - domain:
          name: test.com
          description: test domain
          specifications:
            - hostnameSpecification: {includes: "*.test.com"}
        credentials:
          - usernamePassword: {scope: SYSTEM, id: sudo, username: root, password: "${SUDO_PASSWORD}"}
      - credentials:
          - string: {id: token, secret: "${TOKEN}", description: API token}
          - file: {id: kubeconfig, fileName: config, secretBytes: "${base64:apiVersion: v1}"}
          - basicSSHUserPrivateKey:
              id: deploy
              username: git
              passphrase: "${PASS}"
              privateKeySource:
                directEntry:
                  privateKey: "${readFile:KEYFILE}"
          - certificate:
              id: cert
              password: certpw
              keyStoreSource:
                uploaded: {uploadedKeystore: "AAEC"}
"""


@pytest.fixture
def env(tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n")
    return {"SUDO_PASSWORD": "sudo-pw", "TOKEN": "t0k3n", "PASS": "phrase", "KEY": str(key)}


def test_all_five_kinds(load, env):
    config = load(ALL_KINDS.replace("KEYFILE", env["KEY"]), env)
    by_id = config.credentials_by_id()
    assert by_id["sudo"] == Credential("sudo", "usernamePassword", username="root", password="sudo-pw",
                                       scope="SYSTEM", domain="test.com")
    assert (by_id["token"].secret, by_id["token"].description) == ("t0k3n", "API token")
    assert (by_id["kubeconfig"].file_name, by_id["kubeconfig"].content) == ("config", b"apiVersion: v1")
    ssh = by_id["deploy"]
    assert ssh.private_key.startswith("-----BEGIN OPENSSH") and ssh.passphrase == "phrase"
    assert (by_id["cert"].password, by_id["cert"].keystore) == ("certpw", b"\x00\x01\x02")
    assert config.credential_domains[0].specifications == (("hostnameSpecification", (("includes", "*.test.com"),)),)


def test_secrets_never_in_repr(load, env):
    config = load(ALL_KINDS.replace("KEYFILE", env["KEY"]), env)
    text = repr(config)
    for secret in ("sudo-pw", "t0k3n", "phrase", "certpw", "OPENSSH"):
        assert secret not in text
    assert {"sudo-pw", "t0k3n", "phrase", "certpw"} <= set(config.secrets())


def test_bad_base64_names_the_key_not_the_value(check):
    error = only_error(check("""
        credentials:
          system:
            domainCredentials:
              - credentials:
                  - file: {id: f, fileName: x, secretBytes: "sup3r secret!"}
        """))
    assert "Failed to configure 'secretBytes': the value is not base64" in error.message
    assert "sup3r" not in error.render() and error.line == 5


def test_pem_looking_check_warns_about_readfilebase64(check):
    report = check("""
        credentials:
          system:
            domainCredentials:
              - credentials:
                  - basicSSHUserPrivateKey: {id: k, privateKeySource: {directEntry: {privateKey: "LS0tLS1CRUdJTg=="}}}
        """)
    assert report.ok and "does not look like a PEM private key" in warning_texts(report)


def test_duplicate_ids_and_missing_id(check):
    text = messages(check("""
        credentials:
          system:
            domainCredentials:
              - credentials:
                  - string: {id: a, secret: x}
              - credentials:
                  - string: {id: a, secret: y}
                  - string: {secret: z}
        """))
    assert "id is required to configure org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl" in text
    assert "Duplicate credentials id 'a'" not in text  # reported only once the entries themselves are valid


def test_duplicate_ids(check):
    assert "Duplicate credentials id 'a'" in messages(check("""
        credentials:
          system:
            domainCredentials:
              - credentials: [{string: {id: a, secret: x}}]
              - credentials: [{string: {id: a, secret: y}}]
        """))


def test_other_credential_types_name_their_plugin(check):
    error = only_error(check("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                             "          - aws: {id: AWS, accessKey: a, secretKey: b}\n"))
    assert "'aws' belongs to the Jenkins plugin 'aws-credentials'" in error.message and error.line == 5


def test_credentials_from_config_keeps_the_run_shape():
    creds = credentials_from_config({"system": {"domainCredentials": [{"credentials": [
        {"file": {"id": "f", "fileName": "a.txt", "secret": "file-contents"}},
        {"usernamePassword": {"id": "u", "username": "bob", "password": "pw", "usernameSecret": True}},
    ]}]}})
    assert creds["f"].content == b"file-contents" and creds["f"].file_name == "a.txt"
    assert creds["u"].username_secret and "bob" in creds["u"].secrets()


def test_load_credentials_file_reads_only_the_credentials_root(tmp_path):
    path = tmp_path / "creds.yaml"
    path.write_text("jenkins: {anything: goes}\ncredentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                    "          - string: {id: t, secret: s}\n")
    assert load_credentials_file(str(path))["t"].secret == "s"


def test_load_credentials_file_errors_carry_file_and_line(tmp_path):
    path = tmp_path / "creds.yaml"
    path.write_text("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                    "          - string: {secret: s}\n")
    with pytest.raises(CredentialsError) as e:
        load_credentials_file(str(path))
    assert e.value.exit_code == 2
    assert f"{path}:5: id is required" in str(e.value)
    with pytest.raises(CredentialsError, match="no `credentials:` root"):
        (tmp_path / "none.yaml").write_text("jenkins: {}\n")
        load_credentials_file(str(tmp_path / "none.yaml"))


def test_file_secret_bytes_are_binary_safe(load):
    payload = bytes(range(256))
    config = load("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
                  f"          - file: {{id: b, fileName: bin, secretBytes: {base64.b64encode(payload).decode()}}}\n")
    assert config.credential("b").content == payload
