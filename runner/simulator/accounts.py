"""Simulated accounts: who exists, with which password, and which pages each one meets.

Each option is one real-world variation (a tenant that skips "Stay signed in?", an account
with number-matching MFA, a home page without tiles...), so a test picks the case it needs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

MFA_MODES = (None, "totp", "push", "push_approve", "push_deny", "push_timeout")
PROOFUP_MODES = (None, "ask_later", "required")
# The first thing after the username (2026): the password; "Choose a way to sign in" (the credential
# picker); Microsoft Authenticator passwordless with a number; a passkey prompt (WebAuthn). None: the
# simulator's default (Simulator(first_factor=...)).
FIRST_FACTORS = (None, "password", "picker", "passwordless", "passkey")
INTERRUPTS = (None, "user_confirmation")  # AADSTS399218 "user confirmation is required to sign in to this tenant"
# The Microsoft 365 Copilot app (m365.cloud.microsoft, where office.com lands by 2026) has no
# OneDrive/SharePoint tile on its home nor in its launcher: "App launcher > More apps" or the left
# rail's "Apps" entry lead to the Apps page, where the tiles are. The classic home had the tiles on
# the home page itself ("tiles") or in the waffle ("launcher"); "launcher_more_apps" is a waffle, with
# its id, that holds neither tile, only "More apps" (apps unpinned from it, or a Copilot app launcher
# that kept the waffle's id).
HOME_LAYOUTS = ("copilot_launcher", "copilot_apps", "tiles", "launcher", "launcher_more_apps")
TILE_TARGETS = ("new_tab", "same_tab")
# OneDrive moves from <tenant>-my.sharepoint.com to onedrive.cloud.microsoft, per user, from 2026-07
# to 2027-06; None: the simulator's default (Simulator(onedrive_host=...))
ONEDRIVE_HOSTS = (None, "classic", "cloud")


def microsoft_totp_secret() -> str:
    """A new TOTP secret as Entra's "Set up a different authenticator app" page shows it: 16
    base32 characters (80 bits) in lower-case groups of four."""
    import base64

    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return " ".join(text[i:i + 4] for i in range(0, 16, 4))


@dataclass
class SimAccount:
    upn: str
    password: str
    display_name: str = ""
    kmsi: bool = True  # tenant shows "Stay signed in?"
    locked: bool = False  # smart lockout already triggered (AADSTS50053)
    chooser: bool = False  # the address also has a personal Microsoft account
    federated: bool = False  # the domain signs in at an AD FS server
    mfa: str | None = None
    totp_secret: str | None = None
    proofup: str | None = None  # "More information required"
    password_expired: bool = False
    blocked: bool = False  # Conditional Access blocks the sign-in (AADSTS53003)
    home_layout: str = "copilot_launcher"  # see HOME_LAYOUTS; the default is what accounts meet in 2026
    tile_target: str = "new_tab"
    onedrive_host: str | None = None  # "classic", "cloud" (onedrive.cloud.microsoft); None: the simulator's
    new_interrupt: bool = False  # a sign-in page Microsoft has not shipped yet (PageID unknown to the runner)
    first_factor: str | None = None  # see FIRST_FACTORS
    has_password: bool = True  # false: passwordless only (Authenticator, passkey); no password path at all
    personal: bool = False  # a personal Microsoft account only: the sign-in goes on to login.live.com
    interrupt: str | None = None  # see INTERRUPTS: a 2026 interrupt page the runner does not know

    def __post_init__(self) -> None:
        self.upn = self.upn.lower()
        if not self.display_name:
            local = self.upn.split("@")[0]
            self.display_name = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
        for name, allowed in (("mfa", MFA_MODES), ("proofup", PROOFUP_MODES), ("home_layout", HOME_LAYOUTS),
                              ("tile_target", TILE_TARGETS), ("onedrive_host", ONEDRIVE_HOSTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"simulated account {self.upn}: {name} must be one of {allowed}")
        for name, allowed in (("first_factor", FIRST_FACTORS), ("interrupt", INTERRUPTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"simulated account {self.upn}: {name} must be one of {allowed}")
        if self.mfa == "totp" and not self.totp_secret:
            self.totp_secret = microsoft_totp_secret()  # what a real account's set-up page hands out
        if self.totp_secret:
            from ..credentials import normalize_totp_secret

            try:
                normalize_totp_secret(self.totp_secret)
            except ValueError as exc:
                raise ValueError(f"simulated account {self.upn}: totp_secret: {exc}") from None

    @property
    def domain(self) -> str:
        return self.upn.split("@", 1)[1]

    @property
    def tenant(self) -> str:
        return self.domain.split(".")[0]

    @property
    def onedrive_path(self) -> str:
        return "/personal/" + self.upn.replace("@", "_").replace(".", "_") + "/_layouts/15/onedrive.aspx"

    @property
    def onedrive_cloud_id(self) -> str:
        """The personal path on onedrive.cloud.microsoft, `/a@<opaque>/Documents`: no UPN in it, as
        on the real host, but stable per account (the simulator derives the opaque part from the UPN)."""
        return f"/a@{hashlib.sha256(self.upn.encode()).hexdigest()[:20]}/Documents"


def demo_accounts() -> list[SimAccount]:
    """Two demo users with passwords made up for this run only (never stored anywhere): Adele meets
    what accounts meet in 2026 (the Microsoft 365 Copilot home, OneDrive on onedrive.cloud.microsoft),
    Megan the classic home with the app launcher (waffle)."""
    return [
        SimAccount("adele.vance@contoso.com", secrets.token_urlsafe(12), "Adele Vance", onedrive_host="cloud"),
        SimAccount("megan.bowen@contoso.com", secrets.token_urlsafe(12), "Megan Bowen", kmsi=False,
                   home_layout="launcher"),
    ]


def load_accounts(path: str | Path) -> list[SimAccount]:
    """Simulated accounts from YAML: `accounts: [{upn, password, ...options}]`.

    Read with the flow loader's YAML reader, so a wrong file is a FlowError naming the file, the
    line and what to change (exit 2) like a flow, never a traceback; aliases stay refused.
    """
    from ..errors import FlowError, Problem
    from ..shapes import did_you_mean, kind_of
    from ..yamlpos import MappingNode, Node, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

    file = str(path)
    root = load_nodes(Path(path), "simulator accounts file")
    problems: list[Problem] = []
    shape = "a mapping with `accounts:`, a list of {upn: user@contoso.com, password: ...}"

    def err(node: Node, message: str) -> None:
        line, col = pos(node)
        problems.append(Problem(file, line, col, message))

    if not isinstance(root, MappingNode):
        line, col = pos(root) if root is not None else (1, 1)
        got = "empty" if root is None else kind_of(root)
        raise FlowError([Problem(file, line, col, f"a simulator accounts file is {shape}; got {got}")])
    keys = {k.value: (k, v) for k, v in root.value}
    for key, (key_node, _) in keys.items():
        if key != "accounts":
            err(key_node, f"unknown key {key!r}{did_you_mean(str(key), {'accounts'})}; the file has `accounts:`")
    seq = keys["accounts"][1] if "accounts" in keys else None
    if not isinstance(seq, SequenceNode) or not seq.value:
        err(seq or root, f"`accounts` must be a non-empty list of {{upn: ..., password: ...}}, got "
            f"{kind_of(seq) if seq is not None else 'nothing'}")
        raise FlowError(problems)
    types = {f.name: str(f.type) for f in fields(SimAccount)}  # "str", "bool", "str | None"
    required = [f.name for f in fields(SimAccount) if f.default is MISSING]
    out: list[SimAccount] = []
    seen: dict[str, int] = {}
    for item in seq.value:
        if not isinstance(item, MappingNode):
            err(item, f"each simulated account is a mapping {{upn: ..., password: ...}}, got {kind_of(item)}")
            continue
        values: dict[str, Any] = {}
        ok = True
        for key_node, value_node in item.value:
            name = key_node.value
            if name not in types:
                err(key_node, f"unknown simulated-account option {name!r}{did_you_mean(str(name), set(types))}; "
                    f"known: {', '.join(types)}")
                ok = False
                continue
            value = scalar_value(value_node) if isinstance(value_node, ScalarNode) else value_node
            if types[name] == "bool":
                good = isinstance(value, bool)
            else:
                if isinstance(value_node, ScalarNode) and isinstance(value, (int, float)):
                    value = value_node.value  # `password: 1234` is text
                good = isinstance(value, str) or (value is None and "None" in types[name])
            if not good:
                wanted = "true or false" if types[name] == "bool" else "text"
                err(value_node, f"`{name}` takes {wanted}, got {kind_of(value_node)}")
                ok = False
                continue
            values[name] = value
        for name in required:
            if not values.get(name) and ok:
                err(item, f"missing `{name}`")
                ok = False
        if not ok:
            continue
        upn = str(values["upn"]).strip().lower()
        if "@" not in upn:
            err(item, f"upn {values['upn']!r} is not an account name like user@contoso.com")
            continue
        if upn in seen:
            err(item, f"duplicate upn {upn} (first on line {seen[upn]})")
            continue
        seen[upn] = pos(item)[0]
        try:
            out.append(SimAccount(**values))
        except (ValueError, TypeError) as exc:
            err(item, str(exc))
    if problems:
        raise FlowError(problems)
    return out


def account_dict(acc: SimAccount) -> dict[str, Any]:
    return {f.name: getattr(acc, f.name) for f in fields(SimAccount)}
