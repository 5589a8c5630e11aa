"""The ERP in the wiring: settings choose the adapter, `opsbot check` reports it, the grammar reaches each tool."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.app.settings import Settings
from bot.app.units import build_registry, configured_units, probes
from bot.core.errors import ConfigurationError
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext
from integrations.erp import Odoo, Tryton, erp_tools
from integrations.erp.erp_units import ODOO, TRYTON
from integrations.unit import ToolContext
from tests.erp.conftest import TrytonEnv
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def tryton_settings(env: TrytonEnv, password: str | None = None) -> Settings:
    s = env.server
    return settings(
        tryton_url=s.url, tryton_database=s.database, tryton_user=s.user, tryton_password=password or s.password
    )


def erp_names(values: dict[str, str]) -> list[str]:
    return [unit.name for unit in configured_units(settings(**values)) if unit.exclusive == "erp"]


async def test_settings_choose_the_adapter() -> None:
    assert erp_names({}) == []
    odoo = settings(odoo_url="http://odoo", odoo_database="db", odoo_user="me", odoo_api_key="k")
    tryton = settings(tryton_url="http://t", tryton_database="db", tryton_user="me", tryton_password="pw")
    assert erp_names({"odoo_url": "http://odoo"}) == ["odoo"] and erp_names({"tryton_url": "http://t"}) == ["tryton"]
    async with aiohttp.ClientSession() as http:
        assert isinstance(ODOO.adapter(ODOO.of(odoo), http), Odoo)
        assert isinstance(TRYTON.adapter(TRYTON.of(tryton), http), Tryton)
        with pytest.raises(ConfigurationError, match="Missing setting: TRYTON_DATABASE, TRYTON_PASSWORD"):
            TRYTON.adapter(TRYTON.of(settings(tryton_url="http://t", tryton_user="me")), http)
    with pytest.raises(ConfigurationError, match="not both"):
        erp_names({"tryton_url": "http://t", "odoo_url": "http://o"})


def test_erp_secrets_are_their_units_and_redacted_everywhere() -> None:
    both = settings(tryton_password="tryton-secret-pw", odoo_api_key="odoo-secret-key")
    assert TRYTON.secrets(both) == ("tryton-secret-pw",) and ODOO.secrets(both) == ("odoo-secret-key",)
    assert {"tryton-secret-pw", "odoo-secret-key"} <= set(both.secret_values())


async def erp_line(s: Settings) -> tuple[bool, str]:
    [line] = [p for p in await probes(s) if p.line.startswith("erp:")]
    return line.ok, line.line


async def test_check_reports_a_reachable_tryton(tryton_env: TrytonEnv) -> None:
    ok, line = await erp_line(tryton_settings(tryton_env))
    assert ok and line.startswith("erp: Tryton adapter, reachable: Tryton 7.0.")


async def test_check_reports_refused_credentials_without_the_password(tryton_env: TrytonEnv) -> None:
    ok, line = await erp_line(tryton_settings(tryton_env, password="wrong-password-123"))
    assert not ok and "Tryton rejected opsbot's credentials" in line
    assert "wrong-password-123" not in line


async def test_check_reports_odoo_and_its_api() -> None:
    async with FakeOdoo("key-1", version="19.0") as odoo:
        values = {"odoo_url": odoo.url, "odoo_database": DATABASE, "odoo_user": LOGIN, "odoo_api_key": "key-1"}
        ok, line = await erp_line(settings(**values))
    assert ok and line == f"erp: Odoo adapter, reachable: Odoo 19.0 at {odoo.url} over json2"


async def test_check_without_an_erp_is_fine() -> None:
    assert await erp_line(settings()) == (True, "erp: none configured (set TRYTON_URL or ODOO_URL for the ERP tools)")


async def test_registry_adds_erp_tools_only_when_configured() -> None:
    from bot.core.clock import FakeClock

    tryton = settings(tryton_url="http://127.0.0.1:9", tryton_database="d", tryton_user="u", tryton_password="p")
    async with aiohttp.ClientSession() as http:
        context = ToolContext(http=http, clock=FakeClock())
        assert not any(n.startswith("erp_") for n in build_registry(settings(), context).names())
        assert len([n for n in build_registry(tryton, context).names() if n.startswith("erp_")]) == 8


async def test_every_example_is_understood_by_the_grammar_planner() -> None:
    async with aiohttp.ClientSession() as http:
        tools = erp_tools(Tryton(http, url="http://127.0.0.1:9", database="d", user="u", password="p"))
    names = tuple(t.name for t in tools)
    for tool in tools:
        plan = GrammarPlanner().plan(tool.example, PlanContext(tool_names=names))
        assert [c.tool for c in plan.calls] == [tool.name], tool.example
        tool.args.model_validate(plan.calls[0].args)
