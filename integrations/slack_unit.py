"""Slack as a unit: the bot token, signing secret and app token, and `auth.test` as its probe."""

from __future__ import annotations

import aiohttp
from pydantic import SecretStr, field_validator

from integrations.slack import make_client
from integrations.unit import Probe, Section, Unit, reason, secret


class SlackSettings(Section):
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


class SlackUnit(Unit[SlackSettings]):
    name = "slack"
    section = SlackSettings

    async def check(self, section: SlackSettings) -> Probe:
        token = secret(section.slack_bot_token)
        if token is None:
            return Probe(ok=False, line="slack: SLACK_BOT_TOKEN unset")
        async with aiohttp.ClientSession() as session:
            client = make_client(token, section.slack_api_url, session, retries=False)  # a probe: one try
            try:
                resp = await client.auth_test()
            except Exception as exc:
                line = f"slack: auth.test failed at {section.slack_api_url} ({reason(exc)})"
                return Probe(ok=False, line=line, error=exc)
        return Probe(ok=True, line=f"slack: bot {resp.get('user')} ({resp.get('user_id')}) in team {resp.get('team')}")


SLACK = SlackUnit()
