"""JSON as a type: what arrives from and goes to Slack, GitHub, the ERP and the model, before it is parsed.

`Json` is any JSON value and `JsonObject` a JSON object. Code that builds a payload returns a `JsonObject`; code
that reads one narrows each value it uses with the readers below, which never raise: a value of the wrong type
reads as absent (an empty string, `None`, an empty object or list), because outside input is not ours to trust.
Use `Mapping[str, object]` for a parameter that only reads, so that any dict can be passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"
JsonObject: TypeAlias = "dict[str, Json]"
JsonList: TypeAlias = "list[Json]"


def obj(value: object) -> dict[str, object]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[object]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: object, default: str = "") -> str:
    """`value` if it is a string, else `default`."""
    return value if isinstance(value, str) else default


def optional_text(value: object) -> str | None:
    """`value` if it is a string, else None (absent, null, or of another type)."""
    return value if isinstance(value, str) else None


def objects(value: object) -> list[dict[str, object]]:
    """The objects in `value` if it is a JSON array (anything else in it left out), else none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def number(value: object) -> int | None:
    """`value` if it is an integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dig(value: object, *path: str) -> object:
    """The value at `path` inside nested objects, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
