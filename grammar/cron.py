"""Jenkins' cron syntax (hudson.scheduler.CronTab / CronTabList), pure: spec text in, tables or errors out.

    MINUTE HOUR DOM MONTH DOW     0-59 0-23 1-31 1-12 0-7 (0 and 7 are Sunday)
    *  5  1-5  1-10/2  */15  1,15,30   H  H/15  H(0-29)  H(0-29)/10
    @yearly @annually @monthly @weekly @daily @midnight @hourly
    TZ=Europe/Berlin (first line only)   # comment lines   several lines (any matching line fires)

`H` picks a value that is stable for a job but spread across jobs: Jenkins seeds `java.util.Random`
with an MD5 of the job's full name (hudson.scheduler.Hash) and draws one `nextInt` per `H`, in field
order and line after line from the same generator. Both are reproduced bit for bit here, so a job
fires at the very minute it would on Jenkins. Unlike Vixie cron, day-of-month and day-of-week must
both match (Jenkins ANDs them). Names (JAN, MON) are not part of Jenkins' syntax and are refused.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Iterator, Optional

from orchestrator.errors import OrchestratorError

FIELDS = ("minute", "hour", "day of month", "month", "day of week")
LOWER = (0, 0, 1, 1, 0)
UPPER = (59, 23, 31, 12, 7)
# where H may land: day of month stops at 28 (every month has it), day of week at 6 (7 is Sunday again)
HASH_UPPER = (59, 23, 28, 12, 6)
ALIASES = {"yearly": "H H H H *", "annually": "H H H H *", "monthly": "H H H * *", "weekly": "H H * * H",
           "daily": "H H * * *", "midnight": "H H(0-2) * * *", "hourly": "H * * * *"}
MAX_YEARS_AHEAD = 5   # a spec like `0 0 30 2 *` never fires: next_fire gives up (Jenkins' RareOrImpossibleDate)


class CronError(OrchestratorError):
    """A spec Jenkins would refuse; `str()` is Jenkins' text: `Invalid input: "LINE": line L:C: CAUSE`."""
    status = 400

    def __init__(self, message: str, line: int = 0, column: int = 0, text: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.line, self.column, self.text, self.cause = line, column, text, cause


# ---------------------------------------------------------------- hudson.scheduler.Hash
class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator, `nextInt(bound)` exactly as the JDK."""
    _MULTIPLIER, _ADDEND, _MASK = 0x5DEECE66D, 0xB, (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ self._MULTIPLIER) & self._MASK

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * self._MULTIPLIER + self._ADDEND) & self._MASK
        value = self._seed >> (48 - bits)
        return value - (1 << 32) if value >= 1 << 31 else value   # Java's (int) cast

    def next_int(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:                       # a power of two: take the high bits
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < 1 << 31:              # Java's `u - r + m < 0` is an int overflow
                return r
            u = self._next(31)


class Hash:
    """hudson.scheduler.Hash.from(seed): MD5 of the UTF-8 seed, folded to 8 bytes, seeds a JavaRandom."""

    def __init__(self, seed: Optional[str]) -> None:
        self._random: Optional[JavaRandom] = None
        if seed is not None:
            digest = bytearray(hashlib.md5(seed.encode("utf-8")).digest())  # noqa: S324 - Jenkins' choice
            for i in range(8, len(digest)):
                digest[i % 8] ^= digest[i]
            number = int.from_bytes(digest[:8], "big", signed=True)
            self._random = JavaRandom(number)

    def next(self, bound: int) -> int:
        """In [0, bound); always 0 without a seed (Hash.zero(), a spec checked with no job)."""
        return self._random.next_int(bound) if self._random is not None else 0


# ---------------------------------------------------------------- parsing
_TOKEN = re.compile(r"\d+|[ \t]+|[-*/,@()]|H|[a-z]+")


@dataclass(frozen=True)
class CronTab:
    """One line: the set of matching values of each field (day of week folded so 7 is 0)."""
    spec: str
    line: int
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]   # 0 = Sunday

    def matches(self, when: datetime) -> bool:
        return (when.minute in self.minutes and when.hour in self.hours and when.day in self.days
                and when.month in self.months and (when.isoweekday() % 7) in self.weekdays)

    def day_matches(self, day: date) -> bool:
        return day.day in self.days and day.month in self.months and (day.isoweekday() % 7) in self.weekdays


@dataclass(frozen=True)
class CronTabList:
    """A whole spec: any line matching fires. `tz` is the `TZ=` zone name, or None for the controller's."""
    spec: str
    tabs: tuple[CronTab, ...]
    tz: Optional[str] = None

    def matches(self, when: datetime) -> bool:
        """`when` is read in the spec's zone when it is aware and TZ= was given."""
        local = self._local(when)
        return any(tab.matches(local) for tab in self.tabs)

    def next_fire(self, after: datetime) -> Optional[datetime]:
        """The first minute strictly after `after` at which the spec fires (in `after`'s zone, or the
        spec's TZ= zone converted back), or None if it never does within MAX_YEARS_AHEAD years."""
        local = self._local(after)
        start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        found = min((t for tab in self.tabs if (t := _ceil(tab, start)) is not None), default=None)
        if found is None:
            return None
        return found.astimezone(after.tzinfo) if after.tzinfo is not None else found

    def _local(self, when: datetime) -> datetime:
        if self.tz and when.tzinfo is not None:
            return when.astimezone(zone(self.tz))
        return when


def zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)


def _ceil(tab: CronTab, start: datetime) -> Optional[datetime]:
    """The first minute >= start matching `tab`: day by day, then the first hour and minute in it."""
    day = start.date()
    last = day.replace(year=day.year + MAX_YEARS_AHEAD) if not (day.month == 2 and day.day == 29) \
        else day + timedelta(days=366 * MAX_YEARS_AHEAD)
    hours, minutes = sorted(tab.hours), sorted(tab.minutes)
    while day <= last:
        if tab.day_matches(day):
            for hour in hours:
                for minute in minutes:
                    candidate = start.replace(year=day.year, month=day.month, day=day.day, hour=hour,
                                              minute=minute, second=0, microsecond=0)
                    if candidate >= start:
                        return candidate
        day += timedelta(days=1)
    return None


def parse(spec: str, seed: Optional[str] = None) -> CronTabList:
    """Jenkins' CronTabList.create(spec, Hash.from(seed)): `seed` is the job's full name (None: H = lowest)."""
    hashing = Hash(seed)
    tabs: list[CronTab] = []
    tz: Optional[str] = None
    for number, raw in enumerate(re.split(r"\r?\n", spec), start=1):
        line = raw.strip()
        if number == 1 and line.startswith("TZ="):
            name = line.replace("TZ=", "")
            if not _valid_zone(name):
                raise CronError(f"Invalid or unsupported timezone '{name}'", number, 0, line,
                                f"Invalid or unsupported timezone '{name}'")
            tz = name
            continue
        if not line or line.startswith("#"):
            continue
        tabs.append(_Line(line, number, hashing).table())
    return CronTabList(spec, tuple(tabs), tz)


def check(spec: str) -> Optional[str]:
    """The error message for a spec, or None when Jenkins would accept it."""
    try:
        parse(spec)
    except CronError as e:
        return str(e)
    return None


def sanity_warning(spec: str) -> Optional[str]:
    """Jenkins' form warnings (CronTab.checkSanity) for the first suspicious line, or None."""
    for tab in parse(spec).tabs:
        fields = (tab.minutes, tab.hours, tab.days, tab.months, tab.weekdays)
        for i, values in enumerate(fields):
            full = set(range(LOWER[i], UPPER[i] + 1)) - ({7} if i == 4 else set())
            if not full <= values:
                if i > 0:
                    rest = tab.spec.split(" ", 1)[1] if " " in tab.spec else ""
                    return (f'Do you really mean "every minute" when you say "{tab.spec}"? '
                            f'Perhaps you meant "H {rest}" to poll once per hour')
                break
        hashed = _hashify(tab.spec)
        if hashed:
            return f"Spread load evenly by using ‘{hashed}’ rather than ‘{tab.spec}’"
    return None


def _hashify(spec: str) -> Optional[str]:
    if "H" in spec or spec.startswith("@"):
        return None
    if spec.startswith("*/"):
        return "H" + spec[1:]
    if re.fullmatch(r"\d+ .+", spec):
        return "H " + spec.split(" ", 1)[1]
    return None


def _valid_zone(name: str) -> bool:
    try:
        zone(name)
    except Exception:  # noqa: BLE001 - zoneinfo raises several kinds for a bad key
        return False
    return bool(name)


class _Line:
    """A recursive-descent reading of one line, with the parser's hash shared across lines (as Jenkins)."""

    def __init__(self, text: str, number: int, hashing: Hash) -> None:
        self.text, self.number, self.hash = text, number, hashing
        self.tokens: list[tuple[str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                self.fail(pos, f"token recognition error at: '{text[pos]}'")
            self.tokens.append((m.group(), pos))
            pos = m.end()
        self.i = 0

    # ------------------------------------------------------------ errors
    def fail(self, column: int, cause: str) -> None:
        where = f"line {self.number}:{column}: {cause}"
        raise CronError(f'Invalid input: "{self.text}": {where}', self.number, column, self.text, cause)

    def peek(self) -> str:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else "<EOF>"

    def pos(self) -> int:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else len(self.text)

    def expect(self, what: str, label: str) -> str:
        token = self.peek()
        ok = token.isdigit() if what == "TOKEN" else token.isspace() if what == "WS" else token == what
        if not ok:
            self.fail(self.pos(), f"mismatched input '{token}' expecting {label}")
        self.i += 1
        return token

    # ------------------------------------------------------------ grammar
    def table(self) -> CronTab:
        if self.peek() == "@":
            self.i += 1
            word = self.peek()
            if word not in ALIASES:
                self.fail(self.pos(), f"mismatched input '{word}' expecting one of "
                                      f"{', '.join(ALIASES)}")
            self.i += 1
            if self.i < len(self.tokens):
                self.fail(self.pos(), f"extraneous input '{self.peek()}' expecting <EOF>")
            inner = _Line(ALIASES[word], self.number, self.hash).table()
            return CronTab(self.text, self.number, inner.minutes, inner.hours, inner.days, inner.months,
                           inner.weekdays)
        fields = []
        for field in range(5):
            if field:
                self.expect("WS", f"a space before the {FIELDS[field]} field")
            fields.append(self.expr(field))
        if self.i < len(self.tokens):
            self.fail(self.pos(), f"extraneous input '{self.peek()}' expecting <EOF> (a spec has five fields: "
                                  "MINUTE HOUR DOM MONTH DOW)")
        weekdays = {d % 7 for d in fields[4]}
        return CronTab(self.text, self.number, *(frozenset(f) for f in fields[:4]), frozenset(weekdays))

    def expr(self, field: int) -> set[int]:
        values = self.term(field)
        while self.peek() == ",":
            self.i += 1
            values |= self.term(field)
        return values

    def number_token(self, label: str = "a number") -> tuple[int, int]:
        column = self.pos()
        return int(self.expect("TOKEN", label)), column

    def step(self) -> Optional[tuple[int, int]]:
        if self.peek() != "/":
            return None
        self.i += 1
        return self.number_token("a step number after '/'")

    def term(self, field: int) -> set[int]:
        token, column = self.peek(), self.pos()
        if token.isdigit():
            start, _ = self.number_token()
            if self.peek() != "-":
                self.range_check(start, field, column)
                return {start}
            self.i += 1
            end, end_column = self.number_token("the end of the range")
            step = self.step()
            return self.range(start, end, step[0] if step else 1, field, column)
        if token == "*":
            self.i += 1
            step = self.step()
            return self.range(LOWER[field], UPPER[field], step[0] if step else 1, field, column)
        if token == "H":
            self.i += 1
            low, high = LOWER[field], HASH_UPPER[field]
            if self.peek() == "(":
                self.i += 1
                low, _ = self.number_token("the start of the H(a-b) range")
                self.expect("-", "'-' in H(a-b)")
                high, _ = self.number_token("the end of the H(a-b) range")
                self.expect(")", "')' after H(a-b")
            step = self.step()
            return self.hashed(low, high, step[0] if step else 1, field, column)
        self.fail(column, f"mismatched input '{token}' expecting a number, '*' or 'H' for the {FIELDS[field]} field")
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ hudson.scheduler.BaseParser
    def range_check(self, value: int, field: int, column: int) -> None:
        if not LOWER[field] <= value <= UPPER[field]:
            self.fail(column, f"{value} is an invalid value. Must be within {LOWER[field]} and {UPPER[field]}")

    def range(self, start: int, end: int, step: int, field: int, column: int) -> set[int]:
        self.range_check(start, field, column)
        self.range_check(end, field, column)
        if step <= 0:
            self.fail(column, f"step must be positive, but found {step}")
        if start > end:
            self.fail(column, f"You mean {end}-{start}?")
        return set(range(start, end + 1, step))

    def hashed(self, start: int, end: int, step: int, field: int, column: int) -> set[int]:
        self.range_check(start, field, column)
        self.range_check(end, field, column)
        if step > end - start + 1:
            self.fail(column, f"{step} is an invalid value. Must be within 1 and {end - start + 1}")
        if step <= 0:
            self.fail(column, f"step must be positive, but found {step}")
        if step > 1:
            return set(range(self.hash.next(step) + start, end + 1, step))
        return {start + self.hash.next(end + 1 - start)}   # plain H: one value, not every one


def fire_times(tabs: CronTabList, after: datetime, count: int) -> Iterator[datetime]:
    """The next `count` firing minutes after `after` (for previews and tests)."""
    when = after
    for _ in range(count):
        nxt = tabs.next_fire(when)
        if nxt is None:
            return
        yield nxt
        when = nxt
