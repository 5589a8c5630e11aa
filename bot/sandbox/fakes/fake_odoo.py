"""A loopback Odoo: `/jsonrpc` (common, object.execute_kw) and JSON-2 (`/json/2/<model>/<method>`, `/web/version`).

Its answers and error envelopes are built by odoo_wire from Odoo's documented shapes; its records are our demo book
(odoo_demo). Every answer it gives is kept in `requests` beside the request, for the shape tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from bot.core.jsonvalue import Json, JsonList, JsonObject, items, number
from bot.sandbox.fakes import odoo_wire as wire
from bot.sandbox.fakes.odoo_orm import OdooError, Orm

__all__ = ["DATABASE", "LOGIN", "UID", "FakeOdoo", "Seen"]

DATABASE = "opsbot-demo"
LOGIN = "admin"
UID = 2
MODEL_METHODS = ("create", "fields_get", "search", "search_read", "search_count")  # @api.model: no ids


@dataclass
class Seen:
    """One request and the answer the fake gave it (`status`, `headers`, parsed `reply`).

    `body` (the decoded JSON-RPC body, or JSON-2's raw text) and `reply` are kept for tests to read as they know
    them to be (`seen.body["params"]`), so they are typed `Any`.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    reply: Any = None
    reply_headers: dict[str, str] = field(default_factory=dict)


class FakeOdoo:
    """`async with FakeOdoo(key, version="19.0") as odoo`; `odoo.orm` holds the records, `odoo.requests` the calls."""

    def __init__(self, api_key: str, *, version: str = "19.0", unit_field: str = "product_uom") -> None:
        self.api_key = api_key
        self.version = version
        self.orm = Orm(unit_field=unit_field, uid=UID)
        self.requests: list[Seen] = []
        self._failures: dict[tuple[str, str], OdooError] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/jsonrpc", self._jsonrpc)
        app.router.add_post("/json/2/{model}/{method}", self._json2)
        app.router.add_get("/web/version", self._web_version)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls ------------------------------------------------------------------------------

    def fail_next(self, model: str, method: str, error: OdooError) -> None:
        self._failures[(model, method)] = error

    @staticmethod
    def validation_error() -> OdooError:
        """What Odoo says when a purchase order is created without its vendor."""
        return wire.validation_error("purchase.order", "Purchase Order", "partner_id", "Vendor")

    def set_stock(self, product: str, warehouse: str, on_hand: float, forecast: float) -> None:
        [pid] = self.orm.search("product.product", [("name", "=", product)])
        [wid] = self.orm.search("stock.warehouse", [("name", "=", warehouse)])
        self.orm.stock[(pid, wid)] = (on_hand, forecast)

    def add_invoice(self, partner: str, amount: float, due: str, *, paid: float = 0.0) -> str:
        [partner_id] = self.orm.search("res.partner", [("name", "=", partner)])
        name = self.orm.next_name("INV/2025/", 5)
        values: JsonObject = {"name": name, "move_type": "out_invoice", "state": "posted", "partner_id": partner_id}
        values |= {"invoice_date_due": due, "amount_total": amount, "amount_residual": amount - paid}
        values |= {"payment_state": "partial" if paid else "not_paid", "currency_id": 1}
        self.orm.add("account.move", values)
        return name

    # -- transports ---------------------------------------------------------------------------------

    async def _web_version(self, request: web.Request) -> web.Response:
        seen = self._record(request, None)
        if int(self.version.split(".")[0]) < 19:
            return self._answer(seen, "Not Found", status=404)  # Odoo ≤ 18 has no such route
        return self._answer(seen, wire.web_version(self.version))

    async def _jsonrpc(self, request: web.Request) -> web.Response:
        body: Json = await request.json()
        seen = self._record(request, body)
        call = _object(body)
        params = _object(call["params"])
        try:
            result = self._jsonrpc_call(params["service"], params["method"], _list(params["args"]))
        except OdooError as exc:
            return self._answer(seen, wire.jsonrpc_error(call.get("id"), exc))  # still HTTP 200
        return self._answer(seen, wire.jsonrpc_result(call.get("id"), result))

    def _jsonrpc_call(self, service: Json, method: Json, args: JsonList) -> Json:
        if (service, method) == ("common", "version"):
            return wire.common_version(self.version)
        if service == "common" and method in ("authenticate", "login"):
            db, login, key = args[:3]
            return UID if (db, login, key) == (DATABASE, LOGIN, self.api_key) else False
        if (service, method) == ("object", "execute_kw"):
            db, uid, key, model, model_method, positional, *rest = args
            if (db, uid, key) != (DATABASE, UID, self.api_key):
                raise wire.access_denied()
            named = _object(rest[0]) if rest else {}
            return self._execute(_string(model), _string(model_method), list(_list(positional)), named)
        raise OdooError("builtins.NameError", f"No service or method {service}.{method} on this server")

    async def _json2(self, request: web.Request) -> web.Response:
        raw = await request.text()
        seen = self._record(request, raw)
        auth = request.headers.get("Authorization", "")
        model, method = request.match_info["model"], request.match_info["method"]
        try:
            if not auth:
                error = wire.unauthorized('User not authenticated, use the "Authorization" header')
                return self._answer(seen, error.json2(), status=401, headers={"WWW-Authenticate": "bearer"})
            if auth.split(" ", 1) != ["bearer", self.api_key] or request.headers.get("X-Odoo-Database") != DATABASE:
                raise wire.unauthorized("Invalid apikey")
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise wire.bad_request(f"could not parse the body as json: {exc}") from None
            result = self._execute(model, method, *self._json2_positional(model, method, body))
        except OdooError as exc:
            return self._answer(seen, exc.json2(), status=exc.status)
        return self._answer(seen, result)

    @staticmethod
    def _json2_positional(model: str, method: str, body: Json) -> tuple[JsonList, JsonObject]:
        named = dict(_object(body))
        if method in MODEL_METHODS and "ids" in named:
            raise wire.unprocessable(f"cannot call {model}.{method} with ids")
        if method == "fields_get":
            return [], named
        key = {"search": "domain", "search_read": "domain", "search_count": "domain", "create": "vals_list"}
        first = key.get(method, "ids")
        if first not in named:
            raise wire.unprocessable(f"missing a required argument: '{first}'")
        positional: JsonList = [named.pop(first)]
        if method == "write":
            positional.append(named.pop("vals"))
        return positional, named

    def _record(self, request: web.Request, body: Json) -> Seen:
        seen = Seen(request.method, request.path, dict(request.headers), body)
        self.requests.append(seen)
        return seen

    @staticmethod
    def _answer(seen: Seen, reply: object, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        seen.status, seen.reply, seen.reply_headers = status, reply, dict(headers or {})
        if isinstance(reply, str):
            return web.Response(status=status, text=reply, headers=headers)
        return web.json_response(reply, status=status, headers=headers)

    # -- the object service -------------------------------------------------------------------------

    def _execute(self, model: str, method: str, args: JsonList, kwargs: JsonObject) -> Json:
        failure = self._failures.pop((model, method), None)
        if failure is not None:
            raise failure
        context = kwargs.get("context") or {}
        context = context if isinstance(context, dict) else {}
        fields = [f for f in items(kwargs.get("fields")) if isinstance(f, str)] or ["name"]
        orm = self.orm
        if method in ("search", "search_count", "search_read"):
            order, limit = kwargs.get("order"), kwargs.get("limit")
            ids = orm.search(
                model,
                _list(args[0]),
                order=order if isinstance(order, str) else None,
                limit=number(limit),
                offset=number(kwargs.get("offset")) or 0,
            )
            if method == "search_count":
                return len(ids)
            return [*ids] if method == "search" else orm.read(model, ids, fields, context)
        if method == "read":
            return orm.read(model, _list(args[0]), fields, context)
        if method == "create":
            many = isinstance(args[0], list)
            created = [self._create(model, _object(values)) for values in (_list(args[0]) if many else [args[0]])]
            return [*created] if many else created[0]
        if method in ("write", "unlink"):
            for record in orm.existing(model, _list(args[0])):  # MissingError for an unknown id
                if method == "write":
                    orm.tables[model][record].update(_object(args[1]))
                else:
                    del orm.tables[model][record]
            return True
        if method == "fields_get":
            attributes = [a for a in items(kwargs.get("attributes")) if isinstance(a, str)]
            return orm.fields_get(model, attributes or None)
        return self._button(model, method, _list(args[0]))

    def _create(self, model: str, values: JsonObject) -> int:
        lines = _list(values.pop("order_line", []))
        if model == "purchase.order":
            if not values.get("partner_id"):
                raise self.validation_error()
            values = {"name": self.orm.next_name("P", 5), "state": "draft", "currency_id": 1, **values}
        record = self.orm.add(model, values)
        for entry in lines:
            _command, _zero, given = _list(entry)
            line = _object(given)
            product_id = line.get("product_id")
            product = self.orm.tables["product.product"].get(product_id, {}) if isinstance(product_id, int) else {}
            unit = {self.orm.unit_field: product.get("uom_id", 1)}  # Odoo fills the unit in from the product
            self.orm.add(f"{model}.line", {"order_id": record, "sequence": 10, "display_type": False, **unit, **line})
        if lines:
            self.orm.compute_order(model, record)
        return record

    def _button(self, model: str, method: str, ids: JsonList) -> Json:
        buttons = {
            ("sale.order", "action_confirm"): (("draft", "sent"), "sale"),
            ("purchase.order", "button_confirm"): (("draft", "sent"), "purchase"),
        }
        if (model, method) not in buttons:
            raise OdooError("builtins.AttributeError", f"The method '{method}' does not exist on the model '{model}'")
        allowed, new_state = buttons[(model, method)]
        rows = [self.orm.tables[model][i] for i in self.orm.existing(model, ids)]  # MissingError for an unknown id
        if any(r["state"] not in allowed for r in rows):
            raise wire.user_error("Some orders are not in a state requiring confirmation.")
        for row in rows:
            row["state"] = new_state
        return True


# -- reading a call: what the fake cannot read is a TypeError, which aiohttp answers with a 500 ---------------------


def _object(value: Json) -> JsonObject:
    if isinstance(value, dict):
        return value
    raise TypeError(f"expected a JSON object, got {value!r}")


def _list(value: Json) -> JsonList:
    if isinstance(value, list):
        return value
    raise TypeError(f"expected a JSON array, got {value!r}")


def _string(value: Json) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {value!r}")
