"""Moved to bot/sandbox/fakes/slack_driver.py (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.slack_driver import *  # noqa: F403
from bot.sandbox.fakes.slack_driver import __all__  # noqa: F401
