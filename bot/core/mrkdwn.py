"""Slack mrkdwn text, pure: escaping outside text so it can never ping @channel, forge a mention or a link."""

from __future__ import annotations

from collections.abc import Iterable


def escape(text: str) -> str:
    """Escape mrkdwn control characters so user or upstream text cannot ping @channel or forge links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def review_requested(logins: Iterable[str], teams: Iterable[str]) -> str:
    """Who GitHub still waits on for a review: "@ana, team platform", or "nobody requested"."""
    names = [f"@{escape(login)}" for login in logins] + [f"team {escape(slug)}" for slug in teams]
    return ", ".join(names) or "nobody requested"
