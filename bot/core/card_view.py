"""What an approval card shows, as a pure value; bot.slack_ui.block_kit draws it. Previews are stored as plain dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.jsonvalue import JsonObject, items, text
from bot.core.tool_registry import Preview, Risk


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


def preview_from_dict(data: Mapping[str, object]) -> Preview:
    """The stored preview (as `preview_to_dict` wrote it) back as a Preview."""
    pairs = [items(pair) for pair in items(data.get("fields"))]
    return Preview(
        title=text(data.get("title")),
        fields=tuple((str(pair[0]), str(pair[1])) for pair in pairs if len(pair) == 2),
        body=text(data.get("body")) or None,
        warnings=tuple(str(w) for w in items(data.get("warnings"))),
    )


def preview_to_dict(preview: Preview) -> JsonObject:
    return {
        "title": preview.title,
        "fields": [list(f) for f in preview.fields],
        "body": preview.body,
        "warnings": list(preview.warnings),
    }
