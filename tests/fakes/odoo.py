"""Moved to bot/sandbox/fakes/fake_odoo.py (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.fake_odoo import *  # noqa: F403
from bot.sandbox.fakes.fake_odoo import __all__  # noqa: F401
