"""Tryton and Odoo as units: each its settings section, the ERP tools over its adapter, and a login as its probe.
opsbot talks to one ERP: both belong to the exclusive group `erp`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

import aiohttp
from pydantic import SecretStr

from bot.core.errors import ConfigurationError, OpsbotError
from bot.core.tool_registry import Tool
from integrations.erp.erp_tools import erp_tools
from integrations.erp.odoo import Odoo
from integrations.erp.port import ErpPort
from integrations.erp.tryton import Tryton
from integrations.unit import Probe, Section, ToolContext, Unit


class TrytonSettings(Section):
    tryton_url: str | None = None
    tryton_database: str | None = None
    tryton_user: str | None = None
    tryton_password: SecretStr | None = None


class OdooSettings(Section):
    odoo_url: str | None = None
    odoo_database: str | None = None
    odoo_user: str | None = None
    odoo_api_key: SecretStr | None = None
    odoo_protocol: Literal["auto", "jsonrpc", "json2"] = "auto"


E = TypeVar("E", bound=Section)


class ErpUnit(Unit[E]):
    exclusive = "erp"

    def adapter(self, section: E, http: aiohttp.ClientSession) -> ErpPort:
        raise NotImplementedError

    def tools(self, section: E, context: ToolContext) -> Sequence[Tool]:
        if not self.configured(section):
            return ()
        return erp_tools(self.adapter(section, context.http), clock=context.clock)

    async def check(self, section: E) -> Probe:
        async with aiohttp.ClientSession() as session:
            try:
                erp = self.adapter(section, session)
                return Probe(ok=True, line=f"erp: {erp.name} adapter, reachable: {await erp.check()}")
            except OpsbotError as exc:
                return Probe(ok=False, line=f"erp: unreachable or refused ({exc})".replace("\n", " "))


class TrytonUnit(ErpUnit[TrytonSettings]):
    name = "tryton"
    section = TrytonSettings

    def configured(self, section: TrytonSettings) -> bool:
        return bool(section.tryton_url)

    def adapter(self, section: TrytonSettings, http: aiohttp.ClientSession) -> ErpPort:
        s = section
        database, user, password = _required(
            "TRYTON", database=s.tryton_database, user=s.tryton_user, password=s.tryton_password
        )
        assert s.tryton_url is not None
        return Tryton(http, url=s.tryton_url, database=database, user=user, password=password)


class OdooUnit(ErpUnit[OdooSettings]):
    name = "odoo"
    section = OdooSettings

    def configured(self, section: OdooSettings) -> bool:
        return bool(section.odoo_url)

    def adapter(self, section: OdooSettings, http: aiohttp.ClientSession) -> ErpPort:
        s = section
        database, user, api_key = _required("ODOO", database=s.odoo_database, user=s.odoo_user, api_key=s.odoo_api_key)
        assert s.odoo_url is not None
        return Odoo(http, url=s.odoo_url, database=database, user=user, api_key=api_key, protocol=s.odoo_protocol)


def _required(prefix: str, **values: str | SecretStr | None) -> tuple[str, ...]:
    """The values, in order, as plain strings; a ConfigurationError naming every one that is missing."""
    plain = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in values.values()]
    missing = [f"{prefix}_{name.upper()}" for name, value in zip(values, plain, strict=True) if not value]
    if missing:
        raise ConfigurationError(f"Missing setting: {', '.join(missing)} (needed with {prefix}_URL).")
    return tuple(v for v in plain if v)


TRYTON = TrytonUnit()
ODOO = OdooUnit()
