"""Random faults on page loads: an ordinary bad night of a real service, reproducible by its seed.

A fixed fault (http.Fault, Simulator.add_fault) plays one failure where a test wants it. A night of
hundreds of accounts meets failures nobody placed: a page load answered 503 now and then, a
connection reset, a page that stalls a few seconds. RandomFaults plays those: for each page load
(a navigation, `Sec-Fetch-Mode: navigate`, as Chromium marks a document request; scripts, images
and XHRs are left alone) it draws one number and plays a 503 with probability `status`, a reset
with `reset`, a stall of `stall_seconds` with `stall`.

The draws come from one random generator per rule and host, seeded from `seed` and the host name:
the same seed gives every host the same sequence of faults, run after run, whatever the other hosts
see. (With several workers the page loads of different accounts interleave differently, so which
account meets a given fault can vary; with one worker the run is the same.)

Also here: the shape of the simulator accounts file's `faults:` (fixed) and `random_faults:` lists.
"""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .http import Fault

if TYPE_CHECKING:
    from ..spec.shapes import Fields

FAULT_KINDS = ("down", "reset", "status", "hang", "slow")


@dataclass
class RandomFaults:
    """One rule of random faults on page loads, for one host or (host None) every simulated host."""

    status: float = 0.0  # the share of page loads answered `status_code`
    reset: float = 0.0  # the share of page loads whose connection is reset, unanswered
    stall: float = 0.0  # the share of page loads answered after `stall_seconds`
    stall_seconds: float = 3.0
    status_code: int = 503
    seed: int | None = None  # None: a new one, kept here so the run can be told and replayed
    host: str | None = None
    _dice: dict[str, random.Random] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("status", "reset", "stall"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"random_faults: {name} is a share of page loads, from 0 to 1, not "
                                 f"{getattr(self, name)}")
        if self.status + self.reset + self.stall > 1.0:
            raise ValueError("random_faults: status + reset + stall must not exceed 1 (every page load)")
        if self.seed is None:
            self.seed = secrets.randbelow(2**31)
        if self.host is not None:
            self.host = self.host.lower()

    def applies_to(self, host: str) -> bool:
        return self.host is None or self.host == host

    def draw(self, host: str) -> Fault | None:
        """The fault for the next page load of `host`, if this draw gives one."""
        with self._lock:
            dice = self._dice.get(host)
            if dice is None:
                dice = self._dice[host] = random.Random(f"{self.seed}/{host}")
            roll = dice.random()
        if roll < self.status:
            return Fault(host=host, kind="status", status=self.status_code)
        if roll < self.status + self.reset:
            return Fault(host=host, kind="reset")
        if roll < self.status + self.reset + self.stall:
            return Fault(host=host, kind="slow", seconds=self.stall_seconds)
        return None


def rule_for(rules: list[RandomFaults], host: str) -> RandomFaults | None:
    """The rule a host's page loads follow: its own if it has one, else the one for every host."""
    own = next((rule for rule in rules if rule.host is not None and rule.applies_to(host)), None)
    return own or next((rule for rule in rules if rule.host is None), None)


def faults_shape() -> Fields:
    """A fixed fault in the accounts file: Simulator.add_fault's arguments."""
    from ..spec.shapes import Fields, Num, Str

    return Fields({"host": Str(variables=False), "kind": Str(variables=False, enum=FAULT_KINDS),
                   "path": Str(variables=False), "status": Num(integer=True, minimum=100),
                   "seconds": Num(), "times": Num(integer=True, minimum=1)},
                  required=("host", "kind"), noun="fault option",
                  expected="each fault is a mapping {host: ..., kind: down|reset|status|hang|slow}")


def random_faults_shape() -> Fields:
    """A rule of random faults in the accounts file: RandomFaults' fields."""
    from ..spec.shapes import Fields, Num, Str

    numbers = {"status": Num(), "reset": Num(), "stall": Num(), "stall_seconds": Num(),
               "status_code": Num(integer=True, minimum=100), "seed": Num(integer=True)}
    return Fields({**numbers, "host": Str(variables=False)}, noun="random-fault option",
                  expected="each rule is a mapping {status: 0.005, reset: 0.005, stall: 0.02, seed: 7, ...}")


def lists_shape() -> dict[str, Any]:
    """The accounts file's optional `faults:` and `random_faults:` keys."""
    from ..spec.documents import ListOf

    return {"faults": ListOf(faults_shape(), name="faults", of="{host: ..., kind: ...}", min_items=0,
                             description="fixed faults: Simulator.add_fault's arguments"),
            "random_faults": ListOf(random_faults_shape(), name="random_faults", min_items=0,
                                    of="{status: ..., reset: ..., stall: ..., seed: ...}",
                                    description="random faults on page loads, per host or for every host")}


def build(kind: str, values: dict[str, Any]) -> Fault | RandomFaults:
    """A checked mapping of the file as the object it describes; ValueError says what is wrong."""
    if kind == "faults":
        return Fault(**{k: float(v) if k == "seconds" else v for k, v in values.items() if v is not None})
    names = {f.name for f in fields(RandomFaults) if not f.name.startswith("_")}
    return RandomFaults(**{k: v for k, v in values.items() if k in names and v is not None})


def load_faults(path: str | Path) -> list[Fault | RandomFaults]:
    """The faults an accounts file sets (`faults:`, `random_faults:`), or a FlowError naming the file,
    the line and what is wrong (a share above 1, say), as load_accounts does for the accounts."""
    from ..core.errors import FlowError
    from ..spec.documents import child
    from ..spec.shapes import Ctx
    from ..spec.yamlpos import SequenceNode, load_nodes

    root = load_nodes(Path(path), "simulator accounts file")
    ctx = Ctx(str(path), set())
    out: list[Fault | RandomFaults] = []
    for kind, shape in (("faults", faults_shape()), ("random_faults", random_faults_shape())):
        items = child(root, kind)
        for item in items.value if isinstance(items, SequenceNode) else []:
            values = shape.check(item, ctx)
            if values is None:
                continue
            try:
                out.append(build(kind, values))
            except (ValueError, TypeError) as exc:
                ctx.err(item, str(exc))
    if ctx.problems:
        raise FlowError(ctx.problems)
    return out
