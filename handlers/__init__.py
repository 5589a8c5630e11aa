"""Thin Slack adapters: acknowledge, convert to a domain Event, hand it to the inbox."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, listener_errors, messages, reactions, views
from handlers.types import Accept


def register_all(app: AsyncApp, accept: Accept) -> None:
    for module in (commands, messages, reactions, actions, views):
        module.register(app, accept)
    listener_errors.register(app)
