"""Scrub secrets from anything that is logged, audited, posted or sent to a model."""

from __future__ import annotations

import re
from typing import Any

SECRET_KEYS = re.compile(r"(token|secret|password|passwd|api[_-]?key|authorization|signature)", re.I)
SECRET_VALUES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|sk-[A-Za-z0-9_-]{16,}|v0=[0-9a-f]{64}|Bearer\s+[A-Za-z0-9._~+/-]{12,})"
)
MASK = "[redacted]"


def redact_text(text: str, extra: tuple[str, ...] = ()) -> str:
    text = SECRET_VALUES.sub(MASK, text)
    for secret in extra:
        if secret and len(secret) >= 6:
            text = text.replace(secret, MASK)
    return text


def redact(value: Any, extra: tuple[str, ...] = ()) -> Any:
    """Return a copy of a JSON-like value with secret-looking keys and values masked."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and SECRET_KEYS.search(k) and v else redact(v, extra))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, extra) for v in value]
    if isinstance(value, str):
        return redact_text(value, extra)
    return value


def contains_secret(value: Any, extra: tuple[str, ...] = ()) -> bool:
    """Whether `redact` would have anything to mask (or a secret-named key is present): one scan, no copy.

    Outgoing messages are checked with this first, so the common case (nothing secret) costs one regular-expression
    search over the joined strings instead of a rebuilt copy of every block.
    """
    keys: list[str] = []
    texts: list[str] = []
    _collect(value, keys, texts)
    if any(SECRET_KEYS.search(k) for k in keys):
        return True
    joined = "\x00".join(texts)  # no pattern matches a NUL, so nothing matches across two strings
    if SECRET_VALUES.search(joined):
        return True
    return any(secret and len(secret) >= 6 and secret in joined for secret in extra)


def _collect(value: Any, keys: list[str], texts: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                keys.append(k)
            _collect(v, keys, texts)
    elif isinstance(value, list | tuple):
        for v in value:
            _collect(v, keys, texts)
    elif isinstance(value, str):
        texts.append(value)
