"""The error hierarchy: what a person is told, and the typed upstream failures a planner can act on."""

from __future__ import annotations

from bot.core.jsonvalue import JsonObject
from bot.core.reply_route import closed_hint


class OpsbotError(Exception):
    """Base class for every error opsbot raises on purpose."""


class UserFacingError(OpsbotError):
    """An error whose message is written for the person who asked; shown as is in Slack. `suggestions` are whole
    commands the person may have meant: Slack shows each as a button that runs it as if they had typed it."""

    def __init__(self, message: str, *, hint: str | None = None, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.suggestions = suggestions

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class AmbiguousHandle(OpsbotError):
    """Several people share the display name a `@handle` names, so the directory can't tell which one is meant."""

    def __init__(self, handle: str, users: tuple[str, ...]) -> None:
        super().__init__(f"@{handle} is the display name of {len(users)} people")
        self.handle = handle
        self.users = users


class NotInChannel(UserFacingError):
    """Slack refused a post because opsbot is not in the channel (a private channel it was never invited to, a DM
    between people): the person is told how to fix it."""

    def __init__(self, channel: str) -> None:
        hint = closed_hint(channel)
        super().__init__(
            "I'm not a member of this channel, so I can't post here.",
            hint=hint if channel.startswith("D") else f"{hint} Then ask again.",
        )
        self.channel = channel


class ConfigurationError(UserFacingError):
    """A setting is missing or invalid; start-up prints it as one line."""


class ToolError(UserFacingError):
    """A tool call failed in a way the planner may correct. `kind` is the error class name the LLM sees."""

    kind = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        suggestions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.suggestions = suggestions

    def as_data(self) -> JsonObject:
        data: JsonObject = {"error": self.kind, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        if self.suggestions:
            data["suggestions"] = list(self.suggestions)
        return data


class NotFound(ToolError):
    kind = "not_found"


class NotPossible(ToolError):
    """The action would fail for sure as things stand (a PR already merged, closed or in conflict): refused before
    any approval card is posted, with the reason."""

    kind = "not_possible"


class PermissionDenied(ToolError):
    kind = "permission_denied"


class InvalidArguments(ToolError):
    kind = "invalid_arguments"


class Conflict(ToolError):
    kind = "conflict"


class RateLimited(ToolError):
    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class UpstreamError(ToolError):
    kind = "upstream_error"


class OutcomeUnknown(ToolError):
    """The call may or may not have taken effect (a timeout or 5xx on a non-idempotent write)."""

    kind = "unknown"


class ModelUnavailable(UserFacingError):
    """The language model did not answer (rate limit, server error, timeout), after the client's retries."""
