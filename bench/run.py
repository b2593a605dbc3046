"""Benchmarks for `orchestrator run` (issue: engine).

1. A one-stage hello pipeline: wall time of `orchestrator run` against `python -c pass` measured in
   the same run (target under 0.4 s here), and proof that the run path imports neither flask nor
   kubernetes.
2. A pipeline with 50 parallel branches each running `sh 'echo $BRANCH'`: wall time, and proof that
   all 50 outputs are in the log.

Usage: python bench/run.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """pipeline {
    agent any
    stages {
        stage('Hello') {
            steps {
                echo 'Hello, world'
            }
        }
    }
}
"""


def parallel_pipeline(n: int) -> str:
    branches = "\n".join(
        f"                stage('b{i}') {{ environment {{ BRANCH = 'branch-{i}' }}; steps {{ sh 'echo $BRANCH' }} }}"
        for i in range(n))
    return f"""pipeline {{
    agent any
    stages {{
        stage('fan-out') {{
            parallel {{
{branches}
            }}
        }}
    }}
}}
"""


def timed(argv: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, ORCHESTRATOR_HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"))
        # measured as installed software runs: with Python's bytecode cache (pip compiles it on install)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        hello = tmp_path / "hello" / "Jenkinsfile"
        hello.parent.mkdir()
        hello.write_text(HELLO)
        workspace = tmp_path / "ws"
        workspace.mkdir()
        run_argv = [sys.executable, "-m", "orchestrator", "run", str(hello), "--workspace", str(workspace)]
        cold_seconds, _ = timed(run_argv, env)  # first run: builds the parser and the Jenkinsfile cache
        baseline = [timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat)]
        runs = []
        for _ in range(args.repeat):
            seconds, done = timed(run_argv, env)
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                return 1
            runs.append(seconds)
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, runpy; sys.argv=['orchestrator','run',%r,'--workspace',%r];"
             "import orchestrator.cli as c; code=c.main(sys.argv[1:]);"
             "print('IMPORTED', ' '.join(m for m in ('flask','kubernetes') if m in sys.modules))"
             % (str(hello), str(workspace))], capture_output=True, text=True, env=env)
        imported = probe.stdout.strip().splitlines()[-1].split()[1:] if "IMPORTED" in probe.stdout else ["?"]
        hello_median = statistics.median(runs)
        base_median = statistics.median(baseline)
        print(f"hello_first_run_s: {cold_seconds:.3f} (parser built, Jenkinsfile parsed and cached)")
        print(f"hello_run_median_s: {hello_median:.3f}")
        print(f"python_pass_median_s: {base_median:.3f}")
        print(f"ratio_to_python_pass: {hello_median / base_median:.1f}")
        print(f"target_under_0.4_s: {'yes' if hello_median < 0.4 else 'no'}")
        print(f"run_path_imports_flask_or_kubernetes: {'yes ' + ','.join(imported) if imported else 'no'}")

        fan = tmp_path / "fan" / "Jenkinsfile"
        fan.parent.mkdir()
        fan.write_text(parallel_pipeline(50))
        seconds, done = timed([sys.executable, "-m", "orchestrator", "run", str(fan), "--workspace", str(workspace)],
                              env)
        log = done.stdout
        found = sum(1 for i in range(50) if f"\nbranch-{i}\n" in log)
        print(f"parallel_50_wall_s: {seconds:.3f}")
        print(f"parallel_50_outputs_in_log: {found}/50")
        print(f"parallel_50_result: {'SUCCESS' if done.returncode == 0 else done.returncode}")
        return 0 if found == 50 and done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
