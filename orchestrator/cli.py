"""The `orchestrator` command line: a thin shell over the library.

Subcommands import what they need when they run, so `orchestrator lint` never loads Flask or
the Kubernetes client.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from orchestrator.errors import OrchestratorError


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def cmd_lint(args: argparse.Namespace) -> int:
    """Validate Jenkinsfiles. Exit 0 when all are valid, 1 when any is invalid, 2 when one cannot be read."""
    import json

    from orchestrator.grammar import check
    from orchestrator.grammar.errors import render_report

    reports = []
    status = 0
    for path in args.files:
        name = "<stdin>" if path == "-" else path
        try:
            text = _read(path)
        except (OSError, UnicodeError) as e:
            print(f"{name}: cannot read: {e.strerror if isinstance(e, OSError) else e}", file=sys.stderr)
            status = 2
            continue
        result = check(text)
        if not result.valid:
            status = max(status, 1)
        if args.json:
            reports.append({"file": name, "valid": result.valid,
                            "errors": [d.as_dict() for d in result.diagnostics if d.severity == "error"],
                            "warnings": [d.as_dict() for d in result.diagnostics if d.severity != "error"]})
        elif result.valid:
            warnings = result.diagnostics
            print(f"{name}: OK" + (f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""))
            for w in warnings:
                print(f"  warning: {w.render()}")
        else:
            print(f"{name}: {len(result.diagnostics)} error{'s' if len(result.diagnostics) != 1 else ''}")
            print(render_report(result.diagnostics, text))
    if args.json:
        print(json.dumps(reports, indent=2))
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchestrator",
                                     description="A Jenkins-compatible build orchestrator whose agents are Pods.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    lint = sub.add_parser("lint", help="check Declarative Jenkinsfiles with Jenkins' own error messages",
                          description=cmd_lint.__doc__)
    lint.add_argument("files", nargs="+", metavar="FILE", help="Jenkinsfile to check; - reads standard input")
    lint.add_argument("--json", action="store_true", help="print a JSON list of {file, valid, errors}")
    lint.set_defaults(func=cmd_lint)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors, as argparse does
    try:
        return args.func(args)
    except OrchestratorError as e:
        print(f"orchestrator: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
