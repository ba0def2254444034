"""Who to run: `--account`, `--users FILE` and `--var`, resolved into one spec per account.

Per-account values in the users file win over `--var` (set for everyone), which wins over
the flow's defaults. Every value is checked against the flow's inputs before a browser starts.
The users file is declared in the shape language (users_shape), like every YAML file here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.model import GENERATE_PHOTO, AccountSpec, Flow
from .documents import EMAIL_PATTERN, ListOf, Scalar, account_name, check_document, child
from .shapes import Ctx, Fields, Str, did_you_mean
from .yamlpos import Node, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

EMAIL_RE = re.compile(EMAIL_PATTERN)


def check_email(account: str) -> str | None:
    return None if EMAIL_RE.fullmatch(account) else f"{account!r} is not an account name like user@contoso.com"


@dataclass
class UserEntry(Fields):
    """One user: `account:` and, with a flow, values of its inputs (without one they are ignored,
    as `creds check --users` needs only the accounts)."""

    flow: Flow | None = None

    def check_rest(self, key_node: Node, value_node: Node, ctx: Ctx) -> Any:
        if self.flow is None:
            return None
        key = str(key_node.value)
        if key not in self.flow.inputs:
            known = ", ".join(self.flow.inputs) or "none"
            ctx.err(key_node, f"the flow has no input {key!r}{did_you_mean(key, self.flow.inputs)}; inputs: {known}")
            return None
        raw = scalar_value(value_node) if isinstance(value_node, ScalarNode) else None
        try:
            return self.flow.inputs[key].coerce(raw)
        except ValueError as exc:
            ctx.err(value_node, str(exc))
            return None


def users_shape(flow: Flow | None = None) -> Fields:
    """The users file; with `flow`, each user's other keys must be that flow's inputs."""
    user = UserEntry(
        {"account": account_name("`account` is an account name like user@contoso.com"),
         "photo": Str(variables=False, description="A picture of this account (a file, relative to the users "
                      "file): the `${photo}` of the flow, e.g. the reference of the photo check instead of Exchange's "
                      "copy")},
        required=("account",), expected="each user is a mapping: `- account: user@contoso.com`",
        rest=Scalar(description="A value of one of the flow's inputs, for this account"), flow=flow,
        description="An account, and values of the flow's inputs for it")
    users = ListOf(user, name="users", of="{account: user@contoso.com}", unique="account",
                   description="a list of {account: user@contoso.com}")
    return Fields({"users": users}, required=("users",),
                  expected="a users file is a mapping with `users:`, a list of {account: user@contoso.com}")


def parse_vars(pairs: tuple[str, ...] | list[str], flow: Flow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair or not pair.split("=", 1)[0].strip():
            raise UsageError(f"--var {pair!r}: write it as NAME=VALUE (e.g. --var tile=SharePoint)")
        name, value = pair.split("=", 1)
        name = name.strip()
        if name not in flow.inputs:
            known = ", ".join(flow.inputs) or "none"
            raise UsageError(f"--var {name}: the flow has no input {name!r}{did_you_mean(name, set(flow.inputs))}; "
                             f"inputs: {known}")
        try:
            out[name] = flow.inputs[name].coerce(value)
        except ValueError as exc:
            raise UsageError(f"--var {pair}: {exc}") from None
    return out


def load_users(path: Path, flow: Flow | None) -> list[tuple[str, dict[str, Any], int]]:
    """(account, values, line) for each entry of a users file; FlowError lists every problem.

    Without a flow (`creds check --users`) only the accounts are checked and values are ignored.
    """
    root = load_nodes(path, "users file")
    entries = check_document(root, str(path), users_shape(flow))
    items = child(root, "users")
    assert isinstance(items, SequenceNode)  # the shape has checked it
    out = []
    for entry, item in zip(entries["users"], items.value, strict=True):
        values = {k: v for k, v in entry.items() if k != "account"} if flow is not None else {}
        out.append((entry["account"].strip(), values, pos(item)[0]))
    return out


def build_specs(flow: Flow, accounts: tuple[str, ...] | list[str], users_file: Path | None,
                var_pairs: tuple[str, ...] | list[str]) -> list[AccountSpec]:
    if not accounts and users_file is None:
        raise UsageError("Say who to run: --account user@contoso.com (repeatable) or --users users.yaml")
    shared = parse_vars(var_pairs, flow)
    entries: list[tuple[str, dict[str, Any]]] = []
    for account in accounts:
        problem = check_email(account)
        if problem:
            raise UsageError(f"--account: {problem}")
        entries.append((account.strip(), {}))
    if users_file is not None:
        entries += [(account, values) for account, values, _ in load_users(users_file, flow)]
    specs: list[AccountSpec] = []
    seen: set[str] = set()
    for account, values in entries:
        if account.lower() in seen:
            continue
        seen.add(account.lower())
        photo = values.pop("photo", None)
        if photo and users_file is not None and photo != GENERATE_PHOTO:
            photo = str(users_file.parent / Path(photo).expanduser())  # relative to the users file
        if photo and "photo" in flow.inputs:
            values["photo"] = photo  # a flow that declares `photo` takes the users file's as its value
        try:
            inputs = flow.resolve_inputs({**shared, **values})
        except ValueError as exc:
            raise UsageError(f"{account}: {exc}") from None
        if "photo" in flow.inputs:
            photo = _photo_file(account, inputs["photo"])
        specs.append(AccountSpec(account, inputs, photo=photo))
    return specs


def _photo_file(account: str, photo: str) -> str:
    """A declared `photo` input (the picture a flow uploads) is `generate` or a picture file that
    exists: known before any browser starts, never halfway through a change."""
    if photo == GENERATE_PHOTO or Path(photo).expanduser().is_file():
        return photo
    raise UsageError(f"{account}: photo {photo!r} is not a file; give a picture file (in the users file, relative "
                     f"to it) or `{GENERATE_PHOTO}` for a new picture")
