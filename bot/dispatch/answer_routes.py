"""Where a Slack event's answers go privately: its `response_url` (a slash command's or a click's: Slack answers
through it even where opsbot is not in the channel), and the person waiting, for bot.core.reply_route."""

from __future__ import annotations

from bot.core import reply_route
from bot.core.domain import Event, Source
from bot.slack_ui.block_kit import ActionId


def response_url(event: Event) -> str | None:
    """A slash command's or a click's: Slack answers through it even where opsbot is not in the channel."""
    url = event.payload.get("response_url") if event.source in (Source.SLACK_COMMAND, Source.SLACK_ACTION) else None
    return url if isinstance(url, str) and url else None


def route_of(event: Event) -> reply_route.ReplyRoute | None:
    """The person this event's answers are for, while it is handled (bot.core.reply_route)."""
    if not event.source.value.startswith("slack."):
        return None
    decided = event.payload.get("action_id") in (ActionId.APPROVE, ActionId.REJECT)
    approval = event.payload.get("value") if decided and event.source is Source.SLACK_ACTION else None
    return reply_route.ReplyRoute(
        user=event.actor, channel=event.channel, response_url=response_url(event),
        approval=approval if isinstance(approval, str) and approval else None,
    )  # fmt: skip
