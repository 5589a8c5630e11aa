"""What each CLI command does (kept apart from argument parsing)."""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import signal
import socket as sockets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import Settings
from bot.core.errors import ConfigurationError, OpsbotError
from bot.store.audit import AuditLog
from bot.store.engine import make_engine, schema_problem, upgrade_database


class StartupError(OpsbotError):
    """A command could not start: `opsbot: <what> — <what to do>` on one stderr line, exit 1 (bot/app/cli.py)."""

    exit_code = 1

    def __init__(self, what: str, todo: str) -> None:
        super().__init__(f"{what} — {todo}")


_DATABASE_ERRORS = (OSError, TimeoutError, DBAPIError)  # refused, no such host, timed out, refused login
_SLACK_ERRORS = (aiohttp.ClientError, TimeoutError, SlackApiError)
_REINSTALL = "reinstall the Slack app to the workspace and put its new Bot User OAuth Token in SLACK_BOT_TOKEN"
_SLACK_TOKEN_ERRORS = {
    "invalid_auth": "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page to SLACK_BOT_TOKEN",
    "not_authed": "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) of your Slack app",
    "token_revoked": _REINSTALL,
    "token_expired": _REINSTALL,
    "account_inactive": "the token's app or workspace is deactivated: reinstall the app and update SLACK_BOT_TOKEN",
}


def _reason(exc: BaseException) -> str:
    """A short cause, never the exception's full text (which may quote a URL or a server message)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
        if not isinstance(exc, OSError):  # the driver's own words: "unable to open database file", a refused login
            return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    if isinstance(exc, aiohttp.ClientConnectorError):
        exc = exc.os_error
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError):
        if isinstance(exc.errno, int) and exc.errno > 0:
            return os.strerror(exc.errno).lower()
        if exc.strerror:
            return exc.strerror.lower()
    return type(exc).__name__


def slack_failure(exc: BaseException, settings: Settings) -> StartupError:
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error") or "")
        if error in _SLACK_TOKEN_ERRORS:
            return StartupError(f"Slack refused SLACK_BOT_TOKEN ({error})", _SLACK_TOKEN_ERRORS[error])
        return StartupError(
            f"Slack's auth.test at {settings.slack_api_url} failed ({_reason(exc)})",
            "check SLACK_API_URL and the bot token's app, then run `opsbot check`",
        )
    return StartupError(
        f"cannot reach Slack at {settings.slack_api_url} ({_reason(exc)})",
        "check the network (DNS, proxy, firewall) and SLACK_API_URL (unset means https://slack.com/api/)",
    )


def database_failure(exc: BaseException, url: URL | str) -> StartupError:
    url = make_url(url)
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        todo = "check that DATABASE_URL names a file in a directory opsbot can write"
    else:
        todo = "start PostgreSQL, or fix the host, port, user, password or database name in DATABASE_URL"
    return StartupError(f"cannot reach the database at {where} ({_reason(exc)})", todo)


def sqlite_file(url: URL | str) -> Path | None:
    """The file a SQLite URL names (relative to the working directory, as SQLite opens it); None for another
    database, an in-memory one or a `file:` URI."""
    url = make_url(url)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return None if url.query.get("uri") else Path(name)


@asynccontextmanager
async def opened_database(
    settings: Settings, *, migrate: bool = False, create: bool = False
) -> AsyncIterator[AsyncEngine]:
    """An engine over the database at this opsbot's schema, else a StartupError that says why not (unreachable, no
    opsbot tables, behind, newer). Unless `create`, a SQLite file that is not there (or is empty) is refused untouched,
    not created. `migrate` migrates SQLite first, as `opsbot run` does (PostgreSQL: `opsbot db upgrade` does)."""
    url = make_url(settings.async_database_url)
    where = url.render_as_string(hide_password=True)
    file = sqlite_file(url)
    if file is not None and not create and (empty := _no_database(file)):
        raise StartupError(
            f"the database at {where} has no opsbot tables yet ({empty})",
            "run `opsbot db upgrade` first (it creates them), or set DATABASE_URL to opsbot's database",
        )
    engine = make_engine(settings.async_database_url)
    try:
        try:
            if migrate and url.get_backend_name() == "sqlite":
                await upgrade_database(engine)
            problem = await schema_problem(engine)
        except _DATABASE_ERRORS as exc:
            raise database_failure(exc, engine.url) from exc
        if problem is not None:
            newer = "newer" in problem
            todo = "run that newer opsbot instead" if newer else "run `opsbot db upgrade` first, then try again"
            raise StartupError(f"the database at {where} {problem}", todo)
        yield engine
    finally:
        await engine.dispose()


def _no_database(file: Path) -> str:
    """Why a SQLite file is no database yet ("there is no file …", "… is empty"), or "" when it may be one."""
    if not file.exists():
        return f"there is no file {file.absolute()}"
    return f"{file.absolute()} is empty" if file.is_file() and file.stat().st_size == 0 else ""


def listen_failure(exc: OSError, host: str, port: int) -> StartupError:
    if exc.errno == errno.EADDRINUSE:
        todo = "stop what listens there, or set PORT (or pass --port) to a free port"
    elif exc.errno == errno.EACCES:
        todo = "pick a port above 1023 with PORT or --port, or run with the right to bind it"
    else:
        todo = "set HOST (or --host) to an address of this machine, e.g. 0.0.0.0 or 127.0.0.1"
    return StartupError(f"cannot listen on {host}:{port} ({_reason(exc)})", todo)


def _listen(host: str, port: int) -> sockets.socket:
    """A listening socket on host:port, as aiohttp's TCPSite would open it (SO_REUSEADDR, backlog 128)."""
    try:
        family = sockets.getaddrinfo(host, port, type=sockets.SOCK_STREAM, flags=sockets.AI_PASSIVE)[0][0]
        return sockets.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise listen_failure(exc, host, port) from exc


async def _reach_database(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except _DATABASE_ERRORS as exc:
        raise database_failure(exc, engine.url) from exc


async def sandbox(settings: Settings, *, host: str, port: int, data: str | None = None) -> int:
    """The bot against a local Slack stand-in and a web page, on demo data; runs until Ctrl-C (stopped within 2 s:
    the page's event streams are ended, bot/sandbox/page.py). A setting holding an example value from
    `.env.example` is ignored, and the banner says so (a `GITHUB_TOKEN=ghp_your-token` keeps the demo GitHub).
    `data`, a directory, keeps the state across restarts (bot/sandbox/saved_state.py)."""
    from bot.app.placeholders import placeholders, without_placeholders
    from bot.sandbox.sandbox_app import Sandbox

    examples = placeholders(settings)
    settings = without_placeholders(settings, examples)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Sandbox(settings, host=host, port=port, data=Path(data) if data else None) as running:
        print(f"opsbot sandbox: {sandbox_banner(running.github is not None, settings, examples, data)}", flush=True)
        print(f"opsbot sandbox: open {running.url}", flush=True)
        await stop.wait()
    print("opsbot sandbox: stopped", flush=True)
    gc.freeze()  # the process exits next: collecting the objects of ~2,000 modules took Python another 0.5 to 1 s
    return 0


# the sandbox replaces these with its demo values, so an example value in them changes nothing there
_SANDBOX_OWN = ("SLACK_", "OPSBOT_CHANNEL_REPOS", "OPSBOT_APPROVERS", "GITHUB_WEBHOOK_SECRET")


def sandbox_banner(demo_github: bool, settings: Settings, examples: list[str], data: str | None = None) -> str:
    """`demo GitHub (acme/api), offline command grammar, …`, and which example values from .env were ignored."""

    def because(name: str, before: str) -> str:
        return f"{before}{name} in .env is the example placeholder, ignored" if name in examples else ""

    github = (
        f"demo GitHub (acme/api{because('GITHUB_TOKEN', '; ')})"
        if demo_github
        else f"GitHub at {settings.github_api_url}"
    )
    planner = "LLM agent" if settings.openai_api_key is not None else "offline command grammar"
    if "OPENAI_API_KEY" in examples:
        planner += f" ({because('OPENAI_API_KEY', '')})"
    others = [n for n in examples if n not in ("GITHUB_TOKEN", "OPENAI_API_KEY") and not n.startswith(_SANDBOX_OWN)]
    ignored = f" ({', '.join(others)}: example placeholders from .env, ignored)" if others else ""
    state = f"state kept in {data}" if data else "a fresh SQLite database"
    return f"{github}, {planner}, {state}{ignored}; Ctrl-C stops it"


async def db_upgrade(settings: Settings) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        await upgrade_database(engine)
    except _DATABASE_ERRORS as exc:
        raise database_failure(exc, engine.url) from exc
    finally:
        await engine.dispose()
    print(f"opsbot: database at {engine.url.render_as_string(hide_password=True)} is up to date")
    return 0


async def check(settings: Settings) -> int:
    """One line per part (`[ok  ]`, `[off ]` for an optional part left unset, `[FAIL]`); exit 1 when one failed."""
    import logging

    from bot.app.checks import failed_checks

    pool = logging.getLogger("urllib3.connectionpool")
    if not pool.isEnabledFor(logging.DEBUG):  # its "Retrying …" warnings would repeat the github line on stderr
        pool.setLevel(logging.ERROR)
    failed = await failed_checks(settings)
    if failed:
        raise StartupError(
            f"{len(failed)} check{'s' if len(failed) != 1 else ''} failed ({', '.join(dict.fromkeys(failed))})",
            "fix what the [FAIL] lines above name, then run `opsbot check` again",
        )
    return 0


async def runbooks_check(settings: Settings) -> int:
    """Validate every runbook against the tools this configuration has; errors name file and line."""
    import aiohttp

    from bot.app.units import build_registry
    from bot.core.clock import SystemClock
    from bot.orchestration.runbooks.loader import load_runbooks
    from integrations.unit import ToolContext

    folder = _runbooks_folder(settings)
    async with aiohttp.ClientSession() as http:  # nothing is called: the tools are only listed
        registry = build_registry(settings, ToolContext(http=http, clock=SystemClock()))
    books = load_runbooks(folder, registry)  # raises a ConfigurationError with file and line
    for book in books.values():
        note = f" (unavailable: {book.unavailable})" if book.unavailable else ""
        print(f"[ok  ] {book.name}: {len(book.spec.steps)} steps, {book.source}{note}")
    print(f"opsbot: {len(books)} runbook{'s' if len(books) != 1 else ''} in {settings.opsbot_runbooks} checked")
    return 0


def _runbooks_folder(settings: Settings) -> Path:
    """OPSBOT_RUNBOOKS, which must be a folder: `opsbot run` takes a missing one for no runbooks, but a check of
    none is a mistake (a typo, the wrong working directory)."""
    folder = Path(settings.opsbot_runbooks)
    if not folder.is_dir():
        default = "" if "opsbot_runbooks" in settings.model_fields_set else ", the default"
        what, todo = (
            ("is a file, not a folder", "set OPSBOT_RUNBOOKS to the folder that holds your runbook YAML files")
            if folder.exists()
            else (
                "does not exist",
                "create it and put your runbook YAML files in it, or set OPSBOT_RUNBOOKS to the folder that has them",
            )
        )
        raise ConfigurationError(
            f"the runbooks folder {folder.absolute()} {what} (OPSBOT_RUNBOOKS={folder}{default}) — {todo}"
        )
    return folder


async def audit_verify(settings: Settings) -> int:
    async with opened_database(settings) as engine:  # read only: never migrated, nor created
        try:
            report = await AuditLog(engine).verify()
        except _DATABASE_ERRORS as exc:
            raise database_failure(exc, engine.url) from exc
    if report.ok:
        print(f"opsbot: audit chain intact ({report.rows} rows)")
        return 0
    print(f"opsbot: audit chain broken at row {report.broken_at}: {report.reason}")
    return 1
