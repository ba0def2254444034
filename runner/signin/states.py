"""The Microsoft sign-in's page states, in one table.

Every page a real account can meet is recognized by language-independent markers (page.py), in
the states file's `match` vocabulary (match.py), and acted on (actions.py) or turned into a
failure category the helpdesk can act on. When Microsoft changes a page, the fix is a row here,
not a change to any flow.
"""

from __future__ import annotations

from typing import Any

from .actions import (
    Action,
    PageState,
    adfs_sign_in,
    answer_kmsi,
    choose_credential,
    choose_work_account,
    click_landing_sign_in,
    done,
    enter_password,
    enter_username,
    error_page,
    fail,
    mfa_choose_code,
    mfa_enter_code,
    mfa_push,
    passkey_another_way,
    passwordless,
    personal_account,
    pick_other_account,
    proof_up,
    use_password_instead,
    wait,
)
from .interrupts import campaign_without_way_out, snooze_campaign, tenant_confirmation
from .match import Match
from .page import LANDING_SIGN_IN_IDS, Facts

# the converged sign-in page (username, password, picker, passkey): on a sign-in host, with its
# PageID or none yet (the page is built by script)
SIGN_IN = {"login_host": True, "page_id": ("ConvergedSignIn", None)}
# the passkey registration campaign (interrupts.py), recognized by what it offers: after the password or
# second factor, on a sign-in host, on none of the pages where "Authenticator" or "passkey" is a word of
# the sign-in itself (the username, password, passkey and picker views, MFA, "Stay signed in?", errors)
CAMPAIGN = {"login_host": True, "after_credentials": True}
NOT_A_CAMPAIGN = ("PageID:ConvergedSignIn", "PageID:ConvergedTFA", "PageID:KmsiInterrupt", "PageID:ConvergedError")


def row(name: str, description: str, act: Action, **match: Any) -> PageState:
    return PageState(name, description, Match(**match), act)


# ---------------------------------------------------------------------------------- the table
# First match wins. Each row's test is written once (match.py) and its markers follow from it:
# ids, names, PageIDs and error codes, never visible text, but for the passkey campaign's two rows.
STATES: list[PageState] = [
    row("working", 'The auto-posted "Working..." form back to the application', wait,
        shows=("form:hiddenform",)),
    # AADSTS399218 on its own page or an error page: never confirmed on the runner's own (interrupts.py)
    row("tenant_confirmation", "Confirm the sign-in to this tenant (AADSTS399218)", tenant_confirmation,
        error_code="399218"),
    row("error", "Error page (e.g. Conditional Access AADSTS53003)", error_page,
        any_of=("service_exception_message", "PageID:ConvergedError")),
    row("personal_account", "Personal Microsoft account at login.live.com (usernameEntry, data-testid)",
        personal_account, host="login.live.com",
        any_of=("usernameEntry", "live:primaryButton", "live:passwordEntry", "i0116", "i0118")),
    row("locked", "Account locked by smart lockout (AADSTS50053)", fail(
        "locked", "The account is temporarily locked (AADSTS50053)."), **SIGN_IN, error_code="50053"),
    row("bad_password", "Password refused (AADSTS50126)", fail(
        "bad_credentials", "The password was not accepted (AADSTS50126)."), **SIGN_IN, error_code="50126"),
    row("unknown_account", "Username not found (usernameError)", fail(
        "unknown_account", "Microsoft does not know this account (the username may be incorrect)."),
        **SIGN_IN, any_of=("usernameError", "sErrorCode:50034")),
    row("chooser", "Work or personal account chooser", choose_work_account, shows=("aadTile",)),
    row("pick_account", "Pick an account (saved accounts)", pick_other_account, shows=("otherTile",)),
    row("adfs", "Federated sign-in at the organization's AD FS", adfs_sign_in,
        shows=("passwordInput", "submitButton")),
    row("password", "Password view (passwd, i0118)", enter_password, **SIGN_IN, shows=("i0118",)),
    row("cred_picker", "Choose a way to sign in (credentialList, data-test-cred-id)", choose_credential,
        **SIGN_IN, shows=("credentialList",)),
    row("use_password", "Passwordless Authenticator sign-in, with a password (idA_PWD_SwitchToPassword)",
        use_password_instead, shows=("idRemoteNGC_DisplaySign", "idA_PWD_SwitchToPassword")),
    row("passwordless", "Passwordless Authenticator sign-in, no password (idRemoteNGC_DisplaySign)", passwordless,
        shows=("idRemoteNGC_DisplaySign",)),
    # uncertain: the sources give no id for the passkey view's "Sign in another way"; taken to be the
    # password view's link to the picker, idA_PWD_SwitchToCredPicker (if Microsoft's differs, one row here)
    row("passkey", "Passkey prompt refused: sign in another way (idA_PWD_SwitchToCredPicker)", passkey_another_way,
        **SIGN_IN, shows=("idA_PWD_SwitchToCredPicker",), not_shown=("i0116", "i0118")),
    row("username", "Username view (loginfmt, i0116)", enter_username, **SIGN_IN, shows=("i0116",)),
    row("kmsi", "Stay signed in? (KmsiInterrupt)", answer_kmsi, page_id=("KmsiInterrupt",), shows=("idSIButton9",)),
    row("mfa_denied", "Push notification denied", fail(
        "mfa_required", "The push notification was denied."), shows=("idDiv_SAASDS_Description",)),
    row("mfa_timeout", "Push notification not answered in time", fail(
        "mfa_required", "The push notification was not answered in time."), shows=("idDiv_SAASTO_Description",)),
    row("mfa_push", "MFA push with number matching (ConvergedTFA)", mfa_push, shows=("idRichContext_DisplaySign",)),
    row("mfa_methods", "MFA: choose another way to verify", mfa_choose_code, shows=("idDiv_SAOTCS_Proofs",)),
    row("mfa_code", "MFA: enter the code from the authenticator app", mfa_enter_code, shows=("idTxtBx_SAOTCC_OTC",)),
    row("proof_up", "More information required (ConvergedProofUpRedirect)", proof_up,
        page_id=("ConvergedProofUpRedirect",), shows=("idSubmit_ProofUp_Redirect",)),
    row("password_expired", "Update your password (ConvergedChangePassword)", fail(
        "password_expired", "The password has expired and must be changed (AADSTS50055)."),
        page_id=("ConvergedChangePassword",)),
    # the documented exception to "never text" (words.py): no public capture has this page's ids
    row("passkey_campaign", "Passkey registration campaign, snoozable: its way out (\"Not now\")", snooze_campaign,
        **CAMPAIGN, shows=("words:passkey_offer", "words:way_out"), not_shown=NOT_A_CAMPAIGN),
    row("passkey_campaign_enforced", "Passkey registration campaign with no way out (enforced, blocking)",
        campaign_without_way_out, **CAMPAIGN, shows=("words:passkey_offer", "words:set_up"),
        not_shown=(*NOT_A_CAMPAIGN, "words:way_out")),
    row("security_info", "Security info registration (mysignins)", fail(
        "action_required", "Microsoft sent the account to register security info."), host="mysignins.microsoft.com"),
    row("landing", "office.com signed-out landing page", click_landing_sign_in, login_host=False,
        any_of=LANDING_SIGN_IN_IDS),
    row("signed_in", "Signed in: a Microsoft 365 page with the suite header", done, login_host=False,
        any_of=("O365_MainLink_NavMenu", "O365_MainLink_Me")),
]


def recognize(facts: Facts, first: list[PageState] | tuple[PageState, ...] = ()) -> PageState | None:
    """The page's state: `first` (a states file's rows) before the built-in table; first match wins."""
    return next((state for state in (*first, *STATES) if state.recognize(facts)), None)


