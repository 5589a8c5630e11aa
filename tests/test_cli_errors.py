"""Bad input at the terminal, as a new user types it: one stderr line `opsbot: <what is wrong> — <what to do>`, a
non-zero exit code, no traceback, no argparse usage line, and nothing left behind (no empty opsbot.db)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.app import cli
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import Result, cli_env, opsbot, sqlite_url, stderr_lines

pytestmark = pytest.mark.slow  # each test starts `opsbot` as a subprocess


def one_line(result: Result, code: int, *words: str) -> str:
    assert result.code == code, result
    lines = stderr_lines(result)
    assert len(lines) == 1, f"expected one stderr line, got:\n{result.stderr}"
    [line] = lines
    assert line.startswith("opsbot: ") and " — " in line, line
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr and "unexpected" not in line
    for word in words:
        assert word in line, line
    return line


# -- 1. ports are checked as the arguments are parsed --------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "lowest"),
    [
        (("sandbox", "--port", "99999"), "0"),
        (("sandbox", "--port", "-1"), "0"),
        (("sandbox", "--port", "abc"), "0"),
        (("run", "--port", "70000"), "1"),
        (("run", "--port", "0"), "1"),
    ],
)
async def test_a_port_out_of_range_is_refused_as_it_is_parsed(
    tmp_path: Path, argv: tuple[str, ...], lowest: str
) -> None:
    result = await opsbot(*argv, env=cli_env(), cwd=tmp_path)
    line = one_line(result, 2, "--port", f"from {lowest} to 65535", repr(argv[-1]), f"`opsbot {argv[0]} --help`")
    assert "OverflowError" not in line
    assert list(tmp_path.iterdir()) == []


async def test_a_port_setting_out_of_range_is_named(tmp_path: Path) -> None:
    env = cli_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, PORT="99999")
    result = await opsbot("run", env=env, cwd=tmp_path)
    one_line(result, 2, "invalid setting PORT", "1 to 65535", "99999")
    assert list(tmp_path.iterdir()) == []


def test_the_port_type_takes_the_whole_range() -> None:
    args = cli.parser().parse_args(["sandbox", "--port", "0"])
    assert args.port == 0
    assert cli.parser().parse_args(["run", "--port", "65535"]).port == 65535


# -- 2. a command that reads the database, where there is none yet ---------------------------------------


READS = [("audit", "verify"), ("mcp", "tokens"), ("mcp", "token", "revoke", "laptop")]


@pytest.mark.parametrize("argv", READS, ids=[" ".join(a) for a in READS])
async def test_reading_a_database_not_created_yet_says_so_and_creates_none(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    result = await opsbot(*argv, env=cli_env(), cwd=tmp_path)  # DATABASE_URL unset: opsbot.db here
    line = one_line(result, 1, "the database at", "has no opsbot tables yet", "run `opsbot db upgrade` first")
    assert str(tmp_path / "opsbot.db") in line
    assert list(tmp_path.iterdir()) == []


async def test_an_empty_database_file_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "opsbot.db").touch()  # what an earlier `opsbot audit verify` left behind
    result = await opsbot("audit", "verify", env=cli_env(), cwd=tmp_path)
    one_line(result, 1, "has no opsbot tables yet", "is empty", "`opsbot db upgrade`")
    assert [p.name for p in tmp_path.iterdir()] == ["opsbot.db"] and (tmp_path / "opsbot.db").stat().st_size == 0


async def test_a_database_without_opsbot_tables_is_named(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / "other.db")) as conn, conn:
        conn.execute("CREATE TABLE something_else (id INTEGER)")
    env = cli_env(DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}")
    result = await opsbot("audit", "verify", env=env, cwd=tmp_path)
    one_line(result, 1, "has no opsbot tables", "run `opsbot db upgrade` first")


async def test_after_db_upgrade_the_reads_work(tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path))
    assert (await opsbot("db", "upgrade", env=env, cwd=tmp_path)).code == 0
    verified = await opsbot("audit", "verify", env=env, cwd=tmp_path)
    assert verified.code == 0 and "intact (0 rows)" in verified.stdout, verified
    listed = await opsbot("mcp", "tokens", env=env, cwd=tmp_path)
    assert listed.code == 0 and "0 live MCP tokens" in listed.stdout, listed


# -- 3. runbooks check without its folder --------------------------------------------------------------


async def test_runbooks_check_without_the_folder_names_it_and_its_setting(tmp_path: Path) -> None:
    result = await opsbot("runbooks", "check", env=cli_env(), cwd=tmp_path)
    one_line(result, 2, str(tmp_path / "runbooks"), "does not exist", "OPSBOT_RUNBOOKS=runbooks, the default")
    assert result.stdout == ""

    (tmp_path / "books.yaml").write_text("")
    named = await opsbot("runbooks", "check", env=cli_env(OPSBOT_RUNBOOKS="books.yaml"), cwd=tmp_path)
    line = one_line(named, 2, "is a file, not a folder", "OPSBOT_RUNBOOKS=books.yaml")
    assert "the default" not in line


# -- 4. wrong invocations: one line, exit 2 as argparse exits --------------------------------------------


WRONG = [
    ((), "`opsbot` needs a command (run, sandbox, db, check, audit, runbooks, mcp)", "`opsbot --help`"),
    (("frobnicate",), "'frobnicate' is not a command of `opsbot`", "`opsbot --help`"),
    (("sandbox", "--port", "abc"), "--port must be a port number", "`opsbot sandbox --help`"),
    (("db",), "`opsbot db` needs an action (upgrade)", "`opsbot db --help`"),
    (("audit", "check"), "'check' is not an action of `opsbot audit` (it knows verify)", "`opsbot audit --help`"),
    (("mcp", "token"), "`opsbot mcp token` needs an action (create, revoke)", "`opsbot mcp token --help`"),
    (("mcp", "token", "create", "--user", "U1"), "needs --name", "`opsbot mcp token create --help`"),
    (("check", "--verbose"), "unrecognized arguments: --verbose", "`opsbot --help`"),
]


@pytest.mark.parametrize(("argv", "what", "todo"), WRONG, ids=[" ".join(w[0]) or "(none)" for w in WRONG])
async def test_a_wrong_invocation_is_one_line_and_exit_2(
    tmp_path: Path, argv: tuple[str, ...], what: str, todo: str
) -> None:
    result = await opsbot(*argv, env=cli_env(), cwd=tmp_path)
    line = one_line(result, 2, what, f"— run {todo}")
    assert result.stdout == "" and line.endswith(todo)


async def test_help_is_still_argparses(tmp_path: Path) -> None:
    result = await opsbot("--help", env=cli_env(), cwd=tmp_path)
    assert result.code == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: opsbot [-h] {run,sandbox,db,check,audit,runbooks,mcp} ...")


# -- 5. `opsbot mcp --help` says what a bare `opsbot mcp` does ----------------------------------------------


async def test_mcp_help_says_a_bare_mcp_serves_stdio_with_the_token(tmp_path: Path) -> None:
    result = await opsbot("mcp", "--help", env=cli_env(), cwd=tmp_path)
    assert result.code == 0, result
    text = " ".join(result.stdout.split())
    assert "A bare `opsbot mcp` serves opsbot's tools over MCP on stdin/stdout" in text
    assert "OPSBOT_MCP_TOKEN" in text and "opsbot mcp token create" in text
