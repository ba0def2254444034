"""The engine: one browser, one fresh context per account. `engine.py` runs the accounts (worker
pool, Ctrl-C/SIGTERM), `account.py` runs one account's steps as its `StepContext`, `steps.py` holds
the step handlers (their shapes are declared in `runner.spec.steps`), `browser.py` finds and starts
a browser and makes contexts, `failures.py` turns exceptions into failure categories, `watch.py`
records what a context saw, `tracing.py` pauses traces around secrets, `retry.py` runs an account
again after a transient fault (--retries), `shard.py` splits accounts, `pageread.py` reads a page the
run did not understand into its page card and `flowedit.py` works out the card's flow edit (without
a browser), `snoozes.py` counts the passkey campaign's snoozes over earlier runs. The profile photo
experiment: `arms.py` its plan and the arms' flows, `observer.py` the observer account's reads,
`experiment.py` its start, observation rounds and report.

May import: `runner.checks`, `runner.signin` and every layer below them; never a way in
(`runner.cli`, `runner.pytest`) nor the simulator (a run gets it as `RunOptions.simulator`, an
object with `context_options()`).
"""
