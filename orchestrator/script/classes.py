"""Types a Jenkinsfile defines itself: `enum Modes { A, B }` and simple classes with fields and
methods. Method bodies run in the interpreter; these hold the data."""
from __future__ import annotations

from .conversions import ClassValue
from .values import GroovyObject, runtime_error, to_groovy_string


class EnumValue(GroovyObject):
    def __init__(self, enum: "EnumType", name: str, ordinal: int):
        self.enum, self.name, self.ordinal = enum, name, ordinal
        self.java_class = enum.name
        self.java_types = frozenset({enum.name, "Enum", "Object"})

    def to_groovy_string(self) -> str:
        return self.name

    def compare_to(self, other) -> int:
        if not isinstance(other, EnumValue) or other.enum is not self.enum:
            raise runtime_error(f"Cannot compare {self.enum.name}.{self.name} with {to_groovy_string(other)}",
                                java_class="java.lang.ClassCastException")
        return (self.ordinal > other.ordinal) - (self.ordinal < other.ordinal)

    def get_property(self, name: str):
        if name == "name":
            return self.name
        if name == "ordinal":
            return self.ordinal
        return super().get_property(name)


EnumValue.METHODS = {
    "name": lambda self: self.name,
    "ordinal": lambda self: self.ordinal,
    "toString": lambda self: self.name,
    "compareTo": EnumValue.compare_to,
}


class EnumType(ClassValue):
    """The enum itself: `Modes.A`, `Modes.values()`, `Modes.valueOf('A')`."""

    def __init__(self, name: str, names: tuple[str, ...]):
        self.name = name
        self.members = {member: EnumValue(self, member, i) for i, member in enumerate(names)}

    def is_instance(self, value) -> bool:
        return isinstance(value, EnumValue) and value.enum is self

    def get_property(self, name: str):
        if name in self.members:
            return self.members[name]
        return super().get_property(name)

    def value_of(self, name):
        text = to_groovy_string(name)
        if text not in self.members:
            raise runtime_error(f"No enum constant {self.name}.{text}", java_class="java.lang.IllegalArgumentException")
        return self.members[text]


EnumType.METHODS = {
    "values": lambda self: list(self.members.values()),
    "valueOf": EnumType.value_of,
}


class ScriptClass(ClassValue):
    """A class from the script: field declarations and methods (grouped by name for overloads).

    `interpreter` is set by the interpreter so instances can run their methods (toString...)."""

    def __init__(self, name: str, fields: list, methods: dict, superclass: "ScriptClass | None" = None):
        self.name, self.fields, self.methods, self.superclass = name, fields, methods, superclass
        self.statics: dict = {}  # static fields, filled when the class is defined
        self.interpreter = None

    def get_property(self, name: str):
        for cls in self.lineage():
            if name in cls.statics:
                return cls.statics[name]
        return super().get_property(name)

    def set_property(self, name: str, value) -> None:
        for cls in self.lineage():
            if name in cls.statics:
                cls.statics[name] = value
                return
        super().set_property(name, value)

    def is_instance(self, value) -> bool:
        return isinstance(value, ScriptObject) and self in value.cls.lineage()

    def lineage(self) -> list["ScriptClass"]:
        chain, current = [], self
        while current is not None and current not in chain:
            chain.append(current)
            current = current.superclass
        return chain

    def find_methods(self, name: str) -> list:
        return [m for cls in self.lineage() for m in cls.methods.get(name, ())]


class ScriptObject(GroovyObject):
    """An instance of a script class. `fields` doubles as the variables of its method scope."""

    def __init__(self, cls: ScriptClass):
        self.cls = cls
        self.fields: dict = {}
        self.java_class = cls.name
        self.java_types = frozenset({c.name for c in cls.lineage()} | {"Object"})

    def to_groovy_string(self) -> str:
        if self.cls.find_methods("toString") and self.cls.interpreter is not None:
            return to_groovy_string(self.cls.interpreter.invoke_object_method(self, "toString", [], None))
        return f"{self.cls.name}@{id(self) & 0xFFFFFFF:x}"

    def get_property(self, name: str):
        if name in self.fields:
            return self.fields[name]
        return super().get_property(name)

    def set_property(self, name: str, value) -> None:
        if name not in self.fields:
            super().set_property(name, value)
        self.fields[name] = value
