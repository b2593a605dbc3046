"""Sources -> one checked `Config`, all or nothing.

The order is JCasC's: read every source, parse each file, merge the trees (nothing is looked at
before the merge succeeds), apply the `configuration-as-code:` policies, then check the roots in
JCasC's order (jobs last). Unlike JCasC, *everything* is checked before a Config exists,
including Job DSL scripts and inline pipelines, which the plugin only discovers while applying;
so a Config is either wholly valid or not built at all, and all problems are reported together.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union
from typing import Mapping as TMapping

from . import credentials, items, jobdsl, plugins
from . import sources as src
from .errors import CascError, CascLoadError, CascWarning, InvalidValueError, SourceError, UnknownRootError
from .jenkins import JENKINS
from .jobs import settle
from .merge import merge_all, strategy_from_env
from .model import ApiTokenSettings, Config, GitHubPluginConfig, JenkinsSettings, Location, Options
from .spec import ROOT_ATTR, Attr, Context, Enum, Int, Obj
from .unclassified import APPEARANCE, SECURITY, TOOL, UNCLASSIFIED
from .yaml_lines import Mapping, Scalar, parse

CONTEXT = "io.jenkins.plugins.casc.ConfigurationContext"
SELF = Obj("io.jenkins.plugins.casc.impl.configurators.SelfConfigurator", [
    Attr("version", Int()),
    Attr("unknown", Enum(f"{CONTEXT}$Unknown", "reject", "warn")),
    Attr("restricted", Enum(f"{CONTEXT}$Restriction", "reject", "beta", "warn")),
    Attr("deprecated", Enum(f"{CONTEXT}$Deprecation", "reject", "warn")),
], model=Options, help="policies for unknown, restricted and deprecated attributes")


def _obj_root(obj: Obj) -> Callable[[Context, Any, str], Any]:
    return lambda ctx, node, path: obj.check(ctx, node, path, ROOT_ATTR)


# root name -> checker, in JCasC's application order (configuration-as-code first, jobs last)
ROOTS: dict[str, Callable[[Context, Any, str], Any]] = {
    "configuration-as-code": _obj_root(SELF),
    "jenkins": _obj_root(JENKINS),
    "unclassified": _obj_root(UNCLASSIFIED),
    "security": _obj_root(SECURITY),
    "tool": _obj_root(TOOL),
    "appearance": _obj_root(APPEARANCE),
    "credentials": credentials.check_root,
    "items": items.check_root,
    "jobs": jobdsl.check_root,
}
# the declared roots, for the JSON Schema (items: and jobs: are described in schemas.py)
ROOT_OBJECTS = {
    "configuration-as-code": SELF, "jenkins": JENKINS, "unclassified": UNCLASSIFIED, "security": SECURITY,
    "tool": TOOL, "appearance": APPEARANCE, "credentials": credentials.ROOT,
}


@dataclass(frozen=True)
class Report:
    """The outcome of checking sources: a Config when there is no error, and every issue found."""
    config: Optional[Config]
    errors: tuple[CascError, ...]
    warnings: tuple[CascWarning, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def load(sources: Union[str, Sequence[str], None] = None, env: Optional[TMapping[str, str]] = None) -> Config:
    """Read, merge, interpolate and check JCasC sources into a Config; raises CascLoadError.

    `sources` is a path, folder, URL or comma-separated list of them (default: $CASC_JENKINS_CONFIG);
    `env` is the environment variables and secrets see (default: os.environ).
    """
    report = check(sources, env)
    if not report.ok or report.config is None:
        raise CascLoadError(report.errors, report.warnings)
    return report.config


def check(sources: Union[str, Sequence[str], None] = None, env: Optional[TMapping[str, str]] = None) -> Report:
    """Like load(), but returns the errors instead of raising (for `casc check` and the check endpoint)."""
    env = dict(os.environ if env is None else env)
    value = sources if sources else env.get("CASC_JENKINS_CONFIG", "")
    if not value or not src.split(value):
        return Report(None, (SourceError("No configuration source: pass --casc PATH or set CASC_JENKINS_CONFIG"),), ())
    try:
        documents = src.read(value)
    except CascError as e:
        return Report(None, (e,), ())
    return check_documents(documents, env)


def load_documents(documents: Sequence[src.Source], env: Optional[TMapping[str, str]] = None) -> Config:
    report = check_documents(documents, env)
    if not report.ok or report.config is None:
        raise CascLoadError(report.errors, report.warnings)
    return report.config


def check_documents(documents: Sequence[src.Source], env: Optional[TMapping[str, str]] = None) -> Report:
    """The pure part: YAML texts (already read) -> Report. Nothing here touches the network."""
    env = dict(os.environ if env is None else env)
    ctx = Context(env, {d.name: d.text for d in documents})
    trees = []
    for document in documents:
        try:
            tree, warnings = parse(document.text, document.name, env)
        except CascError as e:
            ctx.errors.append(e)
            continue
        ctx.warnings += warnings
        trees.append(tree)
    if not ctx.errors and not trees:
        ctx.errors.append(SourceError("No configuration source to load"))
    if ctx.errors:
        return Report(None, tuple(ctx.errors), tuple(ctx.warnings))
    try:
        merged = merge_all(trees, strategy_from_env(env))
    except CascError as e:
        return Report(None, (e,), tuple(ctx.warnings))
    config = _configure(ctx, merged, tuple(d.name for d in documents))
    if ctx.errors:
        return Report(None, tuple(ctx.errors), tuple(ctx.warnings))
    return Report(config, (), tuple(ctx.warnings))


def _configure(ctx: Context, tree: Any, names: tuple[str, ...]) -> Optional[Config]:
    if not isinstance(tree, Mapping):
        if isinstance(tree, Scalar) and tree.value is None:
            tree = Mapping(tree.file, tree.line, tree.column, ())
        else:
            ctx.error(InvalidValueError, f"Item isn't a Mapping {tree.file}:{tree.line}: a JCasC file is a mapping "
                                         "of root elements (jenkins:, credentials:...)", tree, "")
            return None
    found: dict[str, Any] = {}
    unknown = []
    for key, value in tree:
        if key.text.startswith("x-"):
            continue  # holds YAML anchors, ignored as in JCasC
        root = next((r for r in ROOTS if r.lower() == key.text.lower()), None)  # roots ignore case, as in JCasC
        if root is None:
            unknown.append(key)
        elif root in found:
            ctx.error(InvalidValueError, f"Root element '{root}' is given twice (root names ignore case)", key,
                      key.text)
        else:
            found[root] = (key, value)
    results: dict[str, Any] = {}
    for root, checker in ROOTS.items():
        if root in found:
            key, value = found[root]
            results[root] = checker(ctx, value, key.text)
            if root == "configuration-as-code" and isinstance(results[root], Options):
                options: Options = results[root]
                if options.version != 1:
                    ctx.error(InvalidValueError, f"Unsupported configuration version: {options.version} (only 1)",
                              value, f"{key.text}.version")
                ctx.unknown, ctx.restricted, ctx.deprecated = options.unknown, options.restricted, options.deprecated
    if unknown:
        _unknown_roots(ctx, unknown, len(tree))
    if ctx.errors:
        return None
    return _assemble(ctx, results, names)


def _unknown_roots(ctx: Context, keys: list[Scalar], size: int) -> None:
    """JCasC's one message for all unknown roots, keys in Java HashMap order (as its tests expect)."""
    ordered = java_hashmap_order([k.text for k in keys], size)
    by_name = {k.text: k for k in keys}
    plural = len(ordered) > 1
    message = (f"No configurator found for the following root element{'s' if plural else ''}: {', '.join(ordered)}. "
               "This may indicate that the required plugin is not installed or failed to load. Verify that the "
               "plugin is installed and check the Jenkins startup logs for plugin loading errors.")
    for name in ordered:
        note = plugins.root_owner(name)
        key = by_name[name]
        if plural or note:
            message += f"\n  {name} ({key.file}:{key.line})" + (f": {note}" if note else "")
    message += f"\nSupported root elements: {', '.join(ROOTS)} (and x-* for anchors)"
    first = by_name[ordered[0]]
    ctx.error(UnknownRootError, message, first, first.text)


def java_hashmap_order(keys: list[str], size: int) -> list[str]:
    """Iteration order of a java.util.HashMap<String, ?> holding `size` entries, of which `keys`."""
    capacity = 16
    while size > capacity * 0.75:
        capacity *= 2

    def bucket(key: str) -> int:
        data, h = key.encode("utf-16-be"), 0  # String.hashCode() works on UTF-16 code units
        for i in range(0, len(data), 2):
            h = (31 * h + int.from_bytes(data[i:i + 2], "big")) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(keys, key=lambda k: (bucket(k), keys.index(k)))


def _assemble(ctx: Context, results: dict[str, Any], names: tuple[str, ...]) -> Config:
    jenkins: JenkinsSettings = results.get("jenkins") or JenkinsSettings()
    unclassified = results.get("unclassified") or {}
    security = results.get("security") or {}
    domains, creds = results.get("credentials") or ((), ())
    item_jobs, action = results.get("items") or ([], "keep")
    jobs = settle(ctx, list(item_jobs) + list(results.get("jobs") or []), jenkins.project_naming_strategy)
    _cross_check(ctx, creds)
    return Config(jenkins=jenkins, location=unclassified.get("location") or Location(),
                  github=unclassified.get("github") or GitHubPluginConfig(),
                  api_token=security.get("api_token") or ApiTokenSettings(), credentials=tuple(creds),
                  credential_domains=tuple(domains), jobs=jobs, undeclared_jobs=action,
                  options=results.get("configuration-as-code") or Options(), sources=names,
                  warnings=tuple(ctx.warnings))


def _cross_check(ctx: Context, creds: Sequence[Any]) -> None:
    """Credentials ids Jenkins only resolves at build time: warn now (they may come from elsewhere)."""
    known = {c.id for c in creds}
    for credentials_id, file, line, path, who in ctx.credential_refs:
        if credentials_id not in known:
            ctx.warnings.append(CascWarning(f"{who} uses credentials '{credentials_id}', which credentials: does not "
                                            "declare", file, line, path))
