"""`opsbot mcp token create|revoke` and `opsbot mcp tokens` for admins: the secret printed once on stdout (and stored
nowhere), a table without secrets, refusals as one `opsbot: … — …` line; `opsbot mcp` alone is the stdio server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import cli, mcp_cli
from bot.app.cli_commands import StartupError
from bot.app.settings import Settings
from bot.core.errors import ConfigurationError
from bot.core.mcp_tokens import PREFIX
from bot.store.engine import make_engine
from bot.store.models import Base, audit
from tests.db import BACKENDS, create_pg_database, drop_pg_database
from tests.fakes.slack_api import FakeSlackApi
from tests.harness import BOT_TOKEN
from tests.test_cli import cli_env, opsbot, sqlite_url


def settings(db_url: str, **values: Any) -> Settings:
    return Settings(_env_file=None, database_url=db_url, **({"slack_bot_token": None} | values))


async def mcp(config: Settings, *argv: str) -> int:
    args = cli.parser().parse_args(["mcp", *argv])
    return await mcp_cli.run(config, args)


async def stored(db_url: str) -> str:
    """Every row of every table, as one text."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = [dict(r) for t in Base.metadata.sorted_tables for r in (await conn.execute(select(t))).mappings()]
            trail = (await conn.execute(select(audit.c.kind, audit.c.actor, audit.c.data).order_by(audit.c.id))).all()
    finally:
        await engine.dispose()
    return json.dumps([rows, [list(row) for row in trail]], default=str)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(BOT_TOKEN) as fake:
        yield fake


async def test_create_prints_the_secret_once_list_and_revoke(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = settings(db_url)
    assert await mcp(config, "token", "create", "--user", "U7", "--name", "ci", "--team", "T1", "--tools",
                     "list_*,nothing_*", "--channel", "#C9") == 0  # fmt: skip
    out, err = capsys.readouterr()
    secret, how = out.splitlines()
    assert secret.startswith(PREFIX) and out.count(secret) == 1
    assert "Authorization: Bearer <the line above>" in how and "Use opsbot from your agent" in how
    assert "no tool of this configuration matches 'nothing_*'" in err and "list_*" not in err
    assert secret not in await stored(db_url)

    assert await mcp(config, "tokens") == 0
    table = capsys.readouterr().out
    [header, row, total] = table.splitlines()
    assert header.split() == ["USER", "NAME", "CHANNEL", "TOOLS", "CREATED", "BY", "LAST", "USED"]
    assert row.split()[:4] == ["U7", "ci", "C9", "list_*,nothing_*"] and row.split()[-2:] == ["cli", "never"]
    assert total == "opsbot: 1 live MCP token" and secret not in table

    assert await mcp(config, "token", "revoke", "ci") == 0
    assert capsys.readouterr().out == "opsbot: MCP token 'ci' of U7 revoked\n"
    assert await mcp(config, "tokens") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "opsbot: 0 live MCP tokens"
    trail = await stored(db_url)
    assert '"mcp.token_created", "cli"' in trail and '"mcp.token_revoked", "cli"' in trail


async def test_refusals_are_one_clear_line(db_url: str) -> None:
    config = settings(db_url)
    for user in ("U1", "U2"):
        assert await mcp(config, "token", "create", "--user", user, "--name", "laptop", "--team", "T1") == 0
    with pytest.raises(StartupError, match="already an MCP token named `laptop` for U1 — revoke it first"):
        await mcp(config, "token", "create", "--user", "U1", "--name", "laptop", "--team", "T1")
    with pytest.raises(StartupError, match=r"2 people have a live MCP token named `laptop` \(U1, U2\) — say whose"):
        await mcp(config, "token", "revoke", "laptop")
    with pytest.raises(StartupError, match="no live MCP token named 'laptop' for U3"):
        await mcp(config, "token", "revoke", "laptop", "--user", "U3")
    with pytest.raises(StartupError, match="`alice` is not a Slack user id"):
        await mcp(config, "token", "create", "--user", "alice", "--name", "x", "--team", "T1")
    with pytest.raises(StartupError, match="`Merge` is not a tool name or pattern"):
        await mcp(config, "token", "create", "--user", "U1", "--name", "x", "--team", "T1", "--tools", "Merge")
    with pytest.raises(StartupError, match="no workspace for the token — pass --team"):
        await mcp(config, "token", "create", "--user", "U1", "--name", "x")


async def test_the_workspace_defaults_to_the_bot_tokens(
    db_url: str, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    config = settings(db_url, slack_bot_token=BOT_TOKEN, slack_api_url=slack.url)
    assert await mcp(config, "token", "create", "--user", "U1", "--name", "laptop") == 0
    assert await mcp(config, "tokens") == 0
    assert "laptop" in capsys.readouterr().out
    assert '"team_id": "T111"' in await stored(db_url)  # the fake's auth.test answer


async def test_an_unreachable_database_is_named() -> None:
    with pytest.raises(StartupError, match="cannot reach the database at postgresql"):
        await mcp(settings("postgresql+asyncpg://opsbot@127.0.0.1:1/none"), "tokens")  # nothing listens there


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="OPSBOT_TEST_BACKENDS excludes postgresql")
async def test_a_postgresql_database_not_migrated_is_not_touched() -> None:
    url = await create_pg_database()
    try:
        with pytest.raises(StartupError, match=r"has no opsbot tables .* — run `opsbot db upgrade`"):
            await mcp(settings(url), "token", "create", "--user", "U1", "--name", "x", "--team", "T1")
    finally:
        await drop_pg_database(url)


async def test_mcp_alone_is_the_stdio_server(db_url: str) -> None:
    args = cli.parser().parse_args(["mcp"])
    assert args.mcp_action is None
    with pytest.raises(ConfigurationError, match="opsbot mcp needs OPSBOT_MCP_TOKEN"):  # tests/mcp/test_mcp_stdio.py
        await mcp_cli.serve_stdio(settings(db_url), args)


@pytest.mark.slow  # the real console script, as a subprocess
async def test_the_console_script_prints_the_secret_and_one_line_errors(tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path))
    made = await opsbot(
        "mcp", "token", "create", "--user", "U1", "--name", "laptop", "--team", "T1", env=env, cwd=tmp_path
    )
    assert made.code == 0, made
    secret = made.stdout.splitlines()[0]
    assert secret.startswith(PREFIX) and made.stdout.count(secret) == 1 and secret not in made.stderr
    assert secret.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("opsbot.db*"))
    again = await opsbot(
        "mcp", "token", "create", "--user", "U1", "--name", "laptop", "--team", "T1", env=env, cwd=tmp_path
    )
    assert again.code == 1 and again.stdout == ""
    [line] = again.stderr.strip().splitlines()
    assert line.startswith("opsbot: there is already an MCP token named `laptop`") and " — " in line
    stdio = await opsbot("mcp", env=env, cwd=tmp_path)
    assert stdio.code == 2 and stdio.stderr.strip().startswith("opsbot: opsbot mcp needs OPSBOT_MCP_TOKEN")
