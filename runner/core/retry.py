"""Trying again: one policy for everything m365-replay retries, and the async loop that follows it.

Two things are retried, with the same idea: an account whose try ended in a transient fault runs
again from the start (`--retries`, runner/run/retry.py, and under pytest runner/pytest/session.py),
and an image the check could not fetch because of the network or a server error is fetched again
(runner/checks/outcome.py). What differs is only what counts as transient, how often and how long
between: the RetryPolicy. What happens between two tries (telling the person, setting the failed
try's evidence aside) and what the tries add up to (the last answer, with the earlier ones listed)
belong to the thing tried: a Tries.

The loop here is the async one (the engine, the check); the pytest plugin drives the same Tries
from its own sync loop, since it runs on pytest-playwright's page, outside any event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from .model import option_default

if TYPE_CHECKING:
    from .results import RunResult

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy(Generic[T]):
    """What is tried again (`transient`), at most how many more times (`retries`), and after how many
    seconds each (`backoff`: the n-th retry waits its n-th entry, the last one repeating)."""

    transient: Callable[[T], bool]
    retries: int = 0
    backoff: tuple[float, ...] = ()

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 for the first)."""
        if not self.backoff or retry < 1:
            return 0.0
        return float(self.backoff[min(retry, len(self.backoff)) - 1])

    def again(self, answer: T, retried: int) -> bool:
        """Whether `answer`, after `retried` retries, is worth another try."""
        return retried < self.retries and self.transient(answer)

    def longest(self, each_s: float) -> float:
        """The most every try and every wait between them can take, each try bounded by `each_s`: what
        an outer bound on the whole must allow."""
        return each_s * (1 + self.retries) + sum(self.delay(n) for n in range(1, self.retries + 1))

    def schedule(self, joiner: str = ", ") -> str:
        """The waits in words, for a help text: `5 s, 15 s, 45 s`."""
        return joiner.join(f"{seconds:g} s" for seconds in self.backoff)


# ------------------------------------------------------------------------------------- image fetches
# The photo check's image fetches: at most 3 tries, 1 s then 2 s apart. Which failures are worth another
# fetch is the check's business (runner/checks/photos.py FETCH_POLICY gives this schedule its `transient`);
# the schedule is here so that the check step's outer bound (runner/spec/steps.py) allows for it.
FETCH_SCHEDULE: RetryPolicy[object] = RetryPolicy(lambda _answer: False, retries=2, backoff=(1.0, 2.0))


# ------------------------------------------------------------------------------------------ accounts
# `--retries`: which answers of an account are transient faults, worth a new try from the start in a new
# context (runner/run/retry.py says why these and never the others)
RETRYABLE = ("unreachable", "timeout", "browser_error")
MAX_RETRIES = 3  # at most 4 tries, so at most 4 password submissions for an account in one run


def retryable(result: RunResult) -> bool:
    """Whether this answer is a transient fault that another try may clear."""
    return result.status == "failed" and result.failure is not None and result.failure.category in RETRYABLE


def account_policy(retries: int = 0, backoff: tuple[float, ...] | None = None) -> RetryPolicy[RunResult]:
    """The accounts' policy: the transient faults above, `retries` more tries, RunOptions' backoff."""
    return RetryPolicy(retryable, retries, option_default("retry_backoff") if backoff is None else backoff)


class Tries(Generic[T]):
    """The tries of one thing under a policy: the earlier answers, and the hooks a kind of thing
    overrides: `announce` (a retry is coming), `set_aside` (keep a failed try before the next one
    starts) and `answer` (what the tries add up to; by default the last one)."""

    def __init__(self, policy: RetryPolicy[T]):
        self.policy = policy
        self.earlier: list[T] = []

    @property
    def retried(self) -> int:
        return len(self.earlier)

    def next_wait(self, answer: T) -> float | None:
        """None when `answer` stands; else the seconds to wait before the next try (announced)."""
        if not self.policy.again(answer, self.retried):
            return None
        wait = self.policy.delay(self.retried + 1)
        self.announce(answer, wait)
        return wait

    def announce(self, answer: T, wait: float) -> None:
        """Say that another try comes in `wait` seconds."""

    def set_aside(self, answer: T) -> None:
        self.earlier.append(answer)

    def answer(self, final: T) -> T:
        return final


async def retrying(tries: Tries[T], once: Callable[[], Awaitable[T]], stop_keeps_answer: bool = False) -> T:
    """Run `once` until its answer stands or the policy's retries are spent, waiting its backoff in
    between. A stop (task cancelled) while waiting ends with the last answer when `stop_keeps_answer`
    (an account: the try that ended is its answer), and is passed on otherwise."""
    import asyncio  # here, not at the top: `--help` reads the accounts' policy and must stay fast

    answer = await once()
    while (wait := tries.next_wait(answer)) is not None:
        try:
            await asyncio.sleep(wait)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not stop_keeps_answer or task is None:
                raise
            task.uncancel()  # stopped while waiting: the last try's answer stands
            break
        tries.set_aside(answer)
        answer = await once()
    return tries.answer(answer)
