"""`opsbot check`: `[off ]` for an optional integration left unset (exit 0 when nothing required failed), failures in
words instead of exception class names, example values from `.env.example` named, and one stderr line when a check
failed (issue 15, item 7)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import cli
from bot.app.cli_commands import StartupError, check
from bot.app.settings import Settings
from tests.fakes.github import FakeGitHub
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackApi
from tests.harness import BOT_TOKEN, GITHUB_TOKEN, SIGNING_SECRET
from tests.test_cli import free_port

ROOT = Path(__file__).resolve().parents[1]
WRONG = "ghp_0000000000000000000000000000000wrong1"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no setting of the surrounding environment, no .env of the working tree."""
    names = {name.upper() for name in Settings.model_fields}
    for key in list(os.environ):
        if key.upper() in names:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(BOT_TOKEN) as fake:
        yield fake


def configured(tmp_path: Path, slack_url: str, **values: Any) -> Settings:
    base: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_url,
        "database_url": f"sqlite:///{tmp_path / 'opsbot.db'}",
    }
    return Settings(_env_file=None, **(base | values))


def lines(out: str, mark: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"[{mark}]")]


def one_line(prefix: str, out: str, mark: str = "FAIL") -> str:
    [line] = [line for line in lines(out, mark) if line.startswith(f"[{mark}] {prefix}:")]
    return line


async def test_optional_integrations_left_unset_are_off_and_check_passes(
    slack: FakeSlackApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await check(configured(tmp_path, slack.url)) == 0
    out = capsys.readouterr().out
    assert lines(out, "FAIL") == []
    assert one_line("github", out, "off ") == (
        "[off ] github: GITHUB_TOKEN unset (GitHub tools read public repositories only; set it for the rest)"
    )
    assert one_line("planner", out, "off ").startswith("[off ] planner: command grammar (OPENAI_API_KEY unset")
    for part in ("erp", "rules", "webhooks", "channel repositories"):
        one_line(part, out, "off ")
    for part in ("settings", "database", "slack", "policy", "approvers"):
        one_line(part, out, "ok  ")
    assert "is not there yet (`opsbot run` creates it" in one_line("database", out, "ok  ")
    assert not (tmp_path / "opsbot.db").exists()  # a check creates no database


async def test_an_existing_database_is_connected_to(
    slack: FakeSlackApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "opsbot.db").write_bytes(b"")  # SQLite opens an empty file as an empty database
    assert await check(configured(tmp_path, slack.url)) == 0
    assert one_line("database", capsys.readouterr().out, "ok  ").startswith("[ok  ] database: sqlite+aiosqlite:///")


async def test_a_refused_github_token_is_said_in_words(
    slack: FakeSlackApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeGitHub(token=GITHUB_TOKEN) as github:
        settings = configured(tmp_path, slack.url, github_token=WRONG, github_api_url=github.url)
        with pytest.raises(StartupError, match=r"^1 check failed \(github\) — "):
            await check(settings)
    line = one_line("github", capsys.readouterr().out)
    assert line.startswith("[FAIL] github: GitHub refused GITHUB_TOKEN (401 Bad credentials) — create a new token")
    assert WRONG not in line


async def test_unreachable_github_and_slack_are_said_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = configured(tmp_path, f"{closed}/api/", github_token=GITHUB_TOKEN, github_api_url=closed)
    with pytest.raises(StartupError, match=r"^2 checks failed \(slack, github\) — "):
        await check(settings)
    out = capsys.readouterr().out
    assert one_line("github", out).startswith(
        f"[FAIL] github: cannot reach GitHub at {closed} (connection refused) — check the network"
    )
    assert one_line("slack", out).startswith(
        f"[FAIL] slack: cannot reach Slack at {closed}/api/ (connection refused) — check the network"
    )
    assert "Error)" not in out  # no `(UpstreamError)`, `(ClientConnectorError)`


async def test_a_refused_model_key_and_an_unreachable_database_are_said_in_words(
    slack: FakeSlackApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"postgresql://opsbot:pw-not-shown@127.0.0.1:{free_port()}/opsbot"
    async with FakeOpenAI(api_key="sk-the-right-key") as model:
        settings = configured(
            tmp_path, slack.url, openai_api_key="sk-a-wrong-key", openai_base_url=model.url, database_url=database
        )
        with pytest.raises(StartupError, match=r"\(database, planner\)"):
            await check(settings)
    out = capsys.readouterr().out
    assert one_line("planner", out) == (
        f"[FAIL] planner: the model server at {model.url} refused OPENAI_API_KEY (401) — put a valid key in "
        "OPENAI_API_KEY"
    )
    assert one_line("database", out).startswith(
        "[FAIL] database: cannot reach the database at postgresql+asyncpg://opsbot:***@127.0.0.1:"
    )
    assert "pw-not-shown" not in out and "sk-a-wrong-key" not in out


async def test_example_values_are_named_and_never_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`.env` copied from `.env.example` as is: the Slack values fail, GitHub's is ignored; nothing is asked of
    Slack or GitHub (SLACK_API_URL points at a closed port, and no line says it is unreachable)."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(slack_api_url=f"http://127.0.0.1:{free_port()}/api/")
    with pytest.raises(StartupError, match=r"^2 checks failed \(settings, slack\) — "):
        await check(settings)
    out = capsys.readouterr().out
    assert one_line("settings", out).startswith(
        "[FAIL] settings: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET still hold the example values from .env.example"
    )
    assert one_line("slack", out) == "[FAIL] slack: SLACK_BOT_TOKEN holds the example value from .env.example"
    assert one_line("github", out, "off ").startswith(
        "[off ] github: GITHUB_TOKEN holds the example value from .env.example, ignored ("
    )
    assert "OPSBOT_CHANNEL_REPOS holds the example value from .env.example, ignored" in one_line(
        "channel repositories", out, "off "
    )
    assert "cannot reach" not in out


# -- main(): the one stderr line and the exit code ------------------------------------------------------------


def test_check_with_env_example_as_is_ends_with_one_stderr_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["check"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "opsbot: 2 checks failed (settings, slack) — fix what the [FAIL] lines above name, then run `opsbot check` "
        "again\n"
    )
    assert "[FAIL] settings: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in captured.out


def test_check_with_github_unreachable_says_one_stderr_line_not_urllib3_retries(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{closed}/api/",
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "GITHUB_API_URL": closed,
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("opsbot: 2 checks failed (slack, github) — "), err


async def test_check_with_github_unset_exits_0_and_prints_nothing_on_stderr(
    slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GITHUB_TOKEN is optional (README): unset, `opsbot check` says `[off ]` and passes."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    assert await asyncio.to_thread(cli.main, ["check"]) == 0  # main runs its own event loop; the fake serves on ours
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "[off ] github: GITHUB_TOKEN unset" in captured.out
