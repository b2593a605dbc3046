"""Applying: the job diff, the atomic swap, and a property test of all-or-nothing reloads."""
from __future__ import annotations

import random
import threading

import pytest

from orchestrator.casc import CascLoadError, ConfigHolder, load
from orchestrator.casc.apply import plan_jobs, reload_failure
from orchestrator.casc.model import Config, Job


def jobs(*names: str, description: str = "") -> dict[str, Job]:
    return {n: Job(n, "folder" if n.endswith("/") else "pipeline", description=description) for n in names}


def test_plan_creates_updates_and_keeps_by_default():
    existing = {"a": Job("a"), "b": Job("b", description="old"), "ui-made": Job("ui-made")}
    plan = plan_jobs(existing, {"a", "b"}, [Job("a"), Job("b", description="new"), Job("c")])
    assert [j.name for j in plan.create] == ["c"]
    assert [j.name for j in plan.update] == ["b"]
    assert plan.unchanged == ("a",) and plan.delete == () and plan.keep == ("ui-made",)
    assert plan.changed


def test_plan_delete_tracked_only_removes_what_configuration_created():
    existing = {"a": Job("a"), "old": Job("old"), "ui-made": Job("ui-made")}
    plan = plan_jobs(existing, {"a", "old"}, [Job("a")], "delete-tracked")
    assert plan.delete == ("old",) and plan.keep == ("ui-made",)


def test_plan_delete_all_deletes_children_first_and_folders_take_their_jobs():
    existing = {"f": Job("f", "folder"), "f/x": Job("f/x"), "f/y": Job("f/y"), "keep": Job("keep")}
    plan = plan_jobs(existing, set(), [Job("keep")], "delete-all")
    assert plan.delete == ("f/x", "f/y", "f")
    tracked = plan_jobs(existing, {"f"}, [Job("keep")], "delete-tracked")
    assert set(tracked.delete) == {"f", "f/x", "f/y"}  # deleting a folder deletes what is inside


def test_origin_does_not_make_a_job_look_changed():
    from orchestrator.casc.model import Origin
    plan = plan_jobs({"a": Job("a", origin=Origin("x.yaml", 1))}, set(), [Job("a", origin=Origin("y.yaml", 9))])
    assert plan.unchanged == ("a",)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_swaps_and_failure_changes_nothing(tmp_path):
    good = write(tmp_path, "good.yaml", "jenkins:\n  systemMessage: v1\njobs:\n  - script: pipelineJob('a')\n")
    bad = write(tmp_path, "bad.yaml", "jenkins:\n  systemMessage: v2\n  nope: 1\njobs:\n  - script: pipelineJob('b')\n")
    holder = ConfigHolder()
    holder.apply(good, env={})
    before = (holder.config, dict(holder.jobs), holder.tracked)
    with pytest.raises(CascLoadError) as e:
        holder.apply(bad, env={})
    assert e.value.errors[0].line == 3
    assert (holder.config, dict(holder.jobs), holder.tracked) == before
    assert holder.config.jenkins.system_message == "v1" and list(holder.jobs) == ["a"]
    assert reload_failure(e.value)["message"].startswith("Failed to reload configuration: jenkins: Invalid "
                                                         "configuration elements")


def test_reload_reapplies_the_remembered_sources(tmp_path):
    path = write(tmp_path, "c.yaml", "jenkins:\n  numExecutors: 1\n")
    holder = ConfigHolder()
    holder.apply(path, env={})
    (tmp_path / "c.yaml").write_text("jenkins:\n  numExecutors: 4\n")
    assert holder.reload().jenkins.num_executors == 4


def test_removed_jobs_are_kept_unless_the_policy_says_otherwise(tmp_path):
    holder = ConfigHolder(jobs=jobs("made-in-ui"))
    two = "jobs:\n  - script: |\n      pipelineJob('a')\n      pipelineJob('b')\n"
    holder.apply(write(tmp_path, "1.yaml", two), {})
    holder.apply(write(tmp_path, "2.yaml", "jobs:\n  - script: pipelineJob('a')\n"), {})
    assert set(holder.jobs) == {"made-in-ui", "a", "b"} and holder.last_plan.keep == ("made-in-ui", "b")
    holder.apply(write(tmp_path, "3.yaml", "items:\n  actionOnUndeclaredItems: delete-tracked\n"
                                            "jobs:\n  - script: pipelineJob('a')\n"), {})
    assert set(holder.jobs) == {"made-in-ui", "a"} and holder.last_plan.delete == ("b",)


def test_a_failing_commit_hook_leaves_the_running_state_alone():
    def refuse(config, plan):
        raise RuntimeError("store is down")
    holder = ConfigHolder(jobs=jobs("a"), commit=refuse)
    before = holder.config
    with pytest.raises(RuntimeError):
        holder.apply_config(Config(jobs=(Job("b"),)))
    assert holder.config is before and list(holder.jobs) == ["a"]


# ---------------------------------------------------------------- property test
VALID_PARTS = [
    "jenkins:\n  systemMessage: message-{n}\n  numExecutors: {k}\n",
    "credentials:\n  system:\n    domainCredentials:\n      - credentials:\n"
    "          - string: {{id: c{n}, secret: s{n}}}\n",
    "jobs:\n  - script: |\n      folder('f{n}')\n      pipelineJob('f{n}/job{k}')\n",
    "jenkins:\n  clouds:\n    - kubernetes:\n        name: k{n}\n        templates: [{{name: t{k}, label: l{k}}}]\n",
]
INVALID_PARTS = [
    "jenkins:\n  numExecutors: many\n",
    "jenkins:\n  securityRealm:\n    ldap: {{server: x}}\n",
    "unknownRoot{n}: {{}}\n",
    "jobs:\n  - script: multibranchPipelineJob('m{n}')\n",
    "jobs:\n  - script: |\n      pipelineJob('p{n}') {{ definition {{ cps {{ script('pipeline {{ }}') }} }} }}\n",
    "jenkins: [not, a, mapping]\n",
    "jenkins:\n  systemMessage: {{unclosed\n",
    "jenkins:\n  systemMessage: ${{MISSING_{n}}}\n",  # invalid only under strict resolution
]


def random_config(rng: random.Random, n: int, folder) -> tuple[str, bool]:
    """A folder of 1-5 files: some valid parts, and (half the time) one invalid part among them."""
    parts = rng.sample(VALID_PARTS, rng.randint(1, len(VALID_PARTS)))
    valid = rng.random() < 0.5
    if not valid:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(INVALID_PARTS))
    folder.mkdir()
    for i, part in enumerate(parts):
        (folder / f"{i:02d}.yaml").write_text(part.format(n=n, k=rng.randint(0, 9)))
    return str(folder), valid


def test_property_running_configuration_is_always_the_last_valid_one(tmp_path):
    rng = random.Random(20260826)
    env = {"CASC_STRICT_SECRET_RESOLUTION": "true"}
    holder = ConfigHolder()
    last_valid, applied_valid, rejected = holder.config, 0, 0
    for n in range(120):
        path, valid = random_config(rng, n, tmp_path / str(n))
        text = "\n".join(p.read_text() for p in sorted((tmp_path / str(n)).iterdir()))
        try:
            config = holder.apply(path, env)
        except CascLoadError:
            assert not valid, text
            rejected += 1
        else:
            assert valid, text
            assert config == load(path, env)  # what runs is exactly what the file says
            last_valid = config
            applied_valid += 1
        assert holder.config == last_valid
        assert all(job in holder.jobs.values() for job in last_valid.jobs)
    assert applied_valid > 30 and rejected > 30


def test_readers_never_see_a_half_swapped_state():
    configs = [Config(jobs=tuple(Job(f"{i}-{j}") for j in range(5))) for i in range(20)]
    holder = ConfigHolder(config=configs[0])
    stop = threading.Event()
    seen_mixed = []

    def read():
        while not stop.is_set():
            state = holder._state  # one read: config and jobs must agree
            if any(job.name not in state.jobs for job in state.config.jobs):
                seen_mixed.append(state)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for config in configs * 5:
        holder.apply_config(config)
    stop.set()
    for t in readers:
        t.join()
    assert seen_mixed == []
