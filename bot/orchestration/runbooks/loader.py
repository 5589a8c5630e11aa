"""Load and check runbook files: every problem reported with file, line and a suggestion."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import meta
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from bot.core.jsonvalue import JsonObject
from bot.core.runbook_model import InputSpec, RetrySpec, Runbook, RunbookFile, StepSpec
from bot.core.suggest import did_you_mean
from bot.core.tool_registry import ToolRegistry
from bot.core.yaml_source import ConfigFileError, Document, Problem, explain, read_yaml
from bot.orchestration.runbooks.templates import ENV, check, is_template

GATE_TOOL = "approval_gate"
# Tools that exist in opsbot but only when their system is configured: a runbook using them loads, unavailable.
OPTIONAL_TOOLS = {"erp_": "an ERP (TRYTON_URL or ODOO_URL)"}


class RunbookError(ConfigFileError):
    """A runbook file can't be used."""


def load_runbooks(folder: str | Path, registry: ToolRegistry) -> dict[str, Runbook]:
    """Every `*.yaml`/`*.yml` in the folder; a missing folder means no runbooks."""
    path = Path(folder)
    if not path.is_dir():
        return {}
    books: dict[str, Runbook] = {}
    for file in sorted([*path.glob("*.yaml"), *path.glob("*.yml")]):
        book = parse_runbook(file.read_text(encoding="utf-8"), str(file), registry)
        if book.name in books:
            raise RunbookError(
                str(file), 1, f"another runbook is already called `{book.name}` ({books[book.name].source})"
            )
        books[book.name] = book
    return books


def parse_runbook(text: str, source: str, registry: ToolRegistry) -> Runbook:
    doc = read_yaml(text, source, RunbookError)
    if not isinstance(doc.data, dict):
        raise RunbookError(source, 1, "a runbook is a mapping with `name:` and `steps:`")
    try:
        spec = RunbookFile.model_validate(doc.data)
    except ValidationError as exc:
        problems = [Problem(line=doc.line(tuple(err["loc"])), problem=_explain(err)) for err in exc.errors()]
        raise RunbookError.of(source, doc.problems + problems) from None
    problems = doc.problems + static_problems(doc, spec, registry)
    if problems:
        raise RunbookError.of(source, problems)
    needs = sorted({need for s in [*spec.steps, *spec.on_failure] if (need := _optional(s.tool, registry))})
    return Runbook(spec=spec, source=source, unavailable=f"needs {', '.join(needs)}" if needs else None)


def _optional(tool: str | None, registry: ToolRegistry) -> str | None:
    if tool is None or tool in registry:
        return None
    return next((need for prefix, need in OPTIONAL_TOOLS.items() if tool.startswith(prefix)), None)


def _explain(err: ErrorDetails) -> str:
    if err["type"] != "extra_forbidden":
        return explain(err)
    key = str(err["loc"][-1])
    known = {*RunbookFile.model_fields, *StepSpec.model_fields, *InputSpec.model_fields, *RetrySpec.model_fields}
    hint = did_you_mean(key, known, limit=1)
    return f"unknown key `{key}`" + (f" (did you mean `{hint[0]}`?)" if hint else "")


def static_problems(doc: Document, spec: RunbookFile, registry: ToolRegistry) -> list[Problem]:
    problems: list[Problem] = []
    known: set[str] = set()
    for section, steps in (("steps", spec.steps), ("on_failure", spec.on_failure)):
        for index, step in enumerate(steps):
            where = doc.line((section, index))
            problems += [Problem(line=where, problem=p) for p in _step_problems(step, known, registry)]
            if step.id:
                if step.id in known:
                    problems.append(Problem(line=where, problem=f"step id `{step.id}` is used twice"))
                known.add(step.id)
    for name, template in spec.outputs.items():
        problem = check(template, known_steps=known)
        if problem:
            problems.append(Problem(line=doc.line(("outputs", name)), problem=problem))
    return problems


def _step_problems(step: StepSpec, known: set[str], registry: ToolRegistry) -> Iterable[str]:
    for text, is_condition in _templates(step):
        problem = check(text, known_steps=known, is_condition=is_condition)
        if problem is None and "item" in text and step.for_each is None and _uses_item(text):
            problem = "`item` is only defined in a `for_each` step"
        if problem:
            yield problem
    if step.tool is not None:
        yield from _tool_problems(step.tool, step.args, registry)


def _templates(step: StepSpec) -> Iterable[tuple[str, bool]]:
    if step.when:
        yield step.when, True
    if step.for_each:
        yield step.for_each, True
    for text in (step.notify, step.approval):
        if text:
            yield text, False
    yield from ((v, False) for v in _strings(step.args) if is_template(v))


def _uses_item(text: str) -> bool:
    source = text if "{{" in text else "{{ " + text + " }}"
    return "item" in meta.find_undeclared_variables(ENV.parse(source))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _tool_problems(name: str, args: JsonObject, registry: ToolRegistry) -> Iterable[str]:
    if _optional(name, registry):
        return  # checked when that system is configured
    if name not in registry:
        hint = did_you_mean(name, registry.names(), limit=1)
        yield f"unknown tool `{name}`" + (f" (did you mean `{hint[0]}`?)" if hint else "")
        return
    fields = registry.get(name).args.model_fields
    for key, value in args.items():
        if key not in fields:
            hint = did_you_mean(key, fields, limit=1)
            yield f"`{name}` has no argument `{key}`" + (f" (did you mean `{hint[0]}`?)" if hint else "")
        elif not is_template(value) and not any(is_template(v) for v in _strings(value)):
            try:
                TypeAdapter(fields[key].annotation).validate_python(value)
            except ValidationError as exc:
                yield f"`{name}` argument `{key}`: {exc.errors()[0]['msg']}"
    missing = [k for k, f in fields.items() if f.is_required() and k not in args]
    if missing:
        yield f"`{name}` needs `{missing[0]}`"
