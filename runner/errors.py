"""Errors that end a command before any browser starts (exit code 2).

They carry positions so that the person who wrote the YAML can jump straight to the line;
a traceback would only tell them about our code.
"""

from __future__ import annotations

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
