"""The GitHub App's settings: one clear `opsbot: …` line for a key that cannot be used; the key a secret everywhere
(logs, `opsbot check`); `opsbot check` naming the App, its installations and their permissions."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from bot.app.probe_words import probe_failure
from bot.app.settings import Settings
from bot.core.errors import ConfigurationError
from bot.core.log_redaction import SecretFilter
from bot.core.redact import redact_text
from integrations.github.github_unit import GITHUB, GitHubSettings
from tests.fakes.github import FakeGitHub
from tests.github.app_fixtures import APP_ID, Shift, app_github, private_key
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import cli_env, opsbot, sqlite_url, stderr_lines


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    async with app_github(Shift()) as fake:
        yield fake


def key_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "opsbot.private-key.pem"
    path.write_text(text)
    return str(path)


def ec_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"github_app_private_key_file": "/nowhere/key.pem"}, "GITHUB_APP_PRIVATE_KEY_FILE: /nowhere/key.pem does not"),
        ({"github_app_private_key_file": "."}, "is a directory"),
        ({"github_app_private_key": "not a key"}, "GITHUB_APP_PRIVATE_KEY is not a PEM private key"),
        ({"github_app_private_key": "EC"}, "GITHUB_APP_PRIVATE_KEY is not an RSA key"),
        ({"github_app_private_key": "KEY", "github_app_private_key_file": "FILE"}, "are both set"),
        ({}, "GITHUB_APP_ID is set without a private key"),
    ],
    ids=["missing file", "directory", "not PEM", "not RSA", "both", "no key"],
)
def test_an_unusable_app_key_is_one_clear_error(tmp_path: Path, given: dict[str, str], words: str) -> None:
    values: dict[str, object] = {"github_app_id": APP_ID, **given}
    for name, value in given.items():
        replaced = {"EC": ec_key(), "KEY": private_key(), "FILE": key_file(tmp_path, private_key())}.get(value, value)
        values[name] = SecretStr(replaced) if name == "github_app_private_key" else replaced
    with pytest.raises(ConfigurationError) as caught:
        GitHubSettings(**values)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert "PRIVATE KEY-----" not in str(caught.value)


def test_an_installation_without_an_app_id_is_refused_and_a_key_alone_names_no_app() -> None:
    with pytest.raises(ConfigurationError, match="without GITHUB_APP_ID"):
        GitHubSettings(github_app_installation_id=11)
    assert GitHubSettings(github_app_private_key=SecretStr(private_key())).app() is None


def test_a_private_key_is_masked_by_its_shape_even_when_not_configured() -> None:
    text = redact_text("loaded " + private_key("stray").strip() + " from disk")
    assert text == "loaded [redacted] from disk"


def test_a_key_file_becomes_a_secret_setting_that_logs_never_show(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, github_app_id=APP_ID, github_app_private_key_file=key_file(tmp_path, private_key())
    )
    assert private_key() in settings.secret_values()
    assert GITHUB.of(settings).app() == settings.app()  # the section the unit reads has the same App
    record = logging.LogRecord("opsbot", logging.ERROR, __file__, 1, "signing with %s", (private_key(),), None)
    SecretFilter(settings.secret_values()).filter(record)
    assert record.getMessage() == "signing with [redacted]"
    body_line = private_key().splitlines()[3]
    assert body_line not in repr(settings) and body_line not in repr(settings.app())


async def test_check_names_the_app_its_installations_and_their_permissions(gh: FakeGitHub) -> None:
    section = GitHubSettings(
        github_app_id=APP_ID, github_app_private_key=SecretStr(private_key()), github_api_url=gh.url
    )
    probe = await GITHUB.check(section)
    assert probe.ok, probe
    head, *installations = probe.line.splitlines()
    assert head == "GitHub: App opsbot (acme) (opsbot-acme, id 4242), installed on 2 accounts"
    assert installations[0].startswith("  installation 11 on acme (all repositories): actions write, checks read")
    assert installations[1].startswith("  installation 22 on globex (selected repositories): ")
    assert all(t.token not in probe.line for t in gh.apps.minted) and "PRIVATE" not in probe.line


async def test_check_with_a_key_github_does_not_know_fails_in_words(gh: FakeGitHub) -> None:
    section = GitHubSettings(
        github_app_id=APP_ID, github_app_private_key=SecretStr(private_key("other")), github_api_url=gh.url
    )
    probe = await GITHUB.check(section)
    assert not probe.ok and probe.line.startswith("github: App 4242 at ") and probe.error is not None
    settings = Settings(_env_file=None, github_app_id=APP_ID, github_app_private_key=SecretStr(private_key()))
    words = probe_failure("github", probe.error, settings)
    assert words is not None and words.startswith("GitHub refused the App's JWT (401 A JSON web token could not be")


async def test_opsbot_check_prints_the_app_and_never_the_key(gh: FakeGitHub, tmp_path: Path) -> None:
    env = cli_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/",
        GITHUB_API_URL=gh.url,
        GITHUB_APP_ID=str(APP_ID),
        GITHUB_APP_PRIVATE_KEY_FILE=key_file(tmp_path, private_key()),
        DATABASE_URL=sqlite_url(tmp_path),
    )
    result = await opsbot("check", env=env, cwd=tmp_path)
    assert "[ok  ] GitHub: App opsbot (acme) (opsbot-acme, id 4242), installed on 2 accounts" in result.stdout
    assert "installation 22 on globex" in result.stdout
    body = [line for line in private_key().splitlines() if "PRIVATE KEY" not in line]
    assert not any(line in result.stdout + result.stderr for line in body)
    assert not any(t.token in result.stdout + result.stderr for t in gh.apps.minted)


async def test_opsbot_with_a_missing_key_file_says_so_in_one_line(tmp_path: Path) -> None:
    env = cli_env(GITHUB_APP_ID=str(APP_ID), GITHUB_APP_PRIVATE_KEY_FILE=str(tmp_path / "gone.pem"))
    result = await opsbot("check", env=env, cwd=tmp_path)
    assert result.code == 2 and stderr_lines(result) == [
        f"opsbot: GITHUB_APP_PRIVATE_KEY_FILE: {tmp_path / 'gone.pem'} does not exist."
    ]
