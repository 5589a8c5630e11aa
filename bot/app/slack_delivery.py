"""Slack as the app uses it: the reading client (with slack_sdk's retries) and the outbox every message goes through
(integrations.slack_outbox over bot.store.outbox_rows), with the delivery settings."""

from __future__ import annotations

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import Settings
from bot.core.clock import Clock
from bot.core.ports import Audit
from bot.store.outbox_rows import OutboxRows
from integrations.slack import SlackChat, make_client
from integrations.slack_outbox import Outbox
from integrations.slack_retry import DeliveryConfig


def make_chat(
    settings: Settings, session: aiohttp.ClientSession, token: str | None, *, engine: AsyncEngine, audit: Audit,
    clock: Clock,
) -> SlackChat:  # fmt: skip
    secrets = settings.secret_values()
    outbox = Outbox(
        make_client(token, settings.slack_api_url, session, retries=False),
        OutboxRows(engine, secrets),
        clock=clock,
        audit=audit,
        config=DeliveryConfig(
            deadline_seconds=settings.opsbot_slack_delivery_deadline_seconds,
            pace_per_second=settings.opsbot_slack_pace_per_second,
            pace_burst=settings.opsbot_slack_pace_burst,
        ),
    )
    return SlackChat(make_client(token, settings.slack_api_url, session), secrets, outbox=outbox)
