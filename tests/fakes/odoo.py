"""Moved to bot/sandbox/fakes/odoo.py (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.odoo import *  # noqa: F403
from bot.sandbox.fakes.odoo import __all__  # noqa: F401
