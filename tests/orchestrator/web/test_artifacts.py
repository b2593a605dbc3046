"""`archiveArtifacts` in server builds: the index in the build JSON, `artifact/` URLs, wfapi, real clients."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests

ARCHIVING = """pipeline {
  agent any
  stages {
    stage('Package') {
      steps {
        sh 'mkdir -p out/docs && printf "binary-1\\\\n" > out/app.bin && printf "readme\\\\n" > out/docs/README.md'
        sh 'printf "not archived\\\\n" > out/skip.log'
        archiveArtifacts artifacts: 'out/**', excludes: '**/*.log'
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def archived(server):
    server.create("art-app", ARCHIVING, params=False)
    r = requests.post(f"{server.url}/job/art-app/build")
    assert r.status_code == 201
    info = server.wait_build("art-app", 1)
    assert info["result"] == "SUCCESS", requests.get(f"{server.url}/job/art-app/1/consoleText").text
    return server, info


def test_build_json_lists_the_archived_files(archived):
    _, info = archived
    assert [(a["relativePath"], a["fileName"]) for a in info["artifacts"]] == [
        ("out/app.bin", "app.bin"), ("out/docs/README.md", "README.md")]


def test_artifact_urls_serve_the_files_and_nothing_else(archived):
    server, _ = archived
    base = f"{server.url}/job/art-app/1/artifact"
    assert requests.get(f"{base}/out/app.bin").content == b"binary-1\n"
    assert requests.get(f"{server.url}/job/art-app/lastSuccessfulBuild/artifact/out/docs/README.md").text == "readme\n"
    listing = requests.get(f"{base}/")
    assert listing.status_code == 200 and "out/docs/README.md" in listing.text
    # `%2e%2e` reaches the server as `..` (requests would fold a literal `..` away before sending)
    for missing in ("out/skip.log", "out/%2e%2e/%2e%2e/log", "out/nothing", "%2e%2e/%2e%2e/%2e%2e/config.xml"):
        r = requests.get(f"{base}/{missing}")
        assert r.status_code == 404, missing
        assert "no artifact" in r.headers["X-Error"]


def test_zip_of_all_artifacts_and_of_a_folder(archived):
    server, _ = archived
    whole = zipfile.ZipFile(io.BytesIO(requests.get(f"{server.url}/job/art-app/1/artifact/*zip*/archive.zip").content))
    assert sorted(whole.namelist()) == ["archive/out/app.bin", "archive/out/docs/README.md"]
    assert whole.read("archive/out/app.bin") == b"binary-1\n"
    docs = zipfile.ZipFile(io.BytesIO(requests.get(f"{server.url}/job/art-app/1/artifact/out/docs/*zip*/docs.zip").content))
    assert docs.namelist() == ["docs/README.md"]


def test_wfapi_artifacts(archived):
    server, _ = archived
    listed = requests.get(f"{server.url}/job/art-app/1/wfapi/artifacts").json()
    assert [(a["name"], a["path"], a["size"]) for a in listed] == [
        ("app.bin", "out/app.bin", 9), ("README.md", "out/docs/README.md", 7)]
    assert requests.get(server.url + listed[0]["url"]).content == b"binary-1\n"


def test_jenkinsapi_downloads_artifacts(archived, tmp_path):
    from jenkinsapi.jenkins import Jenkins
    server, _ = archived
    build = Jenkins(server.url, timeout=10).get_job("art-app").get_build(1)
    artifacts = build.get_artifact_dict()
    assert sorted(artifacts) == ["out/app.bin", "out/docs/README.md"]
    saved = artifacts["out/app.bin"].save_to_dir(str(tmp_path))
    assert Path(saved).read_bytes() == b"binary-1\n"   # jenkinsapi also checked it against /fingerprint (404: unknown)


def test_a_build_without_archive_has_no_artifacts(server):
    server.create("art-none", params=False)
    requests.post(f"{server.url}/job/art-none/build")
    assert server.wait_build("art-none", 1)["artifacts"] == []
    assert requests.get(f"{server.url}/job/art-none/1/wfapi/artifacts").json() == []
    r = requests.get(f"{server.url}/job/art-none/1/artifact/")
    assert r.status_code == 404 and "has no artifacts" in r.headers["X-Error"]


def test_an_html_artifact_is_served_sandboxed(server):
    """A build wrote it: its scripts must not run with the server's origin (Jenkins' DirectoryBrowserSupport CSP)."""
    server.create("art-html", """pipeline {
      agent any
      stages { stage('Page') { steps {
        sh 'echo "<script>fetch(\\\\"/me/api/json\\\\")</script>" > report.html'
        archiveArtifacts 'report.html'
      } } }
    }""", params=False)
    assert requests.post(f"{server.url}/job/art-html/build").status_code == 201
    assert server.wait_build("art-html", 1)["result"] == "SUCCESS"
    for url in ("artifact/report.html", "artifact/", "artifact/*zip*/archive.zip"):
        r = requests.get(f"{server.url}/job/art-html/1/{url}")
        assert r.status_code == 200, url
        assert r.headers["Content-Security-Policy"] == ("sandbox; default-src 'none'; img-src 'self'; "
                                                        "style-src 'self' 'unsafe-inline';"), url
        assert r.headers["X-Content-Type-Options"] == "nosniff", url
    assert "<script>" in requests.get(f"{server.url}/job/art-html/1/artifact/report.html").text
