"""Where configuration comes from: files, folders, comma lists, file: URIs and https URLs."""
from __future__ import annotations

import pytest
import requests
import responses

from orchestrator.casc import check, load
from orchestrator.casc.errors import SourceError
from orchestrator.casc.sources import read, redact, split


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_split_trims_and_keeps_order():
    assert split(" a.yaml , ,b/ ") == ["a.yaml", "b/"]
    assert split(["a,b", "c"]) == ["a", "b", "c"]


def test_folder_is_walked_sorted_by_relative_path_skipping_hidden(tmp_path):
    write(tmp_path / "b.yaml", "b: 1")
    write(tmp_path / "a.YML", "a: 1")
    write(tmp_path / "sub" / "c.yml", "c: 1")
    write(tmp_path / "notes.txt", "ignored")
    write(tmp_path / ".hidden.yaml", "hidden: 1")
    write(tmp_path / "..data" / "b.yaml", "b: 1")  # a Kubernetes ConfigMap mount's second copy
    names = [s.name for s in read(str(tmp_path))]
    assert names == [str(tmp_path / "a.YML"), str(tmp_path / "b.yaml"), str(tmp_path / "sub" / "c.yml")]


def test_comma_list_and_file_uri_and_env_default(tmp_path):
    a = write(tmp_path / "a.yaml", "jenkins:\n  systemMessage: a\n")
    b = write(tmp_path / "b.yaml", "jenkins:\n  numExecutors: 4\n")
    config = load(f"{a}, file://{b}", env={})
    assert (config.jenkins.system_message, config.jenkins.num_executors) == ("a", 4)
    assert load(None, env={"CASC_JENKINS_CONFIG": f"file:{a}"}).jenkins.system_message == "a"


def test_missing_source_uses_jcasc_wording(tmp_path):
    report = check(str(tmp_path / "nope.yaml"), env={})
    assert report.errors[0].message == (f"Source '{tmp_path / 'nope.yaml'}' is not supported by any registered "
                                        "configuration fetcher or does not exist.")


def test_no_source_at_all_is_an_error_not_an_empty_configuration(tmp_path):
    assert "No configuration source" in check(None, env={}).errors[0].message
    (tmp_path / "empty").mkdir()
    assert "holds no *.yml or *.yaml file" in check(str(tmp_path / "empty"), env={}).errors[0].message


@responses.activate
def test_https_source_is_fetched_and_merged_in_order(tmp_path):
    responses.get("https://config.example/jenkins.yaml", body="jenkins:\n  systemMessage: remote\n")
    local = write(tmp_path / "local.yaml", "jenkins:\n  numExecutors: 1\n")
    config = load(f"https://config.example/jenkins.yaml,{local}", env={})
    assert (config.jenkins.system_message, config.jenkins.num_executors) == ("remote", 1)
    assert config.sources[0] == "https://config.example/jenkins.yaml"


@responses.activate
def test_http_error_status_message():
    responses.get("https://config.example/gone.yaml", status=404)
    error = check("https://config.example/gone.yaml", env={}).errors[0]
    assert isinstance(error, SourceError)
    assert error.message == "Failed to fetch configuration from https://config.example/gone.yaml. HTTP status code: 404"


@responses.activate
def test_unreachable_source_never_echoes_credentials_in_the_url():
    responses.get("https://config.example/x.yaml", body=requests.ConnectionError("refused"))
    error = check("https://user:s3cret@config.example/x.yaml?token=abc", env={}).errors[0]
    assert error.message.startswith("Failed to fetch configuration from https://config.example/x.yaml")
    assert "s3cret" not in error.render() and "abc" not in error.render()


def test_redact():
    assert redact("https://u:p@h:8443/a.yaml?t=1") == "https://h:8443/a.yaml?…"


def test_unreadable_file_is_a_source_error(tmp_path):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"jenkins:\n  systemMessage: caf\xe9\n")
    with pytest.raises(SourceError, match="not UTF-8"):
        read(str(bad))
