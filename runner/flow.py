"""YAML -> validated flow model.

Everything that can be known without a browser is checked here, with positions, so that a
run never starts on a flow that would fail on a typo half-way through account 37.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FlowError, Problem
from .shapes import (
    Bool,
    Ctx,
    LocalizedText,
    LocatorShape,
    Num,
    Shape,
    Str,
    did_you_mean,
    display_text,
    kind_of,
)
from .steps import REGISTRY
from .yamlpos import MappingNode, Node, ScalarNode, SequenceNode, load_nodes, pos, scalar_value

INPUT_TYPES = ("string", "integer", "number", "boolean")
BUILTIN_VARIABLES = {"account"}
MAX_SUBFLOW_DEPTH = 16

COMMON_KEYS: dict[str, Shape] = {
    "name": Str(description="Short name shown in the report"),
    "doc": LocalizedText(description="The documented wording this step replays, shown beside its result; "
                         "text, or per locale {en: ..., tr: ...} (`m365-replay doc-check` matches it to the article)"),
    "optional": Bool(description="A failure of this step is recorded but does not fail the account"),
    "when": LocatorShape(),
    "unless": LocatorShape(),
    "timeout": Num(description="Seconds this step may take (default: the run's --timeout)", minimum=0.1),
}
COMMON_KEYS["when"].description = "Run only when this locator becomes visible (probed briefly)"  # type: ignore[misc]
FLOW_KEYS = ("name", "source", "description", "inputs", "steps")
INPUT_KEYS = ("type", "default", "allowed", "description")


@dataclass
class Input:
    name: str
    type: str = "string"
    default: Any = None
    allowed: list[Any] | None = None
    description: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    def coerce(self, raw: Any) -> Any:
        """Convert a value from YAML or `--var` to this input's type; ValueError says why not."""
        value = raw
        if self.type == "boolean":
            if isinstance(raw, str) and raw.lower() in ("true", "false", "yes", "no", "1", "0"):
                value = raw.lower() in ("true", "yes", "1")
            elif not isinstance(raw, bool):
                raise ValueError(f"input {self.name!r} takes true or false, not {raw!r}")
        elif self.type in ("integer", "number"):
            try:
                value = int(raw) if self.type == "integer" else float(raw)
            except (TypeError, ValueError, OverflowError):  # OverflowError: int(.inf)
                raise ValueError(f"input {self.name!r} takes {_a(self.type)}, not {raw!r}") from None
            if isinstance(raw, bool) or not math.isfinite(value):
                raise ValueError(f"input {self.name!r} takes {_a(self.type)}, not {raw!r}")
        else:
            if isinstance(raw, (dict, list)) or raw is None:
                raise ValueError(f"input {self.name!r} takes text, not {raw!r}")
            value = str(raw)
        if self.allowed is not None and value not in self.allowed:
            allowed = ", ".join(str(a) for a in self.allowed)
            hint = did_you_mean(str(value), {str(a) for a in self.allowed})
            raise ValueError(f"input {self.name!r} is {value!r}; allowed: {allowed}{hint}")
        return value


def _a(type_name: str) -> str:
    return f"an {type_name}" if type_name == "integer" else f"a {type_name}"


@dataclass
class Step:
    command: str
    arg: Any
    name: str
    file: str
    line: int
    doc: str | None = None  # what reports show: the English (or only) wording
    optional: bool = False
    when: dict[str, Any] | None = None
    unless: dict[str, Any] | None = None
    timeout: float | None = None
    subflow: Flow | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, str] | None = None  # `doc:` per locale when the flow gives it so (doccheck.py)


@dataclass
class Flow:
    name: str
    path: Path
    steps: list[Step]
    source: str | None = None
    description: str | None = None
    inputs: dict[str, Input] = field(default_factory=dict)

    def resolve_inputs(self, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults filled in and types checked; ValueError names the first problem."""
        out = {}
        for name, inp in self.inputs.items():
            if name in values:
                out[name] = inp.coerce(values[name])
            elif inp.default is not None:
                out[name] = inp.default
            else:
                raise ValueError(f"input {name!r} has no default; set it with --var {name}=VALUE or in the users file")
        unknown = set(values) - set(self.inputs)
        if unknown:
            name = sorted(unknown)[0]
            raise ValueError(f"the flow has no input {name!r}{did_you_mean(name, set(self.inputs))}")
        return out


def describe_locator(loc: dict[str, Any] | None) -> str:
    if not loc:
        return ""
    if "selector" in loc:
        return loc["selector"]
    if "any" in loc:
        return " or ".join(describe_locator(item) for item in loc["any"])
    if "role" in loc:
        return f"{loc['role']} {loc['name']!r}" if "name" in loc else loc["role"]
    if "id" in loc:
        return f"#{loc['id']}"
    key = next(k for k in loc if k not in ("exact", "nth"))
    return f"{key} {loc[key]!r}"


def default_name(command: str, arg: Any) -> str:
    if isinstance(arg, dict):
        if "locator" in arg:
            return f"{command} {describe_locator(arg['locator'])}"
        if any(k in arg for k in ("role", "id", "css", "selector", "any", "text", "label", "testid")):
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
    file = str(path)
    if root is None or not isinstance(root, MappingNode):
        problems.append(Problem(file, 1, 1, "a flow file is a mapping with `name` and `steps`"))
        return None
    keys = {k.value: (k, v) for k, v in root.value}
    ctx = Ctx(file, set(BUILTIN_VARIABLES))
    for key, (key_node, _) in keys.items():
        if key not in FLOW_KEYS:
            ctx.err(key_node, f"unknown key {key!r}{did_you_mean(key, set(FLOW_KEYS))}; "
                    f"a flow has {', '.join(FLOW_KEYS)}")
    name = _text(keys, "name", ctx, root, required=True)
    source = _text(keys, "source", ctx, root)
    description = _text(keys, "description", ctx, root)
    inputs = _inputs(keys.get("inputs", (None, None))[1], ctx)
    ctx.variables |= set(inputs)
    steps: list[Step] = []
    if "steps" not in keys:
        ctx.err(root, "missing `steps`: the list of what to do")
    else:
        steps_node = keys["steps"][1]
        if not isinstance(steps_node, SequenceNode) or not steps_node.value:
            ctx.err(steps_node, f"`steps` must be a non-empty list, got {kind_of(steps_node)}")
        else:
            for item in steps_node.value:
                step = _step(item, ctx, path, problems, (*stack, path.resolve()), cache)
                if step is not None:
                    steps.append(step)
    problems.extend(ctx.problems)
    if ctx.problems:
        return None
    return Flow(name=name or path.stem, path=path, steps=steps, source=source,
                description=description, inputs=inputs)


def _text(keys: dict, key: str, ctx: Ctx, root: Node, required: bool = False) -> str | None:
    if key not in keys:
        if required:
            ctx.err(root, f"missing `{key}`")
        return None
    return Str(variables=False).check(keys[key][1], ctx)


def _inputs(node: Node | None, ctx: Ctx) -> dict[str, Input]:
    if node is None:
        return {}
    if not isinstance(node, MappingNode):
        ctx.err(node, f"`inputs` is a mapping of input names, got {kind_of(node)}")
        return {}
    out: dict[str, Input] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            ctx.err(key_node, f"input name {name!r} must be letters, digits and _ (used as ${{{name}}})")
            continue
        if name in BUILTIN_VARIABLES:
            ctx.err(key_node, f"{name!r} is built in; choose another input name")
            continue
        inp = Input(name)
        if isinstance(value_node, ScalarNode) and scalar_value(value_node) is None:
            out[name] = inp
            continue
        if not isinstance(value_node, MappingNode):
            ctx.err(value_node, f"input {name!r} is a mapping with {', '.join(INPUT_KEYS)}")
            continue
        fields = {k.value: (k, v) for k, v in value_node.value}
        for key, (k, _) in fields.items():
            if key not in INPUT_KEYS:
                ctx.err(k, f"unknown input key {key!r}{did_you_mean(key, set(INPUT_KEYS))}")
        if "type" in fields:
            inp.type = Str(enum=INPUT_TYPES, variables=False).check(fields["type"][1], ctx) or "string"
        if "description" in fields:
            inp.description = Str(variables=False).check(fields["description"][1], ctx)
        if "allowed" in fields:
            allowed_node = fields["allowed"][1]
            if not isinstance(allowed_node, SequenceNode) or not all(
                isinstance(v, ScalarNode) for v in allowed_node.value
            ):
                ctx.err(allowed_node, "`allowed` is a list of values")
            else:
                inp.allowed = []
                for v in allowed_node.value:
                    try:
                        inp.allowed.append(Input(name, inp.type).coerce(scalar_value(v)))
                    except ValueError as exc:
                        ctx.err(v, str(exc))
        if "default" in fields:
            default_node = fields["default"][1]
            raw = scalar_value(default_node) if isinstance(default_node, ScalarNode) else None
            try:
                inp.default = inp.coerce(raw)
            except ValueError as exc:
                ctx.err(default_node, f"default: {exc}")
        out[name] = inp
    return out


def _step(node: Node, ctx: Ctx, path: Path, problems: list[Problem], stack: tuple[Path, ...],
          cache: dict[Path, Flow | None]) -> Step | None:
    if not isinstance(node, MappingNode):
        if isinstance(node, ScalarNode) and isinstance(scalar_value(node), str) and scalar_value(node) in REGISTRY:
            ctx.err(node, f"step {node.value!r} needs a value: write `- {node.value}: ...`")
        else:
            ctx.err(node, f"a step is a mapping such as `- click: {{id: idSIButton9}}`, got {kind_of(node)}")
        return None
    keys = {k.value: (k, v) for k, v in node.value}
    commands = [k for k in keys if k in REGISTRY]
    allowed_extra: set[str] = set()
    for command in commands:
        allowed_extra |= set(REGISTRY[command].extras)
    for key, (key_node, _) in keys.items():
        if key not in REGISTRY and key not in COMMON_KEYS and key not in allowed_extra:
            hint = did_you_mean(str(key), set(REGISTRY) | set(COMMON_KEYS) | allowed_extra)
            what = "step" if not commands else "key"
            ctx.err(key_node, f"unknown {what} {key!r}{hint}")
    if not commands:
        if not any(k not in COMMON_KEYS for k in keys):
            ctx.err(node, f"step has no command; use one of: {', '.join(sorted(REGISTRY))}")
        return None
    if len(commands) > 1:
        ctx.err(keys[commands[1]][0], f"one command per step: {commands[0]!r} and {commands[1]!r}")
        return None
    command = commands[0]
    line, _ = pos(node)
    spec = REGISTRY[command]
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
        line=line,
        doc=display_text(common.get("doc")),
        docs=common.get("doc") if isinstance(common.get("doc"), dict) else None,
        optional=bool(common.get("optional", False)),
        when=common.get("when"),
        unless=common.get("unless"),
        timeout=common.get("timeout"),
        with_=extras.get("with") or {},
    )
    if command == "use":
        step.subflow = _subflow(keys["use"][1], step, ctx, problems, stack, path, cache)
        if step.subflow is None:
            return None
    return step


def _subflow(node: Node, step: Step, ctx: Ctx, problems: list[Problem], stack: tuple[Path, ...],
             path: Path, cache: dict[Path, Flow | None]) -> Flow | None:
    try:
        target = (path.parent / step.arg["file"]).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
        ctx.err(node, f"sub-flow path {step.arg['file']!r} cannot be used ({exc}); check it")
        return None
    if target in stack:
        chain = " → ".join(p.name for p in (*stack, target))
        ctx.err(node, f"sub-flow includes itself: {chain}; remove this `use:` or the one that leads back here")
        return None
    if len(stack) >= MAX_SUBFLOW_DEPTH:
        ctx.err(node, f"sub-flows are nested more than {MAX_SUBFLOW_DEPTH} deep; flatten them")
        return None
    if target in cache:
        sub = cache[target]
        if sub is None:
            ctx.err(node, f"sub-flow {step.arg['file']} has problems (listed above)")
            return None
    elif not target.is_file():
        ctx.err(node, f"sub-flow not found: {step.arg['file']} (looked for {target}); check the path, "
                "which is relative to this file")
        return None
    else:
        before = len(problems)
        sub = _load(target, problems, stack, cache)
        if len(problems) > before:
            sub = None
        cache[target] = sub
    if sub is None:
        ctx.err(node, f"sub-flow {step.arg['file']} has problems (listed above)")
        return None
    for key, value in step.with_.items():
        if key not in sub.inputs:
            ctx.err(node, f"sub-flow {step.arg['file']} has no input {key!r}{did_you_mean(key, set(sub.inputs))}")
        elif not (isinstance(value, str) and "${" in value):
            try:
                sub.inputs[key].coerce(value)
            except ValueError as exc:
                ctx.err(node, str(exc))
    for name, inp in sub.inputs.items():
        if inp.required and name not in step.with_:
            ctx.err(node, f"sub-flow {step.arg['file']} needs input {name!r}: add it under `with:`")
    return sub
