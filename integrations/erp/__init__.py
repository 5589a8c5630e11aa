"""The ERP for opsbot: one port, a Tryton and an Odoo adapter, and the tools built on them."""

from __future__ import annotations

import aiohttp

from bot.errors import ConfigurationError
from bot.settings import Settings
from integrations.erp.odoo import Odoo
from integrations.erp.port import ErpPort
from integrations.erp.tools import erp_tools
from integrations.erp.tryton import Tryton

__all__ = ["ErpPort", "Odoo", "Tryton", "erp_from_settings", "erp_tools"]


def erp_from_settings(settings: Settings, http: aiohttp.ClientSession) -> ErpPort | None:
    """The configured adapter: Tryton when TRYTON_URL is set, Odoo when ODOO_URL is, none when neither is."""
    if settings.tryton_url and settings.odoo_url:
        raise ConfigurationError("Set TRYTON_URL or ODOO_URL, not both: opsbot talks to one ERP.")
    if settings.tryton_url:
        _require(
            "TRYTON", database=settings.tryton_database, user=settings.tryton_user, password=settings.tryton_password
        )
        assert settings.tryton_database and settings.tryton_user and settings.tryton_password
        return Tryton(
            http,
            url=settings.tryton_url,
            database=settings.tryton_database,
            user=settings.tryton_user,
            password=settings.tryton_password.get_secret_value(),
        )
    if settings.odoo_url:
        _require("ODOO", database=settings.odoo_database, user=settings.odoo_user, api_key=settings.odoo_api_key)
        assert settings.odoo_database and settings.odoo_user and settings.odoo_api_key
        return Odoo(
            http,
            url=settings.odoo_url,
            database=settings.odoo_database,
            user=settings.odoo_user,
            api_key=settings.odoo_api_key.get_secret_value(),
            protocol=settings.odoo_protocol,
        )
    return None


def _require(prefix: str, **values: object) -> None:
    missing = [f"{prefix}_{name.upper()}" for name, value in values.items() if not value]
    if missing:
        raise ConfigurationError(f"Missing setting: {', '.join(missing)} (needed with {prefix}_URL).")
