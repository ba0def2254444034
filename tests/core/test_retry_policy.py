"""The one retry policy (runner/core/retry.py) and an account's tries under it (runner/run/retry.py): what
is tried again, after how long, what a person is told, what is kept of a failed try and what the tries
add up to. Pure logic: no browser, no real waiting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from runner.core.model import Listener, RunOptions
from runner.core.results import Failure, RunResult, StepResult
from runner.core.retry import RetryPolicy, Tries, account_policy, retrying
from runner.run.retry import AccountTries


class Told(Listener):
    def __init__(self) -> None:
        self.said: list[str] = []

    def announce(self, message: str) -> None:
        self.said.append(message)


def failed(category: str = "unreachable", account: str = "a@contoso.com", shot: str | None = None) -> RunResult:
    steps = [StepResult("Go to Office.com", None, "failed", 10, shot, "down")] if shot else []
    return RunResult(account, "failed", 100, "https://www.office.com/", Failure(category, "down", "Go to Office.com"),
                     steps=steps, started_at="2026-11-25T10:15:00.000Z")


def test_the_policy_says_what_is_retried_how_often_and_after_how_long() -> None:
    policy = RetryPolicy(lambda n: n < 0, retries=2, backoff=(5.0, 15.0))
    assert [policy.delay(n) for n in (0, 1, 2, 3)] == [0.0, 5.0, 15.0, 15.0]  # the last wait repeats
    assert policy.again(-1, 0) and policy.again(-1, 1) and not policy.again(-1, 2), "at most `retries` more"
    assert not policy.again(1, 0), "an answer that is not transient stands"
    assert RetryPolicy(bool).delay(1) == 0.0
    assert account_policy().schedule() == "5 s, 15 s, 45 s"  # RunOptions' backoff, in words
    assert account_policy().schedule(", then ") == "5 s, then 15 s, then 45 s"
    assert policy.longest(10) == 3 * 10 + 5 + 15, "every try and every wait: what an outer bound must allow"
    assert RetryPolicy(bool).longest(10) == 10


def test_the_photo_checks_fetches_follow_one_schedule() -> None:
    from runner.checks.photos import FETCH_POLICY
    from runner.core.retry import FETCH_SCHEDULE

    schedule = (FETCH_SCHEDULE.retries, FETCH_SCHEDULE.backoff)
    assert (FETCH_POLICY.retries, FETCH_POLICY.backoff) == schedule == (2, (1, 2))


def test_the_async_loop_tries_until_the_answer_stands_and_keeps_every_earlier_one() -> None:
    answers = iter([-2, -1, 3, -5])
    said: list[tuple[int, float]] = []

    class Counted(Tries[int]):
        def announce(self, answer: int, wait: float) -> None:
            said.append((answer, wait))

    async def once() -> int:
        return next(answers)

    tries = Counted(RetryPolicy(lambda n: n < 0, retries=3, backoff=(0.0,)))
    assert asyncio.run(retrying(tries, once)) == 3
    assert tries.earlier == [-2, -1] and said == [(-2, 0.0), (-1, 0.0)]
    spent = Counted(RetryPolicy(lambda n: n < 0, retries=1, backoff=(0.0,)))
    answers = iter([-2, -1, 3])
    assert asyncio.run(retrying(spent, once)) == -1, "the retries spent: the last answer is the answer"


@pytest.mark.parametrize("keeps", [True, False])
def test_a_stop_while_waiting_keeps_the_last_answer_only_when_asked_to(keeps: bool) -> None:
    started: list[int] = []

    async def once() -> int:
        started.append(1)
        return -1

    async def stopped() -> int:
        task = asyncio.ensure_future(retrying(Tries(RetryPolicy(lambda n: n < 0, 2, (30.0,))), once, keeps))
        await asyncio.sleep(0.05)
        task.cancel()
        return await task

    if keeps:
        assert asyncio.run(stopped()) == -1 and started == [1]
    else:
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(stopped())
        assert started == [1]


def test_an_account_try_is_announced_set_aside_and_combined(tmp_path: Path) -> None:
    folder = tmp_path / "a_contoso.com"
    folder.mkdir()
    (folder / "01-failure.png").write_bytes(b"png")
    told = Told()
    tries = AccountTries(RunOptions(report_dir=tmp_path, retries=2, retry_backoff=(5.0, 15.0)), told, started=0.0)
    first = failed(shot="a_contoso.com/01-failure.png")
    assert tries.next_wait(first) == 5.0
    assert told.said == ["a@contoso.com: try 1 of 3 ended unreachable at step 'Go to Office.com'; trying again "
                         "from the start in a new context in 5 s"]
    tries.set_aside(first)
    assert (folder / "attempt-1" / "01-failure.png").is_file() and not (folder / "01-failure.png").exists()
    assert tries.kept[0].screenshot == "a_contoso.com/attempt-1/01-failure.png"
    assert tries.next_wait(failed("bad_credentials")) is None, "an account's own answer is never retried"
    passed = RunResult("a@contoso.com", "passed", 200, None, None, started_at="2026-11-25T10:15:09.000Z")
    answer = tries.answer(passed)
    assert answer.flaky and [(t.number, t.status) for t in answer.tries] == [(1, "failed"), (2, "passed")]
    assert answer.started_at == "2026-11-25T10:15:00.000Z", "the account started with its first try"
    assert answer.duration_ms >= 200


def test_an_answer_at_the_first_try_lists_no_tries(tmp_path: Path) -> None:
    tries = AccountTries(RunOptions(report_dir=tmp_path, retries=2), Told())
    passed = RunResult("a@contoso.com", "passed", 200, None, None)
    assert tries.next_wait(passed) is None
    assert tries.answer(passed).tries == [] and not passed.flaky
