"""Settings: database URLs, the channel → repository map, defaults, and the one-line missing-setting error."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.settings import DEFAULT_SQLITE_URL, Settings, parse_channel_repos, to_async_url
from bot.core.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only what they pass: no variable of the surrounding environment leaks in."""
    names = {name.upper() for name in Settings.model_fields}
    for key in list(os.environ):
        if key.upper() in names:
            monkeypatch.delenv(key)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


# -- to_async_url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///opsbot.db", "sqlite+aiosqlite:///opsbot.db"),
        ("sqlite:////var/lib/opsbot.db", "sqlite+aiosqlite:////var/lib/opsbot.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p@db:5432/ops", "postgresql+asyncpg://u:p@db:5432/ops"),
        ("postgres://u@db/ops", "postgresql+asyncpg://u@db/ops"),
        ("postgresql+psycopg://u@db/ops", "postgresql+asyncpg://u@db/ops"),
        ("postgresql+psycopg2://u@db/ops", "postgresql+asyncpg://u@db/ops"),
        ("postgresql+asyncpg://u@db/ops", "postgresql+asyncpg://u@db/ops"),
        ("mysql://u@db/ops", "mysql://u@db/ops"),
    ],
)
def test_to_async_url(url: str, expected: str) -> None:
    assert to_async_url(url) == expected


# -- OPSBOT_CHANNEL_REPOS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("  ", {}),
        ("C123=acme/api", {"C123": "acme/api"}),
        ("C123=acme/api,C456=acme/web", {"C123": "acme/api", "C456": "acme/web"}),
        (" C123 = acme/api ; C456=acme/web ,, ", {"C123": "acme/api", "C456": "acme/web"}),
    ],
)
def test_parse_channel_repos(text: str, expected: dict[str, str]) -> None:
    assert parse_channel_repos(text) == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("C123", "C123"),
        ("C123=acme", "C123=acme"),
        ("=acme/api", "=acme/api"),
        ("C1=acme/api,C2:acme/web", "C2:acme/web"),
        ("C1=", "C1="),
    ],
)
def test_parse_channel_repos_names_the_bad_item(text: str, bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_channel_repos(text)
    message = str(info.value)
    assert message.startswith("OPSBOT_CHANNEL_REPOS: ")
    assert repr(bad) in message
    assert "CHANNEL_ID=owner/repo" in message


# -- Settings ----------------------------------------------------------------------------------------


def test_defaults() -> None:
    s = settings()
    assert s.database_url is None
    assert s.async_database_url == DEFAULT_SQLITE_URL == "sqlite+aiosqlite:///opsbot.db"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.github_api_url == "https://api.github.com"
    assert s.socket_mode is False
    assert s.channel_repos == {}
    assert s.approvers == frozenset()
    assert s.opsbot_approval_ttl_minutes == 120
    assert (s.host, s.port) == ("0.0.0.0", 3000)


def test_socket_mode_follows_the_app_token() -> None:
    assert settings(slack_app_token="xapp-1-abc").socket_mode is True


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api/"), ("http://fake/api/", "http://fake/api/")],
)
def test_slack_api_url_gets_a_trailing_slash(url: str, expected: str) -> None:
    assert settings(slack_api_url=url).slack_api_url == expected


def test_database_url_is_made_async() -> None:
    assert settings(database_url="postgresql://u@db/ops").async_database_url == "postgresql+asyncpg://u@db/ops"


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("OPSBOT_APPROVERS", " U1, U2,,U1 ")
    monkeypatch.setenv("OPSBOT_CHANNEL_REPOS", "C1=acme/api")
    monkeypatch.setenv("PORT", "8080")
    s = settings()
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert s.approvers == frozenset({"U1", "U2"})
    assert s.channel_repos == {"C1": "acme/api"}
    assert s.port == 8080


def test_require_for_run_names_every_missing_variable_in_one_line() -> None:
    with pytest.raises(ConfigurationError) as info:
        settings().require_for_run()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Missing setting: ")
    assert "SLACK_BOT_TOKEN" in message
    assert "SLACK_SIGNING_SECRET" in message


def test_socket_mode_does_not_need_a_signing_secret() -> None:
    with pytest.raises(ConfigurationError) as info:
        settings(slack_app_token="xapp-1-abc").require_for_run()
    assert "SLACK_BOT_TOKEN" in str(info.value)
    assert "SLACK_SIGNING_SECRET" not in str(info.value)
    settings(slack_app_token="xapp-1-abc", slack_bot_token="xoxb-1").require_for_run()


def test_http_mode_needs_the_signing_secret() -> None:
    with pytest.raises(ConfigurationError) as info:
        settings(slack_bot_token="xoxb-1").require_for_run()
    assert "SLACK_BOT_TOKEN" not in str(info.value)
    assert "SLACK_SIGNING_SECRET" in str(info.value)
    settings(slack_bot_token="xoxb-1", slack_signing_secret="s3cr3t").require_for_run()


def test_require_for_run_validates_the_channel_map() -> None:
    s = settings(slack_bot_token="xoxb-1", slack_signing_secret="s3cr3t", opsbot_channel_repos="C1=nope")
    with pytest.raises(ConfigurationError, match="OPSBOT_CHANNEL_REPOS: 'C1=nope'"):
        s.require_for_run()


def test_secrets_are_not_shown() -> None:
    s = settings(
        slack_bot_token="xoxb-very-secret-bot-token",
        slack_signing_secret="very-secret-signing",
        github_token="ghp_very_secret_github",
        openai_api_key="sk-very-secret-openai",
    )
    shown = repr(s) + str(s) + s.model_dump_json()
    for secret in (
        "xoxb-very-secret-bot-token",
        "very-secret-signing",
        "ghp_very_secret_github",
        "sk-very-secret-openai",
    ):
        assert secret not in shown
    assert isinstance(s.slack_bot_token, SecretStr)
    assert s.slack_bot_token.get_secret_value() == "xoxb-very-secret-bot-token"


def test_every_secret_setting_is_redacted_even_one_added_later() -> None:
    """Secrets are found by type, not by a hand-kept list: a new `SecretStr` setting is redacted, nothing else to do."""

    from bot.core.redact import redact_text

    class Later(Settings):
        pagerduty_token: SecretStr | None = None

    configured = Later(
        _env_file=None, pagerduty_token="pd-routing-key-0123456789", tryton_password="tryton-pw-42", odoo_api_key=None
    )
    secrets = configured.secret_values()
    assert {"pd-routing-key-0123456789", "tryton-pw-42"} <= set(secrets)
    text = redact_text("paging with pd-routing-key-0123456789 and tryton-pw-42", secrets)
    assert "pd-routing-key" not in text and "tryton-pw-42" not in text
    every = {name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)}
    filled = Settings(_env_file=None, **{name: f"value-of-{name}" for name in every})  # type: ignore[arg-type]
    assert set(filled.secret_values()) == {f"value-of-{name}" for name in every}


def test_every_secret_setting_belongs_to_one_unit_and_a_new_units_secret_is_its_own() -> None:
    """Each integration's secrets are its section's `SecretStr` fields; only opsbot's own webhook token and MCP token
    (`opsbot mcp`) are not an integration's. A unit with a new secret setting finds it without a list to update."""
    from bot.app.units import UNITS
    from integrations.unit import Section, Unit

    secret_fields = {name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    owned = [name for unit in UNITS for name in unit.section.model_fields if name in secret_fields]
    assert len(owned) == len(set(owned))
    assert secret_fields - set(owned) == {"opsbot_alertmanager_token", "opsbot_mcp_token"}  # opsbot's own

    class PagerSettings(Section):
        pager_url: str = "https://pager.example"
        pager_token: SecretStr | None = None

    class PagerUnit(Unit[PagerSettings]):
        name = "pager"
        section = PagerSettings

    class WithPager(Settings, PagerSettings):
        pass

    configured = WithPager(_env_file=None, pager_token="pager-secret-77", github_token="ghp_other")
    assert PagerUnit().secrets(configured) == ("pager-secret-77",)
    assert {"pager-secret-77", "ghp_other"} <= set(configured.secret_values())
