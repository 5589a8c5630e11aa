"""Example values from `.env.example` are recognised by one rule (bot/app/placeholders.py): `opsbot run` stops on one
in a required setting with one stderr line and exit 2, and ignores any other with a warning (issue 15, item 7)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import cli
from bot.app.placeholders import (
    ID_LISTS,
    ignore_placeholders,
    is_example_slack_id,
    is_placeholder,
    placeholders,
    required_placeholders,
    without_placeholders,
)
from bot.app.settings import Settings
from bot.core.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only what they pass: no setting of the surrounding environment, no .env of the working tree."""
    names = {name.upper() for name in Settings.model_fields}
    for key in list(os.environ):
        if key.upper() in names:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def env_example() -> dict[str, str]:
    """Every `NAME=value` of .env.example, commented out or not: a user uncomments them as they are."""
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(\S+)", line.strip()):
            values[match.group(1)] = match.group(2)
    return values


def test_every_value_in_env_example_is_caught_by_the_rule() -> None:
    """The rule never reads .env.example (it is not installed): this keeps the two from drifting apart. Each secret
    and Slack-id list there must be caught; any other value (a URL, a path, a level) must be usable as it is."""
    examples = env_example()
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "GITHUB_TOKEN", "OPSBOT_APPROVERS"} <= set(
        examples
    )
    fields = {name.upper() for name in Settings.model_fields}
    for name, value in examples.items():
        if name not in fields:  # POSTGRES_PASSWORD: docker-compose.yml reads it, opsbot does not
            assert is_placeholder(value), f"{name}={value}"
            continue
        one: dict[str, Any] = {name.lower(): value}
        settings = Settings(_env_file=None, **one)  # valid as it is
        if isinstance(getattr(settings, name.lower()), SecretStr) or name.lower() in ID_LISTS:
            assert placeholders(settings) == [name], f"{name}={value} is not recognised as an example"
        else:
            assert placeholders(settings) == [], f"{name}={value}"


@pytest.mark.parametrize(
    "value",
    [
        "xoxb-your-bot-token",
        "ghp_your-token",
        "YOUR_SIGNING_SECRET",
        "xapp-...",
        "xoxb-…",
        "<token>",
        "changeme",
        "CHANGE_ME",
        "replace-me",
        "xoxb-xxxxxxxxxx",
        "a-long-random-string",
        "secret",
    ],
)
def test_placeholder_shapes(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "xoxb-2481-1098753-AbCdEfGhIjKlMnOpQrStUvWx",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS",
        "8f14e45fceea167a5a36dedd4bea2543",
        "xapp-1-A012BCD3EF4-2481098753-0a1b2c3d4e5f",
        "sk-proj-Yx1zQ9wErT5uIoP3aSdF7gHjKl",
        "",
    ],
)
def test_real_looking_secrets_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_example_slack_ids_in_the_id_lists() -> None:
    assert is_example_slack_id("C0123456789") and is_example_slack_id("U0123") and is_example_slack_id("U0456")
    assert not is_example_slack_id("C024BE91L") and not is_example_slack_id("U024BE7LH")
    real = Settings(_env_file=None, opsbot_channel_repos="C024BE91L=acme/api", opsbot_approvers="U024BE7LH,W012A3CDE")
    assert placeholders(real) == []
    assert placeholders(Settings(_env_file=None, opsbot_approvers="U024BE7LH,U0456")) == ["OPSBOT_APPROVERS"]
    assert placeholders(Settings(_env_file=None, opsbot_rules="examples/your-rules.yaml")) == []  # paths: never


def test_require_for_run_names_the_required_example_values_with_what_to_put_there() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-your-bot-token", slack_signing_secret="s3cr3t")
    with pytest.raises(ConfigurationError) as caught:
        settings.require_for_run()
    assert str(caught.value) == (
        "SLACK_BOT_TOKEN still holds the example value from .env.example — put your app's Bot User OAuth Token "
        "(xoxb-…, on its OAuth & Permissions page) there"
    )
    socket = Settings(_env_file=None, slack_bot_token="xoxb-1-2-abc", slack_app_token="xapp-...")
    assert required_placeholders(socket) == ["SLACK_APP_TOKEN"]
    with pytest.raises(ConfigurationError, match="remove the line to serve HTTP"):
        socket.require_for_run()


def test_optional_example_values_are_ignored_with_one_warning_each(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-1-2-abc",
        slack_signing_secret="s3cr3t",
        github_token="ghp_your-token",
        opsbot_channel_repos="C0123456789=acme/api",
    )
    settings.require_for_run()  # optional ones never stop the bot
    with caplog.at_level(logging.WARNING, logger="bot.app.placeholders"):
        usable = ignore_placeholders(settings)
    assert usable.github_token is None and usable.opsbot_channel_repos == ""
    assert usable.slack_bot_token is not None and usable.slack_bot_token.get_secret_value() == "xoxb-1-2-abc"
    assert [r.getMessage() for r in caplog.records] == [
        "GITHUB_TOKEN holds the example value from .env.example: ignored, as if unset",
        "OPSBOT_CHANNEL_REPOS holds the example value from .env.example: ignored, as if unset",
    ]
    assert placeholders(without_placeholders(settings)) == []


# -- `opsbot run` with .env copied from .env.example: one stderr line, exit 2 --------------------------------


def test_run_with_env_example_as_is_says_what_to_put_where_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["run"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith(
        "opsbot: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET still hold the example values from .env.example — put "
    )
    assert "Traceback" not in captured.err


def test_run_with_the_example_app_token_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-...")
    assert cli.main(["run", "--socket"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("opsbot: SLACK_APP_TOKEN still holds the example value"), err


def test_run_with_the_example_approvers_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ignoring them would let anyone but the requester approve: the bot does not start instead."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t")
    monkeypatch.setenv("OPSBOT_APPROVERS", "U0123,U0456")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("opsbot: OPSBOT_APPROVERS still holds the example value"), err
