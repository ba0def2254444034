"""The JSON Schema of flow files, generated from the step registry (never written by hand)."""

from __future__ import annotations

from typing import Any

from .flow import COMMON_KEYS, INPUT_TYPES
from .shapes import locator_object_schema
from .steps import REGISTRY


def flow_schema() -> dict[str, Any]:
    common = {k: v.schema() for k, v in COMMON_KEYS.items()}
    steps = []
    for name, spec in sorted(REGISTRY.items()):
        props = {**common, name: spec.shape.schema(), **{k: v.schema() for k, v in spec.extras.items()}}
        steps.append({"title": name, "description": spec.summary, "type": "object", "required": [name],
                      "properties": props, "additionalProperties": False})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/m365-replay/m365-replay/flow.schema.json",
        "title": "m365-replay flow",
        "type": "object",
        "required": ["name", "steps"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "What the flow replays"},
            "source": {"type": "string", "description": "URL of the documented procedure"},
            "description": {"type": "string"},
            "inputs": {"type": "object", "additionalProperties": {"$ref": "#/$defs/input"}},
            "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
        },
        "$defs": {
            "input": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {
                    "type": {"enum": list(INPUT_TYPES)},
                    "default": {"type": ["string", "number", "boolean"]},
                    "allowed": {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                    "description": {"type": "string"},
                },
            },
            "locator": {"oneOf": [{"type": "string"}, locator_object_schema()]},
            "step": {"oneOf": steps},
        },
    }
