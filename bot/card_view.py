"""What an approval card shows, as a pure value; bot.blocks draws it. Previews are stored as plain dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.registry import Preview, Risk


@dataclass(frozen=True, kw_only=True)
class CardView:
    approval_id: str
    tool: str
    risk: Risk
    preview: Preview
    requester: str
    approvers: tuple[str, ...]
    required: int
    expires_at: datetime
    status: str = "pending"
    approved_by: tuple[str, ...] = ()
    rejected_by: str | None = None
    outcome: str | None = None
    reason: str | None = None
    rule: str = "default"
    notes: tuple[str, ...] = field(default=())


def preview_from_dict(data: dict[str, Any]) -> Preview:
    return Preview(
        title=data.get("title", ""),
        fields=tuple((str(k), str(v)) for k, v in data.get("fields", [])),
        body=data.get("body"),
        warnings=tuple(data.get("warnings", [])),
    )


def preview_to_dict(preview: Preview) -> dict[str, Any]:
    return {
        "title": preview.title,
        "fields": [list(f) for f in preview.fields],
        "body": preview.body,
        "warnings": list(preview.warnings),
    }
