"""The log filter: every record's message, arguments, traceback and stack are scrubbed before any handler writes
them; a clean record is left exactly as it was; installing it reaches every handler, removing it leaves none."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.core.log_redaction import SecretFilter, install_log_redaction, scrub_record
from bot.core.redact import MASK

SECRET = "plain-configured-secret-42"
GITHUB = "ghp_" + "Q1w2E3r4T5" * 3


def record(msg: object, *args: object, exc: BaseException | None = None, stack: str | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("opsbot.test", logging.ERROR, __file__, 1, msg, args or None, exc_info, sinfo=stack)


def written(made: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(message)s").format(made)


def test_the_message_and_its_arguments_are_scrubbed() -> None:
    made = record("GitHub said %s (%d tries)", f"Bad credentials {SECRET}", 3)
    scrub_record(made, (SECRET,))
    assert made.getMessage() == f"GitHub said Bad credentials {MASK} (3 tries)"
    assert made.args is None  # the raw arguments are gone, so no handler can format them again
    assert SECRET not in written(made)


def test_mapping_arguments_and_a_non_string_message() -> None:
    made = record("%(who)s sent %(what)s", {"who": "U1", "what": SECRET})
    scrub_record(made, (SECRET,))
    assert made.getMessage() == f"U1 sent {MASK}"
    error = record(ValueError(f"token {GITHUB}"))  # `log.error(exc)`: the message is an object
    scrub_record(error, ())
    assert error.getMessage() == f"token {MASK}"


def test_a_clean_record_is_left_as_it_was() -> None:
    made = record("listed %d PRs in %s", 4, "acme/api")
    scrub_record(made, (SECRET,))
    assert made.msg == "listed %d PRs in %s" and made.args == (4, "acme/api")


def test_a_traceback_with_a_secret_is_written_scrubbed() -> None:
    try:
        raise RuntimeError(f"Odoo answered: {SECRET}")
    except RuntimeError as exc:
        made = record("tool crashed", exc=exc)
    scrub_record(made, (SECRET,))
    text = written(made)
    assert "Traceback (most recent call last)" in text and f"RuntimeError: Odoo answered: {MASK}" in text
    assert SECRET not in text and made.exc_info is None  # the exception object (and its message) is dropped


def test_a_clean_traceback_keeps_its_exception() -> None:
    try:
        raise KeyError("number")
    except KeyError as exc:
        made = record("tool crashed", exc=exc)
    scrub_record(made, (SECRET,))
    assert made.exc_info is not None and "KeyError: 'number'" in written(made)


def test_the_stack_is_scrubbed() -> None:
    made = record("where", stack=f'Stack (most recent call last):\n  File "x.py", line 1, in f {GITHUB}')
    scrub_record(made, ())
    assert made.stack_info is not None and GITHUB not in made.stack_info and MASK in made.stack_info


def test_a_message_that_does_not_format_is_left_to_logging() -> None:
    made = record("%s and %s", "only one")
    assert SecretFilter((SECRET,)).filter(made) is True
    assert made.msg == "%s and %s" and made.args == ("only one",)


@pytest.fixture
def isolated_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger that does not pass records up, with its own handler (as a library might set one up)."""
    stream = io.StringIO()
    logger = logging.getLogger("opsbot.test.isolated")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_installed_on_every_handler_and_removed_from_them(isolated_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = isolated_logger
    root_stream = io.StringIO()
    root_handler = logging.StreamHandler(root_stream)
    root = logging.getLogger()
    root.addHandler(root_handler)
    try:
        installed = install_log_redaction((SECRET,))
        logger.warning("isolated %s", SECRET)
        logging.getLogger("opsbot.test.child").warning("propagated %s", SECRET)
        assert stream.getvalue() == f"isolated {MASK}\n"
        assert f"propagated {MASK}" in root_stream.getvalue() and SECRET not in root_stream.getvalue()
        installed.remove()
        assert all(not isinstance(f, SecretFilter) for f in root_handler.filters)
        logger.warning("after %s", SECRET)
        assert stream.getvalue().endswith(f"after {SECRET}\n")
    finally:
        root.removeHandler(root_handler)


def test_token_shapes_are_masked_without_configured_secrets() -> None:
    made = record("calling with %s", GITHUB)
    SecretFilter(()).filter(made)
    assert made.getMessage() == f"calling with {MASK}"
