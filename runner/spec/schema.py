"""The JSON Schemas of every YAML file this tool reads, generated from the shapes that validate
them (never written by hand): flows (from the declared step types), users files and the config
file; the simulator's accounts file has its own, built with `document` (runner/simulator/accounts.py)."""

from __future__ import annotations

from typing import Any

from ..core.locators import locator_object_schema
from .flow import COMMON_KEYS, FLOW_SHAPE, INPUT_SHAPE
from .steps import STEP_TYPES

SCHEMA_BASE = "https://github.com/m365-replay/m365-replay/"


def document(name: str, title: str, body: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema document around `body` (the simulator's accounts file uses it too)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{SCHEMA_BASE}{name}.schema.json",
            "title": title, **body}


def flow_schema() -> dict[str, Any]:
    common = {k: v.schema() for k, v in COMMON_KEYS.items()}
    steps = []
    for name, spec in sorted(STEP_TYPES.items()):
        props = {**common, name: spec.shape.schema(), **{k: v.schema() for k, v in spec.extras.items()}}
        steps.append({"title": name, "description": spec.summary, "type": "object", "required": [name],
                      "properties": props, "additionalProperties": False})
    return document("flow", "m365-replay flow", {
        **FLOW_SHAPE.schema(),
        "$defs": {
            "input": {**INPUT_SHAPE.schema(), "type": ["object", "null"]},
            "locator": {"oneOf": [{"type": "string"}, locator_object_schema()]},
            "step": {"oneOf": steps},
        },
    })


def users_schema() -> dict[str, Any]:
    from .users import users_shape

    return document("users", "m365-replay users file", users_shape().schema())


def states_schema() -> dict[str, Any]:
    from .states import states_shape

    return document("sign-in-states", "m365-replay sign-in states file", states_shape().schema())


def config_schema() -> dict[str, Any]:
    from .config import config_shape

    # an empty config file is valid (it allows every domain)
    return document("config", "m365-replay config file", {**config_shape().schema(), "type": ["object", "null"]})
