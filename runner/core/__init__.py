"""The data every stage shares, and nothing that does work: the flow model (`model.py`), results and
failure categories with their next actions (`results.py`), an experiment's record (`experiment.py`),
the errors bad input raises
(`errors.py`), the locator vocabulary and `${var}` rules (`locators.py`), the `StepContext`
protocol that step handlers and the sign-in see instead of the engine (`context.py`), a page's marks
in words (`pagemarks.py`: the sign-in and the page card both say them), the page card's record
(`pagecard.py`: page.json, built by the engine and read by the reporters), and the one redactor every
message leaving the process goes through (`redact.py`: the reporters, the engine and the secrets
layer all mask with it, so it sits below them all).

May import: the standard library only (Playwright only under TYPE_CHECKING). Everything else may
import it.
"""
