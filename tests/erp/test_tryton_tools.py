"""Every ERP tool against a real Tryton server: reads, a purchase request, confirmations, and each kind of failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import aiohttp
import pytest

from bot.core.clock import FakeClock
from bot.core.errors import Conflict, InvalidArguments, NotFound, NotPossible, PermissionDenied, UpstreamError
from bot.core.jsonvalue import dig, items, text
from bot.core.tool_registry import Risk, ToolRegistry
from integrations.erp import erp_tools
from integrations.erp.erp_rows import Row
from integrations.erp.tryton import Tryton
from integrations.erp.tryton_rpc import TrytonRpc
from tests.erp.conftest import TrytonEnv
from tests.erp.tryton_seed import make_sale
from tests.tool_calls import preview, run


@pytest.fixture
def tools(tryton: Tryton, tryton_env: TrytonEnv) -> ToolRegistry:
    noon = dt.datetime.combine(tryton_env.today, dt.time(12), tzinfo=dt.UTC)
    return ToolRegistry(erp_tools(tryton, clock=FakeClock(noon)))


async def purchases_of(rpc: TrytonRpc, party: int) -> list[Mapping[str, object]]:
    rows = await rpc.model(
        "purchase.purchase", "search_read", [("party", "=", party)], 0, None, None, ["number", "state"], action="check"
    )
    return [row.values for row in Row.many(rows)]


# -- reads --------------------------------------------------------------------------------------------


async def test_get_order_shows_customer_lines_totals_state_and_shipments(
    tools: ToolRegistry, tryton_env: TrytonEnv
) -> None:
    number = tryton_env.seeded.confirmed_sale
    result = await run(tools, "erp_get_order", order=number)

    assert result.text == f"*Sale order {number}* for Birchwood Studio: processing, €360.00"
    assert result.lines == ("3 x [CHR-100] Office Chair @ €120.00 = €360.00",)
    fields = dict(result.fields)
    assert fields["Customer"] == "Birchwood Studio"
    assert fields["Total"] == "€360.00 (€360.00 + tax €0.00)"
    assert fields["Shipments"].endswith("(waiting)")
    assert result.data["total"] == {"amount": "360.00", "currency": "EUR"}
    assert result.link is not None and result.link.startswith(f"{tryton_env.server.url}/#opsbot/model/sale.sale/")


async def test_list_orders_of_one_customer(tools: ToolRegistry, tryton_env: TrytonEnv) -> None:
    result = await run(tools, "erp_list_orders", customer="birchwood studio", limit=50)
    numbers = [dig(o, "number") for o in items(result.data["orders"])]
    assert tryton_env.seeded.confirmed_sale in numbers and tryton_env.seeded.quotation in numbers
    assert all(dig(o, "customer") == "Birchwood Studio" for o in items(result.data["orders"]))


async def test_overdue_invoices_with_amounts_and_days_late(tools: ToolRegistry, tryton_env: TrytonEnv) -> None:
    seeded, today = tryton_env.seeded, tryton_env.today
    result = await run(tools, "erp_overdue_invoices")

    assert result.text == "2 overdue invoices, €1,730.50 due:"
    assert result.lines == (
        f"{seeded.overdue_invoice} — Birchwood Studio: €1,500.00 due since {today - dt.timedelta(days=45)}"
        " (45 days late)",
        f"{seeded.other_overdue_invoice} — Kestrel Labs: €230.50 due since {today - dt.timedelta(days=10)}"
        " (10 days late)",
    )
    mine = await run(tools, "erp_overdue_invoices", customer="Birchwood Studio")
    assert [dig(i, "number") for i in items(mine.data["invoices"])] == [seeded.overdue_invoice]
    assert dig(items(mine.data["invoices"])[0], "days_late") == 45


async def test_stock_level_per_warehouse(tools: ToolRegistry) -> None:
    result = await run(tools, "erp_stock_level", product="Office Chair")
    assert result.text == "*[CHR-100] Office Chair*: 35 u on hand, 32 u forecast"
    assert result.lines == ("Warehouse: 35 on hand, 32 forecast",)


async def test_find_partner(tools: ToolRegistry) -> None:
    result = await run(tools, "erp_find_partner", query="oakline")
    assert result.lines == ("Oakline Supplies — code 3 — Tacoma",)


# -- the purchase request (write) ---------------------------------------------------------------------


async def test_purchase_request_previews_then_creates_a_quotation(
    tools: ToolRegistry, tryton_env: TrytonEnv, rpc: TrytonRpc
) -> None:
    args = {"supplier": "oakline supplies", "product": "desk lamps", "quantity": "20"}
    shown = await preview(tools, "erp_create_purchase_request", **args)
    assert shown.title == "Purchase request to Oakline Supplies"
    assert ("Total (untaxed)", "€700.00") in shown.fields
    assert shown.body == "20 x [LMP-200] Desk Lamp @ €35.00 = €700.00"

    result = await run(tools, "erp_create_purchase_request", **args)

    number = text(result.data["number"])
    assert result.text == f"Created purchase {number} from Oakline Supplies for €700.00 (quotation) in Tryton."
    assert number.startswith("PO")
    assert {"number": number, "state": "quotation"} in [
        {k: p[k] for k in ("number", "state")} for p in await purchases_of(rpc, tryton_env.seeded.supplier)
    ]


async def test_purchase_request_with_several_lines_and_prices(tools: ToolRegistry) -> None:
    lines = [
        {"product": "Office Chair", "quantity": "2", "unit_price": "50.5"},
        {"product": "LMP-200", "quantity": "1"},
    ]
    result = await run(tools, "erp_create_purchase_request", supplier="Oakline Supplies", lines=lines)
    assert result.lines == (
        "2 x [CHR-100] Office Chair @ €50.50 = €101.00",
        "1 x [LMP-200] Desk Lamp @ €35.00 = €35.00",
    )
    assert result.data["total"] == {"amount": "136.00", "currency": "EUR"}


async def test_a_server_side_user_error_is_surfaced_cleanly(
    tools: ToolRegistry, tryton_env: TrytonEnv, rpc: TrytonRpc
) -> None:
    created = await run(tools, "erp_create_purchase_request", supplier="Ghost Supplies", product="Lamp", quantity=5)
    number = created.data["number"]

    # Ghost Supplies has no address: Tryton's own validation refuses to confirm the purchase
    with pytest.raises(InvalidArguments) as caught:
        await run(tools, "erp_approve_purchase", purchase=number)

    assert caught.value.message.startswith(f"Tryton refused to confirm purchase {number}: ")
    assert '"Invoice Address"' in caught.value.message
    assert "Traceback" not in caught.value.message
    [kept] = await purchases_of(rpc, tryton_env.seeded.no_address_supplier)
    assert (kept["number"], kept["state"]) == (number, "quotation")


async def test_a_failure_after_create_deletes_the_draft(
    tools: ToolRegistry, tryton: Tryton, tryton_env: TrytonEnv, rpc: TrytonRpc, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tryton.rpc.model

    async def refuse_quote(name: str, method: str, *args: Any, **kw: Any) -> Any:
        if method == "quote":
            raise InvalidArguments("Tryton refused to quote a purchase from Kestrel Labs: no warehouse")
        return await real(name, method, *args, **kw)

    monkeypatch.setattr(tryton.rpc, "model", refuse_quote)
    with pytest.raises(InvalidArguments) as caught:
        await run(tools, "erp_create_purchase_request", supplier="Kestrel", product="Lamp", quantity=5)

    assert caught.value.message.endswith("no warehouse Nothing was created (the draft was deleted again).")
    assert await purchases_of(rpc, tryton_env.seeded.ids["kestrel"]) == []


# -- confirmations (dangerous) ------------------------------------------------------------------------


async def test_confirm_a_quotation(tools: ToolRegistry, tryton_env: TrytonEnv, rpc: TrytonRpc) -> None:
    number = await make_sale(rpc, tryton_env.seeded, tryton_env.seeded.lamp, 4, "quote")
    shown = await preview(tools, "erp_confirm_sale", order=number)
    assert shown.title == f"Confirm sale order {number} for Birchwood Studio"
    assert shown.body == "4 x [LMP-200] Desk Lamp @ €40.00 = €160.00"
    assert shown.warnings == ()

    result = await run(tools, "erp_confirm_sale", order=number)

    assert result.text == f"Confirmed sale order {number} for Birchwood Studio (€160.00): now processing."
    with pytest.raises(NotPossible, match=f"Sale order {number} for Birchwood Studio is already processing"):
        await preview(tools, "erp_confirm_sale", order=number)  # refused before any card is posted
    with pytest.raises(Conflict, match="already processing"):
        await run(tools, "erp_confirm_sale", order=number)


async def test_confirm_a_draft_sale_quotes_it_first(tools: ToolRegistry, tryton_env: TrytonEnv, rpc: TrytonRpc) -> None:
    draft_id = await make_sale(rpc, tryton_env.seeded, tryton_env.seeded.lamp, 1)
    result = await run(tools, "erp_confirm_sale", order=draft_id)
    assert result.data["state"] == "processing"
    assert text(result.data["number"]).startswith("SO")


async def test_approve_a_purchase(tools: ToolRegistry, rpc: TrytonRpc, tryton_env: TrytonEnv) -> None:
    created = await run(
        tools, "erp_create_purchase_request", supplier="Oakline Supplies", product="Desk Lamp", quantity=3
    )
    number = created.data["number"]
    shown = await preview(tools, "erp_approve_purchase", purchase=number)
    assert shown.title == f"Approve purchase {number} from Oakline Supplies"
    assert ("Total", "€105.00") in shown.fields

    result = await run(tools, "erp_approve_purchase", purchase=number)

    assert result.text == f"Approved purchase {number} from Oakline Supplies (€105.00): now processing."
    with pytest.raises(Conflict, match="already processing"):
        await run(tools, "erp_approve_purchase", purchase=number)


# -- failures -----------------------------------------------------------------------------------------


async def test_unknown_order_suggests_a_close_number(tools: ToolRegistry, tryton_env: TrytonEnv) -> None:
    typo = tryton_env.seeded.quotation.replace("SO000", "SO00")
    with pytest.raises(NotFound) as caught:
        await run(tools, "erp_get_order", order=typo)
    assert caught.value.message == f"Sale order `{typo}` was not found in the ERP."
    assert tryton_env.seeded.quotation in caught.value.suggestions


async def test_unknown_product_and_customer_suggest_names(tools: ToolRegistry) -> None:
    with pytest.raises(NotFound) as product:
        await run(tools, "erp_stock_level", product="Ofice Chiar")
    assert product.value.suggestions[0] == "Office Chair"
    with pytest.raises(NotFound) as customer:
        await run(tools, "erp_overdue_invoices", customer="Birchwod Studio")
    assert customer.value.suggestions[0] == "Birchwood Studio"


async def test_wrong_password_is_permission_denied(tryton_env: TrytonEnv) -> None:
    async with aiohttp.ClientSession() as http:
        tools = ToolRegistry(erp_tools(tryton_env.adapter(http, password="not-the-password")))
        with pytest.raises(PermissionDenied) as caught:
            await run(tools, "erp_find_partner", query="Oakline")
    assert caught.value.message == "Tryton rejected opsbot's credentials."
    assert "not-the-password" not in str(caught.value)


async def test_an_expired_session_is_renewed_once(tools: ToolRegistry, tryton: Tryton) -> None:
    await run(tools, "erp_find_partner", query="Oakline")
    old = tryton.rpc._auth
    assert old is not None
    # end the session on the server, as its timeout would, behind the adapter's back
    async with aiohttp.ClientSession() as http:
        body = {"id": 1, "method": "common.db.logout", "params": []}
        async with http.post(tryton.rpc._endpoint, json=body, headers={"Authorization": old}) as resp:
            assert resp.status == 200

    result = await run(tools, "erp_find_partner", query="Oakline")

    assert result.lines == ("Oakline Supplies — code 3 — Tacoma",)
    assert tryton.rpc._auth not in (None, old)


async def test_tryton_down_is_an_upstream_error() -> None:
    async with aiohttp.ClientSession() as http:
        down = Tryton(http, url="http://127.0.0.1:9", database="opsbot", user="admin", password="x")
        with pytest.raises(UpstreamError, match="Tryton is not answering"):
            await run(ToolRegistry(erp_tools(down)), "erp_get_order", order="SO0001")


async def test_check_names_version_and_where(tryton: Tryton, tryton_env: TrytonEnv) -> None:
    line = await tryton.check()
    assert line.startswith("Tryton 7.0.") and tryton_env.server.url in line


def test_risks_and_schemas(tools: ToolRegistry) -> None:
    risks = {t.name: t.risk for t in tools}
    assert {n for n, r in risks.items() if r is Risk.READ} == {
        "erp_get_order",
        "erp_list_orders",
        "erp_overdue_invoices",
        "erp_stock_level",
        "erp_find_partner",
    }
    assert risks["erp_create_purchase_request"] is Risk.WRITE
    assert risks["erp_confirm_sale"] is risks["erp_approve_purchase"] is Risk.DANGEROUS
    assert all(s["parameters"]["additionalProperties"] is False for s in tools.json_schemas())
