"""A local, faithful simulation of the Microsoft 365 pages the shipped flows touch, one module per
host (see docs/simulator.md).

May import: `runner.core`, `runner.spec` (its accounts file is declared in the shape language) and
`runner.secrets` (TOTP). It stands apart: only the ways in (`runner.cli`, `runner.pytest`) and the
tests start it; the engine knows it only as `RunOptions.simulator` (core.model.SimulatorLike).
"""

from pathlib import Path

from .accounts import SimAccount, demo_accounts, load_accounts
from .faults import RandomFaults, load_faults
from .http import Fault
from .server import RunningSimulator, Simulator

__all__ = ["RandomFaults", "RunningSimulator", "SimAccount", "Simulator", "demo_accounts", "load_accounts", "load_faults",
           "load_simulator"]


def load_simulator(path: str | Path) -> Simulator:
    """The simulator an accounts file describes: its accounts, and the faults it sets (`faults:`,
    `random_faults:`); a FlowError names the file and line of anything wrong."""
    from ..core.errors import FlowError, Problem

    problems: list[Problem] = []
    accounts: list[SimAccount] = []
    faults: list[Fault | RandomFaults] = []
    try:
        accounts = load_accounts(path)
    except FlowError as exc:
        problems += exc.problems
    try:
        faults = load_faults(path)
    except FlowError as exc:  # every problem of the file at once; a shape problem is told once
        problems += [p for p in exc.problems if str(p) not in {str(q) for q in problems}]
    if problems:
        raise FlowError(sorted(problems, key=lambda p: (p.line, p.col)))
    return Simulator(accounts).add_faults(faults)
