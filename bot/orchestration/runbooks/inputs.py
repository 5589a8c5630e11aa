"""A runbook's inputs: defaults, required ones, types and choices, with messages that name the input."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import JsonValue

from bot.core.errors import UserFacingError
from bot.core.runbook_model import RunbookFile

CASTS: dict[str, Callable[[Any], JsonValue]] = {"string": str, "integer": int, "number": float}


def coerce_inputs(spec: RunbookFile, raw: Mapping[str, object]) -> dict[str, JsonValue]:
    unknown = sorted(set(raw) - set(spec.inputs))
    if unknown:
        names = ", ".join(f"`{n}`" for n in spec.inputs) or "none"
        raise UserFacingError(f"`{spec.name}` has no input `{unknown[0]}`.", hint=f"Its inputs: {names}.")
    values: dict[str, JsonValue] = {}
    for name, field in spec.inputs.items():
        if name not in raw:
            if field.required and field.default is None:
                raise UserFacingError(f"`{spec.name}` needs `{name}`.", hint=field.description or None)
            values[name] = field.default
            continue
        values[name] = _cast(name, field.type, raw[name])
        if field.choices is not None and values[name] not in field.choices:
            options = ", ".join(f"`{c}`" for c in field.choices)
            raise UserFacingError(f"`{name}` must be one of {options}.")
    return values


def _cast(name: str, kind: str, value: object) -> JsonValue:
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "yes", "1", "on"}:
            return True
        if text in {"false", "no", "0", "off"}:
            return False
        raise UserFacingError(f"`{name}` must be true or false, not `{value}`.")
    try:
        return CASTS[kind](value)
    except (TypeError, ValueError):
        raise UserFacingError(f"`{name}` must be {'a whole number' if kind == 'integer' else 'a number'}.") from None
