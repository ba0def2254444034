"""Sign-in states files: new page states without a release.

The built-in table (runner/signin/states.py) knows the pages public sources describe. The first
time a real account meets one they do not (a new nudge after the password, a tenant's own
interrupt), the person who met it adds a row here, from the page card's proposal or from teach
mode, and the next run passes. A row only recognizes a page and either clicks one marker or fails
with a category: no typing, no script (the username, password and TOTP stay with the built-in rows).

    states:
      - name: authenticator_nudge                 # one word; shown in the trace and the report
        description: '"Get the Authenticator app" nudge, after the password'
        match:                                    # all given must hold
          page_id: ConvergedAuthNudge             # <meta name="PageID"> (or $Config.pgid)
          host: login.microsoftonline.com
          shows: [idBtn_Nudge_NotNow]             # markers: an id or name, or a [data-*] selector
        click: idBtn_Nudge_NotNow
      - name: tenant_confirmation
        match: {error_code: "399218"}             # $Config.sErrorCode
        fail: {category: action_required, message: Confirm the sign-in to this tenant once by hand.}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import FlowError, UsageError
from ..core.model import StateRow
from ..core.results import CATEGORIES
from .documents import ListOf, check_document, child
from .shapes import Fields, Str
from .yamlpos import MappingNode, SequenceNode, load_nodes, pos
from .yamlwrite import list_item

if TYPE_CHECKING:
    from .shapes import Ctx
    from .yamlpos import Node

# an id or a name (the built-in rows find every element by either), or a data-* attribute selector,
# optionally after a tag name: [data-report-event="Nudge_NotNow"], button[data-testid="primaryButton"]
MARKER_PATTERN = r'^(?:[A-Za-z_][\w:.-]*|[a-z]*\[data-[a-z0-9-]+(="[^"\]]*")?\])$'
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
# what a page can say about an account; not the run's own categories (error, interrupted, timeout...)
FAIL_CATEGORIES = ("action_required", "blocked", "mfa_required", "password_expired", "locked", "bad_credentials",
                   "unknown_account", "personal_account", "page_changed")


def marker_shape(description: str) -> Str:
    return Str(variables=False, pattern=MARKER_PATTERN, description=description,
               mismatch="{value} is not a marker: give an element's id or name (idBtn_Back), or a data-* "
               'attribute selector ([data-report-event="Nudge_NotNow"])')


@dataclass
class OneOf(Fields):
    """A mapping where at least one of `any_of` must be given, and at most one of `only_one`."""

    any_of: tuple[str, ...] = ()
    only_one: tuple[str, ...] = ()

    def check(self, node: Node | None, ctx: Ctx) -> Any:
        out = super().check(node, ctx)
        if out is None:
            return None
        given = [key for key in self.only_one if key in out]
        if self.only_one and len(given) != 1:
            what = "both" if given else "neither"
            ctx.err(node, f"a row either clicks or fails: give `click: MARKER` or `fail: {{category: ...}}`, "
                    f"not {what}")
            return None
        if self.any_of and not any(key in out for key in self.any_of):
            ctx.err(node, f"`match` needs at least one of {', '.join(self.any_of)} (a host alone would match every "
                    "page of that host)")
            return None
        return out


def states_shape() -> Fields:
    """A sign-in states file, in the shape language (validation, messages, `schema --states`)."""
    match = OneOf({
        "page_id": Str(variables=False, description='<meta name="PageID"> of the page, or its $Config.pgid'),
        "host": Str(variables=False, description="The page's host name, e.g. login.microsoftonline.com"),
        "error_code": Str(variables=False, description="$Config.sErrorCode of the page, e.g. \"399218\""),
        "shows": ListOf(marker_shape("An element the page shows (visible)"), name="shows",
                        of="markers, e.g. [idBtn_Nudge_NotNow]", description="Markers that must all be visible"),
    }, any_of=("page_id", "error_code", "shows"), expected="`match` is a mapping of page_id, host, "
        "error_code, shows", description="How the page is recognized; all given must hold; a host alone would "
        "match every page of that host")
    fail = Fields({
        "category": Str(variables=False, enum=FAIL_CATEGORIES, description="The failure category"),
        "message": Str(variables=False, description="What the helpdesk reads"),
    }, required=("category",), expected="`fail` is a mapping: {category: action_required, message: ...}")
    row = OneOf({
        "name": Str(variables=False, pattern=NAME_PATTERN, mismatch="{value} is not one lower-case word "
                    "(letters, digits, _), e.g. authenticator_nudge", description="The state's name, one word"),
        "description": Str(variables=False, description="What the page is, for people"),
        "match": match,
        "click": marker_shape("The marker to click on that page; the sign-in goes on"),
        "fail": fail,
    }, required=("name", "match"), only_one=("click", "fail"),
        expected="each state is a mapping: `- name: ...`, `match: {...}`, and `click:` or `fail:`")
    states = ListOf(row, name="states", of="{name, match, click|fail}", unique="name",
                    description="Page states checked before the built-in table; the first that matches wins")
    return Fields({"states": states}, required=("states",),
                  expected="a sign-in states file is a mapping with `states:`, a list of rows")


def load_states(path: Path) -> list[StateRow]:
    """The rows of a states file, each with its file:line; FlowError (exit 2) names every problem."""
    root = load_nodes(path, "sign-in states file")
    values = check_document(root, str(path), states_shape())
    nodes = child(root, "states")
    lines = [pos(item)[0] for item in nodes.value] if isinstance(nodes, SequenceNode) else []
    rows = []
    for value, line in zip(values["states"], lines, strict=True):
        match = {k: v for k, v in value["match"].items() if v is not None}
        fail = value.get("fail")
        if fail is not None and not fail.get("message"):
            fail = {**fail, "message": f"The sign-in met the page {value['name']!r} ({path.name}:{line})."}
        rows.append(StateRow(name=value["name"], match=match, click=value.get("click"), fail=fail,
                             description=value.get("description") or "", where=f"{path.name}:{line}"))
    return rows


def row_mapping(row: StateRow) -> dict[str, Any]:
    """A row as the states file writes it: name, description, match (in the file's key order),
    then click or fail. A page card's proposed row is this mapping too."""
    out: dict[str, Any] = {"name": row.name}
    if row.description:
        out["description"] = row.description
    out["match"] = {key: row.match[key] for key in ("page_id", "host", "error_code", "shows") if row.match.get(key)}
    if row.click:
        out["click"] = row.click
    if row.fail:
        out["fail"] = dict(row.fail)
    return out


def row_yaml(row: StateRow) -> str:
    """One row in the file's own format, ready to paste under `states:` (two-space indent)."""
    return "\n".join(list_item(row_mapping(row), indent=2)) + "\n"


def append_row(path: Path, row: StateRow) -> str:
    """Teach mode: add `row` at the end of the states file (created if need be), keeping what the
    file already says, comments included; the file is read back and checked before it is kept.
    Returns `file:line` of the new row."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text.strip():
        existing = load_states(path)  # a broken file is refused before it is touched
        if any(r.name == row.name for r in existing):
            raise UsageError(f"{path} already has a state named {row.name!r}; nothing was written")
        root = load_nodes(path, "sign-in states file")
        last_key = root.value[-1][0].value if isinstance(root, MappingNode) and root.value else None
        listed = child(root, "states")
        if last_key != "states" or not isinstance(listed, SequenceNode) or listed.flow_style:
            raise UsageError(f"{path}: teach mode appends to a block `states:` list at the end of the file; "
                             f"add the row there by hand:\n{row_yaml(row)}")
        new = text + ("" if text.endswith("\n") else "\n") + row_yaml(row)
    else:
        new = '# Sign-in page states (docs/sign-in.md: "A sign-in states file"), checked before the built-in table.\n' \
              "states:\n" + row_yaml(row)
    line = new[: new.rindex(f"  - name: {row.name}\n")].count("\n") + 1
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    try:
        load_states(tmp)
    except FlowError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"the taught row would not read back ({exc}); nothing was written to {path}") from None
    tmp.replace(path)
    return f"{path.name}:{line}"


def states_for_run(explicit: Path | None, config_file: Path | None = None, teach: Path | None = None
                   ) -> list[StateRow]:
    """The rows a run uses: `--states FILE` (or the plugin's `--m365-states`) when given, else the
    config file's `sign_in_states:`; then teach mode's file, when it exists, so that what was taught
    before is known. None without any of them. A missing or broken file is refused (exit 2)."""
    from .config import load_config

    path = explicit or load_config(config_file).sign_in_states
    if path is not None and not path.is_file():
        raise UsageError(f"sign-in states file {path} does not exist; create it (docs/sign-in.md: \"A sign-in "
                         "states file\") or fix the path")
    rows = load_states(path) if path is not None else []
    if teach is not None and teach.is_file() and (path is None or teach.resolve() != path.resolve()):
        rows += load_states(teach)
    return rows


assert set(FAIL_CATEGORIES) <= set(CATEGORIES)
