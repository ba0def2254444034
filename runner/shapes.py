"""The small shape language step types use to declare their arguments.

One declaration gives both the validator (with positioned messages and did-you-mean) and the
JSON Schema that `m365-replay schema` prints, so the two can never disagree.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .yamlpos import MappingNode, Node, ScalarNode, SequenceNode, pos, scalar_value

VAR_RE = re.compile(r"\$\{([^}]*)\}")


def did_you_mean(word: str, choices: list[str] | set[str]) -> str:
    """' (did you mean X?)' when a close candidate exists, else ''."""
    if len(word) > 100:  # no key is that long, and difflib's cost grows with the length
        return ""
    return _closest(word, tuple(sorted(choices)))


@functools.lru_cache(maxsize=512)
def _closest(word: str, choices: tuple[str, ...]) -> str:
    # cached: a file with the same typo a thousand times (or a fuzzer) asks difflib once
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def shown(value: object, limit: int = 60) -> str:
    """repr() of a value from the file, shortened: a message must not quote a 900 kB line back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


@dataclass
class Ctx:
    """What a check needs to know: the file, the variables in scope, and where to put problems."""

    file: str
    variables: set[str]
    problems: list[Problem] = field(default_factory=list)

    def err(self, node: Node, message: str) -> None:
        line, col = pos(node)
        self.problems.append(Problem(self.file, line, col, message))


def kind_of(node: Node) -> str:
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
    for match in VAR_RE.finditer(text.replace("$$", "")):
        name = match.group(1).strip()
        if name not in ctx.variables:
            known = ", ".join(sorted(ctx.variables)) or "none"
            ctx.err(node, f"unknown variable ${{{shown(name)[1:-1]}}}{did_you_mean(name, ctx.variables)}; "
                    f"known: {known}")


class Shape:
    """A declared argument shape: validates a node into a plain value and describes itself."""

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
    description: str = ""
    enum: tuple[str, ...] | None = None
    variables: bool = True

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, ScalarNode):
            ctx.err(node, f"expected text, got {kind_of(node)}")
            return None
        value = scalar_value(node)
        if value is None or value == "":
            ctx.err(node, "expected text, got nothing")
            return None
        if isinstance(value, (bool, int, float, datetime.date)) and self.enum is None:
            value = node.value  # `timeout: 10`-style scalars where text is wanted: keep as written
        if not isinstance(value, str):
            ctx.err(node, f"expected text, got {kind_of(node)}")
            return None
        if self.enum is not None and value not in self.enum:
            ctx.err(node, f"{shown(value)} is not one of {', '.join(self.enum)}{did_you_mean(value, set(self.enum))}")
            return None
        if self.variables:
            check_variables(value, node, ctx)
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.enum:
            out["enum"] = list(self.enum)
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


# Locators speak Playwright's own vocabulary: each primary key is one `page.get_by_*` call.
LOCATOR_PRIMARY = {
    "role": "ARIA role, with `name` (page.get_by_role)",
    "label": "text of the associated label or aria-label (page.get_by_label)",
    "text": "visible text (page.get_by_text)",
    "testid": "data-testid attribute (page.get_by_test_id)",
    "css": "a CSS selector (page.locator)",
    "id": "an element id, without '#'",
    "placeholder": "placeholder text (page.get_by_placeholder)",
    "alt": "alt text (page.get_by_alt_text)",
    "title": "title attribute (page.get_by_title)",
    "any": "a list of locators: the first that matches (locator.or_)",
}
LOCATOR_MODIFIERS = {
    "name": "accessible name, with `role` (substring unless `exact`)",
    "exact": "match name/text exactly",
    "nth": "pick the n-th match (0 = first) when several match",
}
LOCATOR_KEYS = set(LOCATOR_PRIMARY) | set(LOCATOR_MODIFIERS)


def check_locator_map(node: MappingNode, ctx: Ctx, extra: set[str] | None = None) -> dict[str, Any] | None:
    """Validate the locator keys of a mapping (other keys in `extra` are left to the caller)."""
    extra = extra or set()
    out: dict[str, Any] = {}
    primaries = []
    ok = True
    for key_node, value_node in node.value:
        key = key_node.value
        if key in extra:
            continue
        if key not in LOCATOR_KEYS:
            ctx.err(key_node, f"unknown locator key {key!r}{did_you_mean(key, LOCATOR_KEYS | extra)}")
            ok = False
            continue
        if key == "any":
            if not isinstance(value_node, SequenceNode) or not value_node.value:
                ctx.err(value_node, "`any` takes a list of locators")
                ok = False
                continue
            items = [LocatorShape().check(item, ctx) for item in value_node.value]
            if any(item is None for item in items):
                ok = False
            out["any"] = items
        elif key == "exact":
            out[key] = Bool().check(value_node, ctx)
        elif key == "nth":
            out[key] = Num(integer=True).check(value_node, ctx)
        else:
            out[key] = Str().check(value_node, ctx)
        if out.get(key) is None:
            ok = False
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
        ok = False
    return out if ok else None


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


def locator_properties() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key, doc in {**LOCATOR_PRIMARY, **LOCATOR_MODIFIERS}.items():
        if key == "any":
            props[key] = {"type": "array", "items": {"$ref": "#/$defs/locator"}, "description": doc}
        elif key == "exact":
            props[key] = {"type": "boolean", "description": doc}
        elif key == "nth":
            props[key] = {"type": "integer", "minimum": 0, "description": doc}
        else:
            props[key] = {"type": "string", "description": doc}
    return props


def locator_object_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": locator_properties(),
        "additionalProperties": False,
        "minProperties": 1,
    }


@dataclass
class Fields(Shape):
    """A mapping with declared fields; with `locator=True` it also takes locator keys."""

    fields: dict[str, Shape]
    required: tuple[str, ...] = ()
    locator: bool = False
    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode) and scalar_value(node) is None and not self.required and not self.locator:
            return {}
        if not isinstance(node, MappingNode):
            ctx.err(node, f"expected a mapping with {', '.join(self.fields) or 'locator keys'}, got {kind_of(node)}")
            return None
        out: dict[str, Any] = {}
        ok = True
        if self.locator:
            loc = check_locator_map(node, ctx, extra=set(self.fields))
            if loc is None:
                ok = False
            else:
                out["locator"] = loc
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in self.fields:
                seen.add(key)
                value = self.fields[key].check(value_node, ctx)
                ok = ok and value is not None
                out[key] = value
            elif not self.locator:
                ctx.err(key_node, f"unknown key {key!r}{did_you_mean(key, set(self.fields))}; "
                        f"expected {', '.join(self.fields)}")
                ok = False
        for key in self.required:
            if key not in seen:
                ctx.err(node, f"missing `{key}`")
                ok = False
        return out if ok else None

    def schema(self) -> dict[str, Any]:
        props = {k: v.schema() for k, v in self.fields.items()}
        if self.locator:
            props = {**locator_properties(), **props}
        out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
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


@dataclass
class LocatorWith(Fields):
    """A locator plus fields; the short form `click: "#id"` is a bare selector."""

    locator: bool = True

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode) and not self.required:
            loc = LocatorShape().check(node, ctx)
            return None if loc is None else {"locator": loc}
        return super().check(node, ctx)

    def schema(self) -> dict[str, Any]:
        long = super().schema()
        return long if self.required else {"oneOf": [{"type": "string"}, long]}


# --- `doc:` per locale (issue 12, QA's nightly check; runner/doccheck.py reads it) -----------------
LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class LocalizedText(Shape):
    """Text, or a mapping of locale to text (`doc: {en: ..., tr: ...}`): the same wording as the
    article publishes it in each language. The short form stays valid, so every existing flow is."""

    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, SequenceNode):
            ctx.err(node, "expected text, or a mapping of locale to text such as {en: ..., tr: ...}; got a list")
            return None
        if not isinstance(node, MappingNode):
            return Str(variables=False).check(node, ctx)
        if not node.value:
            ctx.err(node, "expected text, or a mapping of locale to text such as {en: ..., tr: ...}; got an "
                    "empty mapping")
            return None
        out: dict[str, str] = {}
        ok = True
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if not LOCALE_RE.match(key):
                ctx.err(key_node, f"{shown(key)} is not a locale; write a language such as en or tr, or a locale "
                        "such as tr-TR")
                ok = False
                continue
            if key.lower() in {k.lower() for k in out}:
                ctx.err(key_node, f"locale {key!r} is given twice")
                ok = False
                continue
            value = Str(variables=False).check(value_node, ctx)
            if value is None:
                ok = False
            else:
                out[key] = value
        return out if ok else None

    def schema(self) -> dict[str, Any]:
        per_locale = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": LOCALE_RE.pattern},
                      "additionalProperties": {"type": "string", "minLength": 1},
                      "description": "The wording per locale, e.g. {en: ..., tr: ...}"}
        return self._with_doc({"oneOf": [{"type": "string", "minLength": 1}, per_locale]})


def display_text(value: str | dict[str, str] | None) -> str | None:
    """The one string reports show for a LocalizedText: English where given, else the first."""
    if value is None or isinstance(value, str):
        return value
    for key, text in value.items():
        if key.lower() == "en" or key.lower().startswith("en-"):
            return text
    return next(iter(value.values()), None)
