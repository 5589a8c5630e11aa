"""Request signatures, checked before anything else: Slack's v0 HMAC (300 s window) and GitHub's sha256."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SLACK_WINDOW_SECONDS = 300
TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286; a longer "number" is not a timestamp


def _same(expected: str, sent: str) -> bool:
    """Constant-time comparison of a header with what it should be: bytes, so a header of any bytes (aiohttp
    decodes the undecodable as surrogates) is a mismatch, never a TypeError."""
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "surrogateescape"))


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """Return None when the request is genuine and fresh, else the reason (for logs, never for the caller)."""
    if not secret:
        return "no signing secret configured"
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return "missing signature headers"
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > TIMESTAMP_DIGITS:
        return "non-numeric timestamp"
    if abs(now - int(timestamp)) > SLACK_WINDOW_SECONDS:
        return "stale timestamp"
    if not _same(slack_signature(secret, timestamp, body), signature):
        return "bad signature"
    return None


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(secret: str, header: str | None, body: bytes) -> bool:
    return bool(secret) and bool(header) and _same(github_signature(secret, body), header or "")
