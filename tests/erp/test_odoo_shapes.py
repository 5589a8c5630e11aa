"""Every kind of answer the loopback Odoo gives, over both APIs, validated against Odoo's documented shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.core.clock import FakeClock
from bot.core.tool_registry import ToolRegistry
from bot.sandbox.fakes import odoo_wire as wire
from integrations.erp import Odoo, erp_tools
from tests.erp.odoo_shapes import JSONRPC, KEY, Client, CommonVersion, ErrorData, WebVersion, check, parse, result
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo
from tests.tool_calls import run


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def over_jsonrpc(c: Client) -> None:
    """Each service and method the fake serves over /jsonrpc, and each error it reports."""
    await c.web_version()  # 404 before Odoo 19
    await c.rpc("common", "version")
    await c.rpc("common", "authenticate", DATABASE, LOGIN, KEY, {})
    await c.rpc("common", "authenticate", DATABASE, LOGIN, "wrong-key", {})
    await c.rpc("common", "login", DATABASE, LOGIN, KEY)
    companies = [("is_company", "=", True)]
    await c.execute("res.partner", "search", companies)
    await c.execute("res.partner", "search", companies, offset=1, limit=2)
    await c.execute("res.partner", "search_count", companies)
    await c.execute("res.partner", "search_read", companies, fields=["name", "country_id", "ref"], limit=5)
    await c.execute("sale.order.line", "read", [1, 2], fields=["order_id", "product_id", "product_uom", "name"])
    await c.execute("product.product", "read", [1], fields=["display_name", "uom_id", "categ_id", "qty_available"])
    await c.execute("sale.order.line", "fields_get", attributes=["type", "relation"])
    await c.execute("res.partner", "fields_get", attributes=["string", "help", "type"])
    await c.execute("res.partner", "create", {"name": "Juniper Books"})
    await c.execute("res.partner", "create", [{"name": "Fernhill Press"}, {"name": "Marlow Tea"}])
    await c.execute("res.partner", "write", [5], {"city": "Leeds"})
    await c.execute("res.partner", "unlink", [6])
    await c.execute("sale.order", "action_confirm", [2])
    # the errors
    await c.execute("res.partner", "search", [], key="revoked-key")
    await c.execute("sale.order", "action_confirm", [2])  # already confirmed: UserError
    await c.execute("res.partner", "read", [999], fields=["name"])
    await c.execute("res.partner", "search", [("name", "~", "x")])
    await c.execute("res.partner", "no_such_method", [1])
    await c.execute("purchase.order", "create", {})  # no vendor: ValidationError
    c.odoo.fail_next("account.move", "search_read", wire.access_error("account.move", "Journal Entry", "Billing"))
    await c.execute("account.move", "search_read", [], fields=["name"])
    await c.rpc("db", "list")


async def over_json2(c: Client) -> None:
    """Each method the fake serves over JSON-2, and each error status it answers with."""
    await c.web_version()
    await c.json2("res.partner", "search", {"domain": [("is_company", "=", True)], "limit": 2})
    await c.json2("res.partner", "search_count", {"domain": []})
    await c.json2("res.partner", "search_read", {"domain": [], "fields": ["name", "email", "country_id"]})
    await c.json2("sale.order", "read", {"ids": [1], "fields": ["name", "partner_id", "currency_id", "amount_total"]})
    await c.json2("sale.order.line", "fields_get", {"attributes": ["type", "relation"]})
    await c.json2("res.partner", "create", {"vals_list": [{"name": "Juniper Books"}]})
    await c.json2("res.partner", "write", {"ids": [5], "vals": {"city": "Leeds"}})
    await c.json2("res.partner", "unlink", {"ids": [5]})
    await c.json2("sale.order", "action_confirm", {"ids": [1]})
    # the errors
    await c.json2("res.partner", "search", {"domain": []}, auth="none")
    await c.json2("res.partner", "search", {"domain": []}, auth="bearer revoked-key")
    await c.json2("res.partner", "search", raw="not json")
    await c.json2("res.partner", "search", {})
    await c.json2("res.partner", "create", {"ids": [1]})
    await c.json2("sale.order", "action_confirm", {"ids": [1]})
    await c.json2("sale.order", "read", {"ids": [999], "fields": ["name"]})
    await c.json2("res.partner", "search", {"domain": [("name", "~", "x")]})
    await c.json2("purchase.order", "create", {"vals_list": [{}]})
    c.odoo.fail_next("account.move", "search_read", wire.access_error("account.move", "Journal Entry", "Billing"))
    await c.json2("account.move", "search_read", {"domain": []})


JSONRPC_KINDS = {
    *("web/version 404", "jsonrpc version", "jsonrpc authenticate", "jsonrpc login", "jsonrpc search"),
    *("jsonrpc search_count", "jsonrpc search_read", "jsonrpc read", "jsonrpc fields_get", "jsonrpc create"),
    *("jsonrpc write", "jsonrpc unlink", "jsonrpc action_confirm"),
    *("jsonrpc error odoo.exceptions.AccessDenied", "jsonrpc error odoo.exceptions.UserError"),
    *("jsonrpc error odoo.exceptions.MissingError", "jsonrpc error builtins.ValueError"),
    *("jsonrpc error builtins.AttributeError", "jsonrpc error odoo.exceptions.ValidationError"),
    *("jsonrpc error odoo.exceptions.AccessError", "jsonrpc error builtins.NameError"),
}
JSON2_KINDS = {
    *("web/version", "json2 search", "json2 search_count", "json2 search_read", "json2 read", "json2 fields_get"),
    *("json2 create", "json2 write", "json2 unlink", "json2 action_confirm"),
    *("json2 401 werkzeug.exceptions.Unauthorized", "json2 400 werkzeug.exceptions.BadRequest"),
    "json2 422 werkzeug.exceptions.UnprocessableEntity",
    *("json2 422 odoo.exceptions.UserError", "json2 404 odoo.exceptions.MissingError"),
    *("json2 500 builtins.ValueError", "json2 422 odoo.exceptions.ValidationError"),
    "json2 403 odoo.exceptions.AccessError",
}


@pytest.mark.parametrize(
    ("version", "script", "kinds"), [("17.0", over_jsonrpc, JSONRPC_KINDS), ("19.0", over_json2, JSON2_KINDS)]
)
async def test_every_kind_of_answer_has_the_documented_shape(
    http: aiohttp.ClientSession, version: str, script: Any, kinds: set[str]
) -> None:
    async with FakeOdoo(KEY, version=version) as odoo:
        await script(Client(http, odoo))
    assert {check(seen) for seen in odoo.requests} == kinds


@pytest.mark.parametrize("version", ["17.0", "19.0"])
async def test_the_adapters_whole_conversation_has_the_documented_shape(
    http: aiohttp.ClientSession, version: str
) -> None:
    async with FakeOdoo(KEY, version=version) as odoo:
        erp = Odoo(http, url=odoo.url, database=DATABASE, user=LOGIN, api_key=KEY)
        tools = ToolRegistry(erp_tools(erp, clock=FakeClock()))
        odoo.add_invoice("Kestrel Labs", 240.0, "2000-01-01")
        await erp.check()
        for name, args in (
            ("erp_get_order", {"order": "S00001"}),
            ("erp_list_orders", {"customer": "Birchwood Studio"}),
            ("erp_overdue_invoices", {}),
            ("erp_stock_level", {"product": "Office Chair"}),
            ("erp_find_partner", {"query": "Kestrel"}),
            ("erp_create_purchase_request", {"supplier": "Oakline Supplies", "product": "Desk Lamp", "quantity": 5}),
            ("erp_approve_purchase", {"purchase": "P00001"}),
            ("erp_confirm_sale", {"order": "S00003"}),
        ):
            await run(tools, name, **args)
    kinds = {check(seen) for seen in odoo.requests}
    assert {k.split(" ")[-1] for k in kinds} >= {"search_read", "read", "fields_get", "create", "button_confirm"}


def test_version_answers_follow_the_server() -> None:
    assert parse(CommonVersion, wire.common_version("17.0")).server_version_info == (17, 0, 0, "final", 0, "")
    assert parse(WebVersion, wire.web_version("19.0")).version == "19.0"


def test_a_broken_answer_fails_the_shapes() -> None:
    """A fixture that drifts from Odoo's shapes is caught: each documented envelope without a required member."""
    body = wire.unauthorized("Invalid apikey").json2()
    parse(ErrorData, body)
    del body["name"]
    with pytest.raises(ValidationError) as caught:
        parse(ErrorData, body)
    assert [(e["type"], e["loc"]) for e in caught.value.errors()] == [("missing", ("name",))]

    envelope = wire.jsonrpc_error(7, wire.access_denied())
    del envelope["error"]["data"]["message"]
    with pytest.raises(ValidationError, match=r"error\.data\.message\s+Field required"):
        JSONRPC.validate_json(json.dumps(envelope))

    version = wire.web_version("19.0")
    del version["version"]
    with pytest.raises(ValidationError, match="version\n  Field required"):
        parse(WebVersion, version)

    with pytest.raises(ValidationError, match="never null"):
        result("read", [{"id": 1, "partner_id": None}])
    with pytest.raises(ValidationError):
        result("read", [{"id": 1, "partner_id": 3}])  # a many2one reads back as [id, name]
