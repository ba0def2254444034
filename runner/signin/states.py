"""The Microsoft sign-in's page states, in one table.

Every page a real account can meet is recognized by language-independent markers (page.py) and
acted on (actions.py) or turned into a failure category the helpdesk can act on. When Microsoft
changes a page, the fix is a row here, not a change to any flow.
"""

from __future__ import annotations

from .actions import (
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
from .page import LANDING_SIGN_IN_IDS, Facts


def _signin_page(f: Facts) -> bool:
    return f.on_login_host and f.page_id in (None, "ConvergedSignIn")


# ---------------------------------------------------------------------------------- the table
# First match wins. Markers are ids, names, PageIDs and error codes: never visible text.
STATES: list[PageState] = [
    PageState("working", 'The auto-posted "Working..." form back to the application',
              lambda f: f.hidden_form, wait,
              markers=("form:hiddenform",)),
    PageState("error", "Error page (e.g. Conditional Access AADSTS53003)",
              lambda f: f.shows("service_exception_message") or f.page_id == "ConvergedError", error_page,
              markers=("service_exception_message", "PageID:ConvergedError")),
    PageState("personal_account", "Personal Microsoft account at login.live.com (usernameEntry, data-testid)",
              lambda f: f.host == "login.live.com" and f.shows(
                  "usernameEntry", "live:primaryButton", "live:passwordEntry", "i0116", "i0118"), personal_account,
              markers=("host:login.live.com", "usernameEntry", "live:primaryButton", "live:passwordEntry")),
    PageState("locked", "Account locked by smart lockout (AADSTS50053)",
              lambda f: _signin_page(f) and f.error_code == "50053", fail(
                  "locked", "The account is temporarily locked (AADSTS50053)."),
              markers=("PageID:ConvergedSignIn", "sErrorCode:50053")),
    PageState("bad_password", "Password refused (AADSTS50126)",
              lambda f: _signin_page(f) and f.error_code == "50126", fail(
                  "bad_credentials", "The password was not accepted (AADSTS50126)."),
              markers=("PageID:ConvergedSignIn", "sErrorCode:50126")),
    PageState("unknown_account", "Username not found (usernameError)",
              lambda f: _signin_page(f) and (f.shows("usernameError") or f.error_code == "50034"), fail(
                  "unknown_account", "Microsoft does not know this account (the username may be incorrect)."),
              markers=("PageID:ConvergedSignIn", "usernameError")),
    PageState("chooser", "Work or personal account chooser",
              lambda f: f.shows("aadTile"), choose_work_account,
              markers=("aadTile", "msaTile")),
    PageState("pick_account", "Pick an account (saved accounts)",
              lambda f: f.shows("otherTile"), pick_other_account,
              markers=("tilesHolder", "otherTile")),
    PageState("adfs", "Federated sign-in at the organization's AD FS",
              lambda f: f.shows("passwordInput") and f.shows("submitButton"), adfs_sign_in,
              markers=("passwordInput", "submitButton")),
    PageState("password", "Password view (passwd, i0118)",
              lambda f: _signin_page(f) and f.shows("i0118"), enter_password,
              markers=("PageID:ConvergedSignIn", "i0118", "idSIButton9")),
    PageState("cred_picker", "Choose a way to sign in (credentialList, data-test-cred-id)",
              lambda f: _signin_page(f) and f.shows("credentialList"), choose_credential,
              markers=("PageID:ConvergedSignIn", "credentialList", "cred:1")),
    PageState("use_password", "Passwordless Authenticator sign-in, with a password (idA_PWD_SwitchToPassword)",
              lambda f: f.shows("idRemoteNGC_DisplaySign") and f.shows("idA_PWD_SwitchToPassword"),
              use_password_instead,
              markers=("idRemoteNGC_DisplaySign", "idA_PWD_SwitchToPassword")),
    PageState("passwordless", "Passwordless Authenticator sign-in, no password (idRemoteNGC_DisplaySign)",
              lambda f: f.shows("idRemoteNGC_DisplaySign"), passwordless,
              markers=("idRemoteNGC_DisplaySign", "idDiv_RemoteNGC_PollingDescription")),
    # uncertain: the sources give no id for the passkey view's "Sign in another way"; taken to be the
    # password view's link to the picker, idA_PWD_SwitchToCredPicker (if Microsoft's differs, one row here)
    PageState("passkey", "Passkey prompt refused: sign in another way (idA_PWD_SwitchToCredPicker)",
              lambda f: _signin_page(f) and f.shows("idA_PWD_SwitchToCredPicker") and not f.shows("i0116", "i0118"),
              passkey_another_way,
              markers=("PageID:ConvergedSignIn", "idA_PWD_SwitchToCredPicker")),
    PageState("username", "Username view (loginfmt, i0116)",
              lambda f: _signin_page(f) and f.shows("i0116"), enter_username,
              markers=("PageID:ConvergedSignIn", "i0116", "idSIButton9")),
    PageState("kmsi", "Stay signed in? (KmsiInterrupt)",
              lambda f: f.page_id == "KmsiInterrupt" and f.shows("idSIButton9"), answer_kmsi,
              markers=("PageID:KmsiInterrupt", "idSIButton9", "KmsiCheckboxField")),
    PageState("mfa_denied", "Push notification denied",
              lambda f: f.shows("idDiv_SAASDS_Description"), fail(
                  "mfa_required", "The push notification was denied."),
              markers=("PageID:ConvergedTFA", "idDiv_SAASDS_Description")),
    PageState("mfa_timeout", "Push notification not answered in time",
              lambda f: f.shows("idDiv_SAASTO_Description"), fail(
                  "mfa_required", "The push notification was not answered in time."),
              markers=("PageID:ConvergedTFA", "idDiv_SAASTO_Description")),
    PageState("mfa_push", "MFA push with number matching (ConvergedTFA)",
              lambda f: f.shows("idRichContext_DisplaySign"), mfa_push,
              markers=("PageID:ConvergedTFA", "idRichContext_DisplaySign")),
    PageState("mfa_methods", "MFA: choose another way to verify",
              lambda f: f.shows("idDiv_SAOTCS_Proofs"), mfa_choose_code,
              markers=("PageID:ConvergedTFA", "idDiv_SAOTCS_Proofs")),
    PageState("mfa_code", "MFA: enter the code from the authenticator app",
              lambda f: f.shows("idTxtBx_SAOTCC_OTC"), mfa_enter_code,
              markers=("PageID:ConvergedTFA", "idTxtBx_SAOTCC_OTC")),
    PageState("proof_up", "More information required (ConvergedProofUpRedirect)",
              lambda f: f.page_id == "ConvergedProofUpRedirect" and f.shows("idSubmit_ProofUp_Redirect"), proof_up,
              markers=("PageID:ConvergedProofUpRedirect", "idSubmit_ProofUp_Redirect", "btnAskLater")),
    PageState("password_expired", "Update your password (ConvergedChangePassword)",
              lambda f: f.page_id == "ConvergedChangePassword", fail(
                  "password_expired", "The password has expired and must be changed (AADSTS50055)."),
              markers=("PageID:ConvergedChangePassword", "currentPassword")),
    PageState("security_info", "Security info registration (mysignins)",
              lambda f: f.host == "mysignins.microsoft.com", fail(
                  "action_required", "Microsoft sent the account to register security info."),
              markers=("host:mysignins.microsoft.com",)),
    PageState("landing", "office.com signed-out landing page",
              lambda f: not f.on_login_host and f.shows(*LANDING_SIGN_IN_IDS), click_landing_sign_in,
              markers=LANDING_SIGN_IN_IDS),
    PageState("signed_in", "Signed in: a Microsoft 365 page with the suite header",
              lambda f: not f.on_login_host and f.shows("O365_MainLink_NavMenu", "O365_MainLink_Me"), done,
              markers=("O365_MainLink_NavMenu", "O365_MainLink_Me")),
]


def recognize(facts: Facts, first: list[PageState] | tuple[PageState, ...] = ()) -> PageState | None:
    """The page's state: `first` (a states file's rows) before the built-in table; first match wins."""
    return next((state for state in (*first, *STATES) if state.recognize(facts)), None)


