"""Odoo's two external APIs over aiohttp: JSON-RPC (`/jsonrpc`, Odoo ≤ 18) and JSON-2 (`/json/2/…`, Odoo 19+)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias

import aiohttp

from bot.core.errors import NotFound, ToolError
from bot.core.jsonvalue import Json, number, obj
from integrations.erp.erp_errors import denied, login_failed, rejected, server_failed, shorten, unreachable

SYSTEM = "Odoo"
SETTINGS = "ODOO_USER and ODOO_API_KEY"
REJECTIONS = ("ValidationError", "UserError", "RedirectWarning")

# What opsbot sends: JSON, where a domain is a list of tuples. Odoo answers plain JSON (bot.jsonvalue.Json).
Param: TypeAlias = "bool | int | float | str | Sequence[Param] | Mapping[str, Param] | None"


class OdooTransport(Protocol):
    """Call one model method with positional `ids`-style arguments and keyword arguments."""

    protocol: str

    async def version(self) -> str: ...

    async def execute(
        self,
        model: str,
        method: str,
        args: Sequence[Param],
        kwargs: Mapping[str, Param],
        *,
        action: str,
        write: bool = False,
    ) -> Json: ...


def odoo_error(data: Mapping[str, object], action: str, status: int | None = None) -> ToolError:
    """Odoo's error object (`name`, `message`, `arguments`, …) as an opsbot error, by exception class name."""
    name = str(data.get("name") or "")
    message = str(data.get("message") or "") or f"HTTP {status}"
    short = name.rsplit(".", 1)[-1]
    if short == "AccessDenied" or (short == "Unauthorized" and status in (None, 401)):
        return login_failed(SYSTEM, SETTINGS)
    if short == "AccessError":
        return denied(SYSTEM, action, message)
    if short in REJECTIONS:
        return rejected(SYSTEM, action, message)
    if short == "MissingError":
        return NotFound(f"Odoo could not {action}: {shorten(message)}")
    return server_failed(SYSTEM, action, message)


class _Http:
    def __init__(self, http: aiohttp.ClientSession, url: str, timeout: float) -> None:
        self._http = http
        self.url = url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def request(
        self, method: str, path: str, body: Param, headers: dict[str, str], *, action: str, write: bool
    ) -> tuple[int, Json]:
        data = None if body is None else json.dumps(body)
        try:
            async with self._http.request(
                method, self.url + path, data=data, headers=headers, timeout=self._timeout
            ) as resp:
                text = await resp.text()
                status = resp.status
        except aiohttp.ClientConnectorError:
            raise unreachable(SYSTEM, action, write=False, reason="connection refused") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise unreachable(SYSTEM, action, write=write, reason=type(exc).__name__) from None
        try:
            answer: Json = json.loads(text) if text else None
        except ValueError:
            raise server_failed(SYSTEM, action, f"HTTP {status}, not JSON") from None
        return status, answer


class JsonRpc(_Http):
    """`/jsonrpc`: `common.authenticate` once for a uid, then `object.execute_kw(db, uid, key, …)`."""

    protocol = "jsonrpc"

    def __init__(
        self, http: aiohttp.ClientSession, *, url: str, database: str, user: str, api_key: str, timeout: float = 30.0
    ) -> None:
        super().__init__(http, url, timeout)
        self._db, self._user, self._key = database, user, api_key
        self._ids = itertools.count(1)
        self.uid: int | None = None

    async def call(self, service: str, method: str, args: Sequence[Param], *, action: str, write: bool = False) -> Json:
        params: dict[str, Param] = {"service": service, "method": method, "args": args}
        body: dict[str, Param] = {"jsonrpc": "2.0", "method": "call", "params": params, "id": next(self._ids)}
        headers = {"Content-Type": "application/json"}
        status, payload = await self.request("POST", "/jsonrpc", body, headers, action=action, write=write)
        if status != 200 or not isinstance(payload, dict):
            raise server_failed(SYSTEM, action, f"HTTP {status}")
        if payload.get("error"):
            error = obj(payload["error"])
            raise odoo_error(obj(error.get("data")) or {"message": error.get("message")}, action)
        return payload.get("result")

    async def version(self) -> str:
        info = await self.call("common", "version", [], action="ask its version")
        return str(info.get("server_version") if isinstance(info, dict) else info)

    async def login(self) -> int:
        uid = number(await self.call("common", "authenticate", [self._db, self._user, self._key, {}], action="log in"))
        if not uid:
            raise login_failed(SYSTEM, SETTINGS)
        self.uid = uid
        return self.uid

    async def execute(
        self,
        model: str,
        method: str,
        args: Sequence[Param],
        kwargs: Mapping[str, Param],
        *,
        action: str,
        write: bool = False,
    ) -> Json:
        uid = self.uid if self.uid is not None else await self.login()
        params: list[Param] = [self._db, uid, self._key, model, method, args, kwargs]
        return await self.call("object", "execute_kw", params, action=action, write=write)


class Json2(_Http):
    """`POST /json/2/<model>/<method>` with a bearer API key; every argument is named (`ids`, `domain`, …)."""

    protocol = "json2"

    def __init__(
        self, http: aiohttp.ClientSession, *, url: str, database: str, api_key: str, timeout: float = 30.0
    ) -> None:
        super().__init__(http, url, timeout)
        self._headers = {
            "Authorization": f"bearer {api_key}",
            "X-Odoo-Database": database,
            "Content-Type": "application/json; charset=utf-8",
        }

    async def version(self) -> str:
        status, payload = await self.request("GET", "/web/version", None, {}, action="ask its version", write=False)
        if status != 200 or not isinstance(payload, dict):
            raise server_failed(SYSTEM, "ask its version", f"HTTP {status}")
        return str(payload.get("version"))

    async def execute(
        self,
        model: str,
        method: str,
        args: Sequence[Param],
        kwargs: Mapping[str, Param],
        *,
        action: str,
        write: bool = False,
    ) -> Json:
        body: dict[str, Param] = {**json2_arguments(method, args), **kwargs}
        path = f"/json/2/{model}/{method}"
        status, payload = await self.request("POST", path, body, self._headers, action=action, write=write)
        if status == 200:
            return payload
        return_error = payload if isinstance(payload, dict) else {"message": f"HTTP {status}"}
        raise odoo_error(return_error, action, status)


def json2_arguments(method: str, args: Sequence[Param]) -> dict[str, Param]:
    """The positional arguments the adapter uses, named as JSON-2 wants them (`ids`, `domain`, `vals_list`, …)."""
    if not args:
        return {}
    if method in ("search", "search_read", "search_count"):
        return {"domain": args[0]}
    if method == "create":
        return {"vals_list": args[0]}
    named: dict[str, Param] = {"ids": args[0]}
    if method == "write" and len(args) > 1:
        named["vals"] = args[1]
    return named
