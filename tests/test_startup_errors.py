"""Start-up failures of `opsbot run`, `db upgrade` and `check`: one stderr line `opsbot: <what> — <what to do>`,
a non-zero exit code, no traceback and no "Unclosed client session" (issue 15, item 7)."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import text

from bot.app import cli
from bot.app.cli_commands import StartupError, database_failure, listen_failure, slack_failure
from bot.app.settings import Settings
from bot.store.engine import make_engine, upgrade_database
from tests.db import BACKENDS, create_pg_database, drop_pg_database
from tests.fakes.slack_api import FakeSlackApi
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import Result, cli_env, free_port, opsbot, sqlite_url, stderr_lines

WRONG_TOKEN = "xoxb-0000-0000-not-the-right-token"
PG_PASSWORD = "not-a-real-password"


def closed_port() -> int:
    """A local port nothing listens on: bound, then closed (free_port does exactly that)."""
    return free_port()


def assert_one_startup_line(result: Result, *words: str) -> str:
    assert result.code != 0, result
    lines = stderr_lines(result)
    assert len(lines) == 1, f"expected one stderr line, got:\n{result.stderr}"
    [line] = lines
    assert line.startswith("opsbot: ") and " — " in line, line
    assert "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in line.lower(), line
    for secret in (BOT_TOKEN, WRONG_TOKEN, SIGNING_SECRET, PG_PASSWORD):
        assert secret not in result.stdout + result.stderr
    return line


def run_env(tmp_path: Path, slack_url: str, **values: str) -> dict[str, str]:
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "DATABASE_URL": sqlite_url(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }
    return cli_env(**(settings | values))


def pg_url_on_a_closed_port() -> str:
    return f"postgresql://opsbot:{PG_PASSWORD}@127.0.0.1:{closed_port()}/opsbot"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# -- the real CLI as a subprocess (2-8 s each) ------------------------------------------------------------


@pytest.mark.slow
async def test_run_with_slack_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    env = run_env(tmp_path, f"http://127.0.0.1:{closed_port()}/api/")
    line = assert_one_startup_line(await opsbot("run", env=env, cwd=tmp_path), "Slack", "SLACK_API_URL")
    assert "connection refused" in line


@pytest.mark.slow
async def test_check_with_slack_unreachable_ends_with_one_line(tmp_path: Path) -> None:
    env = run_env(tmp_path, f"http://127.0.0.1:{closed_port()}/api/")
    result = await opsbot("check", env=env, cwd=tmp_path)
    assert "slack" in assert_one_startup_line(result, "opsbot check")
    assert any(line.startswith("[FAIL] slack:") for line in result.stdout.splitlines())


@pytest.mark.slow
async def test_run_with_a_token_slack_refuses_names_invalid_auth(slack: FakeSlackApi, tmp_path: Path) -> None:
    env = run_env(tmp_path, slack.url, SLACK_BOT_TOKEN=WRONG_TOKEN)
    assert_one_startup_line(await opsbot("run", env=env, cwd=tmp_path), "invalid_auth", "SLACK_BOT_TOKEN")


@pytest.mark.slow
async def test_db_upgrade_with_postgresql_down_says_so_in_one_line(tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL=pg_url_on_a_closed_port())
    line = assert_one_startup_line(await opsbot("db", "upgrade", env=env, cwd=tmp_path), "database", "DATABASE_URL")
    assert "connection refused" in line and "***" in line


@pytest.mark.slow
async def test_run_with_postgresql_down_says_so_in_one_line(slack: FakeSlackApi, tmp_path: Path) -> None:
    env = run_env(tmp_path, slack.url, DATABASE_URL=pg_url_on_a_closed_port())
    assert_one_startup_line(await opsbot("run", env=env, cwd=tmp_path), "database", "PostgreSQL")


@pytest.mark.slow
@pytest.mark.skipif("postgresql" not in BACKENDS, reason="OPSBOT_TEST_BACKENDS excludes postgresql")
@pytest.mark.parametrize(
    ("revision", "words"),
    [
        ("0001", ("behind", "opsbot db upgrade")),
        ("9999", ("newer opsbot", "never migrated down")),
        (None, ("no opsbot",)),
    ],
    ids=["behind", "newer", "empty"],
)
async def test_run_on_a_database_not_at_this_versions_schema_says_so_in_one_line(
    slack: FakeSlackApi, tmp_path: Path, revision: str | None, words: tuple[str, ...]
) -> None:
    url = await create_pg_database()
    try:
        engine = make_engine(url)
        try:
            if revision is not None:
                await upgrade_database(engine)
                async with engine.begin() as conn:
                    await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        finally:
            await engine.dispose()
        env = run_env(tmp_path, slack.url, DATABASE_URL=url)
        assert_one_startup_line(await opsbot("run", env=env, cwd=tmp_path), "database", *words)
    finally:
        await drop_pg_database(url)


@pytest.mark.slow
async def test_run_on_a_port_in_use_says_so_in_one_line(slack: FakeSlackApi, tmp_path: Path, busy_port: int) -> None:
    env = run_env(tmp_path, slack.url, PORT=str(busy_port))
    line = assert_one_startup_line(await opsbot("run", env=env, cwd=tmp_path), "in use", "PORT")
    assert f"127.0.0.1:{busy_port}" in line


# -- the sentences, and main() turning them into one line ----------------------------------------------------


def slack_error(error: str) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/auth.test",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError("auth.test failed", response)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_authed", "account_inactive"])
def test_a_refused_token_is_named_with_what_to_do(error: str) -> None:
    message = str(slack_failure(slack_error(error), Settings(slack_bot_token=BOT_TOKEN)))
    assert message.startswith(f"Slack refused SLACK_BOT_TOKEN ({error}) — ")
    assert BOT_TOKEN not in message


def test_other_slack_errors_and_unreachable_slack_name_the_url() -> None:
    settings = Settings(slack_api_url="http://slack.example/api/")
    other = str(slack_failure(slack_error("ratelimited"), settings))
    assert "ratelimited" in other and "slack.example" in other
    dns = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    key = aiohttp.client_reqrep.ConnectionKey("slack.example", 80, False, True, None, None, None)
    unreachable = str(slack_failure(aiohttp.ClientConnectorError(key, dns), settings))
    assert unreachable.startswith("cannot reach Slack at http://slack.example/api/ (") and " — " in unreachable
    assert "timed out" in str(slack_failure(TimeoutError(), settings))


def test_database_failure_hides_the_password() -> None:
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 1)")
    message = str(database_failure(refused, f"postgresql+asyncpg://u:{PG_PASSWORD}@db.example:5432/opsbot"))
    assert PG_PASSWORD not in message
    assert message.startswith("cannot reach the database at postgresql+asyncpg://u:***@db.example:5432/opsbot (")
    assert "connection refused" in message and "PostgreSQL" in message


@pytest.mark.parametrize(
    ("code", "todo"), [(errno.EADDRINUSE, "free port"), (errno.EACCES, "above 1023"), (errno.EADDRNOTAVAIL, "HOST")]
)
def test_listen_failure_says_what_to_do(code: int, todo: str) -> None:
    message = str(listen_failure(OSError(code, "boom"), "0.0.0.0", 3000))
    assert message.startswith("cannot listen on 0.0.0.0:3000 (") and todo in message


def fail_with(exc: BaseException) -> object:
    async def dispatch(_args: argparse.Namespace, _settings: Settings) -> int:
        raise exc

    return dispatch


@pytest.fixture
def quiet_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("OPSBOT_LOG_LEVEL", raising=False)


@pytest.mark.usefixtures("quiet_main")
def test_main_prints_a_startup_error_as_one_line_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_dispatch", fail_with(StartupError("it broke", "fix it")))
    assert cli.main(["db", "upgrade"]) == 1
    assert capsys.readouterr().err == "opsbot: it broke — fix it\n"


@pytest.mark.usefixtures("quiet_main")
def test_main_turns_an_unexpected_error_into_one_line_and_shows_the_traceback_only_on_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_dispatch", fail_with(RuntimeError("surprise")))
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("opsbot: unexpected RuntimeError — ") and err.count("\n") == 1
    monkeypatch.setenv("OPSBOT_LOG_LEVEL", "debug")
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "surprise" in err
    assert err.splitlines()[-1].startswith("opsbot: unexpected RuntimeError — ")


def test_bolts_token_unused_warning_is_dropped_and_nothing_else() -> None:
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("slack_bolt.AsyncApp", logging.WARNING, __file__, 1, message, None, None)

    assert not cli._drop_token_unused_warning(record("As you gave `client` as well, `token` will be unused."))
    assert cli._drop_token_unused_warning(record("something else"))


def test_apscheduler_is_quiet_unless_debugging(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """APScheduler's two INFO lines a minute are most of a quiet log: WARNING and up only, except at DEBUG."""
    import logging

    from bot.app import cli

    monkeypatch.chdir(tmp_path)  # no .env

    async def dispatch(args: object, settings: object) -> int:
        return 0

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    scheduler = logging.getLogger("apscheduler")
    monkeypatch.setattr(scheduler, "level", logging.NOTSET)
    assert cli.main(["check"]) == 0
    assert scheduler.level == logging.WARNING
    monkeypatch.setattr(scheduler, "level", logging.NOTSET)
    monkeypatch.setenv("OPSBOT_LOG_LEVEL", "DEBUG")
    assert cli.main(["check"]) == 0
    assert scheduler.level == logging.NOTSET
