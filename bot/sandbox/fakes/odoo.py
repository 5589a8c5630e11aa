"""A loopback Odoo: `/jsonrpc` (common, object.execute_kw) and JSON-2 (`/json/2/<model>/<method>`, `/web/version`).

Answers and error envelopes are the recorded ones in ../recorded/odoo/api; the records are Odoo's demo data.
One assumption is ours: JSON-2 reports a UserError/ValidationError with HTTP 422 (the docs show no example).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from bot.sandbox.fakes.odoo_orm import FIXTURES, OdooError, Orm

__all__ = ["DATABASE", "LOGIN", "UID", "FakeOdoo", "Seen", "api"]

DATABASE = "mycompany"
LOGIN = "admin"
UID = 2


def api(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "api" / f"{name}.json").read_text())
    return data


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeOdoo:
    """`async with FakeOdoo(key, version="19.0") as odoo`; `odoo.orm` holds the records, `odoo.requests` the calls."""

    def __init__(self, api_key: str, *, version: str = "19.0", unit_field: str = "product_uom") -> None:
        self.api_key = api_key
        self.version = version
        self.orm = Orm(unit_field=unit_field)
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
        data = api("jsonrpc_error_validation")["response"]["body"]["error"]["data"]
        return OdooError(data["name"], data["message"])

    def set_stock(self, product: str, warehouse: str, on_hand: float, forecast: float) -> None:
        [pid] = self.orm.search("product.product", [("name", "=", product)])
        [wid] = self.orm.search("stock.warehouse", [("name", "=", warehouse)])
        self.orm.stock[(pid, wid)] = (on_hand, forecast)

    def add_invoice(self, partner: str, amount: float, due: str, *, paid: float = 0.0) -> str:
        [partner_id] = self.orm.search("res.partner", [("name", "=", partner)])
        name = self.orm.next_name("INV/2025/", 5)
        values = {"name": name, "move_type": "out_invoice", "state": "posted", "partner_id": partner_id}
        values |= {"invoice_date_due": due, "amount_total": amount, "amount_residual": amount - paid}
        values |= {"payment_state": "partial" if paid else "not_paid", "currency_id": 1}
        self.orm.add("account.move", values)
        return name

    # -- transports ---------------------------------------------------------------------------------

    async def _web_version(self, request: web.Request) -> web.Response:
        self._record(request, None)
        if int(self.version.split(".")[0]) < 19:
            return web.Response(status=404, text="Not Found")
        body = api("json2_web_version")["response"]["body"]
        return web.json_response({**body, "version": self.version})

    async def _jsonrpc(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        params = body["params"]
        try:
            result = self._jsonrpc_call(params["service"], params["method"], params["args"])
        except OdooError as exc:
            error = {"code": 200, "message": "Odoo Server Error", "data": exc.data()}
            return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "error": error})
        return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "result": result})

    def _jsonrpc_call(self, service: str, method: str, args: list[Any]) -> Any:
        if (service, method) == ("common", "version"):
            result = api("rpc_version")["jsonrpc"]["response"]["body"]["result"]
            return {**result, "server_version": self.version, "server_serie": self.version}
        if service == "common" and method in ("authenticate", "login"):
            db, login, key = args[:3]
            return UID if (db, login, key) == (DATABASE, LOGIN, self.api_key) else False
        if (service, method) == ("object", "execute_kw"):
            db, uid, key, model, model_method, positional, *rest = args
            if (db, uid, key) != (DATABASE, UID, self.api_key):
                data = api("jsonrpc_error_access_denied")["response"]["body"]["error"]["data"]
                raise OdooError(data["name"], data["message"], 403)
            return self._execute(model, model_method, list(positional), rest[0] if rest else {})
        raise OdooError("builtins.ValueError", "Unknown destination", 500)

    async def _json2(self, request: web.Request) -> web.Response:
        raw = await request.text()
        self._record(request, raw)
        auth = request.headers.get("Authorization", "")
        if not auth:
            return self._recorded_error("json2_error_missing_auth_401")
        if auth.split(" ", 1) != ["bearer", self.api_key] or request.headers.get("X-Odoo-Database") != DATABASE:
            return self._recorded_error("json2_error_invalid_apikey_401")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._recorded_error("json2_error_bad_json_400")
        model, method = request.match_info["model"], request.match_info["method"]
        try:
            result = self._execute(model, method, *self._json2_positional(method, body))
        except OdooError as exc:
            return web.json_response(exc.data(), status=exc.status)
        return web.json_response(result)

    @staticmethod
    def _json2_positional(method: str, body: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        named = dict(body)
        first = {"search": "domain", "search_read": "domain", "search_count": "domain", "create": "vals_list"}
        if method == "fields_get":  # a model method: no ids
            return [], named
        key = first.get(method, "ids")
        if key not in named:
            raise OdooError("werkzeug.exceptions.UnprocessableEntity", f"missing a required argument: '{key}'")
        positional = [named.pop(key)]
        if method == "write":
            positional.append(named.pop("vals"))
        return positional, named

    def _recorded_error(self, name: str) -> web.Response:
        response = api(name)["response"]
        headers = {k: v for k, v in response.get("headers", {}).items() if k.lower() != "content-type"}
        return web.json_response(response["body"], status=response["status"], headers=headers)

    def _record(self, request: web.Request, body: Any) -> None:
        self.requests.append(Seen(request.method, request.path, dict(request.headers), body))

    # -- the object service -------------------------------------------------------------------------

    def _execute(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        failure = self._failures.pop((model, method), None)
        if failure is not None:
            raise failure
        context = kwargs.get("context") or {}
        orm = self.orm
        if method in ("search", "search_count", "search_read"):
            ids = orm.search(model, args[0], order=kwargs.get("order"), limit=kwargs.get("limit"))
            if method == "search_count":
                return len(ids)
            return ids if method == "search" else orm.read(model, ids, kwargs.get("fields") or ["name"], context)
        if method == "read":
            return orm.read(model, args[0], kwargs.get("fields") or ["name"], context)
        if method == "create":
            many = isinstance(args[0], list)
            ids = [self._create(model, values) for values in (args[0] if many else [args[0]])]
            return ids if many else ids[0]
        if method == "write":
            for record in args[0]:
                orm.tables[model][record].update(args[1])
            return True
        if method == "fields_get":
            if model == "res.partner":  # the documented answer
                return api("rpc_fields_get")["xmlrpc"]["result"]
            return orm.fields_get(model, kwargs.get("attributes"))
        return self._button(model, method, args[0])

    def _create(self, model: str, values: dict[str, Any]) -> int:
        lines = values.pop("order_line", [])
        if model == "purchase.order":
            values = {"name": self.orm.next_name("P", 5), "state": "draft", "currency_id": 1, **values}
        record = self.orm.add(model, values)
        for _command, _zero, line in lines:
            product = self.orm.tables["product.product"].get(line.get("product_id"), {})
            unit = {self.orm.unit_field: product.get("uom_id", 1)}  # Odoo fills the unit in from the product
            self.orm.add(f"{model}.line", {"order_id": record, "sequence": 10, "display_type": False, **unit, **line})
        if lines:
            self.orm.compute_order(model, record)
        return record

    def _button(self, model: str, method: str, ids: list[int]) -> Any:
        buttons = {
            ("sale.order", "action_confirm"): (("draft", "sent"), "sale"),
            ("purchase.order", "button_confirm"): (("draft", "sent"), "purchase"),
        }
        if (model, method) not in buttons:
            raise OdooError("builtins.AttributeError", f"The method '{method}' does not exist on the model '{model}'")
        allowed, new_state = buttons[(model, method)]
        rows = [self.orm.tables[model][i] for i in ids]
        if any(r["state"] not in allowed for r in rows):
            raise OdooError("odoo.exceptions.UserError", "Some orders are not in a state requiring confirmation.")
        for row in rows:
            row["state"] = new_state
        return True
