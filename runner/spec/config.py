"""The optional configuration file: an allow-list of tenant domains, and a sign-in states file.

A helpdesk replays on test accounts; an allow-list makes a typo or a pasted list of real users
fail before any browser starts instead of signing in as someone by mistake.

Looked up in order: --config FILE, $M365_REPLAY_CONFIG, ./m365-replay.yaml, the user's config file
(user_config_path: %APPDATA%/m365-replay/config.yaml on Windows, else
$XDG_CONFIG_HOME/m365-replay/config.yaml, by default ~/.config/m365-replay/config.yaml). Shape:

    allowed_domains: [contoso.com, contoso.onmicrosoft.com]
    sign_in_states: sign-in-states.yaml    # relative to this file (runner/spec/states.py)
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UsageError
from .documents import ListOf, load_document
from .shapes import Fields, Str


@dataclass
class Config:
    path: Path | None = None
    allowed_domains: list[str] = field(default_factory=list)
    sign_in_states: Path | None = None  # rows checked before the built-in sign-in table

    def check_accounts(self, accounts: list[str]) -> None:
        """Refuse, before anything runs, every account outside the allowed tenant domains."""
        if not self.allowed_domains:
            return
        outside = [a for a in accounts if a.rsplit("@", 1)[-1].lower() not in self.allowed_domains]
        if outside:
            raise UsageError(
                f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside the allowed tenant domains "
                f"({', '.join(self.allowed_domains)}) set in {self.path}; nothing was run. "
                "Fix the account list, or add the domain to allowed_domains."
            )


def user_config_path() -> Path:
    """Where the user's config file lives. Written out rather than taken from platformdirs: two
    documented locations do not need a dependency, and platformdirs would move the macOS file to
    ~/Library/Application Support, away from where docs/credentials.md has always said it is. On Windows
    the roaming %APPDATA% follows a helpdesk user from PC to PC in a domain."""
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"  # the XDG spec ignores relative
    return base / "m365-replay" / "config.yaml"


def find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    env = os.environ.get("M365_REPLAY_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path("m365-replay.yaml"), user_config_path()):
        if candidate.is_file():
            return candidate
    return None


DOMAIN_PATTERN = r"^[^@\s]+\.[^@\s]+$"


def config_shape() -> Fields:
    """The config file, in the shape language every YAML file here is declared in."""
    domain = Str(variables=False, pattern=DOMAIN_PATTERN, mismatch="{value} is not a domain such as contoso.com",
                 description="A tenant domain such as contoso.com (the part of an account after @)")
    domains = ListOf(domain, name="allowed_domains", of="domains, e.g. [contoso.com]", min_items=0,
                     description="Tenant domains runs may touch; an account outside them is refused (exit 2)")
    states = Str(variables=False, description="A sign-in states file (relative to this file): page states "
                 "checked before the built-in table; `run --states FILE` replaces it for one run")
    return Fields({"allowed_domains": domains, "sign_in_states": states}, expected="the config file is a mapping, "
                  "e.g. allowed_domains: [contoso.com]")


def load_config(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    values = load_document(path, "config file", config_shape(), empty=True) or {}
    states = values.get("sign_in_states")
    return Config(path, [domain.lower() for domain in values.get("allowed_domains") or []],
                  path.parent / Path(states).expanduser() if states else None)


def check_allowed(accounts: list[str], explicit: Path | None = None) -> None:
    """The allow-list check of `run` and of the pytest plugin alike: UsageError, before anything
    runs, naming every account outside the allowed tenant domains of the config file in force."""
    load_config(explicit).check_accounts(accounts)
