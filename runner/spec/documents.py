"""Whole YAML files in the shape language: lists of records (a flow's steps, users, simulated
accounts, allowed domains), single values, and reading a file against its shape.

Users files (users.py), the config file (config.py) and simulated accounts
(simulator/accounts.py) are each one declaration in the language, checked by `load_document`,
so they get the flow's messages (`unknown key 'x' (did you mean 'y'?)`, `missing `x``, positions)
and their JSON Schema (`m365-replay schema --users`, ...) from the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import FlowError
from .shapes import Ctx, Fields, Shape, Str, kind_of
from .yamlpos import MappingNode, Node, ScalarNode, SequenceNode, load_nodes, pos, scalar_value


def child(node: Node | None, key: str) -> Node | None:
    """The value node of `key` in a mapping node (None when absent or not a mapping)."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


@dataclass
class Scalar(Shape):
    """One value of any scalar type, as YAML reads it (an input's default, a users-file value)."""

    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, ScalarNode):
            ctx.err(node, f"expected a single value, got {kind_of(node)}")
            return None
        return scalar_value(node)

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"type": ["string", "number", "boolean"]})


@dataclass
class Deferred(Shape):
    """A value its caller checks afterwards (a flow's steps need its inputs first): the node itself.
    `ref` is its JSON Schema."""

    ref: str

    def check(self, node: Node, ctx: Ctx) -> Any:
        return node

    def schema(self) -> dict[str, Any]:
        return {"$ref": self.ref}


@dataclass
class ListOf(Shape):
    """A list of one shape (`min_items` at least); `unique` names a key of its mappings whose
    value (compared stripped and in any case) may appear once: `duplicate account x (first on line 2)`."""

    item: Shape
    name: str
    of: str = ""
    min_items: int = 1
    unique: str | None = None
    description: str = ""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, SequenceNode) or len(node.value) < self.min_items:
            what = "a non-empty list" if self.min_items else "a list"
            ctx.err(node, f"`{self.name}` must be {what}{' of ' + self.of if self.of else ''}, got {kind_of(node)}")
            return None
        before = len(ctx.problems)
        out = [self.item.check(item, ctx) for item in node.value]
        if self.unique is not None:
            self._check_unique(node, ctx)
        return out if len(ctx.problems) == before else None

    def _check_unique(self, node: SequenceNode, ctx: Ctx) -> None:
        assert self.unique is not None and isinstance(self.item, Fields)
        shape = self.item.fields[self.unique]
        seen: dict[str, int] = {}
        for item in node.value:
            value_node = child(item, self.unique)
            if value_node is None:
                continue
            value = shape.check(value_node, Ctx(ctx.file, ctx.variables))  # its own problems are reported already
            if not isinstance(value, str):
                continue
            folded = value.strip().lower()
            if folded in seen:
                ctx.err(value_node, f"duplicate {self.unique} {value.strip()} (first on line {seen[folded]})")
            else:
                seen[folded] = pos(value_node)[0]

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            out["minItems"] = self.min_items
        return self._with_doc(out)


def load_document(path: Path, what: str, shape: Shape, empty: bool = False) -> Any:
    """A whole YAML file (users, config, simulated accounts) checked against `shape`: its value,
    or FlowError with every problem at its line and column. `empty`: an empty file is None."""
    root = load_nodes(path, what)
    return None if root is None and empty else check_document(root, str(path), shape)


def check_document(root: Node | None, file: str, shape: Shape) -> Any:
    """`load_document` for a file already read (a caller that needs the nodes too)."""
    ctx = Ctx(file, set())
    value = shape.check(root, ctx)  # type: ignore[arg-type]
    if ctx.problems:
        raise FlowError(ctx.problems)
    return value


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def account_name(expected: str = "expected an account name like user@contoso.com") -> Str:
    """An account (users files) or a simulated account's upn: the same rule and wording in both."""
    return Str(variables=False, pattern=EMAIL_PATTERN, expected=expected,
               mismatch="{value} is not an account name like user@contoso.com",
               description="An account name like user@contoso.com")
