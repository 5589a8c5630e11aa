"""Moved to bot/sandbox/fakes/odoo_orm.py (the sandbox runs it too); re-exported for the tests."""

from bot.sandbox.fakes.odoo_orm import *  # noqa: F403
from bot.sandbox.fakes.odoo_orm import __all__  # noqa: F401
