"""Prometheus text exposition format 0.0.4 (pure): metric families in, text out.

    # HELP name text        (backslash and newline escaped)
    # TYPE name gauge|counter|histogram
    name{label="value"} 1   (backslash, double quote and newline escaped in label values)

A histogram is written as Prometheus client libraries write it: cumulative `_bucket{le="..."}`
series ending with `le="+Inf"`, then `_sum` and `_count`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Sample:
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True)
class HistogramSample:
    labels: tuple[tuple[str, str], ...]
    buckets: tuple[tuple[float, int], ...]   # (upper bound, cumulative count), without +Inf
    count: int
    sum: float


@dataclass(frozen=True)
class Family:
    name: str
    kind: str                                # gauge | counter | histogram
    help: str
    samples: Sequence[Sample | HistogramSample] = field(default_factory=tuple)


def render(families: Sequence[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for sample in family.samples:
            if isinstance(sample, HistogramSample):
                for bound, count in sample.buckets:
                    lines.append(_line(family.name + "_bucket", sample.labels + (("le", number(bound)),), count))
                lines.append(_line(family.name + "_bucket", sample.labels + (("le", "+Inf"),), sample.count))
                lines.append(_line(family.name + "_sum", sample.labels, sample.sum))
                lines.append(_line(family.name + "_count", sample.labels, sample.count))
            else:
                lines.append(_line(family.name, sample.labels, sample.value))
    return "\n".join(lines) + "\n"


def _line(name: str, labels: tuple[tuple[str, str], ...], value: float) -> str:
    if not labels:
        return f"{name} {number(value)}"
    inner = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels)
    return f"{name}{{{inner}}} {number(value)}"


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def number(value: float) -> str:
    """Go's float formatting as Prometheus reads it: integers without a point, +Inf/-Inf/NaN."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(int(value))
