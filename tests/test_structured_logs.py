"""Structured logs: one JSON object a line with the ids of its work (a merge's lines carry its run id), or text with
the ids in brackets; the secret filter on the handler scrubs before formatting; `opsbot` sets it all up from
OPSBOT_LOG_LEVEL and OPSBOT_LOG_FORMAT, and takes it down again."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import cli
from bot.app.logs import JsonFormatter, configure_logging, make_handler, use_json
from bot.app.settings import LogSettings, Settings
from bot.core.log_context import bind
from bot.core.redact import MASK
from bot.store.models import runs
from tests.harness import BOT_TOKEN, GITHUB_TOKEN, Harness
from tests.test_approval_flow import request_merge

SECRET = "plain-configured-secret-42"


def json_settings() -> LogSettings:
    return LogSettings(_env_file=None, opsbot_log_format="json")


def lines_of(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every `bot.*` record from INFO up, written by the JSON handler `opsbot` uses (the harness's secrets set)."""
    stream = io.StringIO()
    handler = make_handler(json_settings(), (BOT_TOKEN, GITHUB_TOKEN), stream)
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def emit(handler: logging.Handler, message: str, *args: object, exc: BaseException | None = None) -> None:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    made = logging.LogRecord("opsbot.test", logging.WARNING, __file__, 1, message, args or None, exc_info)
    if handler.filter(made):
        handler.emit(made)


# -- the JSON format ----------------------------------------------------------------------------------


def test_a_json_line_has_the_time_level_logger_message_and_the_bound_ids() -> None:
    stream = io.StringIO()
    handler = make_handler(json_settings(), (), stream)
    emit(handler, "outside any work")
    with bind(event_id="slack:Ev1", inbox_id=12, team="T1"), bind(run_id="01RUN"):
        emit(handler, "merged %s", "acme/api#42")
    first, second = lines_of(stream)
    assert set(first) == {"ts", "level", "logger", "message"}
    assert first["level"] == "WARNING" and first["logger"] == "opsbot.test"
    assert isinstance(first["ts"], str) and first["ts"].endswith("Z") and "T" in first["ts"]
    assert second["message"] == "merged acme/api#42"
    assert {k: second[k] for k in ("event_id", "inbox_id", "run_id", "team")} == {
        "event_id": "slack:Ev1",
        "inbox_id": 12,
        "run_id": "01RUN",
        "team": "T1",
    }


def test_a_traceback_is_one_field_of_one_line_and_is_scrubbed() -> None:
    stream = io.StringIO()
    handler = make_handler(json_settings(), (SECRET,), stream)
    try:
        raise RuntimeError(f"Odoo answered: {SECRET}")
    except RuntimeError as exc:
        emit(handler, "tool crashed with %s", SECRET, exc=exc)
    assert stream.getvalue().count("\n") == 1
    [line] = lines_of(stream)
    assert line["message"] == f"tool crashed with {MASK}"
    trace = line["exc_info"]
    assert isinstance(trace, str) and trace.startswith("Traceback (most recent call last)")
    assert f"RuntimeError: Odoo answered: {MASK}" in trace
    assert SECRET not in stream.getvalue()


def test_a_clean_traceback_is_kept_whole() -> None:
    stream = io.StringIO()
    handler = make_handler(json_settings(), (SECRET,), stream)
    try:
        raise KeyError("number")
    except KeyError as exc:
        emit(handler, "tool crashed", exc=exc)
    [line] = lines_of(stream)
    assert "KeyError: 'number'" in str(line["exc_info"])


def test_the_text_format_is_todays_line_with_the_ids_in_brackets() -> None:
    stream = io.StringIO()
    handler = make_handler(LogSettings(_env_file=None, opsbot_log_format="text"), (), stream)
    emit(handler, "plain")
    with bind(run_id="01RUN", team="T1"):
        emit(handler, "with ids")
    plain, with_ids = stream.getvalue().splitlines()
    assert plain.endswith(" WARNING opsbot.test: plain")
    assert with_ids.endswith(" WARNING opsbot.test: with ids [run_id=01RUN team=T1]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_unless_stderr_is_a_terminal_and_the_setting_wins() -> None:
    unset = LogSettings(_env_file=None)
    assert use_json(unset, io.StringIO()) is True
    assert use_json(unset, Terminal()) is False
    assert use_json(LogSettings(_env_file=None, opsbot_log_format="json"), Terminal()) is True
    assert use_json(LogSettings(_env_file=None, opsbot_log_format="text"), io.StringIO()) is False


def test_the_log_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_LOG_LEVEL", " debug ")
    monkeypatch.setenv("OPSBOT_LOG_FORMAT", "JSON")
    logs = LogSettings(_env_file=None)
    assert logs.log_level == logging.DEBUG and logs.opsbot_log_format == "json"
    monkeypatch.setenv("OPSBOT_LOG_FORMAT", "")
    assert LogSettings(_env_file=None).opsbot_log_format is None
    assert isinstance(make_handler(logs, ()).formatter, JsonFormatter)


# -- opsbot: set up from the settings, taken down after ----------------------------------------------


def test_configure_logging_adds_one_handler_at_the_level_and_removes_it(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, opsbot_log_level="WARNING", opsbot_log_format="json")
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    stream = io.StringIO()
    with configure_logging(settings, stream) as handler:
        assert root.handlers == [*before, handler] and root.level == logging.WARNING
        logging.getLogger("bot.test").info("below the level")
        logging.getLogger("bot.test").warning("at the level")
    assert root.handlers == before and root.level == level
    assert [line["message"] for line in lines_of(stream)] == ["at the level"]


@pytest.fixture
def no_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("OPSBOT_LOG_LEVEL", "OPSBOT_LOG_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_env_file")
def test_opsbot_writes_json_lines_to_stderr_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("OPSBOT_ALERTMANAGER_TOKEN", SECRET)

    async def dispatch(_args: object, _settings: object) -> int:
        with bind(run_id="01RUN"):
            logging.getLogger("bot.test").warning("the alert token is %s", SECRET)
        return 0

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    assert cli.main(["check"]) == 0
    err = capsys.readouterr().err
    [line] = [json.loads(raw) for raw in err.splitlines() if raw.startswith("{")]
    assert line["message"] == f"the alert token is {MASK}" and line["run_id"] == "01RUN"
    assert SECRET not in err


@pytest.mark.usefixtures("no_env_file")
def test_a_bad_log_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPSBOT_LOG_LEVEL", "LOUD")
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsbot: invalid setting OPSBOT_LOG_LEVEL: ") and err.count("\n") == 1


# -- the done-when: a JSON log line of a merge carries its run id ------------------------------------------


async def test_a_json_log_line_of_a_merge_carries_its_run_id(env: Harness, json_log: io.StringIO) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        [(run_id, team)] = (await conn.execute(select(runs.c.id, runs.c.team_id))).all()
    lines = lines_of(json_log)
    [merged] = [line for line in lines if str(line["message"]).startswith("tool merge_pull_request succeeded")]
    assert merged["run_id"] == run_id
    assert merged["logger"] == "bot.orchestration.execution" and merged["level"] == "INFO"
    assert merged["team"] == team and isinstance(merged["inbox_id"], int) and merged["event_id"]
    assert BOT_TOKEN not in json_log.getvalue() and GITHUB_TOKEN not in json_log.getvalue()
