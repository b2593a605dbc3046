"""Seeded mutation ("fuzz") test: `check()` must survive any text thrown at it.

Every corpus Jenkinsfile is a starting point; each case picks one and damages it in one way
(truncation, deleted/duplicated/swapped lines, inserted junk characters, unbalanced braces or
quotes, or several of those stacked). For every mutated text `check(text)` must:

* return a LintResult and never raise (a GroovySyntaxError escaping `check` counts as a crash too:
  syntax errors are supposed to come back as diagnostics);
* give diagnostics positioned inside the text: 1 <= line <= text.count("\\n") + 1, column >= 1;
* give every diagnostic a non-empty message.

Cases are deterministic: case `i` of kind `k` uses `random.Random(f"{SEED}:{k}:{i}")` alone, so a
failure reported as `[delete_line #123]` is reproduced (given the same corpus) by

    python tests/grammar/test_robustness.py delete_line 123

which prints the source file, the mutation, the mutated text and what `check` did with it.
Environment knobs (for local exploration; the defaults are what CI runs):
ORCHESTRATOR_FUZZ_SEED (default 20240611) and ORCHESTRATOR_FUZZ_CASES (cases per kind, default 375).
"""
from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SEED = int(os.environ.get("ORCHESTRATOR_FUZZ_SEED", "20240611"))
CASES_PER_KIND = int(os.environ.get("ORCHESTRATOR_FUZZ_CASES", "375"))
MAX_REPORTED = 5


# ---------------------------------------------------------------- corpus

@lru_cache(maxsize=None)
def corpus_files() -> tuple[tuple[str, str], ...]:
    """(path relative to the corpus, text) of every seed Jenkinsfile, in a stable order."""
    if not CORPUS.is_dir():
        return ()
    paths: list[Path] = []
    paths += sorted((CORPUS / "declarative" / "valid").glob("**/*.groovy"))
    paths += sorted((CORPUS / "declarative" / "errors").glob("*.groovy"))
    realworld = CORPUS / "realworld" / "declarative"
    if realworld.is_dir():
        paths += sorted(p for p in realworld.iterdir() if p.is_file())
    return tuple((p.relative_to(CORPUS).as_posix(), p.read_text(encoding="utf-8", errors="replace"))
                 for p in paths if p.is_file())


# ---------------------------------------------------------------- junk to insert

# Hand-picked strings that stress the lexer: string/GString/comment delimiters, escapes,
# control characters, line terminators, BOMs and zero-width characters, astral characters.
JUNK = [
    "\x00", "\x00\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\r", "\r\n", "\n", "\x0b", "\x0c",
    "'", '"', "'''", '"""', "`", "\\", "\\\\", "\\'", '\\"', "\\u", "\\u12", "\\u00e9", "\\x", "\\\n", "\\$",
    "\\0", "\\377", "\\8", "\\9",
    "$", "${", "${}", "${x", "$/", "/$", "$$", "${'}'}", '"${', '"$', "'${'", "${\"}\"}",
    "{", "}", "(", ")", "[", "]", "{}", "()", "[]", "{{", "}}", ")(", "][",
    "/", "//", "/*", "*/", "/**", "#!", "@", "->", "::", "?.", "*.", ".&", "..", ";", ",", ":", "=", "==~", "=~",
    "\ufeff", "\u200b", "\u200e", "\u2028", "\u2029", "\u00a0", "\u3000", "\ufffd", "\ufffe", "\uffff",
    "é", "ß", "中文", "Σ", "ﬁ", "😀", "𝔘", "\U0010fffd", "\u0301", "İ",
    "pipeline", "pipeline {", "stage(", "steps {", "agent any", "}\n}", "'''\n", '"""\n',
]


# Backslash escapes, well-formed and not. Groovy knows \b \f \n \r \s \t \\ \' \" \$ \/, octal \0 to \377,
# \uXXXX (exactly four hex digits) and backslash-newline; anything else is a compile error.
ESCAPES = ["\\", "\\n", "\\t", "\\s", "\\b", "\\f", "\\$", "\\'", '\\"', "\\/", "\\\\", "\\\n", "\\\r\n",
           "\\0", "\\7", "\\12", "\\377", "\\400", "\\8", "\\9", "\\08", "\\u", "\\u1", "\\u12", "\\u123",
           "\\u00e9", "\\uD800", "\\uFFFF", "\\uzzzz", "\\U0001", "\\x41", "\\q", "\\\x00", "\\\u00b2", "\\\u0663"]


def random_char(rng: random.Random) -> str:
    """One random surrogate-free code point: ASCII/control, Latin-1, other BMP or astral."""
    band = rng.random()
    if band < 0.3:
        cp = rng.randrange(0x00, 0x80)
    elif band < 0.45:
        cp = rng.randrange(0x80, 0x100)
    elif band < 0.85:
        cp = rng.choice((rng.randrange(0x100, 0xD800), rng.randrange(0xE000, 0x10000)))
    else:
        cp = rng.randrange(0x10000, 0x110000)
    return chr(cp)


def random_junk(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(JUNK)
    if roll < 0.75:
        return "".join(random_char(rng) for _ in range(rng.randint(1, 4)))
    if roll < 0.85:  # a backslash escape of any character
        return "\\" + random_char(rng)
    # a mix of both
    return "".join(rng.choice(JUNK) if rng.random() < 0.5 else random_char(rng) for _ in range(rng.randint(2, 5)))


# ---------------------------------------------------------------- mutation operators
# Each takes (rng, text) and returns (new text, description, offset of the change in the new text).

Mutation = tuple[str, str, int]


def _line_spans(text: str) -> list[str]:
    """Lines with their terminators, so that "".join(lines) == text."""
    return text.splitlines(keepends=True) if text else [""]


def _offset_of_line(lines: list[str], index: int) -> int:
    return sum(len(line) for line in lines[:index])


def _ensure_terminated(line: str) -> str:
    return line if line.endswith("\n") else line + "\n"


def mutate_truncate(rng: random.Random, text: str) -> Mutation:
    roll = rng.random()
    if roll < 0.6 or not text:
        cut = rng.randint(0, len(text))
        how = "random offset"
    elif roll < 0.8:
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        cut = rng.choice(starts)
        how = "line start"
    else:  # just before or after an interesting character
        interesting = [m.start() + rng.randint(0, 1) for m in re.finditer(r"""[{}()'"$\\/\[\]]""", text)]
        cut = rng.choice(interesting) if interesting else rng.randint(0, len(text))
        how = "next to a delimiter"
    return text[:cut], f"truncate at offset {cut} of {len(text)} ({how})", cut


def mutate_delete_line(rng: random.Random, text: str) -> Mutation:
    lines = _line_spans(text)
    count = rng.choice((1, 1, 1, 2, 3, rng.randint(1, 12)))
    start = rng.randrange(len(lines))
    end = min(len(lines), start + count)
    offset = _offset_of_line(lines, start)
    del lines[start:end]
    return "".join(lines), f"delete lines {start + 1}..{end}", offset


def mutate_duplicate_line(rng: random.Random, text: str) -> Mutation:
    lines = _line_spans(text)
    count = rng.choice((1, 1, 1, 2, 3, rng.randint(1, 12)))
    start = rng.randrange(len(lines))
    end = min(len(lines), start + count)
    block = [_ensure_terminated(line) for line in lines[start:end]]
    times = rng.choice((1, 1, 1, 2, 5))
    if rng.random() < 0.7:  # right after itself
        at = end
        lines[end - 1] = _ensure_terminated(lines[end - 1])
    else:  # somewhere else
        at = rng.randint(0, len(lines))
        if at > 0:
            lines[at - 1] = _ensure_terminated(lines[at - 1])
    lines[at:at] = block * times
    offset = _offset_of_line(lines, at)
    return "".join(lines), f"duplicate lines {start + 1}..{end} x{times} at line {at + 1}", offset


def mutate_swap_lines(rng: random.Random, text: str) -> Mutation:
    lines = [_ensure_terminated(line) for line in _line_spans(text)]
    if len(lines) < 2:
        return text + "\n", "append a newline (too few lines to swap)", len(text)
    i = rng.randrange(len(lines))
    if rng.random() < 0.6:  # neighbours: the most plausible editing accident
        j = i + 1 if i + 1 < len(lines) else i - 1
    else:
        j = rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    new = "".join(lines)
    if not text.endswith("\n"):
        new = new[:-1]
    return new, f"swap lines {i + 1} and {j + 1}", _offset_of_line(lines, min(i, j))


def mutate_insert_chars(rng: random.Random, text: str) -> Mutation:
    roll = rng.random()
    if roll < 0.15 and text:  # a backslash escape just inside a string, where escapes are decoded
        spots = [m.end() for m in re.finditer(r"""'{1,3}|"{1,3}""", text)]
        at = rng.choice(spots) if spots else rng.randint(0, len(text))
        junk = rng.choice(ESCAPES) if rng.random() < 0.7 else "\\" + random_char(rng)
        return text[:at] + junk + text[at:], f"insert escape {junk!r} inside a string at offset {at}", at
    junk = random_junk(rng)
    if roll < 0.6 or not text:
        at = rng.randint(0, len(text))
    elif roll < 0.8:  # next to a delimiter, where the lexer switches modes
        spots = [m.start() + rng.randint(0, 1) for m in re.finditer(r"""['"$\\{}/]""", text)]
        at = rng.choice(spots) if spots else rng.randint(0, len(text))
    else:  # at a line start or end
        ends = [0] + [m.start() for m in re.finditer("\n", text)] + [m.end() for m in re.finditer("\n", text)]
        at = rng.choice(ends)
    return text[:at] + junk + text[at:], f"insert {junk!r} at offset {at}", at


_BRACES = "{}"
_ALL_BRACKETS = "{}()[]"


def mutate_unbalance_braces(rng: random.Random, text: str) -> Mutation:
    chars = _BRACES if rng.random() < 0.8 else _ALL_BRACKETS
    char = rng.choice(chars)
    positions = [i for i, c in enumerate(text) if c == char]
    roll = rng.random()
    if roll < 0.45 and positions:
        at = rng.choice(positions)
        return text[:at] + text[at + 1:], f"remove {char!r} at offset {at}", at
    if roll < 0.55 and positions:  # the last one: a file whose end was lost
        at = positions[-1]
        return text[:at] + text[at + 1:], f"remove the last {char!r} (offset {at})", at
    if roll < 0.8:
        at = rng.randint(0, len(text))
        return text[:at] + char + text[at:], f"add {char!r} at offset {at}", at
    lines = _line_spans(text)
    index = rng.randint(0, len(lines))
    lines.insert(index, char + "\n")
    if index > 0:
        lines[index - 1] = _ensure_terminated(lines[index - 1])
    at = _offset_of_line(lines, index)
    return "".join(lines), f"add a line {char!r} before line {index + 1}", at


_QUOTES = ("'", '"', "'''", '"""')


def mutate_unbalance_quotes(rng: random.Random, text: str) -> Mutation:
    quote = rng.choice(_QUOTES)
    positions = [m.start() for m in re.finditer(re.escape(quote), text)]
    roll = rng.random()
    if roll < 0.45 and positions:
        at = rng.choice(positions)
        return text[:at] + text[at + len(quote):], f"remove {quote!r} at offset {at}", at
    if roll < 0.6 and positions:  # turn one quote into the other kind
        at = rng.choice(positions)
        other = quote.replace("'", "\x00").replace('"', "'").replace("\x00", '"')
        return text[:at] + other + text[at + len(quote):], f"replace {quote!r} by {other!r} at offset {at}", at
    if roll < 0.85:
        at = rng.randint(0, len(text))
        return text[:at] + quote + text[at:], f"add {quote!r} at offset {at}", at
    ends = [m.start() for m in re.finditer("\n", text)] or [len(text)]
    at = rng.choice(ends)
    return text[:at] + quote + text[at:], f"add {quote!r} at the end of a line (offset {at})", at


OPERATORS: dict[str, Callable[[random.Random, str], Mutation]] = {
    "truncate": mutate_truncate,
    "delete_line": mutate_delete_line,
    "duplicate_line": mutate_duplicate_line,
    "swap_lines": mutate_swap_lines,
    "insert_chars": mutate_insert_chars,
    "unbalance_braces": mutate_unbalance_braces,
    "unbalance_quotes": mutate_unbalance_quotes,
}


def mutate_stacked(rng: random.Random, text: str) -> Mutation:
    """Two to five of the other mutations applied one after the other."""
    names = sorted(OPERATORS)
    steps, at = [], 0
    for _ in range(rng.randint(2, 5)):
        name = rng.choice(names)
        text, description, at = OPERATORS[name](rng, text)
        steps.append(description)
    return text, "; then ".join(steps), at


KINDS: dict[str, Callable[[random.Random, str], Mutation]] = {**OPERATORS, "stacked": mutate_stacked}


@dataclass(frozen=True)
class Case:
    kind: str
    index: int
    source: str
    description: str
    text: str
    offset: int

    @property
    def label(self) -> str:
        return f"[{self.kind} #{self.index}]"

    def excerpt(self, around: Optional[int] = None, width: int = 60) -> str:
        at = self.offset if around is None else around
        start, end = max(0, at - width // 2), min(len(self.text), at + width // 2)
        return ("…" if start else "") + repr(self.text[start:end]) + ("…" if end < len(self.text) else "")


def make_case(kind: str, index: int) -> Case:
    files = corpus_files()
    rng = random.Random(f"{SEED}:{kind}:{index}")
    source, text = files[rng.randrange(len(files))]
    mutated, description, offset = KINDS[kind](rng, text)
    return Case(kind, index, source, description, mutated, offset)


# ---------------------------------------------------------------- the property

def _line_offset(text: str, line: int) -> int:
    """Offset of the start of 1-based `line`, clamped to the text."""
    offset = 0
    for _ in range(max(0, line - 1)):
        nl = text.find("\n", offset)
        if nl < 0:
            return len(text)
        offset = nl + 1
    return offset


def problems_with(case: Case) -> Optional[str]:
    """None when `check` handled the case correctly, else a one-paragraph description."""
    from orchestrator.grammar import LintResult, check

    try:
        result = check(case.text)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - anything escaping check() is the bug we look for
        frame = traceback.extract_tb(e.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
        return (f"check() raised {type(e).__name__}: {str(e)[:200]} (at {where})\n"
                f"    near the mutation: {case.excerpt()}")
    if not isinstance(result, LintResult):
        return f"check() returned {type(result).__name__}, not LintResult"
    n_lines = case.text.count("\n") + 1
    for d in result.diagnostics:
        bad = []
        if not isinstance(d.line, int) or not 1 <= d.line <= n_lines:
            bad.append(f"line {d.line!r} outside 1..{n_lines}")
        if not isinstance(d.column, int) or d.column < 1:
            bad.append(f"column {d.column!r} < 1")
        if not isinstance(d.message, str) or not d.message.strip():
            bad.append(f"empty message {d.message!r}")
        if bad:
            near = _line_offset(case.text, d.line) if isinstance(d.line, int) and 1 <= d.line <= n_lines \
                else case.offset
            return (f"diagnostic {', '.join(bad)}: {d.message[:160]!r}\n"
                    f"    near the mutation: {case.excerpt()}\n"
                    f"    near the diagnostic: {case.excerpt(near)}")
    return None


def _report(kind: str, failures: list[tuple[Case, str]], total: int) -> str:
    lines = [f"{len(failures)} of {total} '{kind}' mutations broke check() (seed {SEED}); first "
             f"{min(len(failures), MAX_REPORTED)}:"]
    for case, problem in failures[:MAX_REPORTED]:
        lines.append(f"{case.label} {case.source}: {case.description}\n    {problem}")
    first = failures[0][0]
    lines.append(f"reproduce one with: python tests/grammar/test_robustness.py {first.kind} {first.index}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus() -> tuple[tuple[str, str], ...]:
    files = corpus_files()
    if not files:
        pytest.skip(f"Jenkinsfile corpus not found at {CORPUS} (expected ../shared/corpus next to the repo)")
    return files


@pytest.mark.parametrize("kind", KINDS)
def test_check_survives_mutations(kind: str, corpus) -> None:
    failures = []
    for index in range(CASES_PER_KIND):
        case = make_case(kind, index)
        problem = problems_with(case)
        if problem is not None:
            failures.append((case, problem))
    assert not failures, _report(kind, failures, CASES_PER_KIND)


@pytest.mark.parametrize("text", [
    "echo '\\u'",
    'echo "\\u12"',
    "echo '''\\uzz'''",
    "echo '\\8'",
    'echo "\\9${x}"',
    'pipeline { agent any; stages { stage("a") { steps { echo "\\u1" } } } }',
])
def test_malformed_escape_minimal(text: str) -> None:
    """Malformed escapes the mutations once crashed on: now syntax diagnostics (no corpus needed)."""
    problem = problems_with(Case("minimal", 0, "<inline>", "none", text, 0))
    assert problem is None, problem


def test_mutations_are_deterministic(corpus) -> None:
    """The whole scheme relies on a case index naming one exact text."""
    for kind in KINDS:
        assert make_case(kind, 7) == make_case(kind, 7)
    assert make_case("truncate", 1).text != make_case("truncate", 2).text or \
        make_case("truncate", 1).source != make_case("truncate", 2).source


def test_unmutated_corpus(corpus) -> None:
    """The baseline: the untouched corpus files must satisfy the same property."""
    failures = []
    for index, (source, text) in enumerate(corpus):
        case = Case("unmutated", index, source, "no mutation", text, 0)
        problem = problems_with(case)
        if problem is not None:
            failures.append((case, problem))
    assert not failures, "\n".join(f"{c.source}: {p}" for c, p in failures[:MAX_REPORTED])


# ---------------------------------------------------------------- reproduce one case by hand

def _main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in KINDS or not argv[1].isdigit():
        print(f"usage: python {Path(__file__).name} KIND INDEX   (KIND: {', '.join(KINDS)})", file=sys.stderr)
        return 2
    if not corpus_files():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    case = make_case(argv[0], int(argv[1]))
    print(f"case:     {case.label} seed {SEED}")
    print(f"source:   {case.source}")
    print(f"mutation: {case.description}")
    print(f"lines:    {case.text.count(chr(10)) + 1}")
    print(f"excerpt:  {case.excerpt()}")
    saved = Path(tempfile.gettempdir()) / f"orchestrator-fuzz-{case.kind}-{case.index}.groovy"
    saved.write_text(case.text, encoding="utf-8", newline="")
    print(f"saved:    {saved}")
    if len(case.text) <= 2000:
        print(f"text:     {case.text!r}")
    from orchestrator.grammar import check
    try:
        result = check(case.text)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        return 1
    for d in result.diagnostics:
        print(f"diagnostic: line {d.line} column {d.column} [{d.severity}] {d.message}")
    problem = problems_with(case)
    print("verdict:  " + ("OK" if problem is None else "FAIL: " + problem))
    return 0 if problem is None else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
