"""The pages Microsoft puts into a test account's sign-in unasked, and what the sign-in does there.

- **The passkey registration campaign** (from 2026-09-01 Microsoft nudges users enabled for SMS or
  voice to register a passkey at MFA sign-in; from 2027-02-01 the prompt blocks those whose only
  MFA method is SMS or voice). No public capture gives its PageID or button ids, so the built-in
  rows recognize it by what it offers, in words (words.py: the documented exception), only after
  the password or second factor and only on the sign-in hosts. With a way out ("Not now"), the
  sign-in takes it (a snooze), records it on the run and warns; without one, the account ends
  `action_required` with what to do. It never clicks the set-up: registering a passkey is the
  user's decision, and the page decides whether a way out is left, never a date.
- **The tenant confirmation** (AADSTS399218, "user confirmation is required to sign in to this
  tenant"): the runner does not confirm security prompts on its own, so the account ends
  `action_required` with the code and what it means (and a page card proposing the row that would
  confirm it, for a person to review).

A user's states row always wins: it is checked before the built-in table. When one answers such a
page, the run still records the interrupt and names the row and its click (answered_by_row).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..core.results import StepFailure
from .actions import SignIn
from .page import Facts
from .words import WAY_OUT, label_says

KIND = "passkey_campaign"
CONFIRMATION = "tenant_confirmation"
# what Microsoft asked, in the warnings
ASKED = {KIND: "Microsoft asked to register a passkey (the registration campaign)",
         CONFIRMATION: "Microsoft asked for the user's confirmation to sign in to this tenant (AADSTS399218)"}
# the built-in rows (states.py) of these pages, and the interrupt each one is
ROW_KINDS = {"passkey_campaign": KIND, "passkey_campaign_enforced": KIND, "tenant_confirmation": CONFIRMATION}
# the way out by its accessible name, for Playwright (the label pattern of words.py, any case)
WAY_OUT_NAME = re.compile(WAY_OUT.pattern, re.IGNORECASE)
SETTLE_S = 1.0  # how long a campaign page shows no way out before the sign-in believes it has none
DRAWN_S = 3.0  # how long the sign-in waits for the confirmation page to draw its buttons (its card shows them)

CAMPAIGN_REQUIRED = ("Microsoft requires this account to register a passkey: the registration campaign's page "
                     "offers no way out (no \"Not now\"). m365-replay never sets one up on its own.")
CAMPAIGN_NEXT = ("This test account must register a passkey, or its MFA method must change (from 2027-02-01 the "
                 "prompt blocks accounts whose only MFA method is SMS or voice); an admin can exclude test accounts "
                 "from the registration campaign (Entra admin center: Authentication methods > Registration "
                 "campaign, excluded users and groups).")
CONFIRMATION_REQUIRED = ("The sign-in stopped for the user's confirmation to sign in to this tenant (AADSTS399218: "
                         "user confirmation is required to sign in to this tenant). m365-replay does not confirm "
                         "security prompts on its own.")
CONFIRMATION_NEXT = ("Sign in once by hand as this account and confirm; or, if the tenant's admin agrees that the "
                     "runner may confirm it, add a sign-in states row that clicks the page's confirm button (the "
                     "page card proposes one; --states FILE).")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def snooze_campaign(si: SignIn, f: Facts) -> None:
    """The campaign with a way out: take it (once per page), record the snooze, warn."""
    if not si.once(f"campaign:{f.url}"):
        return  # clicked already: a page that does not move on ends page_changed
    rt = si.rt
    label = next((label for label in f.labels if label_says(WAY_OUT, label)), "the way out")
    way_out = rt.page.get_by_role("button", name=WAY_OUT_NAME).or_(rt.page.get_by_role("link", name=WAY_OUT_NAME))
    await way_out.first.click(timeout=rt.timeout_ms)
    rt.record_interrupt(KIND, "snoozed", label)
    rt.warn(f"{ASKED[KIND]} on {today()}; snoozed with {label!r}.")


async def campaign_without_way_out(si: SignIn, f: Facts) -> None:
    """The campaign with no way out (enforced after the allowed snoozes, or blocking): the account
    ends action_required, once the page has shown no way out for SETTLE_S (it may still be drawing)."""
    if si.since(f"campaign_required:{f.url}") < SETTLE_S:
        return
    si.rt.record_interrupt(KIND, "action_required", "no way out")
    raise StepFailure("action_required", CAMPAIGN_REQUIRED, url=f.url, interrupt=KIND, action=CAMPAIGN_NEXT)


async def tenant_confirmation(si: SignIn, f: Facts) -> None:
    """AADSTS399218: never confirmed on the runner's own; action_required with the code and meaning,
    once the page has drawn its buttons (its $Config comes first), so that its card shows them."""
    if not f.labels and si.since(f"confirmation:{f.url}") < DRAWN_S:
        return
    si.rt.record_interrupt(CONFIRMATION, "action_required", "AADSTS399218")
    raise StepFailure("action_required", CONFIRMATION_REQUIRED, url=f.url, aadsts="AADSTS399218",
                      interrupt=CONFIRMATION, action=CONFIRMATION_NEXT)


def answered_by_row(si: SignIn, builtin: str | None, row: str, where: str, what: str) -> None:
    """A states file's row answered a page the built-in table knows as an interrupt (`builtin`: the
    built-in row that would have): recorded on the run, and the row and its click named in the report."""
    kind = ROW_KINDS.get(builtin or "")
    if kind is None:
        return
    si.rt.record_interrupt(kind, "row", f"{row} ({where}): {what}")
    si.rt.warn(f"{ASKED[kind]} on {today()}; the states row {row} ({where}) answered it: {what}.")
