"""Errors that end a command before any browser starts (exit code 2).

They carry positions so that the person who wrote the YAML can jump straight to the line;
a traceback would only tell them about our code.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass

MAX_MESSAGE = 400
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        message = self.message
        if len(message) > MAX_MESSAGE:  # a message quoting a 900 kB value would bury the others
            message = message[: MAX_MESSAGE - 20] + " … " + message[-17:]
        return f"{self.file}:{self.line}:{self.col}: {message}"


class UsageError(Exception):
    """Bad input or setup: nothing was run, exit code 2."""


class FlowError(UsageError):
    """One or more problems in flow or users files."""

    def __init__(self, problems: list[Problem]):
        if len(problems) > MAX_PROBLEMS:  # a wrong file can hold thousands; the first ones say enough
            last = problems[MAX_PROBLEMS - 1]
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS],
                        Problem(last.file, last.line, last.col, f"... and {more} more problems; fix these first")]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close candidate exists, else ''."""
    if len(word) > 100:  # no key is that long, and difflib's cost grows with the length
        return ""
    return _closest(word, tuple(sorted(choices)))


@functools.lru_cache(maxsize=512)
def _closest(word: str, choices: tuple[str, ...]) -> str:
    # cached: a file with the same typo a thousand times (or a fuzzer) asks difflib once
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
