"""How a GitHub failure becomes a typed opsbot error with a short, human message."""

from __future__ import annotations

import http
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from github.GithubException import GithubException
from github.Requester import Requester

from bot.core.errors import (
    Conflict,
    InvalidArguments,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    ToolError,
    UpstreamError,
)

MAX_MESSAGE = 300
SECONDARY_LIMIT_WAIT = 60.0  # GitHub asks to wait at least a minute when it gives no Retry-After


@dataclass(frozen=True, kw_only=True)
class Operation:
    """What we asked GitHub to do, in words a person understands."""

    action: str  # a verb phrase: "merge pull request #7 in acme/api"
    target: str  # a noun phrase: "Pull request #7 in acme/api"
    repo: str | None = None
    write: bool = False  # a non-idempotent write: a failure leaves the outcome unknown


def map_error(exc: Exception, op: Operation) -> ToolError:
    """The one place that turns a PyGithub or transport failure into an opsbot error."""
    if not isinstance(exc, GithubException):
        return _unreachable(exc, op)
    status, message = exc.status, github_message(exc)
    if status == 404:
        return NotFound(f"{op.target} was not found, or the token has no access to it.")
    if status == 410:  # Gone: issues are turned off in the repository, or the issue was deleted
        return NotFound(f"GitHub could not {op.action}: {message}.")
    if status == 401:
        return PermissionDenied(
            "GitHub rejected the token (401 Bad credentials).",
            hint="Check GITHUB_TOKEN: it may be wrong, expired or revoked.",
        )
    if status == 403:
        return _forbidden(exc, op)
    if status == 422:
        return InvalidArguments(f"GitHub could not {op.action}: {validation_details(exc)}")
    if status in (405, 409):
        return Conflict(f"GitHub could not {op.action}: {message}.")
    if status >= 500:
        return _server_failed(f"GitHub failed ({status})", op)
    return UpstreamError(f"GitHub answered {status} when asked to {op.action}: {message}.")


def repo_not_found(repo: str, suggestions: list[str]) -> NotFound:
    hint = "Did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?" if suggestions else None
    return NotFound(
        f"Repository `{repo}` was not found, or the token has no access to it.",
        hint=hint,
        suggestions=tuple(suggestions),
    )


def github_message(exc: GithubException) -> str:
    data = exc.data
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message:
        message = _reason(exc.status)
    return _shorten(message.rstrip("."))


def validation_details(exc: GithubException) -> str:
    details = [github_message(exc)]
    errors = exc.data.get("errors") if isinstance(exc.data, dict) else None
    for error in errors if isinstance(errors, list) else []:
        details.append(_describe_validation_error(error))
    return _shorten("; ".join(d for d in details if d)) + "."


def _describe_validation_error(error: object) -> str:
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return ""
    if isinstance(error.get("message"), str):
        return str(error["message"])
    return " ".join(str(error[k]) for k in ("field", "code") if error.get(k))


def _forbidden(exc: GithubException, op: Operation) -> PermissionDenied:
    headers = exc.headers or {}
    needed = headers.get("x-accepted-github-permissions") or headers.get("x-accepted-oauth-scopes")
    if needed:
        return PermissionDenied(
            f"The GitHub token may not {op.action}: it needs the `{needed}` permission.",
            hint=github_message(exc),
        )
    return PermissionDenied(f"The GitHub token may not {op.action}: {github_message(exc)}.")


def _server_failed(what: str, op: Operation) -> ToolError:
    if op.write:
        return OutcomeUnknown(
            f"{what} while trying to {op.action}, so it may or may not have happened.",
            hint="Check on GitHub before trying again.",
        )
    return UpstreamError(f"{what} and could not {op.action}. Try again in a minute.")


def _unreachable(exc: Exception, op: Operation) -> ToolError:
    if isinstance(exc, requests.Timeout):
        return _server_failed("GitHub did not answer in time", op)
    return _server_failed("Could not reach GitHub", op)


def rate_limit_wait(exc: GithubException, now: datetime) -> float | None:
    """Seconds until GitHub accepts requests again, or None when this is not a rate-limit answer."""
    if exc.status not in (403, 429):
        return None
    headers = exc.headers or {}
    retry_after = str(headers.get("retry-after", "")).strip()
    if retry_after.isdigit():
        return float(retry_after)
    reset = str(headers.get("x-ratelimit-reset", "")).strip()
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        # GitHub resets somewhere within that second: wait one more, as PyGithub does
        return max(0.0, int(reset) - now.timestamp()) + 1.0
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    if exc.status == 429 or (isinstance(message, str) and Requester.isRateLimitError(message)):
        return SECONDARY_LIMIT_WAIT
    return None


def rate_limited(wait: float, now: datetime) -> RateLimited:
    resets = now + timedelta(seconds=wait)
    minutes = max(1, round(wait / 60))
    return RateLimited(
        f"GitHub's rate limit for this token is used up; it resets at {resets:%H:%M} UTC (in about {minutes} min).",
        retry_after=wait,
    )


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
