"""Writing YAML that every YAML reader reads back as it was meant: the one place m365-replay turns
values into YAML text (a page card's proposed states row and flow edit, teach mode's rows).

A person pastes what these functions write into a states file or a flow, and other tools read the
same files (an editor's linter, a CI's yq, Go's yaml.v2). A plain scalar is only safe when no reader
takes it for something else: YAML 1.1 reads `No`, `off`, `y` as booleans, `~` as null,
`190:20:30` as a number, `2026-10-12` as a date, and a leading `-`, `[`, `&`, `*`, `!`, `%`, `@`
or a quote starts other syntax. So a scalar stays plain only when it is a word that cannot be any
of those (it starts with a letter or `_` and holds no flow indicator or comment), and everything
else is double-quoted (JSON's string escapes are YAML's), with the characters YAML does not print
escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

# a word that is a string in YAML 1.1 and 1.2 alike, unless it is one of RESERVED: a letter or `_`
# first, then letters, digits and `_ . - / $`; no space, `:` or `#` (a comment or a key), no flow
# indicator (`{ } [ ] ,`, which end a plain scalar inside `{...}`)
SAFE_PLAIN = re.compile(r"[A-Za-z_][\w.\-/$]*", re.ASCII)
# YAML 1.1's booleans (y|Y|yes|Yes|YES|n|N|no|...|on|off) and YAML 1.1/1.2 nulls, in any case
RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
# characters a YAML reader refuses or takes for a line break inside a quoted scalar
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def scalar(value: Any) -> str:
    """One value as a YAML scalar: a word plain, anything a reader might misread double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if SAFE_PLAIN.fullmatch(text) and text.casefold() not in RESERVED:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def flow(value: Any) -> str:
    """A value on one line: a mapping as `{key: value, ...}`, a list as `[a, b]`, else a scalar."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(key)}: {flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return scalar(value)


def block(value: dict[str, Any], indent: int = 0) -> list[str]:
    """A mapping in block style, one key a line; nested mappings indented two more spaces, lists
    and mappings inside those on one line (`shows: [a, b]`)."""
    pad = " " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict) and item:
            lines.append(f"{pad}{scalar(key)}:")
            lines += block(item, indent + 2)
        else:
            lines.append(f"{pad}{scalar(key)}: {flow(item)}")
    return lines


def list_item(value: dict[str, Any], indent: int = 0) -> list[str]:
    """A mapping as one item of a block list (`- name: ...`, the rest under it)."""
    lines = block(value, indent + 2)
    if lines:
        lines[0] = " " * indent + "- " + lines[0][indent + 2:]
    return lines
