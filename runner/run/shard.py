"""`run --shard K/N`: which accounts a CI matrix job runs.

An account's shard is derived from a sha256 of its lower-cased name, never from Python's
`hash()` (salted per process) or from its position in the users file (which moves when a line
is added): the same account lands in the same shard on every machine, in every run, whatever
else the users file holds. That keeps per-shard history and reruns meaningful. The price is a
split that is only balanced on average (hundreds of accounts: within a few per cent).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TypeVar

from ..core.errors import UsageError

SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
T = TypeVar("T")


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' -> (2, 4); K counts from 1, as CI matrices (and pytest-shard, Playwright Test) do."""
    match = SHARD_RE.match(text or "")
    if not match:
        raise UsageError(f"--shard {text!r}: write it as K/N, e.g. --shard 1/4")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N >= 1)")
    return index, total


def shard_of(account: str, total: int) -> int:
    """The 1-based shard of an account among `total`, identical on every machine."""
    digest = hashlib.sha256(account.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def select(items: Sequence[T], index: int, total: int, account_of: str = "account") -> list[T]:
    """The items (anything with an `account` attribute) that belong to shard `index` of `total`."""
    return [item for item in items if shard_of(str(getattr(item, account_of)), total) == index]
