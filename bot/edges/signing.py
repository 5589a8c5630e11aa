"""Request signatures, checked before anything else: Slack's v0 HMAC (300 s window) and GitHub's sha256."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SLACK_WINDOW_SECONDS = 300


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
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "non-numeric timestamp"
    if abs(now - int(timestamp)) > SLACK_WINDOW_SECONDS:
        return "stale timestamp"
    if not hmac.compare_digest(slack_signature(secret, timestamp, body), signature):
        return "bad signature"
    return None


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(secret: str, header: str | None, body: bytes) -> bool:
    return bool(secret) and bool(header) and hmac.compare_digest(github_signature(secret, body), header or "")
