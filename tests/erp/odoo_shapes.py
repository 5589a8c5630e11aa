"""Odoo's documented wire shapes as pydantic models (no package ships Odoo's schema), a checker, a raw client.

Sources of the facts: Odoo's external API documentation (JSON-RPC `common`/`object` services, JSON-2 since 19.0,
`/web/version`) and `odoo.http.serialize_exception` / `odoo.exceptions` (the error object and HTTP statuses).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, model_validator

from tests.fakes.odoo import DATABASE, UID, FakeOdoo, Seen

KEY = "opsbot-test-odoo-key-0002"

EXCEPTION_NAME = r"^[a-z_]\w*(\.[a-z_]\w*)*\.[A-Z]\w*$"  # module path, then the class: odoo.exceptions.UserError
STATUS_OF = {  # JSON-2's HTTP status for an exception (odoo.exceptions' http_status, werkzeug's code, else 500)
    "odoo.exceptions.UserError": 422,
    "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.MissingError": 404,
    "werkzeug.exceptions.BadRequest": 400,
    "werkzeug.exceptions.Unauthorized": 401,
    "werkzeug.exceptions.UnprocessableEntity": 422,
}
FIELD_TYPES = Literal[
    "binary", "boolean", "char", "date", "datetime", "float", "html", "integer", "json", "many2many", "many2one",
    "many2one_reference", "monetary", "one2many", "properties", "properties_definition", "reference", "selection",
    "text",
]  # fmt: skip


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorData(Shape):
    """An exception on the wire (serialize_exception): the JSON-2 error body, and JSON-RPC's `error.data`."""

    name: StrictStr = Field(pattern=EXCEPTION_NAME)
    message: StrictStr
    arguments: list[Any] = Field(min_length=1)
    context: dict[str, Any]
    debug: StrictStr

    @model_validator(mode="after")
    def _message_is_the_first_argument(self) -> ErrorData:
        if self.arguments[0] != self.message:
            raise ValueError("arguments[0] must be the message")
        return self


class JsonRpcErrorMember(Shape):
    code: Literal[200, 100]  # 200 "Odoo Server Error"; 100 "Odoo Session Expired"
    message: Literal["Odoo Server Error", "Odoo Session Expired"]
    data: ErrorData


class JsonRpcSuccess(Shape):
    jsonrpc: Literal["2.0"]
    id: StrictInt | StrictStr | None
    result: Any = Field(...)  # required, and may be false


class JsonRpcFailure(Shape):
    jsonrpc: Literal["2.0"]
    id: StrictInt | StrictStr | None
    error: JsonRpcErrorMember


VersionInfo = (
    tuple[StrictInt, StrictInt, StrictInt, StrictStr, StrictInt, StrictStr]
    | tuple[StrictInt, StrictInt, StrictInt, StrictStr, StrictInt]
)


class CommonVersion(Shape):
    """`common.version()`."""

    server_version: StrictStr
    server_version_info: VersionInfo
    server_serie: StrictStr
    protocol_version: StrictInt


class WebVersion(Shape):
    """`GET /web/version` (Odoo 19+)."""

    version_info: VersionInfo
    version: StrictStr


Many2one = tuple[StrictInt, StrictStr] | Literal[False]


class Record(BaseModel):
    """One record of `read`/`search_read`: an `id`, the fields asked for; a many2one is `[id, name]` or false."""

    model_config = ConfigDict(extra="allow", strict=True)

    id: StrictInt
    display_name: StrictStr | None = None
    partner_id: Many2one | None = None
    currency_id: Many2one | None = None
    product_id: Many2one | None = None
    order_id: Many2one | None = None
    uom_id: Many2one | None = None
    product_uom: Many2one | None = None
    product_uom_id: Many2one | None = None
    categ_id: Many2one | None = None
    country_id: Many2one | None = None

    @model_validator(mode="after")
    def _no_null(self) -> Record:
        sent = [getattr(self, name) for name in self.model_fields_set] + list((self.model_extra or {}).values())
        if None in sent:
            raise ValueError("Odoo sends false for an empty field, never null")
        return self


class FieldInfo(Shape):
    """One entry of `fields_get`, with whichever attributes were asked for."""

    type: FIELD_TYPES | None = None
    string: StrictStr | None = None
    help: StrictStr | None = None
    relation: StrictStr | None = None


RESULTS: dict[str, TypeAdapter[Any]] = {
    "version": TypeAdapter(CommonVersion),
    "authenticate": TypeAdapter(StrictInt | Literal[False]),
    "login": TypeAdapter(StrictInt | Literal[False]),
    "search": TypeAdapter(list[StrictInt]),
    "search_count": TypeAdapter(Annotated[int, Field(strict=True, ge=0)]),
    "read": TypeAdapter(list[Record]),
    "search_read": TypeAdapter(list[Record]),
    "create": TypeAdapter(StrictInt | list[StrictInt]),
    "write": TypeAdapter(Literal[True]),
    "unlink": TypeAdapter(Literal[True]),
    "fields_get": TypeAdapter(dict[str, FieldInfo]),
}
BUTTON = TypeAdapter(Literal[True])  # action_confirm, button_confirm, …: Odoo returns true (or an action)
JSONRPC = TypeAdapter(JsonRpcSuccess | JsonRpcFailure)


def result(method: str, value: Any) -> None:
    (RESULTS.get(method) or BUTTON).validate_json(json.dumps(value))


def parse(shape: type[Shape], value: Any) -> Any:
    """`value` as it goes over the wire (JSON), validated against `shape`."""
    return shape.model_validate_json(json.dumps(value))


def check(seen: Seen) -> str:
    """Validate one answer of the fake against the documented shapes; the kind of answer it was."""
    if seen.path == "/web/version":
        if seen.status == 404:  # Odoo ≤ 18: no such route
            return "web/version 404"
        assert seen.status == 200
        parse(WebVersion, seen.reply)
        return "web/version"
    if seen.path == "/jsonrpc":
        assert seen.status == 200  # JSON-RPC reports failures inside a 200
        envelope = JSONRPC.validate_json(json.dumps(seen.reply))
        assert envelope.id == seen.body["id"]
        params = seen.body["params"]
        method = params["args"][4] if params["method"] == "execute_kw" else params["method"]
        if isinstance(envelope, JsonRpcFailure):
            return f"jsonrpc error {envelope.error.data.name}"
        result(method, envelope.result)
        return f"jsonrpc {method}"
    method = seen.path.rsplit("/", 1)[1]
    if seen.status == 200:
        result(method, seen.reply)
        return f"json2 {method}"
    error = parse(ErrorData, seen.reply)
    assert seen.status == STATUS_OF.get(error.name, 500), (error.name, seen.status)
    if error.name.startswith("werkzeug."):
        assert error.arguments[1:] == [seen.status]  # an HTTP exception carries its code
    if seen.status == 401 and error.message.startswith("User not authenticated"):
        assert seen.reply_headers.get("WWW-Authenticate") == "bearer"
    return f"json2 {seen.status} {error.name}"


class Client:
    """Raw calls to the fake, as any Odoo client would make them."""

    def __init__(self, http: aiohttp.ClientSession, odoo: FakeOdoo) -> None:
        self.http, self.odoo = http, odoo

    async def rpc(self, service: str, method: str, *args: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
        async with self.http.post(f"{self.odoo.url}/jsonrpc", json={**body, "id": len(self.odoo.requests)}) as resp:
            return await resp.json()

    async def execute(self, model: str, method: str, *args: Any, key: str = KEY, **kw: Any) -> Any:
        return await self.rpc("object", "execute_kw", DATABASE, UID, key, model, method, list(args), kw)

    async def json2(self, model: str, method: str, body: Any = None, *, raw: str | None = None, auth: str = "") -> int:
        headers = {"X-Odoo-Database": DATABASE, "Content-Type": "application/json; charset=utf-8"}
        if auth != "none":
            headers["Authorization"] = auth or f"bearer {KEY}"
        data = raw if raw is not None else json.dumps(body)
        async with self.http.post(f"{self.odoo.url}/json/2/{model}/{method}", data=data, headers=headers) as resp:
            return resp.status

    async def web_version(self) -> int:
        async with self.http.get(f"{self.odoo.url}/web/version") as resp:
            return resp.status
