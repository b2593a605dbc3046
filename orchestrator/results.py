"""Build results, ordered as Jenkins orders them: SUCCESS < UNSTABLE < FAILURE < NOT_BUILT < ABORTED.

A result only ever gets worse (`Result.combine`), which is how Jenkins' Run.setResult behaves.
"""
from __future__ import annotations

from enum import Enum


class Result(str, Enum):
    SUCCESS = "SUCCESS"
    UNSTABLE = "UNSTABLE"
    FAILURE = "FAILURE"
    NOT_BUILT = "NOT_BUILT"
    ABORTED = "ABORTED"

    @property
    def ordinal(self) -> int:
        return _ORDER[self]

    def worse_than(self, other: "Result") -> bool:
        return self.ordinal > other.ordinal

    def combine(self, other: "Result | None") -> "Result":
        """The worse of the two results."""
        if other is None:
            return self
        return other if other.ordinal > self.ordinal else self

    @classmethod
    def parse(cls, value: object) -> "Result":
        """`'FAILURE'`, `'failure'` or a Result -> Result; raises ValueError for anything else."""
        if isinstance(value, Result):
            return value
        try:
            return cls(str(value).upper())
        except ValueError:
            raise ValueError(f"{value!r} is not a build result; use one of "
                             f"{', '.join(r.value for r in cls)}") from None


_ORDER = {Result.SUCCESS: 0, Result.UNSTABLE: 1, Result.FAILURE: 2, Result.NOT_BUILT: 3, Result.ABORTED: 4}

EXIT_CODES = {Result.SUCCESS: 0, Result.FAILURE: 1, Result.UNSTABLE: 3, Result.ABORTED: 4, Result.NOT_BUILT: 4}
