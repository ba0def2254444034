"""Simulated accounts: who exists, with which password, and which pages each one meets.

Each option is one real-world variation (a tenant that skips "Stay signed in?", an account
with number-matching MFA, a home page without tiles...), so a test picks the case it needs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

MFA_MODES = (None, "totp", "push", "push_approve", "push_deny", "push_timeout")
PROOFUP_MODES = (None, "ask_later", "required")
HOME_LAYOUTS = ("tiles", "launcher")
TILE_TARGETS = ("new_tab", "same_tab")


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
    home_layout: str = "tiles"  # tiles on the home page, or only in the app launcher
    tile_target: str = "new_tab"
    new_interrupt: bool = False  # a sign-in page Microsoft has not shipped yet (PageID unknown to the runner)

    def __post_init__(self) -> None:
        self.upn = self.upn.lower()
        if not self.display_name:
            local = self.upn.split("@")[0]
            self.display_name = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
        for name, allowed in (("mfa", MFA_MODES), ("proofup", PROOFUP_MODES), ("home_layout", HOME_LAYOUTS),
                              ("tile_target", TILE_TARGETS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"simulated account {self.upn}: {name} must be one of {allowed}")
        if self.mfa and self.mfa != "push_deny" and self.mfa.startswith("totp") and not self.totp_secret:
            raise ValueError(f"simulated account {self.upn}: mfa totp needs totp_secret")

    @property
    def domain(self) -> str:
        return self.upn.split("@", 1)[1]

    @property
    def tenant(self) -> str:
        return self.domain.split(".")[0]

    @property
    def onedrive_path(self) -> str:
        return "/personal/" + self.upn.replace("@", "_").replace(".", "_") + "/_layouts/15/onedrive.aspx"


def demo_accounts() -> list[SimAccount]:
    """Two demo users with passwords made up for this run only (never stored anywhere)."""
    return [
        SimAccount("adele.vance@contoso.com", secrets.token_urlsafe(12), "Adele Vance"),
        SimAccount("megan.bowen@contoso.com", secrets.token_urlsafe(12), "Megan Bowen", kmsi=False),
    ]


def load_accounts(path: str | Path) -> list[SimAccount]:
    """Simulated accounts from YAML: `accounts: [{upn, password, ...options}]`."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    known = {f.name for f in fields(SimAccount)}
    out = []
    for item in data.get("accounts", []):
        unknown = set(item) - known
        if unknown:
            raise ValueError(f"{path}: unknown simulated-account option(s) {sorted(unknown)}; known: {sorted(known)}")
        out.append(SimAccount(**item))
    return out


def account_dict(acc: SimAccount) -> dict[str, Any]:
    return {f.name: getattr(acc, f.name) for f in fields(SimAccount)}
