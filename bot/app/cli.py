"""The `opsbot` command line: run, sandbox, db upgrade, check, audit verify."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import NoReturn

from pydantic import ValidationError

from bot.app.logs import configure_logging
from bot.app.settings import LogSettings, Settings
from bot.app.tracing import tracing
from bot.core.errors import ConfigurationError, OpsbotError

log = logging.getLogger("opsbot")
_MCP_GUIDE = 'the README, "Use opsbot from your agent"'  # bot.app.mcp_cli.GUIDE: that module loads the store


class _Parser(argparse.ArgumentParser):
    """A wrong invocation is one line `opsbot: <what is wrong> — run `opsbot … --help``, exit 2 (argparse's code),
    not argparse's usage line and `opsbot …: error: …`; --help itself is argparse's."""

    def error(self, message: str) -> NoReturn:
        print(f"opsbot: {_wrong(self, message)} — run `{self.prog} --help`", file=sys.stderr)
        self.exit(2)


_REQUIRED = "the following arguments are required: "
_CHOICE = re.compile(r"argument (?P<name>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)$")


def _wrong(p: argparse.ArgumentParser, message: str) -> str:
    """argparse's message in the words of `opsbot --help`: which command or action is missing or unknown."""
    choices = {_shown(a): a for a in p._actions if not a.option_strings and a.choices}
    if message.startswith(_REQUIRED):
        missing = [_needs(choices[name]) if name in choices else name for name in message[len(_REQUIRED) :].split(", ")]
        return f"`{p.prog}` needs {' and '.join(missing)}"
    if (bad := _CHOICE.match(message)) is not None and bad["name"] in choices:
        known = ", ".join(str(c) for c in choices[bad["name"]].choices or ())
        what = "a command" if choices[bad["name"]].dest == "command" else "an action"
        return f"{bad['value']} is not {what} of `{p.prog}` (it knows {known})"
    return re.sub(r"^argument (\S+): ", r"\1 ", message)


def _shown(action: argparse.Action) -> str:
    return str(action.metavar) if action.metavar is not None else action.dest


def _needs(action: argparse.Action) -> str:
    what = "a command" if action.dest == "command" else "an action"
    return f"{what} ({', '.join(str(c) for c in action.choices or ())})"


def port_number(lowest: int) -> Callable[[str], int]:
    """An argparse type: a TCP port from `lowest` (0 lets the system pick one) to 65535, else a one-line refusal."""

    def port(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lowest <= value <= 65535:
            free = " (0 picks a free one)" if lowest == 0 else ""
            raise argparse.ArgumentTypeError(f"must be a port number from {lowest} to 65535{free}, not {text!r}")
        return value

    return port


def parser() -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = _Parser(prog="opsbot", description="A Slack-native ChatOps agent.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve Slack over HTTP (or Socket Mode with --socket)")
    run.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")
    run.add_argument("--host", help="override HOST")
    run.add_argument("--port", type=port_number(1), help="override PORT")
    sandbox = sub.add_parser("sandbox", help="try opsbot in a local Slack-like page, no workspace needed")
    sandbox.add_argument("--host", default="127.0.0.1", help="page address (default 127.0.0.1)")
    sandbox.add_argument(
        "--port", type=port_number(0), default=8600, help="page port (default 8600; 0 picks a free one)"
    )
    sandbox.add_argument("--data", metavar="DIR", help="keep the sandbox's state in DIR across restarts")
    db = sub.add_parser("db", help="database commands")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("check", help="validate settings and reach Slack and GitHub")
    audit = sub.add_parser("audit", help="audit log commands")
    audit.add_argument("action", choices=["verify"])
    books = sub.add_parser("runbooks", help="runbook commands")
    books.add_argument("action", choices=["check"])
    _mcp_parser(sub)
    return p


def _mcp_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve MCP over stdio (no action), or manage MCP clients' tokens",
        description="A bare `opsbot mcp` serves opsbot's tools over MCP on stdin/stdout, to the one local client that "
        "started it (Claude Code, Cursor): it acts with the MCP token in OPSBOT_MCP_TOKEN, which the client puts in "
        "its environment for this command. With an action, it manages those tokens.",
        epilog=f"A token comes from `opsbot mcp token create` or `/ops mcp token create <name>` in a DM with opsbot; "
        f"see {_MCP_GUIDE}.",
    )
    actions = mcp.add_subparsers(dest="mcp_action")  # none: serve over stdio
    actions.add_parser("tokens", help="list the live MCP tokens (never their secrets)")
    token = actions.add_parser("token", help="create or revoke an MCP token").add_subparsers(
        dest="verb", required=True, metavar="{create,revoke}"
    )
    create = token.add_parser(
        "create",
        help="create a token for a Slack user and print its secret once",
        description="Create an MCP token that acts as the Slack user --user; its secret is printed once on stdout "
        "(only its hash is stored). The workspace is --team, else the one SLACK_BOT_TOKEN belongs to (asked from "
        "Slack's auth.test); with neither, the command refuses.",
    )
    create.add_argument("--user", required=True, metavar="U…", help="the Slack user the client acts for")
    create.add_argument("--name", required=True, help="the client's name, unique among the user's live tokens")
    create.add_argument(
        "--channel", metavar="C…", help="its approval cards' channel id (C…, or the user's DM with opsbot, D…)"
    )
    create.add_argument("--tools", metavar="P1,P2", help="allowed tool names or patterns (default: every tool)")
    create.add_argument("--team", metavar="T…", help="the workspace id (default: SLACK_BOT_TOKEN's, from Slack)")
    revoke = token.add_parser("revoke", help="revoke a live token by name")
    revoke.add_argument("name", help="the token's name")
    revoke.add_argument("--user", metavar="U…", help="whose token (needed when several people have one of that name)")


def main(argv: Sequence[str] | None = None) -> int:
    """Every failure to start is one stderr line `opsbot: <what> — <what to do>` and a non-zero exit code;
    OPSBOT_LOG_LEVEL=DEBUG adds the traceback above it."""
    args = parser().parse_args(argv)
    try:
        logs = LogSettings()  # alone and first: a bad setting elsewhere still shows the traceback DEBUG asks for
    except ValidationError as exc:
        _fail(exc, _one_line(exc), debug=False)
        return 2
    debug = logs.log_level == logging.DEBUG
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_drop_token_unused_warning)
    try:
        settings = Settings()
        # from here on each line is in OPSBOT_LOG_FORMAT with the ids of its work, and shows no configured secret;
        # alembic and APScheduler (two INFO lines a minute per digest slot) log WARNING and up, unless DEBUG
        with configure_logging(settings), tracing(settings) if args.command == "run" else nullcontext(False):
            return asyncio.run(_dispatch(args, settings))
    except (ConfigurationError, ValidationError) as exc:
        _fail(exc, _one_line(exc), debug=debug)
        return 2
    except OpsbotError as exc:  # a StartupError from cli_commands: Slack, the database or the port
        _fail(exc, _one_line(exc), debug=debug)
        code = getattr(exc, "exit_code", 1)
        return code if isinstance(code, int) and code else 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not a setting: still one line, the traceback only when asked for
        what = f"unexpected {type(exc).__name__}"
        _fail(exc, f"{what} — run again with OPSBOT_LOG_LEVEL=DEBUG for the traceback and report it", debug=debug)
        return 1


def _fail(exc: BaseException, line: str, *, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"opsbot: {line}", file=sys.stderr)


def _drop_token_unused_warning(record: logging.LogRecord) -> bool:
    # Bolt falls back to the SLACK_BOT_TOKEN environment variable when AsyncApp gets no `token`, then warns that the
    # `client` it was given wins; that client is tokenless on purpose (bot/app/wiring.py `_bolt`: the token comes
    # from `authorize`), so the warning is noise at every start.
    return "`token` will be unused" not in record.getMessage()


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"invalid setting {str(err['loc'][0]).upper()}: {err['msg']}"
    return str(exc).replace("\n", " ")


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import cli_commands as commands

    if args.command == "run":
        from bot.app.serve import run

        if args.port is None and not 1 <= settings.port <= 65535:  # --port is checked as it is parsed
            raise ConfigurationError(
                f"invalid setting PORT: must be a port number from 1 to 65535, not {settings.port} — set PORT to "
                "the port opsbot listens on (default 3000), or pass --port"
            )
        return await run(settings, socket=args.socket, host=args.host, port=args.port)
    if args.command == "sandbox":
        return await commands.sandbox(settings, host=args.host, port=args.port, data=args.data)
    if args.command == "db":
        return await commands.db_upgrade(settings)
    if args.command == "check":
        return await commands.check(settings)
    if args.command == "runbooks":
        return await commands.runbooks_check(settings)
    if args.command == "mcp":
        from bot.app import mcp_cli

        if args.mcp_action is None:
            return await mcp_cli.serve_stdio(settings, args)
        return await mcp_cli.run(settings, args)
    return await commands.audit_verify(settings)


if __name__ == "__main__":
    raise SystemExit(main())
