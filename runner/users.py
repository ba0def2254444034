"""Who to run: `--account`, `--users FILE` and `--var`, resolved into one spec per account.

Per-account values in the users file win over `--var` (set for everyone), which wins over
the flow's defaults. Every value is checked against the flow's inputs before a browser starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .engine import AccountSpec
from .errors import FlowError, Problem, UsageError
from .flow import Flow
from .shapes import did_you_mean, kind_of
from .yamlpos import MappingNode, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(account: str) -> str | None:
    return None if EMAIL_RE.fullmatch(account) else f"{account!r} is not an account name like user@contoso.com"


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
    file = str(path)
    problems: list[Problem] = []

    def err(node: Any, message: str) -> None:
        line, col = pos(node)
        problems.append(Problem(file, line, col, message))

    users: list[tuple[str, dict[str, Any], int]] = []
    if not isinstance(root, MappingNode):
        line, col = pos(root) if root is not None else (1, 1)
        got = "empty" if root is None else kind_of(root)
        raise FlowError([Problem(file, line, col, "a users file is a mapping with `users:`, a list of "
                                 f"{{account: user@contoso.com}}; got {got}")])
    keys = {k.value: (k, v) for k, v in root.value}
    for key, (key_node, _) in keys.items():
        if key != "users":
            err(key_node, f"unknown key {key!r}{did_you_mean(str(key), {'users'})}; a users file has `users:`")
    if "users" not in keys:
        err(root, "missing `users:`, a list of {account: user@contoso.com}")
        raise FlowError(problems)
    seq = keys["users"][1]
    if not isinstance(seq, SequenceNode) or not seq.value:
        err(seq, f"`users` must be a non-empty list of {{account: user@contoso.com}}, got {kind_of(seq)}")
        raise FlowError(problems)
    seen: dict[str, int] = {}
    for item in seq.value:
        if not isinstance(item, MappingNode):
            err(item, f"each user is a mapping: `- account: user@contoso.com`, got {kind_of(item)}")
            continue
        fields = {k.value: (k, v) for k, v in item.value}
        if "account" not in fields:
            typo = next((k for k in fields if did_you_mean(str(k), {"account"})), None)
            if typo is not None:  # `acount:` is the likelier mistake than a user without an account
                err(fields[typo][0], f"unknown key {typo!r} (did you mean 'account'?)")
            else:
                err(item, "missing `account:`")
            continue
        acc_node = fields["account"][1]
        account = scalar_value(acc_node) if isinstance(acc_node, ScalarNode) else None
        if not isinstance(account, str):
            err(acc_node, f"`account` is an account name like user@contoso.com, got {kind_of(acc_node)}")
            continue
        if check_email(account):
            err(acc_node, str(check_email(account)))
            continue
        account = account.strip()
        line, _ = pos(item)
        if account.lower() in seen:
            err(acc_node, f"duplicate account {account} (first on line {seen[account.lower()]})")
            continue
        seen[account.lower()] = line
        values: dict[str, Any] = {}
        for key, (key_node, value_node) in fields.items():
            if key == "account" or flow is None:
                continue
            if key not in flow.inputs:
                known = ", ".join(flow.inputs) or "none"
                err(key_node, f"the flow has no input {key!r}{did_you_mean(str(key), set(flow.inputs))}; "
                    f"inputs: {known}")
                continue
            raw = scalar_value(value_node) if isinstance(value_node, ScalarNode) else None
            try:
                values[key] = flow.inputs[key].coerce(raw)
            except ValueError as exc:
                err(value_node, str(exc))
        users.append((account, values, line))
    if problems:
        raise FlowError(problems)
    return users


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
        try:
            inputs = flow.resolve_inputs({**shared, **values})
        except ValueError as exc:
            raise UsageError(f"{account}: {exc}") from None
        specs.append(AccountSpec(account, inputs))
    return specs
