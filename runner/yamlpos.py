"""YAML loading that keeps positions, refuses aliases and bounds size.

Validation works on the composed node tree (not plain dicts) so every problem can name the
line and column it comes from. Aliases are refused outright: flows have sub-flows for reuse,
and refusing them makes the "billion laughs" expansion impossible rather than merely slow.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import FlowError, Problem

MAX_BYTES = 1_000_000
MAX_NODES = 50_000

__all__ = ["MappingNode", "Node", "ScalarNode", "SequenceNode", "load_nodes", "pos", "scalar_value"]


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and counts nodes."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None,
                None,
                "YAML aliases (*name) are not allowed here; write the value out, or use a sub-flow",
                event.start_mark,
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.MarkedYAMLError(
                None, None, f"file has more than {MAX_NODES} YAML values; split it into sub-flows",
                self.peek_event().start_mark,
            )
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor):  # type: ignore[override]
        node = super().compose_mapping_node(anchor)
        seen: dict[object, Node] = {}
        for key, _ in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    first = seen[key.value].start_mark.line + 1
                    raise yaml.MarkedYAMLError(
                        None, None, f"duplicate key {key.value!r} (first on line {first})", key.start_mark
                    )
                seen[key.value] = key
        return node


def pos(node: Node) -> tuple[int, int]:
    """1-based (line, column) of a node."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def read_text(path: Path, what: str) -> str:
    """Read a YAML input file or raise a FlowError that says what to do."""
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FlowError([Problem(name, 1, 1, f"{what} not found; check the path")]) from None
    except OSError as exc:
        raise FlowError([Problem(name, 1, 1, f"cannot read {what}: {exc.strerror}")]) from None
    if path.is_dir():
        raise FlowError([Problem(name, 1, 1, f"{what} is a folder; give a .yaml file")])
    if size > MAX_BYTES:
        raise FlowError([Problem(name, 1, 1, f"{what} is {size} bytes; the limit is {MAX_BYTES}")])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FlowError([Problem(name, 1, 1, f"{what} is not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise FlowError([Problem(name, 1, 1, f"cannot read {what}: {exc.strerror}")]) from None


def load_nodes(path: Path, what: str = "file") -> Node | None:
    """Compose one YAML document into nodes; YAML errors become positioned problems."""
    text = read_text(path, what)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or str(exc)
        if exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}" if "alias" not in exc.problem else exc.problem
        raise FlowError([Problem(str(path), line, col, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise FlowError([Problem(str(path), 1, 1, f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise FlowError([Problem(str(path), 1, 1, "YAML is nested too deeply")]) from None
    finally:
        loader.dispose()
    return node


_constructor = yaml.SafeLoader("")


def scalar_value(node: ScalarNode) -> object:
    """The Python value YAML gives a scalar (str, int, float, bool or None)."""
    try:
        return _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node.value
