"""Templates and conditions in a sandbox (Jinja2): undefined names are errors; data never becomes a template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.core.errors import InvalidArguments

ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
WHOLE = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)
NAMES = {"inputs", "steps", "item", "error", "run"}


class TemplateProblem(InvalidArguments):
    kind = "invalid_arguments"


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Render strings (a lone `{{ expr }}` keeps its type), recursing into lists and mappings."""
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if not is_template(value):
        return value
    try:
        whole = WHOLE.match(value)
        if whole and "}}" not in whole.group(1) and "{{" not in whole.group(1):
            return _defined(ENV.compile_expression(whole.group(1), undefined_to_none=False)(**context))
        return ENV.from_string(value).render(**context)
    except (UndefinedError, TemplateSyntaxError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"could not fill in `{value}`: {exc}") from None


def _defined(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


def condition(expression: str, context: Mapping[str, Any]) -> bool:
    text = expression.strip()
    whole = WHOLE.match(text)
    if whole:
        text = whole.group(1)
    try:
        return bool(_defined(ENV.compile_expression(text, undefined_to_none=False)(**context)))
    except (UndefinedError, TemplateSyntaxError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"could not evaluate `{expression}`: {exc}") from None


def check(value: str, *, known_steps: set[str], is_condition: bool = False) -> str | None:
    """A problem with this template, found without running it: syntax, unknown names, unknown `steps.x`."""
    source = value
    if is_condition and not WHOLE.match(value.strip()):
        source = "{{ " + value + " }}"
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        return f"bad expression `{value}`: {exc.message}"
    unknown = sorted(meta.find_undeclared_variables(tree) - NAMES)
    if unknown:
        return f"`{unknown[0]}` is not defined (use inputs.…, steps.<id>.…, item, error)"
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == "steps" and node.attr not in known_steps:
            return f"`steps.{node.attr}` does not refer to an earlier step with that id"
    return None
