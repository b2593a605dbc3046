"""agents.names: DNS-1123 slugs with hash suffixes, the plugin's label sanitizing."""
import pytest

from orchestrator.agents import names


@pytest.mark.parametrize("name, expected", [
    ("foo", "foo"),
    ("my-job-1", "my-job-1"),
    ("", "x---e3b0c442"),
    ("x" * 63, "x" * 63),
    ("x" * 64, "x" * 52 + "---" + names.short_hash("x" * 64)),
    ("Team/App", "team-app---" + names.short_hash("Team/App")),
    ("a--b", "a-b---" + names.short_hash("a--b")),
    ("1abc", "1abc"),
    ("-abc", "abc---" + names.short_hash("-abc")),
    ("Ünïcode build", "n-code-build---" + names.short_hash("Ünïcode build")),
    ("日本", "x---" + names.short_hash("日本")),
])
def test_dns_label(name, expected):
    assert names.dns_label(name) == expected
    assert names.is_dns_label(names.dns_label(name))


@pytest.mark.parametrize("name", ["", "x" * 64, "Ünïcode", "a" * 300, "--", "9" * 70, "a.b.c", "UPPER_case"])
def test_dns_label_always_valid_and_at_most_63(name):
    slug = names.dns_label(name)
    assert len(slug) <= 63 and names.is_dns_label(slug)


def test_dns_label_distinct_inputs_never_collide():
    inputs = ["Team/App", "team-app", "team app", "TEAM/APP", "x" * 64, "x" * 65]
    assert len({names.dns_label(i) for i in inputs}) == len(inputs)


@pytest.mark.parametrize("label, expected", [
    (None, "slave-default"),
    ("multiple labels", "multiple_labels"),
    ("job#12", "job_12"),
    ("-x-", "xxx"),
    ("a" * 70, "a" * 57),
    ("é", "x"),
])
def test_jenkins_label(label, expected):
    assert names.jenkins_label(label) == expected


def test_label_digest():
    assert names.label_digest(None) == "0"
    import hashlib
    assert names.label_digest("java") == hashlib.sha1(b"java").hexdigest()


@pytest.mark.parametrize("job, number", [("foo", 12), ("", 1), ("x" * 200, 123456), ("Ünïcode/sub folder", 7)])
def test_pod_name_valid_and_reproducible(job, number):
    name = names.pod_name(job, number, "Build|1")
    assert names.is_dns_label(name) and len(name) <= 63
    assert name == names.pod_name(job, number, "Build|1")
    assert name != names.pod_name(job, number, "Build|2")
    assert f"-{number}-" in name


def test_pod_name_shape():
    assert names.pod_name("foo", 12) == "foo-12-" + names.short_hash("foo#12|")


@pytest.mark.parametrize("text", ["ok", "Team/App", "x" * 64, "", "ünï"])
def test_label_value_valid(text):
    assert names.is_label_value(names.label_value(text))
