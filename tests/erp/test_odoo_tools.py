"""The ERP tools over the Odoo adapter, through its real HTTP client, against the loopback Odoo (both APIs)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.core.clock import FakeClock
from bot.core.errors import Conflict, InvalidArguments, NotFound, NotPossible, PermissionDenied
from bot.core.jsonvalue import dig, items
from bot.core.tool_registry import ToolRegistry
from bot.sandbox.fakes import odoo_wire
from integrations.erp import Odoo, erp_tools
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo
from tests.tool_calls import preview, run

KEY = "opsbot-test-odoo-key-0001"
TODAY = dt.datetime(2025, 2, 15, 12, tzinfo=dt.UTC)
VERSIONS = {"jsonrpc": "17.0", "json2": "19.0"}


@pytest.fixture(params=["jsonrpc", "json2"])
async def odoo(request: pytest.FixtureRequest) -> AsyncIterator[FakeOdoo]:
    async with FakeOdoo(KEY, version=VERSIONS[request.param]) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def adapter(odoo: FakeOdoo, http: aiohttp.ClientSession, *, key: str = KEY, protocol: str = "auto") -> Odoo:
    return Odoo(http, url=odoo.url, database=DATABASE, user=LOGIN, api_key=key, protocol=protocol)


@pytest.fixture
def tools(odoo: FakeOdoo, http: aiohttp.ClientSession) -> ToolRegistry:
    return ToolRegistry(erp_tools(adapter(odoo, http), clock=FakeClock(TODAY)))


def protocol_of(odoo: FakeOdoo) -> str:
    return "json2" if odoo.version == VERSIONS["json2"] else "jsonrpc"


async def test_the_api_follows_the_server_version(odoo: FakeOdoo, http: aiohttp.ClientSession) -> None:
    line = await adapter(odoo, http).check()
    assert line == f"Odoo {odoo.version} at {odoo.url} over {protocol_of(odoo)}"
    calls = [r for r in odoo.requests if r.path != "/web/version"]
    if protocol_of(odoo) == "json2":
        assert {r.path for r in calls} == {"/json/2/res.partner/search_count"}
        assert calls[0].headers["Authorization"] == f"bearer {KEY}"
        assert calls[0].headers["X-Odoo-Database"] == DATABASE
    else:
        assert {r.path for r in calls} == {"/jsonrpc"}
        assert [r.body["params"]["method"] for r in calls] == ["version", "authenticate", "execute_kw"]


async def test_odoo_protocol_setting_wins_over_detection(http: aiohttp.ClientSession) -> None:
    async with FakeOdoo(KEY, version="19.0") as odoo:
        line = await adapter(odoo, http, protocol="jsonrpc").check()
    assert line.endswith("over jsonrpc")
    assert "/web/version" not in {r.path for r in odoo.requests}


async def test_get_order_from_demo_data(tools: ToolRegistry) -> None:
    result = await run(tools, "erp_get_order", order="S00001")
    assert result.text == "*Sale order S00001* for Birchwood Studio: draft, $1,760.00"
    assert result.lines == (
        "4 x [CHR-100] Office Chair @ $120.00 = $480.00",
        "2 x [DSK-160] Standing Desk 160 @ $560.00 = $1,120.00",
        "4 x [LMP-200] Desk Lamp @ $40.00 = $160.00",
    )
    assert result.link is not None and "model=sale.order" in result.link
    service = await run(tools, "erp_get_order", order="S00002")
    assert service.lines[1] == "3 Hours x [SRV-100] Setup Service @ $90.00 = $270.00"


async def test_order_lines_carry_their_unit_whatever_the_server_calls_the_field(http: aiohttp.ClientSession) -> None:
    for field, version in (("product_uom", "17.0"), ("product_uom_id", "19.0")):
        async with FakeOdoo(KEY, version=version, unit_field=field) as odoo:
            dozens = odoo.orm.add("uom.uom", {"name": "Dozens"})
            first_line = min(odoo.orm.tables["sale.order.line"])
            odoo.orm.tables["sale.order.line"][first_line][field] = dozens
            tools = ToolRegistry(erp_tools(adapter(odoo, http), clock=FakeClock(TODAY)))
            result = await run(tools, "erp_get_order", order="S00001")
            again = await run(tools, "erp_get_order", order="S00001")
        assert result.lines[0] == "4 Dozens x [CHR-100] Office Chair @ $120.00 = $480.00", field
        assert result.lines[1] == "2 x [DSK-160] Standing Desk 160 @ $560.00 = $1,120.00"  # "Units" goes unsaid
        assert [dig(line, "unit") for line in items(result.data["lines"])] == ["Dozens", "Units", "Units"]
        assert again.lines == result.lines
        asked = [r for r in odoo.requests if "fields_get" in json.dumps(r.body) or r.path.endswith("/fields_get")]
        assert len(asked) == 1  # the field name is asked once per adapter


async def test_list_orders_of_a_customer(tools: ToolRegistry) -> None:
    result = await run(tools, "erp_list_orders", customer="Birchwood Studio")
    assert [dig(o, "number") for o in items(result.data["orders"])] == ["S00004", "S00001"]
    assert [dig(o, "state") for o in items(result.data["orders"])] == ["sale", "draft"]


async def test_find_partner_by_name_or_reference(tools: ToolRegistry) -> None:
    result = await run(tools, "erp_find_partner", query="oakline")
    assert result.lines == ("Oakline Supplies — code V-201 — Tacoma — sales@oakline.example",)
    by_ref = await run(tools, "erp_find_partner", query="C-102")
    assert [dig(p, "name") for p in items(by_ref.data["partners"])] == ["Harbor Lane Cafe"]


async def test_overdue_invoices(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    late = odoo.add_invoice("Birchwood Studio", 1500.0, "2025-01-01", paid=500.0)
    odoo.add_invoice("Kestrel Labs", 99.0, "2025-03-01")
    result = await run(tools, "erp_overdue_invoices")
    assert result.text == "1 overdue invoice, $1,000.00 due:"
    assert result.lines == (f"{late} — Birchwood Studio: $1,000.00 due since 2025-01-01 (45 days late)",)


async def test_stock_per_warehouse(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    demo = await run(tools, "erp_stock_level", product="desk lamp")
    assert demo.lines == ("Main Warehouse: 12 on hand, 12 forecast", "North Depot: 0 on hand, 0 forecast")
    odoo.set_stock("Office Chair", "Main Warehouse", 12, 20)
    odoo.set_stock("Office Chair", "North Depot", 3, 1)
    result = await run(tools, "erp_stock_level", product="office chair")
    assert result.text == "*[CHR-100] Office Chair*: 15 Units on hand, 21 Units forecast"
    assert result.lines == ("Main Warehouse: 12 on hand, 20 forecast", "North Depot: 3 on hand, 1 forecast")


async def test_purchase_request_then_approval(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    args = {"supplier": "Oakline Supplies", "product": "office chairs", "quantity": 20}
    shown = await preview(tools, "erp_create_purchase_request", **args)
    assert shown.body == "20 x [CHR-100] Office Chair @ $55.00 = $1,100.00"
    assert ("Total (untaxed)", "$1,100.00") in shown.fields

    created = await run(tools, "erp_create_purchase_request", **args)
    assert created.text == "Created purchase P00001 from Oakline Supplies for $1,100.00 (draft) in Odoo."

    approved = await run(tools, "erp_approve_purchase", purchase="P00001")
    assert approved.text == "Approved purchase P00001 from Oakline Supplies ($1,100.00): now purchase."
    with pytest.raises(Conflict, match="already purchase"):
        await run(tools, "erp_approve_purchase", purchase="P00001")


async def test_confirm_sale(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    result = await run(tools, "erp_confirm_sale", order="S00002")
    assert result.text == "Confirmed sale order S00002 for Harbor Lane Cafe ($960.00): now sale."
    with pytest.raises(Conflict):
        await run(tools, "erp_confirm_sale", order="S00002")
    with pytest.raises(Conflict, match="already sale"):
        await run(tools, "erp_confirm_sale", order="S00004")  # confirmed in the demo book


async def test_an_order_or_purchase_already_confirmed_is_refused_before_any_card(
    tools: ToolRegistry, odoo: FakeOdoo
) -> None:
    with pytest.raises(NotPossible, match=r"Sale order S00004 for .* is already sale: there is nothing to confirm"):
        await preview(tools, "erp_confirm_sale", order="S00004")
    assert (await preview(tools, "erp_confirm_sale", order="S00003")).title.startswith("Confirm sale order S00003")
    await run(tools, "erp_create_purchase_request", supplier="Oakline Supplies", product="office chairs", quantity=2)
    assert (await preview(tools, "erp_approve_purchase", purchase="P00001")).title.startswith("Approve purchase")
    await run(tools, "erp_approve_purchase", purchase="P00001")
    with pytest.raises(NotPossible, match="Purchase P00001 from Oakline Supplies is already purchase"):
        await preview(tools, "erp_approve_purchase", purchase="P00001")


async def test_a_validation_error_keeps_odoos_words_and_creates_nothing(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    odoo.fail_next("purchase.order", "create", FakeOdoo.validation_error())
    with pytest.raises(InvalidArguments) as caught:
        await run(tools, "erp_create_purchase_request", supplier="Oakline Supplies", product="Desk Lamp", quantity=1)
    assert caught.value.message.startswith(
        "Odoo refused to create a purchase request to Oakline Supplies: The operation cannot be completed:"
    )
    assert "a mandatory field is not set" in caught.value.message
    assert "purchase.order" not in odoo.orm.tables


async def test_a_user_error_from_a_button(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    odoo.fail_next("sale.order", "action_confirm", odoo_wire.user_error("Add a product first."))
    with pytest.raises(InvalidArguments, match=r"Odoo refused to confirm sale order S00003: Add a product first\."):
        await run(tools, "erp_confirm_sale", order="S00003")


async def test_an_access_error_is_permission_denied(tools: ToolRegistry, odoo: FakeOdoo) -> None:
    refusal = odoo_wire.access_error("account.move", "Journal Entry", "Accounting / Billing")
    odoo.fail_next("account.move", "search_read", refusal)
    with pytest.raises(PermissionDenied, match="The Odoo user may not list overdue invoices: You are not allowed"):
        await run(tools, "erp_overdue_invoices")


async def test_invalid_api_key(odoo: FakeOdoo, http: aiohttp.ClientSession) -> None:
    tools = ToolRegistry(erp_tools(adapter(odoo, http, key="revoked-key-123")))
    with pytest.raises(PermissionDenied) as caught:
        await run(tools, "erp_find_partner", query="Oakline")
    assert caught.value.message == "Odoo rejected opsbot's credentials."
    assert "revoked-key-123" not in str(caught.value)
    if protocol_of(odoo) == "json2":
        assert odoo.requests[-1].path == "/json/2/res.partner/search_read"


async def test_unknown_order_and_product(tools: ToolRegistry) -> None:
    with pytest.raises(NotFound) as order:
        await run(tools, "erp_get_order", order="S0002")
    assert "S00002" in order.value.suggestions
    with pytest.raises(NotFound) as product:
        await run(tools, "erp_stock_level", product="Desk Lmap")
    assert product.value.suggestions[0] == "Desk Lamp"


async def test_an_ambiguous_name_is_a_question(tools: ToolRegistry) -> None:
    with pytest.raises(InvalidArguments, match="`Standing Desk` matches several products"):
        await run(tools, "erp_stock_level", product="Standing Desk")
