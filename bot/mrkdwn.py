"""Slack mrkdwn text, pure: escaping outside text so it can never ping @channel, forge a mention or a link."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape mrkdwn control characters so user or upstream text cannot ping @channel or forge links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
