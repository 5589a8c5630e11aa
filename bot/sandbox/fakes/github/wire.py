"""What GitHub's REST API puts around a body: its response headers, pages, and its error and rate-limit bodies."""

from __future__ import annotations

import http
from collections.abc import Sequence
from urllib.parse import urlencode

from bot.core.jsonvalue import Json, JsonList, JsonObject
from bot.sandbox.fakes.github.github_state import Call, Reply
from bot.sandbox.fakes.github.shapes import API

GITHUB_API = API
DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = f"{DOCS}/using-the-rest-api/rate-limits-for-the-rest-api"
API_VERSION = "2022-11-28"
RATE_LIMIT = 5000  # requests an hour for a personal access token
PER_PAGE, MAX_PER_PAGE = 30, 100


def error(message: str, documentation_url: str = DOCS) -> JsonObject:
    """GitHub's "basic-error" body: a message and where to read about it."""
    return {"message": message, "documentation_url": documentation_url}


NOT_FOUND = error("Not Found")
BAD_CREDENTIALS = error("Bad credentials")
FORBIDDEN = error("Resource not accessible by personal access token")
NOT_MERGEABLE = error("Pull Request is not mergeable", f"{DOCS}/pulls/pulls#merge-a-pull-request")
HEAD_MODIFIED = error("Head branch was modified. Review and try the merge again.", f"{DOCS}/pulls/pulls")
MERGE_CONFLICT = error("Merge conflict", f"{DOCS}/pulls/pulls#merge-a-pull-request")
BAD_JSON = error("Problems parsing JSON")
SERVER_ERROR: JsonObject = {"message": "Server Error"}  # a 500 or 502 from GitHub says no more than that
UNAVAILABLE: JsonObject = {"code": "unavailable", "message": "Service Unavailable", "documentation_url": DOCS}
ISSUES_DISABLED = error("Issues are disabled for this repo", f"{DOCS}/issues/issues#get-an-issue")
NO_DISPATCH_TRIGGER = error(
    "Workflow does not have 'workflow_dispatch' trigger",
    f"{DOCS}/actions/workflows#create-a-workflow-dispatch-event",
)


def validation_failed(
    resource: str, field: str, code: str, *, message: str | None = None, docs: str = DOCS
) -> JsonObject:
    """GitHub's "validation-error" body (422): what was wrong with which field."""
    detail: JsonObject = {"resource": resource, "field": field, "code": code}
    if message is not None:
        detail["message"] = message
    return {"message": "Validation Failed", "errors": [detail], "documentation_url": docs}


def dispatch_refused(message: str) -> JsonObject:
    """A refused workflow dispatch (422): GitHub names the ref or input in the message only."""
    return error(message, f"{DOCS}/actions/workflows#create-a-workflow-dispatch-event")


def default_fault_body(status: int) -> JsonObject:
    """The body GitHub sends with this status when a test injects it without one."""
    by_status: dict[int, JsonObject] = {
        401: BAD_CREDENTIALS,
        403: FORBIDDEN,
        404: NOT_FOUND,
        405: NOT_MERGEABLE,
        409: MERGE_CONFLICT,
        410: ISSUES_DISABLED,
        422: validation_failed("Issue", "title", "custom", message="title is too long (maximum is 256 characters)"),
        500: SERVER_ERROR,
        502: SERVER_ERROR,
        503: UNAVAILABLE,
    }
    body = by_status.get(status)
    return dict(body) if body is not None else {"message": http.HTTPStatus(status).phrase}


def primary_rate_limit(user_id: int, request_id: str) -> JsonObject:
    """403 once the hourly quota is used up (sent with X-RateLimit-Remaining: 0)."""
    message = (
        f"API rate limit exceeded for user ID {user_id}. If you reach out to GitHub Support for help, "
        f"please include the request ID {request_id}."
    )
    return error(message, f"{RATE_LIMIT_DOCS}#primary-rate-limit")


def secondary_rate_limit(request_id: str) -> JsonObject:
    """403 for too many requests too fast (sent with Retry-After)."""
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
        f"If you reach out to GitHub Support for help, please include the request ID {request_id}."
    )
    return error(message, f"{RATE_LIMIT_DOCS}#about-secondary-rate-limits")


EXPOSED = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, "
    "X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, "
    "X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
)


def response_headers(*, request_id: str, remaining: int, reset: int) -> dict[str, str]:
    """The headers GitHub sends on every REST answer (the body's Content-Type is added with the body)."""
    return {
        "Server": "github.com",
        "X-GitHub-Media-Type": "github.v3; format=json",
        "X-GitHub-Api-Version-Selected": API_VERSION,
        "X-GitHub-Request-Id": request_id,
        "X-OAuth-Scopes": "repo, workflow",
        "X-Accepted-OAuth-Scopes": "",
        "X-RateLimit-Limit": str(RATE_LIMIT),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Used": str(RATE_LIMIT - remaining),
        "X-RateLimit-Resource": "core",
        "Access-Control-Expose-Headers": EXPOSED,
        "Access-Control-Allow-Origin": "*",
        "Strict-Transport-Security": "max-age=31536000; includeSubdomains; preload",
        "X-Frame-Options": "deny",
        "X-Content-Type-Options": "nosniff",
        "X-XSS-Protection": "0",
        "Referrer-Policy": "origin-when-cross-origin, strict-origin-when-cross-origin",
        "Content-Security-Policy": "default-src 'none'",
    }


def request_id(number: int) -> str:
    """GitHub's request ids look like `C0A1:2B3C:4D5E6F:7A8B9C:67A1B2C3`; ours count up."""
    return f"AC{number % 256:02X}:{number:04X}:{number * 7:06X}:{number * 11:06X}:{number * 13:08X}"


def paged(api: str, call: Call, items: Sequence[Json], wrap: str | None = None) -> Reply:
    """One page of a list, as GitHub serves it: `per_page` items (30 unless asked, at most 100) of `page`, and a
    Link header to the pages around it, in GitHub's order: prev, next, last, first (none when there is one page).
    `wrap` names the key of a list GitHub sends inside an object with its `total_count`."""
    per_page = min(_positive(call.query.get("per_page"), PER_PAGE), MAX_PER_PAGE)
    page = _positive(call.query.get("page"), 1)
    last = max(1, -(-len(items) // per_page))
    chunk: JsonList = [*items[(page - 1) * per_page : page * per_page]]

    def at(number: int, rel: str) -> str:
        return f'<{api}{call.path}?{urlencode({**call.query, "page": number})}>; rel="{rel}"'

    links = [at(page - 1, "prev")] if page > 1 else []
    links += [at(page + 1, "next"), at(last, "last")] if page < last else []
    links += [at(1, "first")] if page > 1 else []
    body = chunk if wrap is None else {"total_count": len(items), wrap: chunk}
    return Reply(status=200, body=body, headers={"Link": ", ".join(links)} if links else {})


def _positive(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else default
