"""Errors that end a command before any browser starts (exit code 2).

They carry positions so that the person who wrote the YAML can jump straight to the line;
a traceback would only tell them about our code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class UsageError(Exception):
    """Bad input or setup: nothing was run, exit code 2."""

    exit_code = 2


class FlowError(UsageError):
    """One or more problems in flow or users files."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
