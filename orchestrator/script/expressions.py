"""Expression evaluation: names, literals, operators, assignment, properties and indexes,
type tests and conversions. Mixed into Interpreter (calls live in calls.py)."""
from __future__ import annotations

from collections.abc import Mapping

from ..errors import BuildError, UnsupportedGroovy
from ..grammar import groovy as g
from . import conversions as conv
from . import operators as ops
from . import sandbox
from .callables import MethodClosure, Scope
from .classes import EnumType, ScriptClass, ScriptObject
from .members import get_index, get_property, iterate, set_index, set_property
from .objects import GroovyRange, ScriptThis
from .values import runtime_error, to_groovy_string, truthy

_KEYWORD_VALUES = {"null": None, "true": True, "false": False}


class ExpressionsMixin:
    def _expression_handlers(self) -> dict:
        return {
            g.Literal: lambda node, scope: node.value,
            g.GString: self.gstring,
            g.Var: self._var,
            g.TypeName: self._type_name,
            g.This: lambda node, scope: self.current_this(scope),
            g.Property: self._property,
            g.MethodPointer: self._method_pointer,
            g.Index: self._index,
            g.Call: self._call,
            g.New: self._new,
            g.Binary: self._binary,
            g.Unary: self._unary,
            g.Ternary: lambda node, scope: self.evaluate(
                node.then if truthy(self.evaluate(node.condition, scope)) else node.otherwise, scope),
            g.Elvis: self._elvis,
            g.Assign: self._assign,
            g.RangeExpr: lambda node, scope: GroovyRange(
                self.evaluate(node.start, scope), self.evaluate(node.end, scope), node.exclusive),
            g.InstanceOf: self._instance_of,
            g.AsType: self._as_type,
            g.ListLit: lambda node, scope: [self.evaluate(item, scope) for item in node.items],
            g.MapLit: self._map,
            g.Closure: lambda node, scope: self.closure(node, scope),
        }

    def evaluate(self, expr: g.Expr, scope: Scope | None = None):
        """The value of an expression; errors carry the line of the innermost node that failed."""
        scope = self.script_scope if scope is None else scope
        handler = self._expressions.get(type(expr))
        if handler is None:
            raise sandbox.reject(expr, type(expr).__name__)
        try:
            return handler(expr, scope)
        except BuildError as error:
            if error.line is None:
                error.line = expr.line
            raise
        except RecursionError:
            raise runtime_error("StackOverflowError", expr.line, "java.lang.StackOverflowError") from None

    def gstring(self, node: g.GString, scope: Scope | None = None) -> str:
        scope = self.script_scope if scope is None else scope
        return "".join(part if isinstance(part, str) else to_groovy_string(self.evaluate(part, scope))
                       for part in node.parts)

    # ------------------------------------------------------------ names
    def _var(self, node: g.Var, scope: Scope):
        if node.name in _KEYWORD_VALUES:  # the grammar gives `"${null}"` as a Var (reported)
            return _KEYWORD_VALUES[node.name]
        return self.lookup_name(node.name, node, scope)

    def lookup_name(self, name: str, node, scope: Scope | None):
        """Locals (innermost out), then script binding variables, script types, then the binding."""
        holder = scope.find(name) if scope is not None else None
        if holder is not None:
            return holder.vars[name]
        if name in self.binding_vars:
            return self.binding_vars[name]
        if name in self.types:
            return self.types[name]
        try:
            return self.binding.lookup(name, node)
        except KeyError:
            pass
        if name in sandbox.DENIED_CLASSES:
            raise sandbox.reject(node)
        if sandbox.allowed_class(name) is not None:
            return sandbox.allowed_class(name)
        raise runtime_error(f"No such property: {name} for class: WorkflowScript", node.line,
                            "groovy.lang.MissingPropertyException")

    def assign_name(self, name: str, value, scope: Scope | None) -> None:
        """Declared variables are set where they live; anything else becomes a binding variable."""
        holder = scope.find(name) if scope is not None else None
        if holder is not None:
            holder.vars[name] = value
            return
        self.binding_vars[name] = value
        self.binding.assign(name, value)

    def is_variable(self, name: str, scope: Scope | None) -> bool:
        return (scope is not None and scope.has(name)) or name in self.binding_vars

    def _type_name(self, node: g.TypeName, scope: Scope):
        """A capitalized name: a variable or script type if there is one, else an allowed JDK class."""
        name = node.name
        if self.is_variable(name, scope) or name in self.types:
            return self.lookup_name(name, node, scope)
        allowed = sandbox.allowed_class(name)
        if allowed is not None:
            return allowed
        if name not in sandbox.DENIED_CLASSES and "." not in name:
            try:
                return self.binding.lookup(name, node)  # plugin globals can be capitalized (Artifactory)
            except KeyError:
                pass
        raise sandbox.reject(node)

    def current_this(self, scope: Scope | None):
        """`this`: the instance inside a script class's methods, else the script."""
        holder = scope.find("this") if scope is not None else None  # `this` is a keyword: no clash
        return holder.vars["this"] if holder is not None else self.this

    # ------------------------------------------------------------ members
    def member_name(self, node, scope: Scope) -> str:
        name = node.name if isinstance(node.name, str) else to_groovy_string(self.evaluate(node.name, scope))
        sandbox.check_member(name, node)
        return name

    def _check_qualified(self, node, scope: Scope) -> None:
        root = sandbox.qualified_root(node)
        if root is not None and not self.is_variable(root, scope):
            raise sandbox.reject(node)

    def _property(self, node: g.Property, scope: Scope):
        self._check_qualified(node, scope)
        name = self.member_name(node, scope)
        if isinstance(node.obj, g.This):
            return self.this_property(self.current_this(scope), name, node, scope)
        obj = self.receiver(node.obj, node, scope)
        if obj is None and (node.safe or node.spread):
            return None
        if node.spread:
            return [None if item is None else self.get_member(item, name, node) for item in iterate(obj)]
        return self.get_member(obj, name, node)

    def receiver(self, obj_node, outer, scope: Scope):
        """Evaluate the object of `obj.member`; a rejected class name is reported with its member
        (`Jenkins.instance`, not just `Jenkins`)."""
        if isinstance(obj_node, (g.TypeName, g.Var)):
            try:
                return self.evaluate(obj_node, scope)
            except UnsupportedGroovy:
                raise sandbox.reject(outer) from None
        return self.evaluate(obj_node, scope)

    def get_member(self, obj, name: str, node):
        if isinstance(obj, ScriptThis):
            return (obj.interpreter or self).this_property(obj, name, node, None)
        return get_property(obj, name, node)

    def this_property(self, this, name: str, node, scope: Scope | None):
        """`this.x`: a field of a script-class instance, or a script binding variable / global."""
        if isinstance(this, ScriptObject):
            return this.get_property(name)
        return self.lookup_name(name, node, None)

    def _index(self, node: g.Index, scope: Scope):
        obj = node.obj
        if isinstance(obj, g.TypeName) and not self.is_variable(obj.name, scope) and obj.name not in self.types:
            # the grammar reads the cast `(Collection)[a, b]` as indexing a type (reported): cast the list
            items = [self.evaluate(item, scope) for item in node.index]
            result = conv.cast(items, obj.name)
            if result is NotImplemented:
                raise sandbox.reject(node, f"({obj.name})")
            return result
        return get_index(self.evaluate(obj, scope), self._index_key(node, scope), node)

    def _index_key(self, node: g.Index, scope: Scope):
        keys = [self.evaluate(key, scope) for key in node.index]
        return keys[0] if len(keys) == 1 else keys

    def _method_pointer(self, node: g.MethodPointer, scope: Scope):
        sandbox.check_member(node.name, node)
        return MethodClosure(self, self.evaluate(node.obj, scope), node.name, node)

    # ------------------------------------------------------------ operators
    def _binary(self, node: g.Binary, scope: Scope):
        if node.op == "&&":
            return truthy(self.evaluate(node.left, scope)) and truthy(self.evaluate(node.right, scope))
        if node.op == "||":
            return truthy(self.evaluate(node.left, scope)) or truthy(self.evaluate(node.right, scope))
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        try:
            return ops.binary(node.op, left, right)
        except (TypeError, ValueError, OverflowError) as error:
            raise runtime_error(f"{node.op}: {error}", node.line) from None

    def _elvis(self, node: g.Elvis, scope: Scope):
        value = self.evaluate(node.value, scope)
        return value if truthy(value) else self.evaluate(node.fallback, scope)

    def _unary(self, node: g.Unary, scope: Scope):
        op = node.op
        if op in ("++", "--"):
            read, write = self._location(node.operand, scope)
            old = read()
            new = ops.increment(old, 1 if op == "++" else -1)
            write(new)
            return old if node.postfix else new
        value = self.evaluate(node.operand, scope)
        if op == "!":
            return not truthy(value)
        if op == "-":
            return ops.negate(value)
        if op == "~":
            return ops.bitwise_negate(value)
        return value  # unary plus

    def _assign(self, node: g.Assign, scope: Scope):
        if node.op == "=":
            value = self.evaluate(node.value, scope)
            self._location(node.target, scope)[1](value)
            return value
        read, write = self._location(node.target, scope)
        value = ops.binary(node.op[:-1], read(), self.evaluate(node.value, scope))
        write(value)
        return value

    def _location(self, target, scope: Scope):
        """(read, write) functions for an assignable expression; its parts are evaluated once."""
        if isinstance(target, (g.Var, g.TypeName)):  # `AAA_Key1 = 1` comes as a TypeName (reported)
            return (lambda: self.lookup_name(target.name, target, scope),
                    lambda value: self.assign_name(target.name, value, scope))
        if isinstance(target, g.Property):
            self._check_qualified(target, scope)
            name = self.member_name(target, scope)
            obj = self.current_this(scope) if isinstance(target.obj, g.This) else self.evaluate(target.obj, scope)
            if obj is None and target.safe:
                return (lambda: None), (lambda value: None)  # a?.b = v does nothing when a is null
            return (lambda: self.get_member(obj, name, target),
                    lambda value: self.set_member(obj, name, value, target))
        if isinstance(target, g.Index):
            obj, key = self.evaluate(target.obj, scope), self._index_key(target, scope)
            return (lambda: get_index(obj, key, target), lambda value: set_index(obj, key, value, target))
        raise runtime_error(f"Cannot assign to {type(target).__name__}", target.line)

    def set_member(self, obj, name: str, value, node) -> None:
        if isinstance(obj, ScriptThis):
            (obj.interpreter or self).assign_name(name, value, None)
        else:
            set_property(obj, name, value, node)

    # ------------------------------------------------------------ types and literals
    def _instance_of(self, node: g.InstanceOf, scope: Scope) -> bool:
        value = self.evaluate(node.value, scope)
        script_type = self.types.get(node.type.name)
        if script_type is not None:
            return script_type.is_instance(value)
        return conv.instance_of(value, node.type.name)

    def _as_type(self, node: g.AsType, scope: Scope):
        value = self.evaluate(node.value, scope)
        script_type = self.types.get(node.type.name)
        if isinstance(script_type, EnumType):
            return None if value is None else script_type.value_of(value)
        if isinstance(script_type, ScriptClass) and (value is None or isinstance(value, Mapping)):
            return self.instantiate(script_type, [], dict(value or {}), node)  # [a: 1] as Foo
        result = conv.cast(value, node.type.name, node.type.dims)
        if result is NotImplemented:
            raise sandbox.reject(node, f"as {node.type.name}")
        return result

    def _map(self, node: g.MapLit, scope: Scope) -> dict:
        result = {}
        for entry in node.entries:
            key = entry.key
            if isinstance(key, g.Literal) and key.value == "*" and not key.quote:
                result.update(self.evaluate(entry.value, scope) or {})  # [*: other] spreads a map
            else:
                result[self.map_key(key, scope)] = self.evaluate(entry.value, scope)
        return result

    def map_key(self, key, scope: Scope):
        return key.value if isinstance(key, g.Literal) else self.evaluate(key, scope)

    def _new(self, node: g.New, scope: Scope):
        if node.dims:  # new String[3]: a list of nulls (zeros for primitive types)
            return [conv.default_value(node.type)] * int(self.evaluate(node.dims[0], scope))
        args, kwargs, closure = self.arguments(node, scope)
        script_type = self.types.get(node.type)
        if isinstance(script_type, ScriptClass):
            return self.instantiate(script_type, args + ([closure] if closure else []), kwargs, node)
        positional = ([kwargs] if kwargs else []) + args + ([closure] if closure else [])
        return sandbox.construct(node.type, positional, node)
