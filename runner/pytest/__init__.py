"""The pytest side, the other way in: `plugin.py` (entry point `pytest11`: flows as tests on
pytest-playwright's `page`), `session.py` (one flow x account on that page: retries, artifacts, the
failure in the CLI's words), `defaults.py` (extensions of pytest-playwright's session fixtures) and
`pwbridge.py` (the engine's async code on the sync `page`).

May import: everything, the simulator included. Nothing in runner imports it.
"""
