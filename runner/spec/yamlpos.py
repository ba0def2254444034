"""YAML loading that keeps positions, refuses aliases and bounds size, depth and time.

Validation works on the composed node tree (not plain dicts) so every problem can name the
line and column it comes from. Aliases are refused outright: flows have sub-flows for reuse,
and refusing them makes the "billion laughs" expansion impossible rather than merely slow.
Size, value count and nesting depth are capped so any file is read in bounded time and memory,
and whatever PyYAML raises on odd input ends as a positioned problem, never a traceback.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from ..core.errors import FlowError, Problem

# A flow is a few kilobytes and a users file a few hundred; these limits are far above any real
# one and keep the worst input at a fraction of a second with libyaml (about 2 s without).
MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 64

# Tags a person may write on purpose (`!!str 123`); anything else (`!!python/object`, custom
# `!tags`) means the file was written for another program.
CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = {None, "!", *(CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))}

NON_PRINTABLE: re.Pattern[str] = Reader.NON_PRINTABLE

__all__ = [
    "MappingNode", "Node", "ScalarNode", "SequenceNode", "load_nodes", "parse_nodes", "pos", "read_text",
    "scalar_value",
]


class _Refused(yaml.MarkedYAMLError):
    """A YAML feature or size this tool does not accept (the message already says what to do)."""

    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(None, None, message, mark)


class _Checks(Composer):
    """Composer that refuses aliases, odd tags and non-text keys, and counts nodes and depth.

    Composing stays in Python (so these checks see every event) over either parser below.
    """

    _nodes = 0
    _depth = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed here; write the value out, or use a sub-flow",
                           event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in ALLOWED_TAGS:
            shown = "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag
            raise _Refused(f"YAML tag {shown} is not allowed here; remove it (quote the value to keep it as text)",
                           event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"file has more than {MAX_NODES} YAML values; split it (a flow into sub-flows)",
                           event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"values are nested more than {MAX_DEPTH} levels deep; flatten this part",
                               event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor):  # type: ignore[override]
        node = super().compose_mapping_node(anchor)
        seen: dict[object, Node] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode):
                what = "a list" if isinstance(key, SequenceNode) else "a mapping"
                raise _Refused(f"a key must be a name, not {what}; write `name: value`", key.start_mark)
            if key.value in seen:
                first = seen[key.value].start_mark.line + 1
                raise _Refused(f"duplicate key {key.value!r} (first on line {first}); keep one of them",
                               key.start_mark)
            seen[key.value] = key
        return node


class _PyLoader(_Checks, yaml.SafeLoader):
    """Pure-Python scanning: always there, about 1.5 s for the largest accepted file."""


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    _CLoader = None
else:

    class _CLoader(_Checks, CParser, SafeConstructor, Resolver):  # type: ignore[no-redef]
        """libyaml scanning (what PyYAML's wheels ship): 20-100x faster, which keeps the worst file
        at a fraction of a second."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def _loader(text: str) -> _Checks:
    return (_CLoader or _PyLoader)(text)


def pos(node: Node) -> tuple[int, int]:
    """1-based (line, column) of a node."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def _line_col(text: str | bytes, offset: int) -> tuple[int, int]:
    newline = "\n" if isinstance(text, str) else b"\n"
    line = text.count(newline, 0, offset) + 1  # type: ignore[arg-type]
    col = offset - (text.rfind(newline, 0, offset) + 1) + 1  # type: ignore[arg-type]
    return line, col


def read_text(path: Path, what: str) -> str:
    """Read a YAML input file or raise a FlowError that says what to do.

    At most MAX_BYTES+1 bytes are ever read, so a huge file, /dev/zero or an endless pipe costs
    the same as a small file.
    """
    name = str(path)
    try:
        if path.is_dir():
            raise FlowError([Problem(name, 1, 1, f"{what} is a folder; give a .yaml file")])
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise FlowError([Problem(name, 1, 1, f"{what} not found; check the path")]) from None
    except PermissionError:
        raise FlowError([Problem(name, 1, 1, f"cannot read {what}: permission denied; "
                                 "make it readable by this user (chmod/ACL) or run as its owner")]) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FlowError([Problem(name, 1, 1, f"cannot read {what}: {reason}; check the path")]) from None
    if len(data) > MAX_BYTES:
        raise FlowError([Problem(name, 1, 1, f"{what} is larger than {MAX_BYTES} bytes, the limit; "
                                 "is it the right file? Split a big flow into sub-flows")])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        encoding = "utf-16"  # Windows editors save "Unicode" text this way; YAML allows it
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start) if encoding == "utf-8-sig" else (1, 1)
        raise FlowError([Problem(name, line, col, f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} here); "
                                 "is it the right file? Save it as UTF-8")]) from None


TAB_HINT = "a tab character: YAML indents with spaces; replace the tabs with spaces"
_HINTS = (
    ("expected a single document", "a second YAML document (---) starts here; a file holds one: "
                                   "remove it, or move what follows to a file of its own"),
    ("mapping values are not allowed", "check this line's indentation against the line above, or quote a value "
                                       "that contains ': '"),
    ("could not find expected ':'", "a line without `key: value`, or indented differently from its neighbours; "
                                    "check the indentation"),
    ("expected <block end>", "this line is indented differently from the lines above it; align it with them"),
    ("did not find expected key", "this line is indented differently from the lines above it; align it with them"),
    ("did not find expected '-'", "this line is indented differently from the lines above it; align it with them"),
    ("found unknown escape character", "inside double quotes a backslash starts an escape; use single quotes "
                                       "or write \\\\"),
    ("cannot start any token", "quote a value that starts with this character"),
    ("maximum nesting depth", "values are nested too deeply; flatten this part"),
    ("expected alphabetic or numeric character", "quote a value that starts with * & ! or |"),
)


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    """A PyYAML error as one positioned problem, in words that say what to change.

    libyaml and pure-Python PyYAML word the same mistake differently, so hints key on the text at
    the position where they can (a tab) and on either wording otherwise.
    """
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if isinstance(exc, _Refused):
        return Problem(file, line, col, f"YAML syntax: {exc.problem}")
    problem = exc.problem or str(exc)
    message = f"{exc.context}: {problem}" if exc.context else problem
    lines = text.splitlines()
    at = lines[line - 1][col - 1:col] if 0 < line <= len(lines) else ""
    if at == "\t" or "tab character" in message or "'\\t'" in message:
        hint: str | None = TAB_HINT
    else:
        hint = next((h for needle, h in _HINTS if needle in message), None)
    opened = exc.context_mark
    if opened is not None and opened is not mark and (opened.line, opened.column) != (line - 1, col - 1):
        if "flow sequence" in (exc.context or "") or "flow mapping" in (exc.context or ""):
            bracket = "[" if "sequence" in (exc.context or "") else "{"
            hint = f"the {bracket} opened on line {opened.line + 1}, column {opened.column + 1} is not closed"
        elif "quoted scalar" in (exc.context or "") and "end of stream" in problem:
            hint = f"the quote opened on line {opened.line + 1}, column {opened.column + 1} is not closed"
        elif hint is None:
            hint = f"see also line {opened.line + 1}, column {opened.column + 1}"
    return Problem(file, line, col, f"YAML syntax: {message}" + (f"; {hint}" if hint else ""))


def parse_nodes(text: str, file: str) -> Node | None:
    """Compose one YAML document into nodes; every failure is a FlowError with a position."""
    bad = NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise FlowError([Problem(file, line, col, f"character U+{ord(bad.group()):04X} is not allowed in YAML; "
                                 "remove it (is this a text file?)")])
    try:
        loader = _loader(text)
    except yaml.YAMLError as exc:
        raise FlowError([Problem(file, 1, 1, f"YAML syntax: {exc}")]) from None
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise FlowError([_syntax_problem(file, exc, text)]) from None
    except yaml.YAMLError as exc:
        raise FlowError([Problem(file, 1, 1, f"YAML syntax: {exc}")]) from None
    except RecursionError:
        line, col = _mark_of(loader)
        raise FlowError([Problem(file, line, col, "YAML is nested too deeply; flatten this part")]) from None
    except Exception as exc:  # PyYAML's own bugs on odd input (e.g. OverflowError on "\UFFFFFFFF")
        line, col = _mark_of(loader)
        raise FlowError([Problem(file, line, col, f"YAML cannot be read here ({type(exc).__name__}: {exc}); "
                                 "check the text near this position")]) from None
    finally:
        loader.dispose()


def _mark_of(loader: _Checks) -> tuple[int, int]:
    try:
        mark = loader.get_mark()
        return mark.line + 1, mark.column + 1
    except Exception:
        return 1, 1


def load_nodes(path: Path, what: str = "file") -> Node | None:
    """Read and compose one YAML document; every problem is a positioned FlowError."""
    return parse_nodes(read_text(path, what), str(path))


_constructor = yaml.SafeLoader("")


def scalar_value(node: ScalarNode) -> object:
    """The Python value YAML gives a scalar (str, int, float, bool, None or a date).

    A scalar that does not construct (`!!bool maybe`, `!!timestamp x`, a 5000-digit int) is
    kept as the text written; PyYAML raises KeyError or AttributeError for some of these.
    """
    try:
        return _constructor.construct_object(node, deep=True)
    except Exception:
        return node.value
    finally:  # the constructor remembers every node it built; forget them (memory, and stale state)
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()
