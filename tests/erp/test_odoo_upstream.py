"""Extra check: for each answer Odoo's docs and tests recorded (upstream corpus), ours has the same key structure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.sandbox.fakes import odoo_wire as wire
from tests import upstream
from tests.erp.odoo_shapes import KEY, Client
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo

WHAT = "Odoo's recorded answers (docs and Odoo's own tests), compared key by key with the fake's answer"
COMPANIES = [("is_company", "=", True)]
PARTNER_FIELDS = ["name", "country_id", "comment"]
BAD_DOMAIN = [("name", "~", "x")]  # an unknown operator: a server error (builtins.ValueError), as a bad field is

Case = Callable[[Client], Awaitable[Any]]
JSONRPC: dict[str, Case] = {  # the recorded file → the same situation, asked of our fake over /jsonrpc
    "rpc_version.json": lambda c: c.rpc("common", "version"),
    "rpc_authenticate.json": lambda c: c.rpc("common", "authenticate", DATABASE, LOGIN, KEY, {}),
    "rpc_login.json": lambda c: c.rpc("common", "login", DATABASE, LOGIN, KEY),
    "rpc_search.json": lambda c: c.execute("res.partner", "search", COMPANIES),
    "rpc_search_paginated.json": lambda c: c.execute("res.partner", "search", COMPANIES, offset=1, limit=2),
    "rpc_search_count.json": lambda c: c.execute("res.partner", "search_count", COMPANIES),
    "rpc_search_read.json": lambda c: c.execute("res.partner", "search_read", COMPANIES, fields=PARTNER_FIELDS),
    "rpc_read.json": lambda c: c.execute("res.partner", "read", [1], fields=PARTNER_FIELDS),
    "rpc_fields_get.json": lambda c: c.execute("res.partner", "fields_get", attributes=["string", "help", "type"]),
    "rpc_create.json": lambda c: c.execute("res.partner", "create", {"name": "Juniper Books"}),
    "rpc_write.json": lambda c: c.execute("res.partner", "write", [1], {"name": "Birchwood Studio Ltd"}),
    "rpc_unlink.json": lambda c: c.execute("res.partner", "unlink", [1]),
    "jsonrpc_error_access_denied.json": lambda c: c.execute("res.partner", "search", COMPANIES, key="wrong-key"),
    "jsonrpc_error_validation.json": lambda c: c.execute("purchase.order", "create", {}),
    "jsonrpc_error_value_error.json": lambda c: c.execute("res.partner", "search", BAD_DOMAIN),
}
JSON2: dict[str, Case] = {  # … over JSON-2
    "json2_web_version.json": lambda c: c.web_version(),
    "json2_search_read.json": lambda c: c.json2(
        "res.partner", "search_read", {"domain": [("name", "ilike", "%oak%"), *COMPANIES], "fields": ["name"]}
    ),
    "json2_error_missing_auth_401.json": lambda c: c.json2("res.users", "search", {"domain": []}, auth="none"),
    "json2_error_invalid_apikey_401.json": lambda c: c.json2("res.partner", "search_read", {}, auth="bearer wrong"),
    "json2_error_bad_json_400.json": lambda c: c.json2("res.users", "search", raw="not json"),
    "json2_error_missing_argument_422.json": lambda c: c.json2("res.users", "search", {}),
    "json2_error_ids_on_model_method_422.json": lambda c: c.json2("res.users", "create", {"ids": [0]}),
    "json2_error_access_error_403.json": lambda c: c.json2("ir.cron", "search", {"domain": []}),
    "json2_error_bad_domain_500.json": lambda c: c.json2("res.users", "search", {"domain": BAD_DOMAIN}),
}
SAME_WORDS = {  # the situation is the very same: Odoo's message must be ours word for word
    "jsonrpc_error_access_denied.json",
    "json2_error_missing_auth_401.json",
    "json2_error_invalid_apikey_401.json",
    "json2_error_bad_json_400.json",
    "json2_error_missing_argument_422.json",
    "json2_error_ids_on_model_method_422.json",
}


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in a payload, list items merged (`result[].country_id`)."""
    if isinstance(value, dict):
        return {p for key, item in value.items() for p in {prefix + key} | key_paths(item, f"{prefix}{key}.")}
    if isinstance(value, list):
        return {p for item in value if isinstance(item, dict | list) for p in key_paths(item, prefix + "[].")}
    return set()


def structure(name: str, body: Any) -> set[str]:
    if name == "rpc_fields_get.json":  # keyed by field name: compare what describes one field
        return {path for field in body["result"].values() for path in key_paths(field)} | set(body)
    return key_paths(body)


def recorded(name: str) -> tuple[int, dict[str, str], Any]:
    data = upstream.json_file(f"odoo/api/{name}", what=WHAT)
    response = data["jsonrpc"]["response"] if "jsonrpc" in data else data["response"]
    return response["status"], response.get("headers", {}), response["body"]


@pytest.fixture
async def http() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


def test_every_recorded_answer_is_compared() -> None:
    assert set(upstream.files("odoo/api", "*.json", what=WHAT)) == set(JSONRPC) | set(JSON2)


@pytest.mark.parametrize("name", sorted(JSONRPC) + sorted(JSON2))
async def test_our_answer_has_the_recorded_key_structure(http: aiohttp.ClientSession, name: str) -> None:
    status, headers, body = recorded(name)
    async with FakeOdoo(KEY, version="17.0" if name in JSONRPC else "19.0") as odoo:
        odoo.fail_next("ir.cron", "search", wire.access_error("ir.cron", "Scheduled Actions", "Role / Administrator"))
        await (JSONRPC.get(name) or JSON2[name])(Client(http, odoo))
    ours = odoo.requests[-1]
    assert structure(name, ours.reply) == structure(name, body)
    assert ours.status == status
    if "WWW-Authenticate" in headers:
        assert ours.reply_headers["WWW-Authenticate"] == headers["WWW-Authenticate"]
    error = body.get("error", {}).get("data") if isinstance(body, dict) and "jsonrpc" in body else None
    if error is None and status != 200:
        error = body
    if error is not None:
        mine = ours.reply["error"]["data"] if "jsonrpc" in body else ours.reply
        assert list(mine) == list(error)  # the same members, in Odoo's order
        assert (mine["name"], mine["arguments"][1:]) == (error["name"], error["arguments"][1:])
        if name in SAME_WORDS:
            assert mine["message"] == error["message"]
