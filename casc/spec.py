"""What the orchestrator accepts, declared once: the loader, the JSON Schema and the export use it.

JCasC discovers attributes by introspecting Jenkins classes; here each supported object is an
`Obj` listing its `Attr`s, and abstract-typed values ("describables" such as `securityRealm`)
are a `OneOf` keyed by JCasC symbol. Checking a node walks the declaration: scalars are
interpolated as they are read (lazily, value by value, as in JCasC; keys never), and every
problem is recorded on the `Context` with its file, line and YAML path. The walk goes on after
an error so that one load reports them all; an object with an error inside is not built.

Attributes come in four kinds besides the supported ones: `inert` (a Jenkins setting that has
nothing to act on here, accepted with a warning), `unsupported` (a Jenkins feature this
orchestrator does not implement: an error, or a warning under `configuration-as-code: {unknown:
warn}`), `restricted` (Jenkins' @Restricted setters, under the `restricted:` policy) and
unknown keys (the same policy as unsupported, listing the valid attributes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from typing import Mapping as TMapping

from . import plugins
from .errors import (CascError, CascWarning, InvalidValueError, RejectedAttributeError, UnknownAttributeError,
                     UnknownSymbolError, UnresolvedVariableError)
from .interpolation import InterpolationFailure, Resolver
from .yaml_lines import AnyNode, Mapping, Scalar, Sequence


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()  # a value that failed to check; its error is already recorded


class Context:
    """One load: the policies, the resolver, the file texts, and the errors and warnings so far."""

    def __init__(self, env: TMapping[str, str], texts: Optional[dict[str, str]] = None) -> None:
        self.env = env
        self.resolver = Resolver(env)
        self.texts = texts or {}
        self.errors: list[CascError] = []
        self.warnings: list[CascWarning] = []
        self.unknown = "reject"
        self.restricted = "reject"
        self.deprecated = "reject"  # parsed and kept; no supported attribute is deprecated
        # (credentials id, file, line, path, who): checked against credentials: once every root is read
        self.credential_refs: list[tuple[str, Optional[str], Optional[int], str, str]] = []

    def error(self, cls: type, message: str, node: AnyNode, path: str) -> Any:
        self.errors.append(cls(message, node.file, node.line, path))
        return INVALID

    def warn(self, message: str, node: Optional[AnyNode], path: str) -> None:
        self.warnings.append(CascWarning(message, node.file if node else None, node.line if node else None, path))

    def interpolate(self, node: Scalar, path: str) -> Any:
        try:
            return self.resolver.resolve(node.text)
        except InterpolationFailure as e:
            return self.error(UnresolvedVariableError if e.unresolved else InvalidValueError, str(e), node, path)
        finally:
            for message in self.resolver.warnings:
                self.warn(message, node, path)
            self.resolver.warnings.clear()

    def scalar(self, node: AnyNode, path: str, attr: "Attr") -> Any:
        """The interpolated text of a scalar node, or INVALID after `Item isn't a Scalar`."""
        if not isinstance(node, Scalar):
            return self.wrong_kind(node, path, attr, "Scalar")
        return self.interpolate(node, path)

    def wrong_kind(self, node: AnyNode, path: str, attr: "Attr", kind: str) -> Any:
        return self.error(InvalidValueError, f"Failed to configure '{attr.name}': Item isn't a {kind} "
                                             f"{node.file}:{node.line}", node, path)

    def policy_issue(self, policy: str, cls: type, message: str, node: AnyNode, path: str) -> None:
        """An error under `reject`, a warning otherwise (`unknown: warn` and friends)."""
        if policy == "reject":
            self.error(cls, message, node, path)
        else:
            self.warn(message, node, path)


# ---------------------------------------------------------------------- types
class Type:
    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        raise NotImplementedError

    def schema(self) -> dict:
        raise NotImplementedError


def _shown(attr: "Attr", text: str) -> str:
    return "" if attr.secret else f" '{text}'"


class Text(Type):
    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        return ctx.scalar(node, path, attr)

    def schema(self) -> dict:
        return {"type": ["string", "number", "boolean", "null"]}


_INT = re.compile(r"[+-]?[0-9]+\Z")


class Int(Type):
    def __init__(self, minimum: Optional[int] = None) -> None:
        self.minimum = minimum

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        text = ctx.scalar(node, path, attr)
        if text is INVALID:
            return INVALID
        if not _INT.match(text):
            return ctx.error(InvalidValueError, f"Failed to configure '{attr.name}': expected type: Integer, "
                                                f"found: String{_shown(attr, text)}", node, path)
        value = int(text)
        if self.minimum is not None and value < self.minimum:
            return ctx.error(InvalidValueError, f"Failed to configure '{attr.name}': {value} is less than the "
                                                f"minimum {self.minimum}", node, path)
        return value

    def schema(self) -> dict:
        number = {"type": "integer"}
        if self.minimum is not None:
            number["minimum"] = self.minimum
        return {"anyOf": [number, {"type": "string", "pattern": r"^[+-]?[0-9]+$"}]}


class Bool(Type):
    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        text = ctx.scalar(node, path, attr)
        if text is INVALID:
            return INVALID
        if text.lower() not in ("true", "false"):
            # Java's Boolean.valueOf would quietly read anything else as false; say so instead
            return ctx.error(InvalidValueError, f"Failed to configure '{attr.name}': expected type: Boolean "
                                                f"(true or false), found: String{_shown(attr, text)}", node, path)
        return text.lower() == "true"

    def schema(self) -> dict:
        pattern = "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": pattern}]}


class Enum(Type):
    def __init__(self, java_type: str, *values: str) -> None:
        self.java_type, self.values = java_type, values

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        text = ctx.scalar(node, path, attr)
        if text is INVALID or text in self.values:
            return text
        return ctx.error(InvalidValueError, f"Failed to configure '{attr.name}': No enum constant "
                                            f"{self.java_type}.{text} (valid: {', '.join(self.values)})", node, path)

    def schema(self) -> dict:
        return {"enum": list(self.values)}


class Anything(Type):
    """Inert values: accepted as they are, never interpolated."""

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        return None

    def schema(self) -> dict:
        return {}


class ListOf(Type):
    def __init__(self, item: Type) -> None:
        self.item = item

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        if isinstance(node, Scalar) and node.value is None:
            return ()
        if not isinstance(node, Sequence):
            return ctx.wrong_kind(node, path, attr, "Sequence")
        values = [self.item.check(ctx, item, f"{path}[{i}]", attr) for i, item in enumerate(node)]
        return tuple(v for v in values if v is not INVALID)

    def schema(self) -> dict:
        return {"type": ["array", "null"], "items": self.item.schema()}


@dataclass(frozen=True)
class Attr:
    """One attribute of an object. `field` is the model's keyword ("" keeps it out of the model)."""
    name: str
    type: Type = field(default_factory=Text)
    help: str = ""
    field: Optional[str] = None
    secret: bool = False
    required: bool = False
    inert: str = ""        # why it has no effect here (accepted with a warning)
    unsupported: str = ""  # why it is refused (an error unless `unknown: warn`)
    restricted: str = ""   # Jenkins' @Restricted kind (`'rawBuildsDir' is restricted: NoExternalUse`)

    @property
    def keyword(self) -> str:
        if self.field is not None:
            return self.field
        return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", self.name).lower()

    @property
    def supported(self) -> bool:
        return not (self.inert or self.unsupported or self.restricted)


@dataclass
class Built:
    """What an object's builder receives: checked values by model keyword, and where they came from."""
    values: dict
    node: AnyNode
    path: str
    ctx: Context
    present: dict  # attribute name -> its value node

    def error(self, message: str, attr: Optional[str] = None, cls: type = InvalidValueError) -> Any:
        node = self.present.get(attr, self.node) if attr else self.node
        where = f"{self.path}.{attr}" if attr else self.path
        return self.ctx.error(cls, message, node, where)

    def warn(self, message: str, attr: Optional[str] = None) -> None:
        node = self.present.get(attr, self.node) if attr else self.node
        self.ctx.warn(message, node, f"{self.path}.{attr}" if attr else self.path)


class Obj(Type):
    """A configurable object: a mapping of attributes, matched case-insensitively as JCasC does."""

    def __init__(self, java_class: str, attrs: list[Attr], model: Optional[Callable] = None,
                 build: Optional[Callable[[Built], Any]] = None, owner: str = "", help: str = "") -> None:
        self.java_class, self.attrs, self.model, self.build, self.help = java_class, attrs, model, build, help
        self.owner = owner  # where plugins.py looks up attributes that belong to plugins
        self.by_name = {a.name.lower(): a for a in attrs}

    def available(self) -> str:
        return ", ".join(sorted(a.name for a in self.attrs if a.supported)) or "(none)"

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        if isinstance(node, Scalar) and node.value is None:
            node = Mapping(node.file, node.line, node.column, ())
        if not isinstance(node, Mapping):
            return ctx.wrong_kind(node, path, attr, "Mapping")
        errors_before = len(ctx.errors)
        values: dict[str, Any] = {}
        present: dict[str, AnyNode] = {}
        for key, value in node:
            where = f"{path}.{key.text}" if path else key.text
            known = self.by_name.get(key.text.lower())
            if known is None:
                self._unknown(ctx, key, where, path)
                continue
            if known.name in present:
                ctx.warn(f"'{key.text}' is given twice (attribute names ignore case): the later value is used",
                         key, where)
            present[known.name] = value
            if self._special(ctx, known, key, where):
                continue
            checked = known.type.check(ctx, value, where, known)
            if checked is not INVALID and known.keyword:
                values[known.keyword] = checked
        for required in (a for a in self.attrs if a.required and a.name not in present):
            ctx.error(InvalidValueError, f"{required.name} is required to configure {self.java_class}", node,
                      f"{path}.{required.name}" if path else required.name)
        if len(ctx.errors) > errors_before:
            return INVALID
        built = Built(values, node, path, ctx, present)
        if self.build is not None:
            return self.build(built)
        return self.model(**values) if self.model is not None else values

    def _special(self, ctx: Context, attr: Attr, key: Scalar, where: str) -> bool:
        """Inert, unsupported and restricted attributes: reported, never applied."""
        if attr.restricted:
            allowed = ctx.restricted == "warn" or (ctx.restricted == "beta" and attr.restricted == "Beta")
            ctx.policy_issue("warn" if allowed else "reject", RejectedAttributeError,
                             f"'{attr.name}' is restricted: {attr.restricted}", key, where)
            if allowed and attr.inert:
                ctx.warn(f"'{attr.name}' has no effect here: {attr.inert}", key, where)
            return True
        if attr.unsupported:
            ctx.policy_issue(ctx.unknown, UnknownAttributeError, f"'{attr.name}' is not supported by this "
                                                                 f"orchestrator: {attr.unsupported}", key, where)
            return True
        if attr.inert:
            ctx.warn(f"'{attr.name}' has no effect here: {attr.inert}", key, where)
            return True
        return False

    def _unknown(self, ctx: Context, key: Scalar, where: str, path: str) -> None:
        target = path.split(".")[-1] if path else self.java_class
        message = (f"{target}: Invalid configuration elements for type: class {self.java_class} : {key.text}.\n"
                   f"Available attributes : {self.available()}")
        owner = plugins.attribute_owner(self.owner, key.text)
        if owner:
            message += f"\n{owner}"
        ctx.policy_issue(ctx.unknown, UnknownAttributeError, message, key, where)

    def schema(self) -> dict:
        # offered: what is applied, and inert keys (they load, with a warning); never refused ones
        properties = {a.name: _described(a) for a in self.attrs if not (a.unsupported or a.restricted)}
        out: dict[str, Any] = {"type": ["object", "null"], "additionalProperties": False, "properties": properties}
        required = [a.name for a in self.attrs if a.required]
        if required:
            out["required"] = required
        if self.help:
            out["description"] = self.help
        return out


def _described(attr: Attr) -> dict:
    schema = dict(attr.type.schema()) if attr.supported else {}
    text = attr.help or (f"Accepted; no effect here: {attr.inert}" if attr.inert else "")
    if text:
        schema["description"] = text
    if attr.secret:
        schema["x-secret"] = True
    return schema


class OneOf(Type):
    """An abstract-typed value: a bare symbol or a single-key mapping `{symbol: {args}}`."""

    def __init__(self, interface: str, impls: dict[str, Obj], aliases: Optional[dict[str, str]] = None) -> None:
        self.interface, self.impls, self.aliases = interface, impls, aliases or {}

    def resolve(self, symbol: str) -> Optional[str]:
        if symbol in self.impls:
            return symbol
        return self.aliases.get(symbol)

    def check(self, ctx: Context, node: AnyNode, path: str, attr: "Attr") -> Any:
        if isinstance(node, Scalar):
            symbol = ctx.interpolate(node, path)  # a bare symbol is interpolated before lookup, as in JCasC
            if symbol is INVALID:
                return INVALID
            args: AnyNode = Mapping(node.file, node.line, node.column, ())
            where = path
        elif isinstance(node, Mapping):
            if len(node) != 1:
                return ctx.error(InvalidValueError, f"Single entry map expected to configure a {self.interface} "
                                                    f"but found {'multiple entries' if len(node) else 'none'}: "
                                                    f"[{', '.join(node.keys())}]", node, path)
            key, args = node.entries[0]
            symbol, where = key.text, f"{path}.{key.text}"
        else:
            return ctx.wrong_kind(node, path, attr, "Mapping")
        name = self.resolve(symbol)
        if name is None:
            message = f"No {self.interface} implementation found for {symbol}"
            owner = plugins.symbol_owner(self.interface, symbol)
            message += f"\n{owner}" if owner else f"\nAvailable implementations : {', '.join(sorted(self.impls))}"
            return ctx.error(UnknownSymbolError, message, node, path)
        return self.impls[name].check(ctx, args, where, attr)

    def schema(self) -> dict:
        choices: list[dict] = []
        bare = []
        for symbol, impl in self.impls.items():
            choices.append({"type": "object", "additionalProperties": False, "required": [symbol],
                            "properties": {symbol: impl.schema()}})
            if not any(a.required for a in impl.attrs):
                bare.append(symbol)
        if bare:
            choices.append({"enum": bare})
        return {"oneOf": choices, "description": f"one of: {', '.join(self.impls)} ({self.interface})"}


def attr_of(obj: Obj, name: str) -> Attr:
    return obj.by_name[name.lower()]


ROOT_ATTR = Attr("root")  # stands for a root element in messages about the root's own node
