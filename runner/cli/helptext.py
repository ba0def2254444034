"""`m365-replay --help` as a helpdesk reads it: each command with its whole first sentence.

click lists a group's commands with their help cut to what fits beside the longest name (about 45
characters, then "..."), so "doctor  What a run needs and whether this machine has it; exit 1..."
hid the part that mattered. This group lists the whole first sentence, wrapped in its column.
"""

from __future__ import annotations

import sys

import click


class WholeHelpGroup(click.Group):
    """A click group whose --help lists each command's whole first sentence; its subgroups too."""

    group_class = type  # `@group.group()` makes a WholeHelpGroup as well

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
