"""Parsers for `matrix { axes { axis {...} } excludes {...} ... }` (Jenkins' ModelParser texts)."""
from __future__ import annotations

from typing import Optional

from . import ast as a
from . import groovy as g
from .model_common import MATRIX_SECTIONS, _call_of, _statement_text, literal_string
from .printer import render


class MatrixParsers:
    """Mixin of ModelBuilder."""

    def section_matrix(self, call: g.Call) -> Optional[a.Matrix]:
        block = self._require_block(call, "matrix")
        if block is None:
            return None
        found: dict[str, object] = {}
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None:
                self.error(stmt, f'Not a valid stage section definition: "{_statement_text(stmt)}". '
                                 'Some extra configuration is required.')
                continue
            if item.name not in MATRIX_SECTIONS:
                self.error(item, f'Undefined section "{item.name}"')
                continue
            if item.name in found:
                self.error(item, f"Multiple occurrences of the {item.name} section")
                continue
            if item.name == "axes":
                found["axes"] = self.axes(item)
            elif item.name == "excludes":
                found["excludes"] = self.excludes(item)
            else:
                found[item.name] = self.stage_section(item.name, item)
        if "axes" not in found:
            self.error(call, 'Missing required section "axes"')
        if "stages" not in found:
            self.error(call, 'Missing required section "stages"')
        return a.Matrix(call.line, call.column, found.get("axes") or (), found.get("excludes") or (),
                        found.get("stages") or (), found.get("agent"), found.get("when"), found.get("post"),
                        found.get("options"), found.get("input"), found.get("tools"), found.get("environment"))

    def axes(self, call: g.Call) -> tuple[a.Axis, ...]:
        block = self._require_block(call, "axes")
        if block is None:
            return ()
        axes = [self.axis(item, exclude=False) for item in self._axis_calls(block)]
        if not block.body:
            self.error(call, "No axis directives specified")
        return tuple(x for x in axes if x is not None)

    def _axis_calls(self, block: g.Closure) -> list[g.Call]:
        calls = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name != "axis":
                self.error(stmt, "Expected an axis")
                continue
            calls.append(item)
        return calls

    def excludes(self, call: g.Call) -> tuple[a.Exclude, ...]:
        block = self._require_block(call, "excludes")
        if block is None:
            return ()
        excludes = []
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name != "exclude":
                self.error(stmt, "Expected an exclude")
                continue
            inner = self._require_block(item, "exclude")
            if inner is None:
                continue
            axes = [self.axis(x, exclude=True) for x in self._axis_calls(inner)]
            if not inner.body:
                self.error(item, "No axis directives specified")
            excludes.append(a.Exclude(item.line, item.column, tuple(x for x in axes if x is not None)))
        if not block.body:
            self.error(call, "No exclude directives specified")
        return tuple(excludes)

    def axis(self, call: g.Call, exclude: bool) -> Optional[a.Axis]:
        block = self._require_block(call, "axis")
        if block is None:
            return None
        name: Optional[str] = None
        values: list[g.Expr] = []
        seen: set[str] = set()
        kinds = ("name", "values", "notValues") if exclude else ("name", "values")
        for stmt in block.body:
            item = _call_of(stmt)
            if item is None or item.receiver is not None or item.name not in kinds:
                self.error(stmt, f'Undefined section "{_statement_text(stmt)}"')
                continue
            if item.name in seen or (item.name in ("values", "notValues") and seen & {"values", "notValues"}):
                if exclude and item.name in ("values", "notValues") and seen & {"values", "notValues"} \
                        and item.name not in seen:
                    self.error(item, 'Exclude axis must contain either "values" or "notValues"')
                else:
                    self.error(item, f"Multiple occurrences of the {item.name} section")
                continue
            seen.add(item.name)
            if item.name == "name":
                if len(item.args) != 1:
                    self.error(item, 'No argument for field "name"' if not item.args else 'Too many arguments for field "name"')
                    continue
                literal = literal_string(item.args[0])
                if literal is None:
                    self.error(item.args[0], "Expected string literal")
                    name = None  # reported; the validator skips axes without a name
                    seen.add("name-error")
                    continue
                name = literal
            else:
                if not item.args:
                    self.error(item, f'No argument for field "{item.name}"')
                for value in item.args:
                    if not isinstance(value, g.Literal):
                        text = render(value) if isinstance(value, g.GString) else '${' + render(value) + '}'
                        self.error(value, f"Expected string literal but got {text}")
                        continue
                    values.append(value)
        if "name" not in seen and "name-error" not in seen:
            self.error(call, 'Missing required section "name"')
        if not seen & {"values", "notValues"}:
            self.error(call, 'Missing required section "values"')
        return a.Axis(call.line, call.column, name, tuple(values), "notValues" in seen)
