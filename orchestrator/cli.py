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


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return key, value


def cmd_run(args: argparse.Namespace) -> int:
    """Run a Jenkinsfile here and now. Exit 0 SUCCESS, 1 FAILURE, 2 usage or invalid Jenkinsfile,
    3 UNSTABLE, 4 ABORTED or NOT_BUILT."""
    from pathlib import Path

    from orchestrator.results import EXIT_CODES
    from orchestrator.runlocal import RunOptions, run

    options = RunOptions(
        jenkinsfile=Path(args.jenkinsfile), params=dict(args.param or []),
        workspace=Path(args.workspace) if args.workspace else None, job=args.job,
        home=Path(args.home) if args.home else None,
        credentials=Path(args.credentials) if args.credentials else None, input_answer=args.input,
    )
    if args.casc:
        from orchestrator import casc
        try:
            options.clouds = tuple(casc.load(args.casc).jenkins.clouds)
        except casc.CascError as e:   # a bad configuration is a usage error here (2), not a failed build (1)
            print(f"orchestrator: {e}", file=sys.stderr)
            return 2
    return EXIT_CODES[run(options)]


def cmd_serve(args: argparse.Namespace) -> int:
    from orchestrator.server import main_serve
    return main_serve(args)


def cmd_casc(args: argparse.Namespace) -> int:
    """Configuration as code: check JCasC YAML (exit 0 valid, 1 invalid), export it, print its schema."""
    import json

    from orchestrator import casc

    if args.casc_command == "schema":
        print(json.dumps(casc.schema(), indent=2))
        return 0
    sources = args.files if args.casc_command == "check" else args.casc
    report = casc.check(",".join(sources) if sources else None)
    if args.casc_command == "export":
        for issue in report.errors:
            print(issue.render(), file=sys.stderr)
        if report.config is None:
            return 1
        sys.stdout.write(casc.export_yaml(report.config))
        return 0
    if args.json:
        print(json.dumps({"valid": report.ok, "errors": [e.as_dict() for e in report.errors],
                          "warnings": [w.as_dict() for w in report.warnings]}, indent=2))
        return 0 if report.ok else 1
    for issue in list(report.errors) + list(report.warnings):
        first, *rest = issue.render().split("\n")
        print(first)
        for line in rest:
            print(f"    {line}")
    if report.ok and report.config is not None:
        c = report.config
        print(f"OK: {len(c.jobs)} job(s), {len(c.credentials)} credential(s), {len(c.jenkins.clouds)} cloud(s)"
              + (f", {len(report.warnings)} warning(s)" if report.warnings else ""))
        return 0
    print(f"{len(report.errors)} error(s): nothing would be applied")
    return 1


def cmd_token(args: argparse.Namespace) -> int:
    """API tokens of a local user: `create` prints the new token once (only its SHA-256 is stored),
    `list` shows names and UUIDs, `revoke` deletes one. Exit 1 when the user or token does not exist."""
    from pathlib import Path

    from orchestrator.runlocal import default_home
    from orchestrator.security.passwords import new_token
    from orchestrator.store import Store

    store = Store(Path(args.home) if args.home else default_home())
    if store.user(args.user) is None:
        print(f"orchestrator: no such user: {args.user} (users come from JCasC securityRealm: local, "
              "or `orchestrator user add`)", file=sys.stderr)
        return 1
    if args.token_command == "create":
        uuid, value, digest = new_token()
        store.add_token(args.user, args.name, digest, uuid)
        print(value)
        print(f"token '{args.name}' ({uuid}) created for {args.user}; it is not shown again", file=sys.stderr)
        return 0
    if args.token_command == "list":
        for token in store.tokens(args.user):
            print(f"{token['uuid']}  {token['name']}")
        return 0
    if not store.revoke_token(args.user, args.uuid):
        print(f"orchestrator: {args.user} has no token {args.uuid}", file=sys.stderr)
        return 1
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """Local users: `add USER` (or `password USER`) reads the password from standard input (first line)."""
    from pathlib import Path

    from orchestrator.runlocal import default_home
    from orchestrator.security.passwords import hash_password, new_seed
    from orchestrator.store import Store

    store = Store(Path(args.home) if args.home else default_home())
    if args.user_command == "list":
        for user in store.users():
            print(f"{user['id']}  {user['full_name']}  ({user['source']})")
        return 0
    existing = store.user(args.user)
    if args.user_command == "add" and existing is not None:
        print(f"orchestrator: user {args.user} already exists (use `orchestrator user password`)", file=sys.stderr)
        return 1
    if args.user_command == "password" and existing is None:
        print(f"orchestrator: no such user: {args.user}", file=sys.stderr)
        return 1
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        print("orchestrator: no password on standard input", file=sys.stderr)
        return 2
    store.put_user(args.user, getattr(args, "full_name", None) or (existing or {}).get("full_name") or args.user,
                   hash_password(password), new_seed(), (existing or {}).get("source") or "cli")
    return 0


def cmd_pod(args: argparse.Namespace) -> int:
    """Print the Pod manifest of each pod agent allocation (kubernetes/docker/dockerfile agents) as
    YAML documents, like the kubernetes plugin's showRawYaml, and check them before any pod exists:
    container() names the pod lacks, invalid manifests, privileged containers, hostPath volumes and
    unpinned images are reported on stderr (exit 1 on errors)."""
    from pathlib import Path

    import yaml

    from orchestrator.agents.agentparams import literal_params
    from orchestrator.agents.checks import PodPolicy, allocations, check_pods
    from orchestrator.agents.pods import BuildRef, PodSpecError, build_pod, select_cloud
    from orchestrator.grammar import check
    from orchestrator.grammar.errors import Diagnostic

    text = _read(args.jenkinsfile)
    result = check(text)
    diagnostics = list(result.diagnostics)
    clouds = ()
    if args.casc:
        from orchestrator import casc
        clouds = casc.load(args.casc).jenkins.clouds
    documents, manifests, agent_params = [], {}, {}
    policy = PodPolicy(args.allow_privileged, args.allow_host_path)
    if result.pipeline is not None and result.valid:
        base = Path(args.jenkinsfile).resolve().parent if args.jenkinsfile != "-" else Path.cwd()
        job = args.job or base.name or "job"
        chosen = [al for al in allocations(result.pipeline)
                  if args.stage is None or al.path == args.stage or al.path.split("/")[-1] == args.stage]
        for al in chosen:
            params, warnings = literal_params(al.agent)
            diagnostics += warnings
            yaml_file = None
            if params.get("yamlFile"):
                path = base / str(params["yamlFile"])
                yaml_file = path.read_text(encoding="utf-8") if path.is_file() else None
            try:
                manifest = build_pod(params, clouds, BuildRef(job, args.number, al.path), kind=al.agent.type,
                                     yaml_file=yaml_file, image=args.image or f"localhost/{job.lower()}:{args.number}")
            except PodSpecError as e:
                diagnostics.append(Diagnostic(al.agent.line, al.agent.column, str(e)))
                continue
            manifests[al.path] = manifest
            documents.append(manifest)
            if not (args.allow_privileged or args.allow_host_path):
                policy = PodPolicy.for_cloud(select_cloud(params.get("cloud"), clouds))
            agent_params[al.path] = params
        diagnostics += check_pods(result.pipeline, manifests, policy, agent_params)
        if args.stage is not None and not chosen:
            diagnostics.append(Diagnostic(1, 1, f"no pod agent for stage '{args.stage}'"))
    if documents:
        sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=False))
    for d in sorted(set(diagnostics)):
        print(("" if d.severity == "error" else "warning: ") + d.render(), file=sys.stderr)
    return 1 if any(d.severity == "error" for d in diagnostics) else 0


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

    run = sub.add_parser("run", help="run a Jenkinsfile locally, printing its console",
                         description=cmd_run.__doc__)
    run.add_argument("jenkinsfile", nargs="?", default="Jenkinsfile", metavar="JENKINSFILE",
                     help="the Jenkinsfile to run (default: ./Jenkinsfile)")
    run.add_argument("-p", "--param", action="append", type=_key_value, metavar="NAME=VALUE",
                     help="a build parameter value (repeatable)")
    run.add_argument("--workspace", metavar="DIR", help="run the steps in DIR (default: a workspace per job "
                                                         "under the home folder, with the Jenkinsfile's git "
                                                         "repository checked out into it)")
    run.add_argument("--job", metavar="NAME", help="job name (default: the Jenkinsfile's folder name)")
    run.add_argument("--home", metavar="DIR", help="home folder for workspaces, logs and build numbers "
                                                   "(default: $ORCHESTRATOR_HOME or ~/.orchestrator)")
    run.add_argument("--credentials", metavar="FILE", help="JCasC-style YAML with a `credentials:` root")
    run.add_argument("--casc", metavar="FILE", help="JCasC YAML whose Kubernetes clouds pod agents use "
                                                    "(pod templates, inheritFrom, containerCap)")
    run.add_argument("--input", choices=("proceed", "abort"), help="how to answer `input` steps when there is "
                                                                    "no terminal to ask on")
    run.set_defaults(func=cmd_run)

    casc = sub.add_parser("casc", help="check, export or describe Configuration as Code (JCasC) YAML",
                          description=cmd_casc.__doc__)
    casc_sub = casc.add_subparsers(dest="casc_command", metavar="ACTION")
    casc_sub.required = True
    casc_check = casc_sub.add_parser("check", help="validate JCasC sources as one configuration; messages name "
                                                   "file:line and key")
    casc_check.add_argument("files", nargs="*", metavar="SOURCE",
                            help="file, folder or URL (default: $CASC_JENKINS_CONFIG); several merge as in JCasC")
    casc_check.add_argument("--json", action="store_true", help="print {valid, errors, warnings} as JSON")
    casc_export = casc_sub.add_parser("export", help="print the configuration as YAML, secrets replaced by ${VARS}")
    casc_export.add_argument("--casc", action="append", metavar="SOURCE",
                             help="file, folder or URL to export (repeatable; default: $CASC_JENKINS_CONFIG)")
    casc_sub.add_parser("schema", help="print the JSON Schema of the supported configuration")
    casc.set_defaults(func=cmd_casc)

    pod = sub.add_parser("pod", help="print the Pod manifests of a Jenkinsfile's pod agents and check them",
                         description=cmd_pod.__doc__)
    pod.add_argument("jenkinsfile", nargs="?", default="Jenkinsfile", metavar="JENKINSFILE")
    pod.add_argument("--casc", metavar="FILE", help="JCasC YAML with the Kubernetes clouds and pod templates")
    pod.add_argument("--stage", metavar="NAME", help="only the agent of this stage (name or path A/B)")
    pod.add_argument("--job", metavar="NAME", help="job name for pod names and labels (default: the folder's)")
    pod.add_argument("--number", type=int, default=1, help="build number for pod names (default 1)")
    pod.add_argument("--image", metavar="IMAGE", help="the image a dockerfile agent built")
    pod.add_argument("--allow-privileged", action="store_true", help="privileged containers are allowed")
    pod.add_argument("--allow-host-path", action="store_true", help="hostPath volumes are allowed")
    pod.set_defaults(func=cmd_pod)

    token = sub.add_parser("token", help="create, list or revoke a user's API tokens", description=cmd_token.__doc__)
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION")
    token_sub.required = True
    for action, extra in (("create", "name"), ("list", None), ("revoke", "uuid")):
        p = token_sub.add_parser(action)
        p.add_argument("user", metavar="USER")
        if extra:
            p.add_argument(extra, metavar=extra.upper())
        p.add_argument("--home", metavar="DIR", help="home folder (default $ORCHESTRATOR_HOME or ~/.orchestrator)")
    token.set_defaults(func=cmd_token)

    user = sub.add_parser("user", help="add local users or set their password (read from stdin)",
                          description=cmd_user.__doc__)
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION")
    user_sub.required = True
    for action in ("add", "password", "list"):
        p = user_sub.add_parser(action)
        if action != "list":
            p.add_argument("user", metavar="USER")
        if action == "add":
            p.add_argument("--full-name", default=None)
        p.add_argument("--home", metavar="DIR", help="home folder (default $ORCHESTRATOR_HOME or ~/.orchestrator)")
    user.set_defaults(func=cmd_user)

    serve = sub.add_parser("serve", help="run the Jenkins-compatible server (REST API under gunicorn + scheduler)",
                           description="Serve the Jenkins-compatible REST API and run queued builds.")
    from orchestrator.server import add_serve_arguments
    add_serve_arguments(serve)
    serve.set_defaults(func=cmd_serve)
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
