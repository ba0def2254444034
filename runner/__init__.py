"""m365-replay: replay documented Microsoft 365 user-side procedures in a real browser."""

__version__ = "0.1.0"
