"""A local, faithful simulation of the Microsoft 365 pages the shipped flows touch, one module per
host (see the README's simulator section).

May import: `runner.core`, `runner.spec` (its accounts file is declared in the shape language) and
`runner.secrets` (TOTP). It stands apart: only the ways in (`runner.cli`, `runner.pytest`) and the
tests start it; the engine knows it only as `RunOptions.simulator` (core.model.SimulatorLike).
"""

from .accounts import SimAccount, demo_accounts, load_accounts
from .server import Simulator

__all__ = ["SimAccount", "Simulator", "demo_accounts", "load_accounts"]
