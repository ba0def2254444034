"""Simulated accounts: who exists, with which password, and which pages each one meets.

Each option is one real-world variation (a tenant that skips "Stay signed in?", an account
with number-matching MFA, a home page without tiles...), so a test picks the case it needs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec.shapes import Fields

MFA_MODES = (None, "totp", "push", "push_approve", "push_deny", "push_timeout")
PROOFUP_MODES = (None, "ask_later", "required")
# The first thing after the username (2026): the password; "Choose a way to sign in" (the credential
# picker); Microsoft Authenticator passwordless with a number; a passkey prompt (WebAuthn). None: the
# simulator's default (Simulator(first_factor=...)).
FIRST_FACTORS = (None, "password", "picker", "passwordless", "passkey")
INTERRUPTS = (None, "user_confirmation")  # AADSTS399218 "user confirmation is required to sign in to this tenant"
# The passkey registration campaign after the password and MFA (from 2026-09-01 for users enabled for SMS or
# voice): "snoozable" offers "Not now" while the campaign allows (`campaign_snoozes`; unlimited without it, the
# Microsoft-managed default), then no way out (enforceRegistrationAfterAllowedSnoozes, beta: after 3);
# "blocking" never offers one (from 2027-02-01, for accounts whose only MFA method is SMS or voice)
CAMPAIGNS = (None, "snoozable", "blocking")
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
# What SharePoint shows as the user's photo before it copies Exchange's: its "no photo" placeholder,
# or an older picture of its own (a photo changed in Exchange since the last sync)
PHOTOS_BEFORE_SYNC = ("placeholder", "old_photo")
# Where a user changes their own photo (simulator/profile.py): the account manager's photo control
# opens the "Change your photo" dialog (help pages of 2024-2025), or the panel has no photo control and
# "View account" leads to My Account, where the pencil by the photo does it (2026)
PHOTO_UIS = ("dialog", "my_account")
# What the "Change your photo" window says when the organization has turned photo changes off
# (`photo_changes: false`): the real wording is not public, so by default a sentence no flow lists
# ("unlisted"); "listed", the sentence add-profile-photo lists (the simulator's earlier guess); "silent",
# nothing but the window's title and Close. All ASSUMED; the window never offers an upload then.
PHOTO_REFUSALS = ("unlisted", "listed", "silent")


def microsoft_totp_secret() -> str:
    """A new TOTP secret as Entra's "Set up a different authenticator app" page shows it: 16
    base32 characters (80 bits) in lower-case groups of four."""
    import base64

    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return " ".join(text[i:i + 4] for i in range(0, 16, 4))


@dataclass
class SimAccount:
    upn: str
    # None: the file gives none, so a runner on the simulator has none either (unless the keyring has one)
    password: str | None = None
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
    # a page no row knows, after the password: a tenant's terms of use (the simulator's own page, assumed)
    new_interrupt: bool = False
    first_factor: str | None = None  # see FIRST_FACTORS
    has_password: bool = True  # false: passwordless only (Authenticator, passkey); no password path at all
    personal: bool = False  # a personal Microsoft account only: the sign-in goes on to login.live.com
    interrupt: str | None = None  # see INTERRUPTS: a 2026 interrupt page the runner does not know
    passkey_campaign: str | None = None  # see CAMPAIGNS
    campaign_snoozes: int | None = None  # snoozes allowed before registration is enforced; None: unlimited
    campaign_snoozed: int = 0  # snoozes the account used before this simulator started (earlier nights)
    # the profile photo (simulator/photos.py): whether Exchange Online has one; what SharePoint shows
    # before the sync (see PHOTOS_BEFORE_SYNC); how long after the first OneDrive/SharePoint visit
    # SharePoint's copy becomes Exchange's: seconds, with a unit (`30s`, `5m`), or `never`; and how long
    # after an upload SharePoint copies the new photo on its own, with no visit (None or `never`: it
    # does not, the documented world; set with `photo_sync: never`: the fix does not matter; both: either)
    exchange_photo: bool = True
    photo_before_sync: str = "placeholder"
    photo_sync: str | None = "0"
    photo_sync_unprompted: str | None = None
    # ids OneDrive, SharePoint and the account manager's panel serve under another name for this account,
    # {old: new}: a Microsoft 365 app renaming an element a flow finds by its id (the page card then
    # proposes the flow edit; an ordered fallback, `first_of:`, goes on to its next alternative)
    rename_ids: dict[str, str] = field(default_factory=dict)
    # changing the photo oneself (simulator/profile.py): where (see PHOTO_UIS), and whether the
    # organization allows it (false: photo updates restricted to admins; the dialog offers no upload)
    photo_ui: str = "dialog"
    photo_changes: bool = True
    photo_refusal: str = "unlisted"  # see PHOTO_REFUSALS: what the window says with photo_changes false

    def __post_init__(self) -> None:
        self.upn = self.upn.lower()
        if not self.display_name:
            local = self.upn.split("@")[0]
            self.display_name = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
        for name, allowed in (("mfa", MFA_MODES), ("proofup", PROOFUP_MODES), ("home_layout", HOME_LAYOUTS),
                              ("tile_target", TILE_TARGETS), ("onedrive_host", ONEDRIVE_HOSTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"simulated account {self.upn}: {name} must be one of {allowed}")
        for name, allowed in (("first_factor", FIRST_FACTORS), ("interrupt", INTERRUPTS),
                              ("passkey_campaign", CAMPAIGNS), ("photo_before_sync", PHOTOS_BEFORE_SYNC),
                              ("photo_ui", PHOTO_UIS), ("photo_refusal", PHOTO_REFUSALS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"simulated account {self.upn}: {name} must be one of {allowed}")
        from .photos import parse_delay

        for name in ("photo_sync", "photo_sync_unprompted"):
            try:
                parse_delay(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"simulated account {self.upn}: {name}: {exc}") from None
        if self.mfa == "totp" and not self.totp_secret:
            self.totp_secret = microsoft_totp_secret()  # what a real account's set-up page hands out
        if self.totp_secret:
            from ..secrets.credentials import normalize_totp_secret

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


# The options that take one of a few values, for the accounts file's shape (SimAccount checks them too)
CHOICES = {"mfa": MFA_MODES, "proofup": PROOFUP_MODES, "first_factor": FIRST_FACTORS, "interrupt": INTERRUPTS,
           "passkey_campaign": CAMPAIGNS,
           "home_layout": HOME_LAYOUTS, "tile_target": TILE_TARGETS, "onedrive_host": ONEDRIVE_HOSTS,
           "photo_before_sync": PHOTOS_BEFORE_SYNC, "photo_ui": PHOTO_UIS, "photo_refusal": PHOTO_REFUSALS}


def account_shape() -> Fields:
    """One simulated account in the shape language, derived from SimAccount's fields: every option
    is a key, its type (text, true/false, one of CHOICES) the field's; `upn` is required. Without a
    `password` the account has none a runner can type (a missing password, as the tests try it)."""
    from ..spec.documents import account_name
    from ..spec.shapes import Bool, Fields, MapOf, Num, Str

    options: dict[str, Any] = {}
    for spec in fields(SimAccount):
        choices = CHOICES.get(spec.name)
        if spec.name == "upn":
            options[spec.name] = account_name()
        elif str(spec.type) == "bool":
            options[spec.name] = Bool()
        elif str(spec.type).startswith("int"):
            options[spec.name] = Num(integer=True, description="a whole number, 0 or more")
        elif str(spec.type).startswith("dict"):
            options[spec.name] = MapOf(Str(variables=False), description="{old id: new id}")
        else:
            options[spec.name] = Str(variables=False, nullable="None" in str(spec.type),
                                     enum=tuple(c for c in choices if c) if choices else None)
    required = tuple(spec.name for spec in fields(SimAccount)
                     if spec.default is MISSING and spec.default_factory is MISSING)
    return Fields(options, required=required, noun="simulated-account option",
                  expected="each simulated account is a mapping {upn: ..., password: ...}")


def accounts_shape() -> Fields:
    """The simulator accounts file (`m365-replay schema --simulator-accounts` prints it)."""
    from ..spec.documents import ListOf
    from ..spec.shapes import Fields
    from .faults import lists_shape

    listed = ListOf(account_shape(), name="accounts", of="{upn: ..., password: ...}", unique="upn",
                    description="a list of {upn: user@contoso.com, password: ...}")
    return Fields({"accounts": listed, **lists_shape()}, required=("accounts",), expected="a simulator accounts file is a mapping "
                  "with `accounts:`, a list of {upn: user@contoso.com, password: ...}")


def accounts_schema() -> dict[str, Any]:
    """`m365-replay schema --simulator-accounts`: the JSON Schema of accounts_shape()."""
    from ..spec.schema import document

    return document("simulator-accounts", "m365-replay simulated accounts", accounts_shape().schema())


def load_accounts(path: str | Path) -> list[SimAccount]:
    """Simulated accounts from YAML: `accounts: [{upn, password, ...options}]`.

    Read with the flow loader's YAML reader and checked against accounts_shape(), so a wrong file
    is a FlowError naming the file, the line and what to change (exit 2) like a flow, never a
    traceback; aliases stay refused.
    """
    from ..core.errors import FlowError
    from ..spec.documents import child
    from ..spec.shapes import Ctx
    from ..spec.yamlpos import SequenceNode, load_nodes

    root = load_nodes(Path(path), "simulator accounts file")
    ctx = Ctx(str(path), set())
    accounts_shape().check(root, ctx)
    account = account_shape()
    items = child(root, "accounts")
    out: list[SimAccount] = []
    for item in items.value if isinstance(items, SequenceNode) else []:
        values = account.check(item, Ctx(ctx.file, set()))  # its problems are in ctx already
        if values is None:
            continue
        try:  # what the shape cannot say: a TOTP secret that is not base32, say
            out.append(SimAccount(**values))
        except (ValueError, TypeError) as exc:
            ctx.err(item, str(exc))
    if ctx.problems:
        raise FlowError(ctx.problems)
    return out
