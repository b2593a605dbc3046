"""JCasC reload endpoints on a real server: permission and token reloads with Jenkins' status codes,
dry-run check, export, schema, and 20 reloads (valid and invalid alternating) while builds run."""
from __future__ import annotations

import os
import time

import pytest
import requests

from serverkit import Server

ADMIN = ("alice", "alice-Pa55")
MANAGER = ("mia", "mia-Pa55")
READER = ("carol", "carol-Pa55")
RELOAD_TOKEN = "reload-T0KEN-for-sidecar"
SLOW = "pipeline { agent any; stages { stage('Slow') { steps { sh 'sleep 4'; echo 'slow done' } } } }"


def casc(generation: int, anonymous_read: bool = True) -> str:
    """A valid configuration; `generation` shows in the system message, a job description and a credential."""
    anonymous = "\n        - user: {name: anonymous, permissions: [Overall/Read, Job/Read]}" if anonymous_read else ""
    return f"""\
jenkins:
  systemMessage: "generation {generation}"
  numExecutors: 6
  securityRealm:
    local:
      users:
        - id: alice
          password: ${{ALICE_PASSWORD}}
        - id: mia
          password: ${{MIA_PASSWORD}}
        - id: carol
          password: ${{CAROL_PASSWORD}}
  authorizationStrategy:
    globalMatrix:
      entries:
        - user: {{name: alice, permissions: [Overall/Administer]}}
        - user: {{name: mia, permissions: [Overall/Read, Overall/Manage]}}
        - group: {{name: authenticated, permissions: [Overall/Read, Job/Read]}}{anonymous}
credentials:
  system:
    domainCredentials:
      - credentials:
          - string: {{id: cred, secret: "credential-value-{generation}"}}
jobs:
  - script: |
      pipelineJob('slow') {{
        definition {{ cps {{ script("{SLOW}") }} }}
      }}
      pipelineJob('check') {{
        description('generation {generation}')
        parameters {{ stringParam('EXPECTED', '', 'the credential value this build must see') }}
        definition {{
          cps {{
            script(\'\'\'pipeline {{ agent any
              environment {{ VALUE = credentials('cred') }}
              stages {{ stage('Check') {{ steps {{ sh 'test "$VALUE" = "$EXPECTED"' }} }} }} }}\'\'\')
          }}
        }}
      }}
"""


INVALID = [
    ("jenkins:\n  systemMessage: [unclosed\n", 3),          # YAML syntax: found at the end of the file
    ("jenkins:\n  systemMessage: fine\n  noSuchSetting: 1\n", 3),                    # unknown key
    ("jobs:\n  - script: |\n      pipelineJob('broken') {\n        definition { cps { script('pipeline { stages { } }') } }\n      }\n", None),
    ("credentials:\n  system:\n    domainCredentials:\n      - credentials:\n          - string: {secret: no-id}\n", 5),
]


@pytest.fixture(scope="module")
def reloading(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reload")
    path = folder / "jenkins.yaml"
    path.write_text(casc(0))
    env = {"ALICE_PASSWORD": ADMIN[1], "MIA_PASSWORD": MANAGER[1], "CAROL_PASSWORD": READER[1],
           "CASC_RELOAD_TOKEN": RELOAD_TOKEN}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        srv = Server(folder / "home", workers=2, extra=("--casc", str(path))).start()
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    srv.casc_path = path
    yield srv
    srv.stop()


def reload(srv: Server, who=ADMIN) -> requests.Response:
    return requests.post(f"{srv.url}/configuration-as-code/reload", auth=who)


def trigger(srv: Server, job: str, **params) -> int:
    r = requests.post(f"{srv.url}/job/{job}/{'buildWithParameters' if params else 'build'}", params=params,
                      auth=ADMIN)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 30
    while not (item := requests.get(r.headers["Location"] + "api/json", auth=ADMIN).json()).get("executable"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return item["executable"]["number"]


def result(srv: Server, job: str, number: int, timeout: float = 40) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = requests.get(f"{srv.url}/job/{job}/{number}/api/json", auth=ADMIN).json()
        if not info["building"]:
            return info["result"]
        time.sleep(0.1)
    raise TimeoutError(f"{job} #{number}")


def test_reload_needs_overall_manage_and_rejects_get(reloading):
    assert reload(reloading, READER).status_code == 403
    assert "carol is missing the Overall/Manage permission" in reload(reloading, READER).text
    assert requests.post(f"{reloading.url}/configuration-as-code/reload").status_code == 403
    assert requests.get(f"{reloading.url}/configuration-as-code/reload", auth=ADMIN).status_code == 405
    r = reload(reloading, MANAGER)
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["generation"] >= 2


def test_token_reload_status_codes(reloading):
    url = f"{reloading.url}/reload-configuration-as-code/"
    assert requests.get(url, params={"casc-reload-token": RELOAD_TOKEN}).status_code == 405
    wrong = requests.post(url, params={"casc-reload-token": "wrong"})
    assert wrong.status_code == 401 and "Invalid token" in wrong.text
    assert requests.post(url).status_code == 401
    ok = requests.post(url, params={"casc-reload-token": RELOAD_TOKEN})     # anonymous, no crumb: the token
    assert ok.status_code == 200 and ok.json()["status"] == "ok"


def test_token_reload_is_404_when_no_token_is_configured(tmp_path):
    assert "CASC_RELOAD_TOKEN" not in os.environ
    srv = Server(tmp_path / "home", workers=1).start()
    try:
        r = requests.post(f"{srv.url}/reload-configuration-as-code/", params={"casc-reload-token": "x"})
        assert r.status_code == 404 and "not enabled" in r.text
        r = requests.post(f"{srv.url}/configuration-as-code/reload")     # unsecured server, no sources
        assert r.status_code == 400 and "No configuration source" in r.json()["message"]
    finally:
        srv.stop()


def test_check_export_and_schema(reloading):
    url = f"{reloading.url}/configuration-as-code"
    good = requests.post(f"{url}/check", data=casc(99), auth=ADMIN)
    assert good.status_code == 200 and good.json() == []
    bad = requests.post(f"{url}/check", data=INVALID[1][0], auth=ADMIN)
    assert bad.status_code == 400
    assert bad.json()[0]["line"] == 3 and bad.json()[0]["path"].endswith("noSuchSetting")
    assert requests.post(f"{url}/check", data=casc(99), auth=MANAGER).status_code == 403   # Administer
    configured = requests.post(f"{url}/check", auth=ADMIN)        # empty body: the configured sources
    assert configured.status_code == 200
    elsewhere = reloading.casc_path.parent / "next.yaml"
    elsewhere.write_text(INVALID[1][0])
    checked = requests.post(f"{url}/checkNewSource", params={"newSource": str(elsewhere)}, auth=ADMIN)
    assert checked.status_code == 400 and checked.json()[0]["file"] == str(elsewhere)
    assert requests.post(f"{url}/checkNewSource", params={"newSource": str(elsewhere)},
                         auth=MANAGER).status_code == 403
    export = requests.post(f"{url}/export", auth=ADMIN)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("application/x-yaml")
    assert "${" in export.text and "credential-value" not in export.text and ADMIN[1] not in export.text
    assert requests.get(f"{url}/export", auth=READER).status_code == 403
    schema = requests.get(f"{url}/schema", auth=ADMIN).json()
    assert schema["$schema"].startswith("http://json-schema.org/") and "jenkins" in schema["properties"]


def test_twenty_reloads_while_builds_run(reloading):
    path = reloading.casc_path
    path.write_text(casc(1))
    assert reload(reloading).status_code == 200
    running = [trigger(reloading, "slow") for _ in range(3)]
    generations = []
    for i in range(20):
        if i % 2 == 0:
            generation = 10 + i
            path.write_text(casc(generation, anonymous_read=(i < 18)))
            r = reload(reloading)
            assert r.status_code == 200, r.text
            generations.append(r.json()["generation"])
        else:
            text, line = INVALID[(i // 2) % len(INVALID)]
            path.write_text(text)
            r = reload(reloading)
            assert r.status_code == 400, r.text
            body = r.json()
            assert body["status"] == "error" and body["message"].startswith("Failed to reload configuration")
            assert body["errors"] and all(e["file"] == str(path) for e in body["errors"])
            if line is not None:
                assert body["errors"][0]["line"] == line, body
            assert r.headers["X-Error"].startswith("Failed to reload configuration")
            # nothing changed: the last valid generation is still what every worker serves
            for _ in range(3):
                assert requests.get(f"{reloading.url}/job/check/api/json", auth=READER).json()["description"] \
                    == f"generation {generation}"
    assert generations == sorted(generations) and len(set(generations)) == 10
    for number in running:
        assert result(reloading, "slow", number) == "SUCCESS"
        console = requests.get(f"{reloading.url}/job/slow/{number}/consoleText", auth=ADMIN).text
        assert "slow done" in console and "ABORTED" not in console
    # the final configuration is in force everywhere: jobs, credentials in the scheduler, security
    final = 10 + 18
    assert requests.get(f"{reloading.url}/job/check/api/json", auth=READER).json()["description"] == \
        f"generation {final}"
    assert result(reloading, "check", trigger(reloading, "check", EXPECTED=f"credential-value-{final}")) == "SUCCESS"
    assert result(reloading, "check", trigger(reloading, "check", EXPECTED="credential-value-10")) == "FAILURE"
    assert requests.get(f"{reloading.url}/api/json").status_code == 403     # anonymous read removed by the reload
    export = requests.get(f"{reloading.url}/configuration-as-code/export", auth=ADMIN).text
    assert f"generation {final}" in export
