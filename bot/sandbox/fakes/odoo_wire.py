"""What the loopback Odoo says, built from Odoo's documented shapes: JSON-RPC envelopes, error objects, versions.

Written by us from the facts of Odoo's external API documentation and its `odoo.exceptions` / `odoo.http`: the
field names, the exception names, their HTTP statuses and the wording of the messages a client may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from bot.core.jsonvalue import Json, JsonList, JsonObject

__all__ = [
    "SERVER_ERROR",
    "JsonRpcError",
    "JsonRpcResult",
    "OdooError",
    "access_denied",
    "access_error",
    "bad_request",
    "common_version",
    "jsonrpc_error",
    "jsonrpc_result",
    "missing_error",
    "unauthorized",
    "unprocessable",
    "user_error",
    "validation_error",
    "version_info",
    "web_version",
]


class ServerError(TypedDict):
    """JSON-RPC's `error` member: Odoo's code and message for any server-side exception."""

    code: int
    message: str


SERVER_ERROR: ServerError = {"code": 200, "message": "Odoo Server Error"}
STATUS = {  # the HTTP status JSON-2 answers an exception with (`http_status` in odoo.exceptions)
    "odoo.exceptions.UserError": 422,
    "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.MissingError": 404,
}
WERKZEUG = "werkzeug.exceptions."


class OdooError(Exception):
    """An exception the server reports in Odoo's error object: `name`, `message`, `arguments`, `context`, `debug`.

    `status` is the HTTP status of a JSON-2 answer: the exception's own for Odoo's exceptions, 500 for anything else.
    werkzeug's HTTP exceptions carry their status as a second argument.
    """

    def __init__(self, name: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.name, self.message = name, message
        self.status = status or STATUS.get(name, 500)
        self.arguments: JsonList = [message, self.status] if name.startswith(WERKZEUG) else [message]

    def json2(self) -> JsonObject:
        """The JSON-2 error body (its keys in the order Odoo writes them)."""
        return {"name": self.name, "message": self.message, "arguments": self.arguments, "context": {}, "debug": ""}

    def data(self) -> JsonObject:
        """The `data` member of a JSON-RPC error (the same facts; serialize_exception's key order)."""
        body = self.json2()
        return {key: body[key] for key in ("name", "debug", "message", "arguments", "context")}


# -- the exceptions the fake raises ------------------------------------------------------------------


def access_denied() -> OdooError:
    """A wrong login, password or API key on the object service (no traceback: Odoo hides it)."""
    return OdooError("odoo.exceptions.AccessDenied", "Access Denied")


def access_error(model: str, description: str, group: str) -> OdooError:
    """The API user's groups do not allow `model`."""
    message = (
        f"You are not allowed to access '{description}' ({model}) records.\n\n"
        f"This operation is allowed for the following groups:\n\t- {group}\n\n"
        "Contact your administrator to request access if necessary."
    )
    return OdooError("odoo.exceptions.AccessError", message)


def validation_error(model: str, description: str, field: str, label: str) -> OdooError:
    """A record created without a mandatory field (the database's NOT NULL, as Odoo words it)."""
    message = (
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {description} ({model})\nField: {label} ({field})\n"
    )
    return OdooError("odoo.exceptions.ValidationError", message)


def user_error(message: str) -> OdooError:
    return OdooError("odoo.exceptions.UserError", message)


def missing_error(model: str, ids: Sequence[object], uid: int) -> OdooError:
    message = f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})"
    return OdooError("odoo.exceptions.MissingError", message)


def unauthorized(message: str) -> OdooError:
    return OdooError(WERKZEUG + "Unauthorized", message, 401)


def bad_request(message: str) -> OdooError:
    return OdooError(WERKZEUG + "BadRequest", message, 400)


def unprocessable(message: str) -> OdooError:
    return OdooError(WERKZEUG + "UnprocessableEntity", message, 422)


# -- envelopes and version answers -------------------------------------------------------------------


class RpcError(ServerError):
    data: JsonObject  # the exception, as `OdooError.data()` gives it


class JsonRpcResult(TypedDict):
    jsonrpc: str
    id: Json
    result: Json


class JsonRpcError(TypedDict):
    jsonrpc: str
    id: Json
    error: RpcError


def jsonrpc_result(request_id: Json, result: Json) -> JsonRpcResult:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def jsonrpc_error(request_id: Json, error: OdooError) -> JsonRpcError:
    """A failed call over /jsonrpc: still HTTP 200, the exception in `error.data`."""
    return {"jsonrpc": "2.0", "id": request_id, "error": {**SERVER_ERROR, "data": error.data()}}


def version_info(version: str) -> JsonList:
    """`19.0` → `[19, 0, 0, "final", 0, ""]` (major, minor, micro, release level, serial, suffix)."""
    major, _, minor = version.partition(".")
    return [int(major), int(minor or 0), 0, "final", 0, ""]


def common_version(version: str) -> JsonObject:
    """The result of `common.version()` (no login needed)."""
    info = version_info(version)
    return {"server_version": version, "server_version_info": info, "server_serie": version, "protocol_version": 1}


def web_version(version: str) -> JsonObject:
    """`GET /web/version`, which Odoo 19 offers in place of `common.version()`."""
    return {"version_info": version_info(version), "version": version}
