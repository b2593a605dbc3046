#!/usr/bin/env python3
"""Benchmark the Jenkinsfile grammar: parser build, import time, and parse+validate per file.

    python bench/parse.py [CORPUS_DIR] [--json]

CORPUS_DIR defaults to ../shared/corpus/realworld/declarative next to the repository. Every
`*.groovy` file and every file whose name contains "Jenkinsfile" or "jenkinsfile" under it
(recursively) is run through `orchestrator.grammar.check` once as a warm-up, then timed best of 3.

Measured in fresh subprocesses (so nothing is already imported or built):
* parser build, cold: Lark cache file removed first, so Lark builds the LALR tables from the grammar;
* parser build, warm: cache file present, so Lark loads the tables from it;
  (both best of 3, in a private XDG_CACHE_HOME so the user's cache is neither deleted nor raced);
* import: wall time of `python -c "import orchestrator.grammar"`, best of 5, compared with the
  target; the same import timed inside the process, and a bare `python -c pass`, are shown too.

Targets: median parse+validate < 5 ms per file, import < 0.3 s.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "realworld" / "declarative"
MEDIAN_TARGET_MS = 5.0
IMPORT_TARGET_S = 0.3
PARSE_REPEATS = 3
IMPORT_REPEATS = 5
BUILD_REPEATS = 3

# Runs in a fresh interpreter: optionally remove the cache, then time the import and the build.
_BUILD_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
from orchestrator.grammar import lalr as parser
t1 = time.perf_counter()
path = parser._cache_path()
if sys.argv[1] == "cold" and os.path.exists(path):
    os.remove(path)
existed = os.path.exists(path)
t2 = time.perf_counter()
parser.get_parser()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "build_s": t3 - t2, "cache_path": path,
                  "cache_existed": existed, "cache_written": os.path.exists(path)}))
"""

_IMPORT_CHILD = r"""
import time
t0 = time.perf_counter()
import orchestrator.grammar
print(time.perf_counter() - t0)
"""


def corpus_files(root: Path) -> list[Path]:
    found = [p for p in root.rglob("*")
             if p.is_file() and (p.suffix == ".groovy" or "Jenkinsfile" in p.name or "jenkinsfile" in p.name)]
    return sorted(found)


def count_lines(text: str) -> int:
    """Lines as `wc -l` would count them, plus a last line without a newline."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _run_child(code: str, args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time and stdout of `python -c code args...`, run from the repository root."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"subprocess failed ({done.returncode}):\n{done.stderr.strip()}")
    return wall, done.stdout.strip()


def measure_build() -> dict:
    """Best-of-N parser build time in fresh subprocesses, cold (no cache file) and warm."""
    with tempfile.TemporaryDirectory(prefix="orchestrator-bench-cache-") as cache_home:
        env = {**os.environ, "XDG_CACHE_HOME": cache_home}
        cold, warm = [], []
        for _ in range(BUILD_REPEATS):
            _, out = _run_child(_BUILD_CHILD, ["cold"], env)
            info = json.loads(out)
            if info["cache_existed"]:
                raise RuntimeError(f"cold build found a cache file at {info['cache_path']}")
            cold.append(info["build_s"])
            _, out = _run_child(_BUILD_CHILD, ["warm"], env)
            info = json.loads(out)
            if not info["cache_existed"]:
                raise RuntimeError(f"warm build found no cache file at {info['cache_path']} "
                                   "(the cold build did not write one)")
            warm.append(info["build_s"])
    return {"parser_build_cold_s": min(cold), "parser_build_warm_s": min(warm)}


def measure_import() -> dict:
    """`python -c "import orchestrator.grammar"` wall time, best of N, with context figures."""
    env = dict(os.environ)
    command, inside, bare = [], [], []
    for _ in range(IMPORT_REPEATS):
        wall, _ = _run_child("import orchestrator.grammar", [], env)
        command.append(wall)
        _, out = _run_child(_IMPORT_CHILD, [], env)
        inside.append(float(out))
        wall, _ = _run_child("pass", [], env)
        bare.append(wall)
    return {"import_s": min(command), "import_in_process_s": min(inside), "interpreter_startup_s": min(bare)}


def measure_parse(files: list[Path], root: Path) -> dict:
    from orchestrator.grammar import check
    from orchestrator.grammar.parser import get_parser

    get_parser()
    texts = [(path, path.read_text(encoding="utf-8", errors="replace")) for path in files]

    def run(text: str):
        try:
            return check(text), None
        except Exception as e:  # noqa: BLE001 - a benchmark reports crashes, it does not stop at them
            return None, f"{type(e).__name__}: {e}"

    for _, text in texts:  # warm-up: caches, lazily built tables, branch predictors
        run(text)

    timings, crashed, invalid = [], [], 0
    for path, text in texts:
        best = math.inf
        for _ in range(PARSE_REPEATS):
            start = time.perf_counter()
            result, error = run(text)
            best = min(best, time.perf_counter() - start)
        timings.append((best, path))
        if error is not None:
            crashed.append(f"{path.relative_to(root)}: {error[:120]}")
        elif not result.valid:
            invalid += 1

    ms = sorted(t * 1000 for t, _ in timings)
    total = sum(t for t, _ in timings)
    slowest_time, slowest_path = max(timings, key=lambda item: item[0]) if timings else (math.nan, None)
    return {
        "files": len(texts),
        "total_lines": sum(count_lines(text) for _, text in texts),
        "files_per_second": len(texts) / total if total else math.nan,
        "median_ms": statistics.median(ms) if ms else math.nan,
        "p95_ms": percentile(ms, 0.95),
        "max_ms": ms[-1] if ms else math.nan,
        "slowest_file": str(slowest_path.relative_to(root)) if slowest_path else None,
        "files_with_errors": invalid,
        "crashes": len(crashed),
        "crashed_files": crashed,
        "_slowest_s": slowest_time,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                    help=f"folder of Jenkinsfiles (default: {DEFAULT_CORPUS})")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = ap.parse_args(argv)

    root = args.corpus.resolve()
    if not root.is_dir():
        print(f"error: corpus folder not found: {root}", file=sys.stderr)
        return 2
    files = corpus_files(root)
    if not files:
        print(f"error: no *.groovy or *Jenkinsfile* files under {root}", file=sys.stderr)
        return 2
    try:
        import orchestrator.grammar  # noqa: F401
    except ImportError as e:
        print(f"error: cannot import orchestrator.grammar ({e}); run `pip install -e .` in {REPO}", file=sys.stderr)
        return 2

    results: dict = {"corpus": str(root)}
    results.update(measure_parse(files, root))
    results.pop("_slowest_s")
    results.update(measure_build())
    results.update(measure_import())
    results["target_median_ms"] = MEDIAN_TARGET_MS
    results["target_import_s"] = IMPORT_TARGET_S
    results["median_target_met"] = results["median_ms"] < MEDIAN_TARGET_MS
    results["import_target_met"] = results["import_s"] < IMPORT_TARGET_S
    results["targets_met"] = results["median_target_met"] and results["import_target_met"]

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    crashed_files = results.pop("crashed_files")
    for key, value in results.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float):
            value = f"{value:.4f}" if key.endswith("_s") else f"{value:.2f}"
        print(f"{key}: {value}")
    for line in crashed_files:
        print(f"crashed: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
