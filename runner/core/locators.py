"""The one home of the locator and `${var}` rules: which keys a locator takes and what each holds,
how `${name}` and `$$` read, the JSON Schema of a locator, and how a locator becomes a Playwright
Locator at run time.

Validation (shapes.py), the JSON Schema (schema.py) and the engine all read these tables, so a key
accepted by one is accepted by all. Nothing here imports YAML or Playwright: the engine uses it
without the validator, and `validate` without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import FrameLocator, Locator, Page

# `${name}`; `$$` is a literal `$`, so `$${name}` is the text `${name}`
VAR_RE = re.compile(r"\$\{([^}]*)\}")


def variables_in(text: str) -> Iterator[str]:
    """The variable names a text refers to (stripped), skipping escaped `$${...}`."""
    for part in text.split("$$"):
        for match in VAR_RE.finditer(part):
            yield match.group(1).strip()


def interpolate(text: str, variables: Mapping[str, Any]) -> str:
    """`${name}` replaced by its value and `$$` by `$`; an unknown name is left as written (the
    validator has refused it already, so this only happens for text that never was validated)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return str(variables[name]) if name in variables else match.group(0)

    return "$".join(VAR_RE.sub(sub, part) for part in text.split("$$"))


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
    "any": "a list of locators, all tried at once (locator.or_): whichever is on the page; where two match "
           "different elements, a click cannot tell which one is meant",
    "first_of": "a list of locators tried in order (an ordered fallback): the first that is on the page is the one "
                "used, e.g. a public id first, then role and name alternatives",
}
LOCATOR_MODIFIERS = {
    "name": "accessible name, with `role` (substring unless `exact`)",
    "exact": "match name/text exactly",
    "nth": "pick the n-th match (0 = first) when several match",
}
LOCATOR_KEYS = set(LOCATOR_PRIMARY) | set(LOCATOR_MODIFIERS)
# What each key holds; every key not listed is text (and may use variables)
LOCATOR_KINDS = {"any": "list", "first_of": "list", "exact": "bool", "nth": "index"}
LIST_KEYS = ("any", "first_of")  # the locators made of other locators
# Primary keys that are one `page.get_by_*(text, exact=...)` call; the rest are built below
_GET_BY_EXACT = {"label": "get_by_label", "text": "get_by_text", "placeholder": "get_by_placeholder",
                 "alt": "get_by_alt_text", "title": "get_by_title"}


def key_kind(key: str) -> str:
    """"text", "bool", "index" or "list": what a locator key holds."""
    return LOCATOR_KINDS.get(key, "text")


def locator_properties() -> dict[str, Any]:
    """JSON Schema properties of the locator keys."""
    by_kind: dict[str, dict[str, Any]] = {
        "list": {"type": "array", "items": {"$ref": "#/$defs/locator"}},
        "bool": {"type": "boolean"},
        "index": {"type": "integer", "minimum": 0},
        "text": {"type": "string"},
    }
    return {key: {**by_kind[key_kind(key)], "description": doc}
            for key, doc in {**LOCATOR_PRIMARY, **LOCATOR_MODIFIERS}.items()}


def locator_object_schema() -> dict[str, Any]:
    return {"type": "object", "properties": locator_properties(), "additionalProperties": False, "minProperties": 1}


def describe_locator(loc: dict[str, Any] | None) -> str:
    """A short human description for step names and messages: `#i0116`, `link 'OneDrive'`."""
    if not loc:
        return ""
    if "selector" in loc:
        return loc["selector"]
    if "any" in loc:
        return _listed(loc["any"], " or ")
    if "first_of" in loc:
        return _listed(loc["first_of"], ", else ")
    if "role" in loc:
        return f"{loc['role']} {loc['name']!r}" if "name" in loc else loc["role"]
    if "id" in loc:
        return f"#{loc['id']}"
    key = next(k for k in loc if k not in LOCATOR_MODIFIERS)
    return f"{key} {loc[key]!r}"


def _listed(items: list[dict[str, Any]], joiner: str) -> str:
    """An `any:`/`first_of:` list in words, names of one role together, in the flow's order:
    `#mectrl_viewAccount, else link 'View account' / 'Hesabı görüntüle'`."""
    parts: list[str] = []
    role = None
    for item in items:
        named = "role" in item and "name" in item and set(item) <= {"role", "name", "exact"}
        if named and item["role"] == role:
            parts[-1] += f" / {item['name']!r}"
            continue
        parts.append(describe_locator(item))
        role = item["role"] if named else None
    return joiner.join(parts)


def interpolate_locator(spec: dict[str, Any], text: Callable[[str], str]) -> dict[str, Any]:
    """A locator with `${var}` read in every text of it, its alternatives' too (for messages)."""
    return {key: text(value) if isinstance(value, str) else
            [interpolate_locator(item, text) for item in value] if isinstance(value, list) else value
            for key, value in spec.items()}


def alternatives(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The locators an `any:` or `first_of:` list holds, in the flow's order; the locator itself otherwise."""
    return next((list(spec[key]) for key in LIST_KEYS if key in spec), [spec])


def is_locator(value: Any) -> bool:
    """Whether a validated step argument is a locator mapping (a selector or one primary key)."""
    return isinstance(value, dict) and any(k in value for k in ("selector", *LOCATOR_PRIMARY))


def build_locator(page: Page | Locator | FrameLocator, spec: dict[str, Any], text: Callable[[str], str]) -> Locator:
    """The Playwright Locator for a validated locator mapping; `text` interpolates variables (the
    engine passes its account's `interpolate`). Only the primary keys the validator accepts reach
    here, so the last branch is `title`."""
    exact = spec.get("exact")
    if "selector" in spec:
        loc = page.locator(text(spec["selector"]))
    elif "any" in spec or "first_of" in spec:  # first_of as a whole: any of them (in order: AccountRun.find)
        items = [build_locator(page, item, text) for item in spec.get("any") or spec["first_of"]]
        loc = items[0]
        for other in items[1:]:
            loc = loc.or_(other)
    elif "role" in spec:
        name = text(spec["name"]) if "name" in spec else None
        loc = page.get_by_role(text(spec["role"]), name=name, exact=exact)  # type: ignore[arg-type]
    elif "testid" in spec:
        loc = page.get_by_test_id(text(spec["testid"]))
    elif "css" in spec:
        loc = page.locator(text(spec["css"]))
    elif "id" in spec:
        loc = page.locator(f'[id="{text(spec["id"])}"]')
    else:
        key = next(k for k in _GET_BY_EXACT if k in spec)
        loc = getattr(page, _GET_BY_EXACT[key])(text(spec[key]), exact=exact)
    if "nth" in spec:
        loc = loc.nth(int(spec["nth"]))
    return loc
