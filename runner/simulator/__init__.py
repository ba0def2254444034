"""A local, faithful simulation of the Microsoft 365 pages the shipped flows touch."""

from .accounts import SimAccount, demo_accounts, load_accounts
from .server import Simulator

__all__ = ["SimAccount", "Simulator", "demo_accounts", "load_accounts"]
