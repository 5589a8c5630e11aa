"""What an approval card shows, as a pure value; bot.slack_ui.block_kit draws it. Previews are stored as plain dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.jsonvalue import JsonObject, items, text
from bot.core.mrkdwn import mention
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
    external_users: bool = False  # the rule lets people of other organisations (Slack Connect) decide
    external_approvers: tuple[str, ...] = ()  # who of `approved_by` (or `rejected_by`) is of another organisation
    via: str | None = None  # the MCP client that asked on the requester's behalf ("claude-laptop")

    @property
    def context_notes(self) -> tuple[str, ...]:
        """The card's last context lines: its notes, then who decided from another organisation (Slack Connect),
        or, while it is open under a rule that allows them, that they may."""
        if self.external_approvers:
            people = ", ".join(mention(u) for u in self.external_approvers)
            return (*self.notes, f":globe_with_meridians: External (another organisation, Slack Connect): {people}")
        if self.external_users and self.status == "pending":
            return (*self.notes, ":globe_with_meridians: People of other organisations (Slack Connect) may decide.")
        return self.notes


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
