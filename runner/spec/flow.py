"""YAML -> validated flow model.

Everything that can be known without a browser is checked here, with positions, so that a
run never starts on a flow that would fail on a typo half-way through account 37. The file is
described in the shape language (FLOW_SHAPE, INPUT_SHAPE, the step types' shapes in steps.py),
which also gives `m365-replay schema` its JSON Schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..core.errors import FlowError, Problem, UsageError
from ..core.locators import describe_locator, is_locator
from ..core.model import Flow, Input, Step
from .documents import Deferred, ListOf, Scalar, child
from .shapes import (
    Bool,
    Ctx,
    Fields,
    LocatorShape,
    Num,
    Shape,
    Str,
    did_you_mean,
    kind_of,
    shown,
    unknown_key,
)
from .steps import STEP_TYPES
from .yamlpos import MappingNode, Node, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

INPUT_TYPES = ("string", "integer", "number", "boolean")
INPUT_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# ${account}; ${photo}: the users file's `photo:` file for the account, "" when it names none
BUILTIN_VARIABLES = {"account", "photo"}
# a flow may declare `photo` as an input (a description, a default such as `generate`, allowed values):
# its value is still the account's photo, from the users file's `photo:` or `--var photo=`
DECLARABLE_BUILTINS = {"photo"}
MAX_SUBFLOW_DEPTH = 16

# --- `doc:` per locale (issue 12, QA's nightly check; runner/checks/doccheck/ reads it) -----------------
LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class LocalizedText(Shape):
    """Text, or a mapping of locale to text (`doc: {en: ..., tr: ...}`): the same wording as the
    article publishes it in each language. The short form stays valid, so every existing flow is."""

    def __init__(self, description: str = ""):
        self.description = description

    def check(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, SequenceNode) or (isinstance(node, MappingNode) and not node.value):
            got = "a list" if isinstance(node, SequenceNode) else "an empty mapping"
            ctx.err(node, f"expected text, or a mapping of locale to text such as {{en: ..., tr: ...}}; got {got}")
            return None
        if not isinstance(node, MappingNode):
            return Str(variables=False).check(node, ctx)
        before = len(ctx.problems)
        out: dict[str, str] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if not LOCALE_RE.match(key):
                ctx.err(key_node, f"{shown(key)} is not a locale; write a language such as en or tr, or a locale "
                        "such as tr-TR")
            elif key.lower() in {k.lower() for k in out}:
                ctx.err(key_node, f"locale {key!r} is given twice")
            else:
                value = Str(variables=False).check(value_node, ctx)
                if value is not None:
                    out[key] = value
        return out if len(ctx.problems) == before else None

    def schema(self) -> dict[str, Any]:
        per_locale = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": LOCALE_RE.pattern},
                      "additionalProperties": {"type": "string", "minLength": 1},
                      "description": "The wording per locale, e.g. {en: ..., tr: ...}"}
        return self._with_doc({"oneOf": [{"type": "string", "minLength": 1}, per_locale]})


def display_text(value: str | dict[str, str] | None) -> str | None:
    """The one string reports show for a LocalizedText: English where given, else the first."""
    if value is None or isinstance(value, str):
        return value
    for key, text in value.items():
        if key.lower() == "en" or key.lower().startswith("en-"):
            return text
    return next(iter(value.values()), None)


COMMON_KEYS: dict[str, Shape] = {
    "name": Str(description="Short name shown in the report"),
    "doc": LocalizedText(description="The documented wording this step replays, shown beside its result; "
                         "text, or per locale {en: ..., tr: ...} (`m365-replay doc-check` matches it to the article)"),
    "optional": Bool(description="A failure of this step is recorded but does not fail the account"),
    "when": LocatorShape(),
    "unless": LocatorShape(),
    "timeout": Num(description="Seconds this step may take (default: the run's --timeout)", minimum=0.1),
    "changes": ListOf(Str(variables=False), name="changes", of="what this step changes in the account, e.g. "
                      "[profile photo]", description="What this step changes in the account once it has passed "
                      "(declared at the flow's top too): a run that fails after it reports the account `changed`"),
}
COMMON_KEYS["when"].description = "Run only when this locator becomes visible (probed briefly)"  # type: ignore[misc]

INPUT_SHAPE = Fields({
    "type": Str(enum=INPUT_TYPES, variables=False, description="default string"),
    "default": Scalar(description="The value when none is given; without it the input is required"),
    "allowed": ListOf(Scalar(), name="allowed", of="values", min_items=0, description="The only values it takes"),
    "description": Str(variables=False),
}, noun="input key")
INPUT_KEYS = tuple(INPUT_SHAPE.fields)


class Inputs(Shape):
    """`inputs:`, a mapping of input name to its declaration (INPUT_SHAPE, or nothing)."""

    def check(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, MappingNode):
            ctx.err(node, f"`inputs` is a mapping of input names, got {kind_of(node)}")
            return {}
        out: dict[str, Input] = {}
        for key_node, value_node in node.value:
            inp = _input(key_node, value_node, ctx)
            if inp is not None:
                out[inp.name] = inp
        return out

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "propertyNames": {"pattern": f"^{INPUT_NAME}$"},
                "additionalProperties": {"$ref": "#/$defs/input"}}


FLOW_SHAPE = Fields({
    "name": Str(variables=False, description="What the flow replays"),
    "source": Str(variables=False, description="URL of the documented procedure"),
    "description": Str(variables=False),
    "inputs": Inputs(),
    "changes": ListOf(Str(variables=False), name="changes", of="what running the flow changes in an account, "
                      "e.g. [profile photo]", description="What the flow changes in an account (its sub-flows' "
                      "changes included): `run` refuses it without --allow-changes; `flows` lists it"),
    "steps": ListOf(Deferred("#/$defs/step"), name="steps", description="the list of what to do"),
}, required=("name", "steps"), expected="a flow file is a mapping with `name` and `steps`")
FLOW_KEYS = tuple(FLOW_SHAPE.fields)


def default_name(command: str, arg: Any) -> str:
    if isinstance(arg, dict):
        if "locator" in arg:
            return f"{command} {describe_locator(arg['locator'])}"
        if is_locator(arg):
            return f"{command} {describe_locator(arg)}"
        first = next((v for v in arg.values() if isinstance(v, (str, int, float))), None)
        return f"{command} {first}" if first is not None else command
    return f"{command} {arg}" if arg not in (None, "") else command


def load_flow(path: str | Path) -> Flow:
    """Load and validate a flow and its sub-flows; FlowError lists every problem found."""
    problems: list[Problem] = []
    try:
        flow = _load(Path(path), problems, stack=(), cache={})
    except RecursionError:  # the depth limits make this unreachable; a traceback would still be wrong
        problems.append(Problem(str(path), 1, 1, "flow is nested too deeply (sub-flows or values); flatten it"))
        flow = None
    if problems or flow is None:
        raise FlowError(problems or [Problem(str(path), 1, 1, "not a flow")])
    return flow


def _load(path: Path, problems: list[Problem], stack: tuple[Path, ...], cache: dict[Path, Flow | None]) -> Flow | None:
    """One flow file; `cache` holds each sub-flow once, so a file used many times (at many levels) is
    read once, and validation time stays linear in the number of files."""
    try:
        root = load_nodes(path, "flow file")
    except FlowError as exc:
        problems.extend(exc.problems)
        return None
    ctx = Ctx(str(path), set(BUILTIN_VARIABLES))
    values = FLOW_SHAPE.check_fields(root, ctx)
    inputs: dict[str, Input] = (values or {}).get("inputs") or {}
    ctx.variables |= set(inputs)
    steps: list[Step] = []
    changes: list[str] = (values or {}).get("changes") or []
    for item in (values or {}).get("steps") or []:  # the nodes, checked now that the inputs are known
        step = _step(item, ctx, path, problems, (*stack, path.resolve()), cache)
        if step is not None:
            _check_changes(item, step, changes, ctx)
            steps.append(step)
    problems.extend(ctx.problems)
    if ctx.problems or values is None:
        return None
    return Flow(name=values.get("name") or path.stem, path=path, steps=steps, source=values.get("source"),
                description=values.get("description"), inputs=inputs, changes=changes)


def _check_changes(node: Node, step: Step, declared: list[str], ctx: Ctx) -> None:
    """A flow that changes something in an account says so at its top: an `upload` step needs a
    `changes:` list, and a sub-flow's changes are declared again by the flow that uses it, so that
    reading the top of a flow (or `m365-replay flows`) tells all it changes."""
    if STEP_TYPES[step.command].changes and not declared:
        ctx.err(node, "an upload changes the account: say what this flow changes at its top, "
                "e.g. `changes: [profile photo]` (`run` then asks for --allow-changes)")
    undeclared = [c for c in step.changes if c.lower() not in {d.lower() for d in declared}]
    if undeclared:
        ctx.err(node, f"the step changes {', '.join(undeclared)}: declare it at the flow's top too "
                f"(`changes: [{', '.join(dict.fromkeys([*declared, *undeclared]))}]`)")
    if step.subflow is not None:
        missing = [c for c in step.subflow.changes if c.lower() not in {d.lower() for d in declared}]
        if missing:
            ctx.err(node, f"sub-flow {step.arg['file']} changes {', '.join(missing)}: declare it at this "
                    f"flow's top too (`changes: [{', '.join(dict.fromkeys([*declared, *missing]))}]`)")


def _input(key_node: Node, node: Node, ctx: Ctx) -> Input | None:
    """One declared input: its name, then INPUT_SHAPE, then `allowed` and `default` in its type."""
    name = str(key_node.value)
    if not re.fullmatch(INPUT_NAME, name):
        ctx.err(key_node, f"input name {name!r} must be letters, digits and _ (used as ${{{name}}})")
        return None
    if name in BUILTIN_VARIABLES - DECLARABLE_BUILTINS:
        ctx.err(key_node, f"{name!r} is built in; choose another input name")
        return None
    inp = Input(name)
    if isinstance(node, ScalarNode) and scalar_value(node) is None:
        return inp
    if not isinstance(node, MappingNode):
        ctx.err(node, f"input {name!r} is a mapping with {', '.join(INPUT_KEYS)}")
        return None
    fields = INPUT_SHAPE.check_fields(node, ctx) or {}
    inp.type = fields.get("type") or "string"
    inp.description = fields.get("description")
    allowed_node = child(node, "allowed")
    if fields.get("allowed") is not None and isinstance(allowed_node, SequenceNode):
        inp.allowed = []
        for item in allowed_node.value:
            try:
                inp.allowed.append(Input(name, inp.type).coerce(scalar_value(item)))
            except ValueError as exc:
                ctx.err(item, str(exc))
    default_node = child(node, "default")
    if isinstance(default_node, ScalarNode):  # anything else has its problem from INPUT_SHAPE
        try:
            inp.default = inp.coerce(fields.get("default"))
        except ValueError as exc:
            ctx.err(default_node, f"default: {exc}")
    return inp


def _step(node: Node, ctx: Ctx, path: Path, problems: list[Problem], stack: tuple[Path, ...],
          cache: dict[Path, Flow | None]) -> Step | None:
    if not isinstance(node, MappingNode):
        if isinstance(node, ScalarNode) and isinstance(scalar_value(node), str) and scalar_value(node) in STEP_TYPES:
            ctx.err(node, f"step {node.value!r} needs a value: write `- {node.value}: ...`")
        else:
            ctx.err(node, f"a step is a mapping such as `- click: {{id: idSIButton9}}`, got {kind_of(node)}")
        return None
    keys = {k.value: (k, v) for k, v in node.value}
    commands = [k for k in keys if k in STEP_TYPES]
    allowed_extra: set[str] = set()
    for command in commands:
        allowed_extra |= set(STEP_TYPES[command].extras)
    for key, (key_node, _) in keys.items():
        if key not in STEP_TYPES and key not in COMMON_KEYS and key not in allowed_extra:
            known = set(STEP_TYPES) | set(COMMON_KEYS) | allowed_extra
            ctx.err(key_node, unknown_key(key, known, "key" if commands else "step", listed=False))
    if not commands:
        if not any(k not in COMMON_KEYS for k in keys):
            ctx.err(node, f"step has no command; use one of: {', '.join(sorted(STEP_TYPES))}")
        return None
    if len(commands) > 1:
        ctx.err(keys[commands[1]][0], f"one command per step: {commands[0]!r} and {commands[1]!r}")
        return None
    command = commands[0]
    spec = STEP_TYPES[command]
    before = len(ctx.problems)
    arg = spec.shape.check(keys[command][1], ctx)
    common = {k: COMMON_KEYS[k].check(keys[k][1], ctx) for k in COMMON_KEYS if k in keys}
    extras = {k: spec.extras[k].check(keys[k][1], ctx) for k in spec.extras if k in keys}
    if len(ctx.problems) > before:
        return None
    step = Step(
        command=command,
        arg=arg,
        name=common.get("name") or default_name(command, arg),
        file=str(path),
        line=pos(node)[0],
        doc=display_text(common.get("doc")),
        docs=common.get("doc") if isinstance(common.get("doc"), dict) else None,
        optional=bool(common.get("optional", False)),
        when=common.get("when"),
        unless=common.get("unless"),
        timeout=common.get("timeout"),
        with_=extras.get("with") or {},
        changes=common.get("changes") or [],
    )
    if command == "use":
        step.subflow = _subflow(keys["use"][1], step, ctx, problems, stack, path, cache)
        if step.subflow is None:
            return None
    return step


def _subflow(node: Node, step: Step, ctx: Ctx, problems: list[Problem], stack: tuple[Path, ...],
             path: Path, cache: dict[Path, Flow | None]) -> Flow | None:
    """The flow a `use:` step runs, loaded once (cache), refused when it leads back to itself or
    nests too deep, and its inputs matched with the step's `with:`."""
    file = step.arg["file"]
    target = _subflow_target(node, file, ctx, stack, path)
    if target is None:
        return None
    if target not in cache:
        if not target.is_file():
            ctx.err(node, f"sub-flow not found: {file} (looked for {target}); check the path, "
                    "which is relative to this file")
            return None
        before = len(problems)
        sub = _load(target, problems, stack, cache)
        cache[target] = None if len(problems) > before else sub
    sub = cache[target]
    if sub is None:
        ctx.err(node, f"sub-flow {file} has problems (listed above)")
        return None
    _check_with(node, file, step.with_, sub, ctx)
    return sub


def _subflow_target(node: Node, file: str, ctx: Ctx, stack: tuple[Path, ...], path: Path) -> Path | None:
    try:
        target = (path.parent / file).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
        ctx.err(node, f"sub-flow path {file!r} cannot be used ({exc}); check it")
        return None
    if target in stack:
        chain = " → ".join(p.name for p in (*stack, target))
        ctx.err(node, f"sub-flow includes itself: {chain}; remove this `use:` or the one that leads back here")
        return None
    if len(stack) >= MAX_SUBFLOW_DEPTH:
        ctx.err(node, f"sub-flows are nested more than {MAX_SUBFLOW_DEPTH} deep; flatten them")
        return None
    return target


def _check_with(node: Node, file: str, values: dict[str, Any], sub: Flow, ctx: Ctx) -> None:
    """A `use:` step's `with:` against the sub-flow's inputs: each one known and of its type (a
    value with `${...}` is only known at run time), and every required one given."""
    for key, value in values.items():
        if key not in sub.inputs:
            ctx.err(node, f"sub-flow {file} has no input {key!r}{did_you_mean(key, sub.inputs)}")
        elif not (isinstance(value, str) and "${" in value):
            try:
                sub.inputs[key].coerce(value)
            except ValueError as exc:
                ctx.err(node, str(exc))
    for name, inp in sub.inputs.items():
        if inp.required and name not in values:
            ctx.err(node, f"sub-flow {file} needs input {name!r}: add it under `with:`")


def refuse_changes(flow: Flow, allowed: bool, option: str) -> None:
    """A flow that changes something in an account (`changes:`) runs only when asked to with
    `option` (--allow-changes): the helpdesk never changes a real user's photo by mistake. Raised
    before any browser starts, so nothing has been changed."""
    if flow.changes and not allowed:
        raise UsageError(f"{flow.path}: {flow.name!r} changes {', '.join(flow.changes)} in every account it runs "
                         f"for; nothing was run. Add {option} if that is what you want (a test account, or the "
                         "user asked for it).")

