"""Tryton's JSON-RPC over aiohttp: `common.db.login` for a session, then `model.<name>.<method>` calls."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias

import aiohttp

from bot.core.errors import Conflict, InvalidArguments, RateLimited, ToolError
from integrations.erp.erp_errors import denied, login_failed, rejected, server_failed, unreachable

SYSTEM = "Tryton"
SETTINGS = "TRYTON_USER and TRYTON_PASSWORD"
ACCESS_ERROR_PREFIX = "You are not allowed to"

# What opsbot sends (a domain is a list of tuples) and what Tryton answers: JSON with Tryton's `__class__` objects
# decoded, so amounts are Decimals and dates dates (a datetime is a date too).
Param: TypeAlias = "bool | int | float | str | Decimal | dt.date | Sequence[Param] | Mapping[str, Param] | None"
Value: TypeAlias = "bool | int | float | str | Decimal | dt.date | list[Value] | dict[str, Value] | None"


class ConfirmationNeeded(InvalidArguments):
    """A Tryton `UserWarning`: a person must accept it (its `key`) in Tryton before the action goes through."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class SessionExpired(Exception):
    """Tryton answered 401 to a call made with a session: log in again."""


def encode(value: object) -> dict[str, str | int]:
    """Tryton's JSON extensions (`__class__` objects) for the values opsbot sends."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("datetimes are not sent to Tryton")
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


def decode(obj: dict[str, Value]) -> Value:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(str(obj["decimal"]))
    if kind == "date":
        year, month, day = _integers(obj, "year", "month", "day")
        return dt.date(year, month, day)
    if kind == "datetime":
        year, month, day, hour, minute, second = _integers(obj, "year", "month", "day", "hour", "minute", "second")
        return dt.datetime(year, month, day, hour, minute, second)
    return obj


def _integers(obj: dict[str, Value], *names: str) -> list[int]:
    """The parts of a date or datetime (`year`, `month`, …), which Tryton sends as integers."""
    parts = [obj[name] for name in names]
    integers = [part for part in parts if isinstance(part, int)]
    if len(integers) != len(parts):
        raise TypeError(f"Tryton sent a {obj.get('__class__')} with a part that is not an integer")
    return integers


class TrytonRpc:
    """One logged-in user on one database. A session Tryton no longer knows is renewed once per call."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        url: str,
        database: str,
        user: str,
        password: str,
        timeout: float = 30.0,
    ) -> None:
        self._http = http
        self._endpoint = f"{url.rstrip('/')}/{database}/"
        self._root = f"{url.rstrip('/')}/"
        self._user = user
        self._password = password
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._ids = itertools.count(1)
        self._auth: str | None = None
        self._lock = asyncio.Lock()
        self.context: dict[str, Value] = {}
        self.user_id: int | None = None

    async def version(self) -> str:
        return str(await self._post(self._root, "common.server.version", [], auth=None, action="ask its version"))

    async def login(self) -> None:
        match await self._post(
            self._endpoint, "common.db.login", [self._user, {"password": self._password}], auth=None, action="log in"
        ):
            case [int(user_id), str(session)]:
                token = base64.b64encode(f"{self._user}:{user_id}:{session}".encode()).decode()
                self._auth, self.user_id = f"Session {token}", user_id
            case _:
                raise TypeError("Tryton answered the login with something other than [user id, session]")
        prefs = await self._post(
            self._endpoint, "model.res.user.get_preferences", [True, {}], auth=self._auth, action="log in"
        )
        self.context = dict(prefs) if isinstance(prefs, dict) else {}

    async def logout(self) -> None:
        if self._auth is not None:
            await self._post(self._endpoint, "common.db.logout", [], auth=self._auth, action="log out")
            self._auth = None

    async def model(
        self,
        name: str,
        method: str,
        *args: Param,
        action: str,
        write: bool = False,
        context: Mapping[str, Param] | None = None,
    ) -> Value:
        """Call `model.<name>.<method>(*args, context)`; the user's context comes last, as Tryton expects."""
        return await self.call(f"model.{name}.{method}", *args, action=action, write=write, context=context)

    async def call(
        self, method: str, *args: Param, action: str, write: bool = False, context: Mapping[str, Param] | None = None
    ) -> Value:
        """Any authenticated call (`model.…`, `wizard.…`); a session Tryton no longer knows is renewed once."""
        for attempt in (1, 2):
            auth = await self._session(renew=attempt == 2)
            params: list[Param] = [*args, {**self.context, **(context or {})}]
            try:
                return await self._post(self._endpoint, method, params, auth=auth, action=action, write=write)
            except SessionExpired:
                if attempt == 2:
                    raise login_failed(SYSTEM, SETTINGS) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _session(self, *, renew: bool) -> str:
        async with self._lock:
            if self._auth is None or renew:
                self._auth = None
                await self.login()
            assert self._auth is not None
            return self._auth

    async def _post(
        self, url: str, method: str, params: Sequence[Param], *, auth: str | None, action: str, write: bool = False
    ) -> Value:
        body = json.dumps({"id": next(self._ids), "method": method, "params": params}, default=encode)
        headers = {"Content-Type": "application/json"}
        if auth is not None:
            headers["Authorization"] = auth
        try:
            async with self._http.post(url, data=body, headers=headers, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise http_failure(resp.status, auth is not None, action)
                answer: Value = json.loads(await resp.text(), object_hook=decode)
        except aiohttp.ClientConnectorError:
            raise unreachable(SYSTEM, action, write=False, reason="connection refused") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise unreachable(SYSTEM, action, write=write, reason=type(exc).__name__) from None
        payload = answer if isinstance(answer, dict) else {}
        if payload.get("error") is not None:
            raise fault(payload["error"], action)
        return payload.get("result")


def http_failure(status: int, with_session: bool, action: str) -> Exception:
    if status == 401 and with_session:
        return SessionExpired()
    if status in (401, 403):
        return login_failed(SYSTEM, SETTINGS) if status == 401 else denied(SYSTEM, action, "HTTP 403 Forbidden")
    if status == 404:
        return server_failed(SYSTEM, action, "the database was not found (check TRYTON_DATABASE)")
    if status == 429:
        return RateLimited("Tryton is refusing logins for a while after failed attempts.", retry_after=60.0)
    return server_failed(SYSTEM, action, f"HTTP {status}")


def fault(error: Value, action: str) -> ToolError:
    """Tryton reports exceptions as `error: [name, args]` (its own kinds) or `[text, traceback]`."""
    kind, args = (error[0], error[1]) if isinstance(error, list) and len(error) == 2 else (str(error), None)
    details = args if isinstance(args, list) else [args]
    message = str(details[0]) if details and details[0] else str(kind)
    if kind == "UserError":
        if message.startswith(ACCESS_ERROR_PREFIX):
            return denied(SYSTEM, action, message)
        description = str(details[1]) if len(details) > 1 and details[1] else ""
        return rejected(SYSTEM, action, f"{message} {description}".strip())
    if kind == "UserWarning":
        text = str(details[1]) if len(details) > 1 else message
        warning = rejected(SYSTEM, action, f"{text} (Tryton asks for a confirmation; do this one in Tryton)")
        return ConfirmationNeeded(warning.message, key=message)
    if kind == "LoginException":
        return login_failed(SYSTEM, SETTINGS)
    if kind == "ConcurrencyException":
        return Conflict(f"Someone changed the record in Tryton while opsbot tried to {action}; try again.")
    return server_failed(SYSTEM, action, message)
