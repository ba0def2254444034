"""The Microsoft 365 real accounts meet in 2026, with the shipped flow unmodified: office.com lands on
the Microsoft 365 Copilot app, whose home and launcher hold no OneDrive or SharePoint tile (only the
Apps page has them), and OneDrive moves to onedrive.cloud.microsoft, per user. Every home layout
reaches the tile, in English, Turkish and German, for OneDrive on either host and for SharePoint."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from runner.run.account import AccountRun
from runner.run.engine import AccountSpec
from runner.simulator import SimAccount
from runner.spec.flow import load_flow
from tests.conftest import SHIPPED

pytestmark = pytest.mark.browser

# per language, the simulator's own defaults: tr keeps the home on www.office.com (no redirect to the
# Copilot app's host, so the Apps page needs a sign-in round trip there); de has OneDrive on the new host
# for every account that does not say otherwise
LOCALES = {
    "en-US": {},
    "tr-TR": {"office_redirect": False},
    "de-DE": {"onedrive_host": "cloud"},
}
# (home layout, tile, where OneDrive lives, tile target) per language. Every layout meets both tiles,
# a new tab and the same tab; every language meets the Copilot app, the classic home's tiles and a
# waffle; OneDrive is on onedrive.cloud.microsoft by the account's setting (en, tr) or the simulator's
# (de), and on the classic host by default (en, tr) or by the account's setting (de).
CASES = {
    "en-US": [("copilot_launcher", "OneDrive", "cloud", "new_tab"),
              ("copilot_apps", "SharePoint", "classic", "same_tab"),
              ("tiles", "SharePoint", "classic", "new_tab"),
              ("launcher_more_apps", "OneDrive", "classic", "same_tab")],
    "tr-TR": [("copilot_apps", "OneDrive", "classic", "new_tab"),
              ("launcher", "SharePoint", "classic", "same_tab"),
              ("tiles", "OneDrive", "cloud", "same_tab")],
    "de-DE": [("copilot_launcher", "SharePoint", "classic", "same_tab"),
              ("launcher", "OneDrive", "cloud", "new_tab"),
              ("launcher_more_apps", "SharePoint", "classic", "new_tab"),
              ("tiles", "OneDrive", "classic", "same_tab")],
}


def shipped_landing() -> re.Pattern[str]:
    """The shipped flow's own test of "OneDrive/SharePoint has loaded", as the runner compiles it."""
    step = next(s for s in load_flow(SHIPPED).steps if s.command == "wait_for_url")
    return re.compile(step.arg["regex"])


@pytest.mark.parametrize("locale", list(LOCALES))
def test_every_home_reaches_the_tile_with_a_click(replay, locale: str) -> None:
    options = LOCALES[locale]
    default_host = options.get("onedrive_host", "classic")
    redirect = options.get("office_redirect", True)
    lang = locale[:2]
    cases: dict[str, tuple[str, str, str]] = {}  # upn -> (layout, tile, OneDrive host)
    accounts = []
    for layout, tile, host, target in CASES[locale]:
        upn = f"{layout.replace('_', '.')}.{lang}@contoso.com"
        cases[upn] = (layout, tile, host)
        accounts.append(SimAccount(upn, f"pw-{layout}-{lang}", home_layout=layout, tile_target=target,
                                   onedrive_host=None if host == default_host else host))
    specs = [AccountSpec(upn, {"tile": tile}) for upn, (_, tile, _) in cases.items()]
    out = replay(accounts, specs=specs, locale=locale, sim_options=options, workers=2)

    landing = shipped_landing()
    assert {e["lang"] for e in out.sim.app.events if e["event"] == "sign_in_page"} == {lang}
    for upn, (layout, tile, host) in cases.items():
        run = out.run(upn)
        assert run.status == "passed", (upn, run.failure)
        steps = {s.name: s.status for s in run.steps}
        inner = f"Click the {tile} tile › "
        # the documented click is a click on the tile itself, wherever the tile was
        assert steps[f"{inner}Click the {tile} tile"] == "passed"
        copilot = layout.startswith("copilot")
        via_apps = copilot or layout == "launcher_more_apps"  # no tile on the home nor in the launcher
        taken = {
            f"Open the Apps page when the home page has neither a {tile} tile nor the classic app launcher": copilot,
            f"Open the app launcher when the home page has no {tile} tile": layout.startswith("launcher"),
            f"Open the Apps page when the app launcher has no {tile} tile either": layout == "launcher_more_apps",
        }
        assert {name: steps[inner + name] for name in taken} == {
            name: "passed" if ran else "skipped" for name, ran in taken.items()}

        [home] = out.sim.events_for(upn, "office_home")
        assert (home["layout"], home["lang"]) == (layout, lang)
        assert home["host"] == ("m365.cloud.microsoft" if redirect else "www.office.com")
        apps = out.sim.events_for(upn, "apps_page")
        assert [(e["host"], e["lang"]) for e in apps] == ([("m365.cloud.microsoft", lang)] if via_apps else [])
        sso = [e["client"] for e in out.sim.events_for(upn, "sso")]
        # the Apps page on a host the account has not signed in to yet: a round trip through the
        # sign-in, with the session of the first one (no second password)
        assert sso.count("office") == (1 if via_apps and not redirect else 0)
        assert len(out.sim.events_for(upn, "password_attempt")) == 1

        assert run.final_url and landing.search(run.final_url), run.final_url
        if tile == "OneDrive":
            [loaded] = out.sim.events_for(upn, "onedrive_loaded")
            assert not out.sim.events_for(upn, "sharepoint_loaded")
            if host == "cloud":
                assert loaded["host"] == "onedrive.cloud.microsoft"
                assert run.final_url.startswith("https://onedrive.cloud.microsoft/my?id=%2Fa%40")
                assert "contoso" not in run.final_url  # the new personal path carries no user name
                # the classic address signed the user in, then redirected; the new host signed in again
                assert sso.count("sharepoint") == 2
            else:
                assert loaded["host"] == "contoso-my.sharepoint.com"
                local = upn.replace("@", "_").replace(".", "_")
                assert run.final_url == f"https://contoso-my.sharepoint.com/personal/{local}/_layouts/15/onedrive.aspx"
                assert sso.count("sharepoint") == 1
        else:
            [loaded] = out.sim.events_for(upn, "sharepoint_loaded")
            assert not out.sim.events_for(upn, "onedrive_loaded")
            assert loaded["host"] == "contoso.sharepoint.com"
            assert run.final_url == "https://contoso.sharepoint.com/_layouts/15/sharepoint.aspx"
        # the page that loaded shows the user's own photo, from the host it loaded on: the sync's trigger
        photos = out.sim.events_for(upn, "photo_viewed")
        assert photos and all(p["own"] and p["host"] == loaded["host"] for p in photos)


LABS_FLOW = """\
name: The labs' ways to OneDrive in the Microsoft 365 Copilot app, in English
steps:
  - goto: https://www.office.com/
  - sign_in: {}
  - name: A visible unless decides at once
    click: {id: nowhere}
    when: {id: nowhere}
    unless: {id: O365_MainLink_Me}
  - name: Neither shows, one probe window
    click: {id: nowhere}
    when: {id: nowhere}
    unless: {id: nowhere-either}
    timeout: 3
  - name: The home page has no OneDrive tile
    wait_for: {role: link, name: OneDrive, state: hidden}
  - name: App launcher
    click: {role: button, name: App launcher}
    when: {role: button, name: App launcher}
    timeout: 2
  - name: The launcher has no OneDrive tile either
    wait_for: {role: link, name: OneDrive, state: hidden}
  - name: More apps
    click: {role: link, name: More apps}
    when: {role: link, name: More apps}
    timeout: 2
  - name: Apps
    click: {role: link, name: Apps, exact: true}
    unless: {role: link, name: OneDrive}
    timeout: 2
  - name: OneDrive
    click: {role: link, name: OneDrive, nth: 0}
  - wait_for: {id: O365_MainLink_Me}
  - name: SharePoint on its assumed new host
    goto: https://contoso.sharepoint.cloud.microsoft/_layouts/15/sharepoint.aspx
  - expect_visible: {id: O365_MainLink_Me}
"""


def test_the_copilot_app_as_the_labs_describe_it_and_the_new_hosts(replay, tmp_path: Path, monkeypatch) -> None:
    """The simulated Copilot app is the one Microsoft's labs walk through: "App launcher > More apps >
    OneDrive" (MS-4004) or the left rail's "Apps", then OneDrive; neither the home page nor the
    launcher has a OneDrive tile. This test flow follows the labs' English labels on purpose, which the
    shipped flow never does. The new hosts sign the user in with the session they already have.

    A step guarded by both `when` and `unless` probes them at once (the shipped flow has such a step on
    every home): a visible `unless` skips without waiting for `when`, and when neither shows the step
    waits one probe window, not two: what the probes did is recorded, not how long they took."""
    probes: list[tuple[str, str, str, object]] = []  # (account, step, locator id, "start" | True | False | "cancelled")
    probe = AccountRun._probe

    async def recorded(self: AccountRun, spec: dict, timeout_s: float) -> bool:
        key = (self.account, self.current_step or "", spec.get("id", ""))
        probes.append((*key, "start"))
        try:
            seen = await probe(self, spec, timeout_s)
        except asyncio.CancelledError:
            probes.append((*key, "cancelled"))
            raise
        probes.append((*key, seen))
        return seen

    monkeypatch.setattr(AccountRun, "_probe", recorded)
    flow = tmp_path / "labs.yaml"
    flow.write_text(LABS_FLOW)
    launcher = SimAccount("lab.launcher@contoso.com", "pw-lab-1", home_layout="copilot_launcher",
                          onedrive_host="cloud")
    rail = SimAccount("lab.rail@contoso.com", "pw-lab-2", home_layout="copilot_apps", tile_target="same_tab")
    out = replay([launcher, rail], flow=flow, locale="en-US", workers=2, when_probe=8.0)
    for acc in (launcher, rail):
        run = out.run(acc.upn)
        assert run.status == "passed", (acc.upn, run.failure)
        steps = {s.name: s.status for s in run.steps}
        assert steps["A visible unless decides at once"] == steps["Neither shows, one probe window"] == "skipped"
        # the visible `unless` ends the `when` probe, which would otherwise wait out its 8 s window
        seen = [(loc, what) for upn, step, loc, what in probes if (upn, step) == (acc.upn, "A visible unless "
                                                                                   "decides at once")]
        assert set(seen[:2]) == {("O365_MainLink_Me", "start"), ("nowhere", "start")}, seen
        assert set(seen[2:]) == {("O365_MainLink_Me", True), ("nowhere", "cancelled")}, seen
        # neither shows: both probes wait at the same time (both started before either ended)
        both = [what for upn, step, _, what in probes if (upn, step) == (acc.upn, "Neither shows, one probe window")]
        assert both[:2] == ["start", "start"] and both[2] is False, both
        via_launcher = acc is launcher
        assert steps["App launcher"] == steps["More apps"] == ("passed" if via_launcher else "skipped")
        assert steps["Apps"] == ("skipped" if via_launcher else "passed")
        assert [e["host"] for e in out.sim.events_for(acc.upn, "apps_page")] == ["m365.cloud.microsoft"]
        [sharepoint] = out.sim.events_for(acc.upn, "sharepoint_loaded")
        assert sharepoint["host"] == "contoso.sharepoint.cloud.microsoft"
        assert run.final_url == "https://contoso.sharepoint.cloud.microsoft/_layouts/15/sharepoint.aspx"
        assert len(out.sim.events_for(acc.upn, "password_attempt")) == 1
    assert out.sim.events_for(launcher.upn, "onedrive_loaded")[0]["host"] == "onedrive.cloud.microsoft"
    assert out.sim.events_for(rail.upn, "onedrive_loaded")[0]["host"] == "contoso-my.sharepoint.com"

    # the shipped flow accepts OneDrive and SharePoint on every host they load on, and nothing else
    landing = shipped_landing()
    accepted = [
        "https://contoso-my.sharepoint.com/personal/alice_contoso_com/_layouts/15/onedrive.aspx",
        "https://contoso.sharepoint.com/_layouts/15/sharepoint.aspx",
        "https://onedrive.cloud.microsoft/my?id=%2Fa%409f2c%2FDocuments",
        run.final_url,
    ]
    refused = [
        "https://m365.cloud.microsoft/apps?auth=2",
        "https://login.microsoftonline.com/common/oauth2/authorize?redirect_uri=https://onedrive.cloud.microsoft/my",
        "https://onedrive.cloud.microsoft.example.net/my?id=x",
        "https://contoso.sharepoint.com.example.net/_layouts/15/sharepoint.aspx",
        "https://onedrive.cloud.microsoft/_forms/default.aspx",
    ]
    assert [u for u in accepted if not landing.search(u)] == []
    assert [u for u in refused if landing.search(u)] == []
