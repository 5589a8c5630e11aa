"""What the Slack outbox (integrations.slack_outbox) makes of a failed send: try again (after Retry-After for a
429, with backoff otherwise) or give up; its settings; the error for a response_url Slack refused."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"})


@dataclass(frozen=True, kw_only=True)
class DeliveryConfig:
    deadline_seconds: float = 3600.0
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    pace_per_second: float = 1.0  # 0: no pacing
    pace_burst: int = 10
    search_limit: int = 100  # messages looked through when adopting an earlier attempt's post


class Retry(Exception):
    """Worth trying again: after `wait` seconds (a 429's Retry-After) or a backoff; `maybe_sent` when the message
    may have reached Slack although no answer said so (a 5xx, a reset connection, a timeout)."""

    def __init__(self, error: str, wait: float | None, *, maybe_sent: bool) -> None:
        super().__init__(error)
        self.error, self.wait, self.maybe_sent = error, wait, maybe_sent


class UrlRefused(Exception):
    """Slack refused a post to a response_url for good (expired, used up, a bad payload): `error` says which."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"response_url refused: HTTP {status} {error}")
        self.status, self.error = status, error


def classify(exc: SlackApiError) -> Retry | None:
    """A refusal worth trying again (with Retry-After's wait for a 429), or None when it is final."""
    status = int(getattr(exc.response, "status_code", 200) or 200)
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    if status == 429:
        after = exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", "1"))
        return Retry(f"429 (Retry-After {after})", seconds(after), maybe_sent=False)
    return by_status(status, error)


def by_status(status: int, error: str | None) -> Retry | None:
    """A 5xx or one of Slack's transient errors: worth trying again; anything else is final."""
    if status >= 500 or error in TRANSIENT_ERRORS:
        return Retry(f"HTTP {status} {error or ''}".strip(), None, maybe_sent=True)
    return None


def seconds(after: object) -> float:
    """A Retry-After header's wait (seconds; 1 when it is not a number)."""
    try:
        return max(float(str(after)), 0.0)
    except ValueError:
        return 1.0
