"""The fake GitHub lives in bot/sandbox/fakes/github/ (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.github import *  # noqa: F403
from bot.sandbox.fakes.github import __all__  # noqa: F401
