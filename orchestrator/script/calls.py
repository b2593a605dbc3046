"""Calls: argument collection, bare calls (closure variable -> script method -> binding step),
method calls on values (dispatch tables first, then the binding's Python objects), script
classes. Mixed into Interpreter."""
from __future__ import annotations

from collections.abc import Mapping

from ..grammar import groovy as g
from . import methods, sandbox
from .callables import CLOSURE_TYPES, Scope, accepts
from .classes import ScriptClass, ScriptObject
from .conversions import coerce_declared, default_value
from .members import is_foreign, iterate, property_of_accessor
from .objects import ScriptThis
from .values import null_pointer, runtime_error


def merged(args: list, kwargs: dict, closure) -> list:
    """Groovy's view of a call's arguments: named ones as a leading map, the closure last."""
    return ([kwargs] if kwargs else []) + list(args) + ([closure] if closure is not None else [])


def _pick(candidates, count: int):
    return next((m for m in candidates if accepts(m.params, count)), None)


class CallsMixin:
    def arguments(self, node, scope: Scope):
        """Evaluate call arguments: (positional, named, closure). A closure literal written last
        (trailing or `foo({ })`) is the closure; `*list` spreads into positional arguments."""
        args, kwargs, closure = [], {}, None
        last = len(node.args) - 1
        for position, arg in enumerate(node.args):
            if isinstance(arg, g.NamedArg):
                kwargs[self.map_key(arg.key, scope)] = self.evaluate(arg.value, scope)
            elif isinstance(arg, g.SpreadArg):
                args.extend(iterate(self.evaluate(arg.value, scope)))
            elif isinstance(arg, g.Closure) and position == last:
                closure = self.closure(arg, scope)
            else:
                args.append(self.evaluate(arg, scope))
        return args, kwargs, closure

    def _call(self, node: g.Call, scope: Scope):
        receiver_node = node.receiver
        if receiver_node is None:
            args, kwargs, closure = self.arguments(node, scope)
            return self.call_function(node.name, args, kwargs, closure, node, scope)
        sandbox.check_member(node.name, node)
        root = sandbox.qualified_root(receiver_node)
        if root is not None and not self.is_variable(root, scope):
            raise sandbox.reject(node)  # hudson.model.Hudson.getInstance()
        name, spread = node.name, getattr(node, "spread", False)
        if name == "call" and isinstance(receiver_node, g.Property) and (
                receiver_node.spread or not isinstance(receiver_node.name, str)):
            # grammar shapes for `x."$name"()` and `x*.name.call()`: a method call named by the property
            name, spread = self.member_name(receiver_node, scope), receiver_node.spread
            receiver_node = receiver_node.obj
        if isinstance(receiver_node, g.This):
            receiver = self.current_this(scope)
        else:
            receiver = self.receiver(receiver_node, node, scope)
        if receiver is None and (node.safe or spread):
            return None
        args, kwargs, closure = self.arguments(node, scope)
        if spread:
            return [None if item is None else self.invoke_method(item, name, args, kwargs, closure, node)
                    for item in iterate(receiver)]
        return self.invoke_method(receiver, name, args, kwargs, closure, node)

    # ------------------------------------------------------------ bare calls
    def call_function(self, name: str, args: list, kwargs: dict, closure, node, scope: Scope | None):
        """`name(...)`: a closure variable, then a method of the current script class instance,
        then a script method (matched by argument count), then the binding's steps/globals."""
        holder = scope.find(name) if scope is not None else None
        value = holder.vars[name] if holder is not None else self.binding_vars.get(name)
        if isinstance(value, CLOSURE_TYPES):
            return value(*merged(args, kwargs, closure))
        all_args = merged(args, kwargs, closure)
        this = self.current_this(scope)
        if isinstance(this, ScriptObject):
            method = _pick(this.cls.find_methods(name), len(all_args))
            if method is not None:
                return self.invoke_script_method(method, all_args, node, this=this)
        method = _pick(self.methods.get(name, ()), len(all_args))
        if method is not None:
            return self.invoke_script_method(method, all_args, node)
        sandbox.check_function(name, node)
        return self.binding.call(name, args, kwargs, closure, node)

    # ------------------------------------------------------------ method calls
    def invoke_method(self, receiver, name: str, args: list, kwargs: dict, closure, node):
        sandbox.check_member(name, node)
        if isinstance(receiver, ScriptThis):
            owner = receiver.interpreter or self
            return owner.call_function(name, args, kwargs, closure, node, None)
        all_args = merged(args, kwargs, closure)
        if isinstance(receiver, ScriptObject):
            return self.invoke_object_method(receiver, name, all_args, node)
        if isinstance(receiver, ScriptClass):
            return self._static_script_call(receiver, name, all_args, node)
        if isinstance(receiver, sandbox.ClassRef):
            return self._static_call(receiver, name, all_args, node)
        result = methods.call_method(receiver, name, all_args)
        if result is not methods.NOT_FOUND:
            return result
        if receiver is None:
            raise null_pointer(f"Cannot invoke method {name}() on null object")
        if isinstance(receiver, Mapping) and isinstance(receiver.get(name), CLOSURE_TYPES):
            return receiver[name](*all_args)  # [run: { ... }].run()
        if is_foreign(receiver):
            return self._foreign_call(receiver, name, all_args, node)
        raise methods.no_signature(receiver, name, all_args)

    def _static_call(self, cls: sandbox.ClassRef, name: str, args: list, node):
        function = cls.static_method(name)
        if function is None:
            raise sandbox.reject(node, f"{cls.name}.{name}")
        try:
            return function(*args)
        except TypeError:
            raise methods.no_signature(cls, name, args) from None
        except ZeroDivisionError:
            raise runtime_error("/ by zero", java_class="java.lang.ArithmeticException") from None
        except (ValueError, OverflowError) as error:
            raise runtime_error(f"{cls.name}.{name}: {error}",
                                java_class="java.lang.IllegalArgumentException") from None

    def _foreign_call(self, obj, name: str, args: list, node):
        """A public method of a binding object; `getX()`/`isX()`/`setX(v)` fall back to attribute x."""
        if name.startswith("_"):
            raise sandbox.reject(node)
        function = getattr(obj, name, None)
        if function is not None and callable(function):
            sandbox.check_foreign_value(function, node)
            try:
                return function(*args)
            except TypeError as error:
                if error.__traceback__ is not None and error.__traceback__.tb_next is None:
                    raise methods.no_signature(obj, name, args) from None  # the arguments did not fit
                raise
        for prefix in ("get", "is"):
            prop = property_of_accessor(name, prefix)
            if prop is not None and not args:
                return self.get_member(obj, prop, node)
        prop = property_of_accessor(name, "set")
        if prop is not None and len(args) == 1:
            self.set_member(obj, prop, args[0], node)
            return None
        raise methods.no_signature(obj, name, args)

    def method_arity(self, receiver, name: str) -> int:
        candidates = self.methods.get(name, ()) if isinstance(receiver, ScriptThis) else (
            receiver.cls.find_methods(name) if isinstance(receiver, ScriptObject) else ())
        return max((len(m.params) for m in candidates), default=1)

    # ------------------------------------------------------------ script classes
    def invoke_object_method(self, obj: ScriptObject, name: str, args: list, node):
        method = _pick(obj.cls.find_methods(name), len(args))
        if method is not None:
            return self.invoke_script_method(method, args, node, this=obj)
        field = obj.fields.get(name)
        if isinstance(field, CLOSURE_TYPES):
            return field(*args)
        prop = property_of_accessor(name, "get") or property_of_accessor(name, "is")
        if prop in obj.fields and not args:  # Groovy generates getters and setters for fields
            return obj.fields[prop]
        prop = property_of_accessor(name, "set")
        if prop in obj.fields and len(args) == 1:
            obj.fields[prop] = args[0]
            return None
        result = methods.call_method(obj, name, args)
        if result is methods.NOT_FOUND:
            raise methods.no_signature(obj, name, args)
        return result

    def _static_script_call(self, cls: ScriptClass, name: str, args: list, node):
        method = _pick(cls.find_methods(name), len(args))
        if method is not None:
            return self.invoke_script_method(method, args, node, cls=cls)
        result = methods.call_method(cls, name, args)
        if result is methods.NOT_FOUND:
            raise methods.no_signature(cls, name, args)
        return result

    def instantiate(self, cls: ScriptClass, args: list, kwargs: dict, node):
        """`new Foo(...)`: fields initialized superclass first, then the constructor, then named
        arguments set as properties (Groovy's map constructor)."""
        obj = ScriptObject(cls)
        field_scope = self.instance_scope(obj)
        for current in reversed(cls.lineage()):
            for decl in current.fields:
                type_name = decl.type.name if decl.type else None
                value = self.evaluate(decl.value, field_scope) if decl.value is not None else default_value(type_name)
                for field in decl.names:
                    obj.fields[field] = coerce_declared(type_name, 0, value) if type_name else value
        constructor = _pick(cls.methods.get(cls.name, ()), len(args))
        if constructor is not None:
            self.invoke_script_method(constructor, args, node, this=obj)
        elif len(args) == 1 and isinstance(args[0], Mapping) and not kwargs:
            kwargs = dict(args[0])
        elif args:
            raise methods.no_signature(cls, "<init>", args)
        for key, value in kwargs.items():
            obj.set_property(str(key), value)
        return obj

    def instance_scope(self, obj: ScriptObject) -> Scope:
        return Scope(self.static_scope(obj.cls), obj.fields)

    def static_scope(self, cls: ScriptClass) -> Scope:
        """The static fields of a class and its superclasses, nearest class innermost."""
        scope = None
        for current in reversed(cls.lineage()):
            scope = Scope(scope, current.statics)
        return scope

    def method_scope(self, this: ScriptObject | None, cls: ScriptClass | None) -> Scope:
        if this is not None:
            scope = Scope(self.instance_scope(this))
            scope.declare("this", this)
            return scope
        if cls is not None:
            return Scope(self.static_scope(cls))
        return Scope()  # script methods do not see the script body's locals
