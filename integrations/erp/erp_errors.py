"""How an ERP failure becomes a typed opsbot error with a short, human message."""

from __future__ import annotations

from bot.core.errors import InvalidArguments, NotFound, OutcomeUnknown, PermissionDenied, ToolError, UpstreamError

MAX_MESSAGE = 400


def not_found(what: str, ref: str, suggestions: list[str] | tuple[str, ...] = ()) -> NotFound:
    hint = "Did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?" if suggestions else None
    return NotFound(f"{what} `{shorten(ref, 80)}` was not found in the ERP.", hint=hint, suggestions=tuple(suggestions))


def rejected(system: str, action: str, message: str) -> InvalidArguments:
    """The server refused the operation (a validation or business rule): its own words, shortened."""
    return InvalidArguments(f"{system} refused to {action}: {shorten(message)}")


def denied(system: str, action: str, message: str) -> PermissionDenied:
    return PermissionDenied(f"The {system} user may not {action}: {shorten(message)}")


def login_failed(system: str, settings: str) -> PermissionDenied:
    return PermissionDenied(
        f"{system} rejected opsbot's credentials.",
        hint=f"Check {settings}: the user, password or API key may be wrong, expired or revoked.",
    )


def unreachable(system: str, action: str, *, write: bool, reason: str) -> ToolError:
    """The ERP did not answer. A write that may have reached it has an unknown outcome."""
    if write:
        return OutcomeUnknown(
            f"{system} did not answer ({reason}) while trying to {action}, so it may or may not have happened.",
            hint=f"Check in {system} before trying again.",
        )
    return UpstreamError(f"{system} is not answering ({reason}), so I could not {action}. Try again in a minute.")


def server_failed(system: str, action: str, message: str) -> UpstreamError:
    return UpstreamError(f"{system} failed while trying to {action}: {shorten(message)}")


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
