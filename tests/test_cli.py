"""The real `opsbot` console script as a subprocess: run, configuration errors, db upgrade, check, audit verify."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.store.audit import AuditLog
from bot.store.engine import make_engine, upgrade_database
from bot.store.models import Base
from tests.db import BACKENDS, create_pg_database, drop_pg_database
from tests.fakes.github import FakeGitHub
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver
from tests.harness import BOT_TOKEN, GITHUB_TOKEN, SIGNING_SECRET
from tests.processes import OpsbotProcess

pytestmark = pytest.mark.slow  # each test starts `opsbot` as a subprocess (2-8 s); `-m "not slow"` leaves them out

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60.0  # per subprocess: a cold start imports slack_bolt, SQLAlchemy, alembic and PyGithub
APP_TABLES = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}


@dataclass(frozen=True, kw_only=True)
class Result:
    code: int
    stdout: str
    stderr: str


def cli_env(**values: str) -> dict[str, str]:
    """Only what the interpreter needs plus `values`: no SLACK_*, DATABASE_URL, … leaks from the test's own env."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
    }
    env.update(values)
    return env


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'opsbot.db'}"


async def opsbot(*args: str, env: Mapping[str, str], cwd: Path, timeout: float = TIMEOUT) -> Result:
    """Run `opsbot ARGS` to completion (cwd has no .env), bounded by `timeout`; never left running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.app.cli",
        *args,
        env=dict(env),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate()
    finally:
        await _kill(proc)
    assert proc.returncode is not None
    return Result(code=proc.returncode, stdout=out.decode(), stderr=err.decode())


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@dataclass(kw_only=True)
class Fakes:
    slack: FakeSlackApi
    github: FakeGitHub

    def env(self, tmp_path: Path, **values: str) -> dict[str, str]:
        settings = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.url,
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "GITHUB_API_URL": self.github.url,
            "DATABASE_URL": sqlite_url(tmp_path),
        }
        return cli_env(**(settings | values))


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    # The subprocess runs on the real clock, so the fakes do too (no FakeClock here).
    async with FakeSlackApi(BOT_TOKEN) as slack, FakeGitHub(token=GITHUB_TOKEN) as github:
        github.add_repo("acme/api")
        yield Fakes(slack=slack, github=github)


# -- opsbot run --------------------------------------------------------------------------------------


async def test_run_answers_a_signed_mention_in_its_thread_and_stops_cleanly_on_sigterm(
    fakes: Fakes, tmp_path: Path
) -> None:
    port = free_port()
    env = fakes.env(tmp_path, HOST="127.0.0.1", PORT=str(port), OPSBOT_DRAIN_SECONDS="0")
    async with OpsbotProcess("run", env=env, cwd=tmp_path) as served:
        line = await served.wait_for_line("listening on")
        assert f"http://127.0.0.1:{port}/slack/events" in line

        driver = SlackDriver(f"http://127.0.0.1:{port}", SIGNING_SECRET, now=time.time)
        mention = await driver.mention("help", user="U1", channel="C1")
        assert mention.status == 200
        mention_ts = mention.payload["event"]["ts"]
        [reply] = await fakes.slack.wait_for(
            "chat.postMessage", lambda c: c.params.get("thread_ts") == mention_ts, timeout=30
        )
        assert reply.ok and reply.params["channel"] == "C1"

        served.signal(signal.SIGTERM)
        code = await served.exit_code(timeout=30)
        assert code == 0, served.stderr.decode()
        assert "Traceback" not in served.stderr.decode()
        for secret in (BOT_TOKEN, SIGNING_SECRET, GITHUB_TOKEN):
            assert secret not in served.output()


# -- configuration errors: exit 2, one line on stderr, no traceback ------------------------------------


def assert_one_clear_line(result: Result, *names: str) -> str:
    assert result.code == 2, result
    lines = stderr_lines(result)
    assert len(lines) == 1, f"expected one stderr line, got:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    [line] = lines
    for name in names:
        assert name in line
    return line


@pytest.mark.parametrize(
    ("given", "missing", "not_named"),
    [
        ({}, ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"), ()),
        ({"SLACK_SIGNING_SECRET": SIGNING_SECRET}, ("SLACK_BOT_TOKEN",), ("SLACK_SIGNING_SECRET",)),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, ("SLACK_SIGNING_SECRET",), ("SLACK_BOT_TOKEN",)),
    ],
    ids=["both", "bot-token", "signing-secret"],
)
async def test_run_without_slack_credentials_names_what_is_missing(
    tmp_path: Path, given: dict[str, str], missing: tuple[str, ...], not_named: tuple[str, ...]
) -> None:
    result = await opsbot("run", env=cli_env(DATABASE_URL=sqlite_url(tmp_path), **given), cwd=tmp_path)
    line = assert_one_clear_line(result, *missing)
    for name in not_named:
        assert name not in line
    for value in given.values():
        assert value not in result.stdout + result.stderr


async def test_socket_mode_without_app_token_says_so(tmp_path: Path) -> None:
    env = cli_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, DATABASE_URL=sqlite_url(tmp_path))
    result = await opsbot("run", "--socket", env=env, cwd=tmp_path)
    assert "Socket Mode" in assert_one_clear_line(result, "SLACK_APP_TOKEN")


async def test_malformed_channel_repos_is_named(tmp_path: Path) -> None:
    env = cli_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=sqlite_url(tmp_path),
        OPSBOT_CHANNEL_REPOS="C1=acme/api,C2-acme-web",
    )
    result = await opsbot("run", env=env, cwd=tmp_path)
    assert "C2-acme-web" in assert_one_clear_line(result, "OPSBOT_CHANNEL_REPOS")


# -- opsbot db upgrade ---------------------------------------------------------------------------------


async def test_db_upgrade_creates_the_tables_on_a_fresh_sqlite_file_and_is_idempotent(tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path))
    for _ in range(2):
        result = await opsbot("db", "upgrade", env=env, cwd=tmp_path)
        assert result.code == 0, result
        assert "up to date" in result.stdout
    with contextlib.closing(sqlite3.connect(tmp_path / "opsbot.db")) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        [(version,)] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert tables >= APP_TABLES
    assert version


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="OPSBOT_TEST_BACKENDS excludes postgresql")
async def test_db_upgrade_on_postgresql_with_a_plain_url(tmp_path: Path) -> None:
    async_url = await create_pg_database()
    plain_url = async_url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        result = await opsbot("db", "upgrade", env=cli_env(DATABASE_URL=plain_url), cwd=tmp_path)
        assert result.code == 0, result
        conn = await asyncpg.connect(plain_url)
        try:
            rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        finally:
            await conn.close()
        assert {r["table_name"] for r in rows} >= APP_TABLES
        again = await opsbot("db", "upgrade", env=cli_env(DATABASE_URL=plain_url), cwd=tmp_path)
        assert again.code == 0, again
    finally:
        await drop_pg_database(async_url)


# -- opsbot check ----------------------------------------------------------------------------------------


async def test_check_reports_ok_for_every_part_and_prints_no_secret(fakes: Fakes, tmp_path: Path) -> None:
    result = await opsbot("check", env=fakes.env(tmp_path), cwd=tmp_path)
    assert result.code == 0, result
    lines = [line.lower() for line in result.stdout.splitlines()]
    for part in ("settings:", "database:", "slack:", "github:"):
        assert any(line.startswith("[ok") and part in line for line in lines), f"no ok line for {part}"
    slack_line = next(line for line in lines if "slack:" in line)
    github_line = next(line for line in lines if "github:" in line)
    assert "bot" in slack_line and fakes.slack.bot_user_id.lower() in slack_line
    assert fakes.github.login in github_line
    assert "FAIL" not in result.stdout
    for secret in (BOT_TOKEN, SIGNING_SECRET, GITHUB_TOKEN):
        assert secret not in result.stdout + result.stderr


async def test_check_with_a_wrong_slack_token_fails_with_invalid_auth(fakes: Fakes, tmp_path: Path) -> None:
    wrong = "xoxb-0000-0000-not-the-right-token"
    result = await opsbot("check", env=fakes.env(tmp_path, SLACK_BOT_TOKEN=wrong), cwd=tmp_path)
    assert result.code == 1, result
    [fail] = [line for line in result.stdout.splitlines() if line.startswith("[FAIL]")]
    assert "slack" in fail and "invalid_auth" in fail
    assert wrong not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# -- opsbot audit verify ---------------------------------------------------------------------------------


async def write_audit_rows(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
        log = AuditLog(engine)
        start = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        await log.append("trigger", at=start, run_id="r1", actor="U1", text="list prs in acme/api")
        await log.append("plan", at=start + timedelta(seconds=1), run_id="r1", tools=["list_pull_requests"])
        await log.append("result", at=start + timedelta(seconds=2), run_id="r1", outcome="succeeded")
    finally:
        await engine.dispose()


async def test_audit_verify_says_intact_then_names_a_tampered_row(tmp_path: Path) -> None:
    await write_audit_rows(f"sqlite+aiosqlite:///{tmp_path / 'opsbot.db'}")
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path))

    intact = await opsbot("audit", "verify", env=env, cwd=tmp_path)
    assert intact.code == 0, intact
    assert "intact" in intact.stdout and "3 rows" in intact.stdout

    with contextlib.closing(sqlite3.connect(tmp_path / "opsbot.db")) as conn, conn:
        [(row_id,)] = conn.execute("SELECT id FROM audit_events WHERE kind = 'plan'").fetchall()
        conn.execute("UPDATE audit_events SET actor = 'U666' WHERE id = ?", (row_id,))

    broken = await opsbot("audit", "verify", env=env, cwd=tmp_path)
    assert broken.code == 1, broken
    assert f"row {row_id}" in broken.stdout and "intact" not in broken.stdout
