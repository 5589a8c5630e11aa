"""Moved to bot/sandbox/fakes/slack_api.py (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.slack_api import *  # noqa: F403
from bot.sandbox.fakes.slack_api import __all__  # noqa: F401
