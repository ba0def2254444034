"""The optional configuration file: today, an allow-list of tenant domains.

A helpdesk replays on test accounts; an allow-list makes a typo or a pasted list of real users
fail before any browser starts instead of signing in as someone by mistake.

Looked up in order: --config FILE, $M365_REPLAY_CONFIG, ./m365-replay.yaml, the user's config file
(user_config_path: %APPDATA%/m365-replay/config.yaml on Windows, else
$XDG_CONFIG_HOME/m365-replay/config.yaml, by default ~/.config/m365-replay/config.yaml). Shape:

    allowed_domains: [contoso.com, contoso.onmicrosoft.com]
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FlowError, Problem, UsageError
from .yamlpos import MappingNode, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

KEYS = ("allowed_domains",)


@dataclass
class Config:
    path: Path | None = None
    allowed_domains: list[str] = field(default_factory=list)

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
    ~/Library/Application Support, away from where the README has always said it is. On Windows
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


def load_config(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    root = load_nodes(path, "config file")
    file = str(path)
    if root is None:
        return Config(path)
    if not isinstance(root, MappingNode):
        raise FlowError([Problem(file, 1, 1, "the config file is a mapping, e.g. allowed_domains: [contoso.com]")])
    problems: list[Problem] = []
    domains: list[str] = []
    for key_node, value_node in root.value:
        line, col = pos(key_node)
        if key_node.value not in KEYS:
            problems.append(Problem(file, line, col, f"unknown key {key_node.value!r}; known: {', '.join(KEYS)}"))
            continue
        if not isinstance(value_node, SequenceNode) or not all(isinstance(v, ScalarNode) for v in value_node.value):
            line, col = pos(value_node)
            problems.append(Problem(file, line, col, "allowed_domains is a list of domains, e.g. [contoso.com]"))
            continue
        for item in value_node.value:
            value = scalar_value(item)
            if not isinstance(value, str) or "." not in value or "@" in value:
                line, col = pos(item)
                problems.append(Problem(file, line, col, f"{value!r} is not a domain such as contoso.com"))
                continue
            domains.append(value.lower().lstrip("@"))
    if problems:
        raise FlowError(problems)
    return Config(path, domains)
