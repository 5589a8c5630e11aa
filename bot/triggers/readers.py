"""Readers for webhook payloads that bot.core.jsonvalue leaves out; like those, they never raise."""

from __future__ import annotations


def optional_text(value: object) -> str | None:
    """`value` if it is a string, else None (absent, null, or of another type)."""
    return value if isinstance(value, str) else None


def objects(value: object) -> list[dict[str, object]]:
    """The objects in `value` if it is a JSON array (anything else in it left out), else none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
