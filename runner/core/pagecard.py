"""The page card (page.json) as a record: what one look at a page the runner did not understand saw,
and the fix it proposes.

runner/run/pageread.py builds it (the sign-in's part in runner/signin/proposal.py, a flow step's in
runner/run/flowedit.py) and writes it; the reporters read it back (runner/reporters/pagecard.py) with
nothing but the report folder. The file's keys are a published shape (docs/sign-in.md,
"The page card"), so the record's JSON is flat as it always was: the sign-in's part or a flow step's adds its
keys beside the page's, `proposed_row_yaml` only with a row and `proposed_edit` only with a candidate
(`proposed_row` is null without a row). Cards written before this record read back into it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .redact import redact
from .results import known_fields, write_json_atomic

if TYPE_CHECKING:
    from pathlib import Path

CARD_FILE = "page.json"

# An element of the page's inventory is a dict of whichever markers the browser returned for it (tag,
# id, name, type, role, data-testid, data-*, label, focused, primary; empty ones left out): free-form
# data read by marker name (runner/signin/rows.py element_marker), not a record with fixed fields.
Element = dict[str, Any]
T = TypeVar("T")


@dataclass
class PageConfig:
    """$Config's page ids and error code: the only values of $Config a card holds."""

    pgid: str | None
    hpgid: str | None
    error_code: str | None  # $Config's sErrorCode, the file's key

    def to_dict(self) -> dict[str, Any]:
        return {"pgid": self.pgid, "hpgid": self.hpgid, "sErrorCode": self.error_code}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageConfig:
        return cls(data["pgid"], data["hpgid"], data["sErrorCode"])


@dataclass
class CardStep:
    """The step that gave up on the page, where it is in its flow."""

    name: str
    command: str
    file: str
    line: int


@dataclass
class CardFailure:
    category: str
    message: str


@dataclass
class Button:
    """A button a person could press on a sign-in page, by its marker, with what it does (`kind`:
    way_out, primary, other, go_back; runner/signin/proposal.py)."""

    marker: str
    role: str | None
    label: str | None
    kind: str = ""  # cards written before 2026-12-06 ranked buttons (`rank`) and had no kind


@dataclass
class Resemblance:
    """A known state the page looks like: its markers the page shows and lacks, the share shown."""

    state: str
    where: str
    description: str | None
    shows: list[str]
    lacks: list[str]
    score: float


@dataclass
class SignInProposal:
    """The sign-in's part: what the page resembles, the markers only it shows, its buttons ranked,
    the rule that chose the row's click, and the row (None when the page has nothing of its own to be
    recognized by). The row is a states-file row in that file's YAML vocabulary (runner/spec/states.py
    reads it back), free-form by design, so it stays a mapping; `proposed_row_yaml` is it to paste."""

    resembles: list[Resemblance]
    new_markers: list[str]
    buttons: list[Button]
    proposal_rule: str
    proposed_row: dict[str, Any] | None
    proposed_row_yaml: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"resembles": [asdict(like) for like in self.resembles], "new_markers": self.new_markers,
               "buttons": [asdict(button) for button in self.buttons], "proposal_rule": self.proposal_rule,
               "proposed_row": self.proposed_row}
        return out | ({"proposed_row_yaml": self.proposed_row_yaml} if self.proposed_row_yaml is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignInProposal:
        row = data["proposed_row"]
        if row is not None and not isinstance(row, dict):
            raise TypeError("proposed_row is not a mapping")
        return cls([_known(Resemblance, like) for like in data["resembles"]], list(data.get("new_markers") or []),
                   [_known(Button, button) for button in data["buttons"]], data.get("proposal_rule") or "", row,
                   data.get("proposed_row_yaml"))


@dataclass
class Candidate:
    """An element a person would take for the one a step's locator looked for, with why and how
    much; `alternative`: which of an `any:`/`first_of:` locator's alternatives it answers."""

    element: Element
    marker: str | None
    why: list[str]
    score: int
    alternative: int = 0


@dataclass(kw_only=True)
class FlowEdit:
    """The proposed flow edit: the line `at` which `old` becomes `new`. For a flow shipped with
    m365-replay it is in a copy: `copy` makes it, `shipped` is the original line, `run` runs the copy."""

    at: str
    copy: str | None = None
    shipped: str | None = None
    run: str | None = None
    old: str
    new: str

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class FlowProposal:
    """A flow step's part, when its locator found nothing: what it looked for in the flow's words,
    the elements a person would take for it (best first) and the edit the best gives (None: none)."""

    locator: str
    candidates: list[Candidate]
    proposed_edit: FlowEdit | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"locator": self.locator, "candidates": [asdict(c) for c in self.candidates]}
        return out | ({"proposed_edit": self.proposed_edit.to_dict()} if self.proposed_edit is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlowProposal:
        edit = data.get("proposed_edit")
        return cls(data["locator"], [_known(Candidate, c) for c in data["candidates"]],
                   _known(FlowEdit, edit) if edit else None)


@dataclass
class PageCard:
    """One page card: the page (URL with its tokens cut, title, PageID, $Config's ids and key names,
    the visible elements), the step and failure that gave up on it, and at most one proposal: the
    sign-in's (`sign_in`) or a flow step's (`flow`); neither when the page could not be compared."""

    url: str
    title: str
    page_id: str | None
    config: PageConfig
    config_keys: list[str]
    step: CardStep
    failure: CardFailure
    elements: list[Element]
    sign_in: SignInProposal | None = None
    flow: FlowProposal | None = None

    def to_dict(self) -> dict[str, Any]:
        """The card as page.json holds it: the page's keys, then the proposal's beside them."""
        out = {"url": self.url, "title": self.title, "page_id": self.page_id, "config": self.config.to_dict(),
               "config_keys": self.config_keys, "step": asdict(self.step), "failure": asdict(self.failure),
               "elements": self.elements}
        return out | (self.sign_in.to_dict() if self.sign_in else {}) | (self.flow.to_dict() if self.flow else {})

    @classmethod
    def from_dict(cls, data: Any) -> PageCard:
        """The card in `data` (page.json's content); KeyError, TypeError or ValueError when it is not
        of a card's shape."""
        elements = data["elements"]
        if not all(isinstance(element, dict) for element in elements):
            raise TypeError("an element is not a mapping")
        return cls(data["url"], data["title"], data["page_id"], PageConfig.from_dict(data["config"]),
                   list(data["config_keys"]), _known(CardStep, data["step"]), _known(CardFailure, data["failure"]),
                   list(elements), SignInProposal.from_dict(data) if "resembles" in data else None,
                   FlowProposal.from_dict(data) if "locator" in data else None)

    def write(self, path: Path) -> None:
        """page.json at `path`, every text through the redactor first (OSError when it cannot be written)."""
        write_json_atomic(path, redacted(self.to_dict()))


def _known(cls: type[T], data: dict[str, Any]) -> T:
    """A part of a card from its mapping, keys a newer writer added left out (results.py's rule for
    report.json, so a report made by a later m365-replay still shows its cards); a missing key is still
    an error: not a card's shape."""
    return cls(**known_fields(cls, data))


def redacted(value: Any) -> Any:
    """Every text of a card through the redactor, one string at a time (a secret with a quote or a
    backslash in it would escape a redactor run over the JSON text)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def read_card(path: Path) -> PageCard | None:
    """The card at `path`, or None when there is none, it is not readable or not of a card's shape:
    a report reads its cards best effort."""
    try:
        return PageCard.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # not there, not JSON, not a card's shape
        return None
