"""A strict reader of Prometheus' text exposition format 0.0.4, for tests: anything a Prometheus
server would refuse or misread raises ValueError with the line number."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
_SAMPLE = re.compile(rf"({METRIC})(?:\{{(.*)\}})? (\S+)(?: (-?\d+))?")
_PAIR = re.compile(rf'({LABEL})="((?:[^"\\\n]|\\[\\"n])*)"')


@dataclass
class Family:
    name: str
    type: str = "untyped"
    help: str | None = None
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def value(self, name: str | None = None, **labels: str) -> float:
        found = [v for n, ls, v in self.samples if n == (name or self.name) and ls == labels]
        if len(found) != 1:
            raise KeyError(f"{name or self.name} {labels}: {len(found)} samples")
        return found[0]


def parse(text: str) -> dict[str, Family]:
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    families: dict[str, Family] = {}
    closed: set[str] = set()          # families whose samples are over: they may not come back
    current: str | None = None
    seen: set[tuple[str, tuple]] = set()
    for number, line in enumerate(text[:-1].split("\n"), start=1):
        def fail(why: str, number: int = number, line: str = line) -> None:
            raise ValueError(f"line {number}: {why}: {line!r}")
        if not line:
            fail("empty line")
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(METRIC, name):
                    fail("bad metric name")
                family = families.setdefault(name, Family(name))
                if name in closed or family.samples:
                    fail(f"{parts[1]} after the family's samples")
                if parts[1] == "HELP":
                    if family.help is not None:
                        fail("second HELP")
                    family.help = _unescape(parts[3] if len(parts) > 3 else "", help_text=True, fail=fail)
                else:
                    if family.type != "untyped" or len(parts) != 4 or parts[3] not in TYPES:
                        fail("bad or second TYPE")
                    family.type = parts[3]
                if current is not None and current != name:
                    closed.add(current)
                current = name
            continue
        m = _SAMPLE.fullmatch(line)
        if not m:
            fail("not a sample")
        sample, body, raw = m.group(1), m.group(2), m.group(3)
        owner = _owner(sample, families)
        if owner is None:
            fail("sample of no declared family")
        if owner in closed:
            fail("the family's samples are not together")
        if current is not None and current != owner:
            closed.add(current)
        current = owner
        labels = _labels(body or "", fail)
        key = (sample, tuple(sorted(labels.items())))
        if key in seen:
            fail("duplicate series")
        seen.add(key)
        try:
            value = float(raw) if raw not in ("+Inf", "-Inf", "NaN") else float(raw.replace("Inf", "inf"))
        except ValueError:
            fail("bad value")
        if families[owner].type == "counter" and not value >= 0:
            fail("negative counter")
        families[owner].samples.append((sample, labels, value))
    for family in families.values():
        if family.type == "histogram":
            _check_histogram(family)
    return families


def _owner(sample: str, families: dict[str, Family]) -> str | None:
    if sample in families and families[sample].type != "histogram":
        return sample
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample[: -len(suffix)]
        if sample.endswith(suffix) and base in families and families[base].type == "histogram":
            return base
    return None


def _labels(body: str, fail) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    while pos < len(body):
        m = _PAIR.match(body, pos)
        if not m:
            fail("bad label pair")
        if m.group(1) in labels:
            fail("repeated label")
        labels[m.group(1)] = _unescape(m.group(2), help_text=False, fail=fail)
        pos = m.end()
        if pos < len(body):
            if body[pos] != ",":
                fail("labels not separated by commas")
            pos += 1
    return labels


def _unescape(text: str, help_text: bool, fail) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1: i + 2]
            allowed = {"\\": "\\", "n": "\n"} if help_text else {"\\": "\\", "n": "\n", '"': '"'}
            if nxt not in allowed:
                fail(f"bad escape \\{nxt}")
            out.append(allowed[nxt])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _check_histogram(family: Family) -> None:
    groups: dict[tuple, dict] = {}
    for name, labels, value in family.samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        group = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            if "le" not in labels:
                raise ValueError(f"{family.name}: bucket without le")
            bound = math.inf if labels["le"] == "+Inf" else float(labels["le"])
            group["buckets"].append((bound, value))
        else:
            group["sum" if name.endswith("_sum") else "count"] = value
    for rest, group in groups.items():
        bounds = [b for b, _ in group["buckets"]]
        counts = [c for _, c in group["buckets"]]
        if bounds != sorted(bounds) or not bounds or bounds[-1] != math.inf:
            raise ValueError(f"{family.name}{rest}: buckets out of order or no +Inf bucket")
        if counts != sorted(counts):
            raise ValueError(f"{family.name}{rest}: buckets are not cumulative")
        if group["count"] is None or group["sum"] is None or counts[-1] != group["count"]:
            raise ValueError(f"{family.name}{rest}: _count missing or not the +Inf bucket")
