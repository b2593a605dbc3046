"""tree= / depth= / Python flavour: pure tables."""
from __future__ import annotations

import ast

import pytest

from orchestrator.web.tree import HIDDEN, SUMMARY, Lazy, TreeError, by_depth, parse_tree, prune, render, to_python

BUILD = {"_class": "Run", SUMMARY: ("number", "url"), "number": 1, "url": "u/1/", "result": "SUCCESS"}
JOB = {"_class": "Job", SUMMARY: ("name", "url", "color"), HIDDEN: ("allBuilds",), "name": "app", "url": "u/",
       "color": "blue", "builds": Lazy(lambda: [BUILD]), "allBuilds": Lazy(lambda: [BUILD, BUILD]),
       "lastBuild": BUILD, "property": []}
ROOT = {"_class": "Hudson", "mode": "NORMAL", "jobs": [JOB]}


@pytest.mark.parametrize("tree,expected", [
    ("mode", {"_class": "Hudson", "mode": "NORMAL"}),
    ("jobs[name,color]", {"_class": "Hudson", "jobs": [{"_class": "Job", "name": "app", "color": "blue"}]}),
    ("jobs", {"_class": "Hudson", "jobs": [{"_class": "Job"}]}),
    ("_class", {"_class": "Hudson"}),
    ("nothing", {"_class": "Hudson"}),
    ("jobs[lastBuild]", {"_class": "Hudson", "jobs": [{"_class": "Job", "lastBuild": {"_class": "Run"}}]}),
    ("jobs[allBuilds[number]{0,1}]", {"_class": "Hudson", "jobs": [{"_class": "Job", "allBuilds": [
        {"_class": "Run", "number": 1}]}]}),
    ("jobs[builds[number,url]{1}]", {"_class": "Hudson", "jobs": [{"_class": "Job", "builds": []}]}),
])
def test_tree(tree, expected):
    assert prune(ROOT, parse_tree(tree)) == expected


@pytest.mark.parametrize("bad", ["jobs[name", "jobs]", "", "a,,b", "jobs{x}", "a[b]]"])
def test_malformed_tree(bad):
    with pytest.raises(TreeError):
        parse_tree(bad)


def test_depth_zero_summarises_nested_objects_and_hides_all_builds():
    out = by_depth(JOB, 0)
    assert out["builds"] == [{"_class": "Run", "number": 1, "url": "u/1/"}]
    assert "allBuilds" not in out and SUMMARY not in out and HIDDEN not in out
    assert by_depth(ROOT, 0)["jobs"] == [{"_class": "Job", "name": "app", "url": "u/", "color": "blue"}]


def test_depth_one_shows_nested_objects_in_full():
    assert by_depth(ROOT, 1)["jobs"][0]["lastBuild"] == {"_class": "Run", "number": 1, "url": "u/1/"}
    assert by_depth(JOB, 1)["builds"][0]["result"] == "SUCCESS"


def test_tree_wins_over_depth():
    assert render(ROOT, "mode", "3") == {"_class": "Hudson", "mode": "NORMAL"}


def test_python_flavour_is_literal_eval_able():
    data = {"a": True, "b": None, "c": [1, "x\"y", False], "d": {"e": 1.5}}
    assert ast.literal_eval(to_python(data)) == data
