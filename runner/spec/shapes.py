"""The small shape language every YAML file of this tool is described in: flows (their steps, as
step types declare them), users files, the config file and simulated accounts.

One declaration gives both the validator (with positioned messages and did-you-mean, worded the
same in every file) and the JSON Schema that `m365-replay schema` prints, so the two can never
disagree. The locator and `${var}` rules themselves live in locators.py.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import Problem, did_you_mean
from ..core.locators import LOCATOR_KEYS, LOCATOR_PRIMARY, key_kind, locator_object_schema, variables_in
from .yamlpos import MappingNode, Node, ScalarNode, SequenceNode, pos, scalar_value


def shown(value: object, limit: int = 60) -> str:
    """repr() of a value from the file, shortened: a message must not quote a 900 kB line back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def unknown_key(key: object, known: Iterable[str], noun: str = "key", listed: bool = True) -> str:
    """The one wording of an unknown key in every file: `unknown key 'stepz' (did you mean 'steps'?);
    expected name, steps`. `listed=False` where the known keys are too many to list (step names)."""
    known = list(known)
    message = f"unknown {noun} {shown(key)}{did_you_mean(str(key), known)}"
    return f"{message}; expected {', '.join(known)}" if listed and known else message


def missing_key(key: str, shape: Shape | None = None) -> str:
    """The one wording of a missing key: `missing `users`: a list of {account: ...}`."""
    hint = shape.description if shape is not None else ""
    if hint[:2].istitle():  # "Text to type" reads as "missing `value`: text to type"; "URL to open" stays
        hint = hint[0].lower() + hint[1:]
    return f"missing `{key}`: {hint}" if hint else f"missing `{key}`"


@dataclass
class Ctx:
    """What a check needs to know: the file, the variables in scope, and where to put problems."""

    file: str
    variables: set[str]
    problems: list[Problem] = field(default_factory=list)

    def err(self, node: Node | None, message: str) -> None:
        line, col = pos(node) if node is not None else (1, 1)  # None: an empty file
        self.problems.append(Problem(self.file, line, col, message))


def kind_of(node: Node | None) -> str:
    if node is None:
        return "empty"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = scalar_value(node)  # type: ignore[arg-type]
    if value is None:
        return "empty"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(type(value), "a value")


def check_variables(text: str, node: Node, ctx: Ctx) -> None:
    for name in variables_in(text):
        if name not in ctx.variables:
            known = ", ".join(sorted(ctx.variables)) or "none"
            ctx.err(node, f"unknown variable ${{{shown(name)[1:-1]}}}{did_you_mean(name, ctx.variables)}; "
                    f"known: {known}")


class Shape:
    """A declared shape: validates a node into a plain value and describes itself as JSON Schema.

    `check` records every problem in `ctx`; a caller tells success by the problem count (a value
    may legitimately be None: `mfa: null`), and a failed check returns None.
    """

    description = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _with_doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass
class Str(Shape):
    """Text. `enum`: one of these; `pattern` (matched whole): the text must match, else `mismatch`
    (with {value}) says what it should be; `nullable`: an empty value is None, not a problem;
    `expected`: what a wrong type is told it should be."""

    description: str = ""
    enum: tuple[str, ...] | None = None
    variables: bool = True
    nullable: bool = False
    pattern: str | None = None
    mismatch: str = "{value} does not have the expected form"
    expected: str = "expected text"

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, ScalarNode):
            ctx.err(node, f"{self.expected}, got {kind_of(node)}")
            return None
        value = scalar_value(node)
        if value is None and self.nullable:
            return None
        if value is None or value == "":
            ctx.err(node, f"{self.expected}, got nothing")
            return None
        if isinstance(value, (bool, int, float, datetime.date)) and self.enum is None:
            value = node.value  # `timeout: 10`-style scalars where text is wanted: keep as written
        if not isinstance(value, str):
            ctx.err(node, f"{self.expected}, got {kind_of(node)}")
            return None
        if self.enum is not None and value not in self.enum:
            ctx.err(node, f"{shown(value)} is not one of {', '.join(self.enum)}{did_you_mean(value, self.enum)}")
            return None
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            ctx.err(node, self.mismatch.format(value=shown(value)))
            return None
        if self.variables:
            check_variables(value, node, ctx)
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
        if self.enum:
            out["enum"] = [*self.enum, None] if self.nullable else list(self.enum)
        if self.pattern:
            out["pattern"] = self.pattern
        return self._with_doc(out)


@dataclass
class Num(Shape):
    description: str = ""
    integer: bool = False
    minimum: float = 0

    def check(self, node: Node, ctx: Ctx) -> Any:
        value = scalar_value(node) if isinstance(node, ScalarNode) else None
        ok = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            ctx.err(node, f"expected {'a whole number' if self.integer else 'a number'}, got {kind_of(node)}")
            return None
        if not math.isfinite(value):  # `.inf` / `.nan` are YAML numbers, but never a timeout
            ctx.err(node, f"expected a finite number, got {node.value}")
            return None
        if value < self.minimum:
            ctx.err(node, f"expected a number of at least {self.minimum}, got {value}")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "integer" if self.integer else "number", "minimum": self.minimum})


@dataclass
class Bool(Shape):
    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        value = scalar_value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            ctx.err(node, f"expected true or false, got {kind_of(node)}")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


@dataclass
class Fields(Shape):
    """A mapping with declared fields; with `locator=True` it also takes locator keys.

    `rest`: the shape of keys not declared (None: they are unknown keys); `noun` names a key in
    messages ("input key"); `expected` says what the mapping is when something else is given.
    A missing required key with a misspelt one beside it is reported once, as the misspelling.
    """

    fields: dict[str, Shape]
    required: tuple[str, ...] = ()
    locator: bool = False
    description: str = ""
    noun: str = "key"
    expected: str = ""
    rest: Shape | None = None
    locator_optional: bool = False  # with `locator`: a mapping of only the declared fields is fine too

    def check(self, node: Node | None, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode) and scalar_value(node) is None and not self.required and not self.locator:
            return {}
        before = len(ctx.problems)
        out = self.check_fields(node, ctx)
        return out if out is not None and len(ctx.problems) == before else None

    def check_fields(self, node: Node | None, ctx: Ctx) -> dict[str, Any] | None:
        """The values of the fields that are there (None only when `node` is not a mapping); a
        caller that goes on despite problems (a flow checks its steps too) uses what is valid."""
        if not isinstance(node, MappingNode):
            wanted = self.expected or f"expected a mapping with {', '.join(self.fields) or 'locator keys'}"
            ctx.err(node, f"{wanted}, got {kind_of(node)}")
            return None
        out: dict[str, Any] = {}
        if self.locator and not (self.locator_optional and not any(k.value in LOCATOR_KEYS for k, _ in node.value)):
            loc = check_locator_map(node, ctx, extra=set(self.fields))
            if loc is not None:
                out["locator"] = loc
        present = {key_node.value for key_node, _ in node.value}
        missing = [key for key in self.required if key not in present]
        undeclared = present - set(self.fields) - (LOCATOR_KEYS if self.locator else set())
        misspelt = {key for key in undeclared if did_you_mean(str(key), missing)}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in self.fields:
                out[key] = self.fields[key].check(value_node, ctx)
            elif self.locator:
                continue  # check_locator_map has judged it
            elif self.rest is not None and key not in misspelt:
                out[key] = self.check_rest(key_node, value_node, ctx)
            else:
                ctx.err(key_node, unknown_key(key, self.fields, self.noun))
        for key in missing:
            if not any(did_you_mean(str(typo), {key}) for typo in misspelt):
                ctx.err(node, missing_key(key, self.fields[key]))
        return out

    def check_rest(self, key_node: Node, value_node: Node, ctx: Ctx) -> Any:
        """An undeclared key's value (only with `rest`); a subclass may check the key too."""
        assert self.rest is not None
        return self.rest.check(value_node, ctx)

    def schema(self) -> dict[str, Any]:
        props = {k: v.schema() for k, v in self.fields.items()}
        if self.locator:
            props = {**locator_object_schema()["properties"], **props}
        out: dict[str, Any] = {"type": "object", "properties": props,
                               "additionalProperties": self.rest.schema() if self.rest is not None else False}
        if self.required:
            out["required"] = list(self.required)
        return self._with_doc(out)


@dataclass
class Either(Shape):
    """Text for the short form, a mapping for the long one (e.g. `screenshot: name`)."""

    short: Shape
    long: Fields
    short_key: str
    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, MappingNode):
            return self.long.check(node, ctx)
        value = self.short.check(node, ctx)
        return None if value is None else {self.short_key: value}

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"oneOf": [self.short.schema(), self.long.schema()]})


@dataclass
class MapOf(Shape):
    """A mapping from free names to one value shape (the `with:` of a sub-flow)."""

    value: Shape
    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, MappingNode):
            ctx.err(node, f"expected a mapping, got {kind_of(node)}")
            return None
        out = {}
        for key_node, value_node in node.value:
            if isinstance(value_node, ScalarNode):
                value = scalar_value(value_node)
                if isinstance(value, str):
                    check_variables(value, value_node, ctx)
                out[key_node.value] = value
            else:
                ctx.err(value_node, f"expected a single value, got {kind_of(value_node)}")
        return out

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}})


def check_locator_map(node: MappingNode, ctx: Ctx, extra: set[str] | None = None) -> dict[str, Any] | None:
    """Validate the locator keys of a mapping (other keys in `extra` are left to the caller)."""
    extra = extra or set()
    before = len(ctx.problems)
    out: dict[str, Any] = {}
    primaries = []
    for key_node, value_node in node.value:
        key = key_node.value
        if key in extra:
            continue
        if key not in LOCATOR_KEYS:
            ctx.err(key_node, unknown_key(key, LOCATOR_KEYS | extra, "locator key", listed=False))
            continue
        out[key] = _locator_value(key, value_node, ctx)
        if key in LOCATOR_PRIMARY:
            primaries.append(key_node)
    if not primaries:
        ctx.err(node, f"no locator: give one of {', '.join(LOCATOR_PRIMARY)}")
        return None
    if len(primaries) > 1:
        ctx.err(primaries[1], f"give one locator, not {' and '.join(p.value for p in primaries)}")
        return None
    if "name" in out and "role" not in out:
        ctx.err(node, "`name` goes with `role`")
    return out if len(ctx.problems) == before else None


def _locator_value(key: str, node: Node, ctx: Ctx) -> Any:
    """One locator key's value, checked as locators.LOCATOR_KINDS says."""
    held = key_kind(key)
    if held == "list":
        if not isinstance(node, SequenceNode) or not node.value:
            ctx.err(node, f"`{key}` takes a list of locators")
            return None
        return [LocatorShape().check(item, ctx) for item in node.value]
    if held == "bool":
        return Bool().check(node, ctx)
    if held == "index":
        return Num(integer=True).check(node, ctx)
    return Str().check(node, ctx)


class LocatorShape(Shape):
    description = "A Playwright selector string, or a mapping such as {role: link, name: OneDrive} or {id: i0116}"

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode):
            value = Str().check(node, ctx)
            return None if value is None else {"selector": value}
        if isinstance(node, MappingNode):
            return check_locator_map(node, ctx)
        ctx.err(node, f"expected a locator (text or mapping), got {kind_of(node)}")
        return None

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"oneOf": [{"type": "string"}, locator_object_schema()]})


@dataclass
class LocatorWith(Fields):
    """A locator plus fields; the short form `click: "#id"` is a bare selector."""

    locator: bool = True

    def check(self, node: Node | None, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode) and not self.required:
            loc = LocatorShape().check(node, ctx)
            return None if loc is None else {"locator": loc}
        return super().check(node, ctx)

    def schema(self) -> dict[str, Any]:
        long = super().schema()
        return long if self.required else {"oneOf": [{"type": "string"}, long]}
