"""Scrub secrets from anything that is logged, audited, posted, sent to a model or stored.

Two kinds of secret are masked: token shapes (`SECRET_VALUES`: Slack, GitHub, OpenAI keys, Slack signatures,
bearer headers, PEM private keys), configured or not, and the configured secrets themselves (`extra`:
`Settings.secret_values()`).
`redact` also masks whatever sits under a secret-named key, for what is only read by people (the audit log, Slack);
`scrub` masks values only and keeps every type, for what is stored and read back (bot.store)."""

from __future__ import annotations

import re
from typing import Any

SECRET_KEYS = re.compile(r"(token|secret|password|passwd|api[_-]?key|authorization|signature)", re.I)
ELLIPSIS = "…"  # what a shortened upstream message ends with (integrations' error texts)
# A token starts a word (or follows an escape such as the `\n` of JSON inside a string): `task-force-…` and
# `risk-…` branch names are not OpenAI keys. One cut short by a shortened message is still one (`ghp_Ab12…`).
_START = r"(?:(?<![A-Za-z0-9])|(?<=\\[nrt]))"
SECRET_VALUES = re.compile(
    _START + r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_-]{16,}|v0=[0-9a-f]{64}|Bearer\s+[A-Za-z0-9._~+/-]{12,}"
    r"|opsbot_mcp_[A-Za-z0-9_-]{20,}"  # an MCP client's token (bot.core.mcp_tokens)
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"  # a PEM key, whole
    r"|(?:xox[abposr]-|xapp-|gh[pousr]_|github_pat_|sk-)[A-Za-z0-9_-]{4,}(?=" + ELLIPSIS + "))"
)
# What every shape begins with: one quick search that, in the common case (nothing there), spares the full one
# (whose word-start check runs at every position).
_CANDIDATE = re.compile(r"xox[abposr]-|xapp-|gh[pousr]_|github_pat_|sk-|v0=|Bearer|-----BEGIN|opsbot_mcp_")
MASK = "[redacted]"
MIN_SECRET = 6  # a shorter configured "secret" would shred ordinary text; it is not masked


def redact_text(text: str, extra: tuple[str, ...] = ()) -> str:
    return _mask(text, _usable(extra))


def _usable(extra: tuple[str, ...]) -> tuple[str, ...]:
    """The configured secrets worth masking, longest first (a secret that contains another is masked whole)."""
    return tuple(sorted({s for s in extra if s and len(s) >= MIN_SECRET}, key=len, reverse=True))


def _mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:  # before the shapes, so that no part of a configured secret is left beside a mask
        if secret in text:
            text = text.replace(secret, MASK)
        if ELLIPSIS in text and secret[:MIN_SECRET] in text:
            text = _mask_cut(text, secret)
    return SECRET_VALUES.sub(MASK, text) if _CANDIDATE.search(text) else text


def _shape_in(text: str) -> bool:
    return _CANDIDATE.search(text) is not None and SECRET_VALUES.search(text) is not None


def _mask_cut(text: str, secret: str) -> str:
    """A secret that a shortened message cut off (`…has am-scan-tok…`): the part before the ellipsis is masked."""
    pieces = text.split(ELLIPSIS)
    for i, piece in enumerate(pieces[:-1]):
        if cut := _cut_length(piece, secret):
            pieces[i] = piece[:-cut] + MASK
    return ELLIPSIS.join(pieces)


def _cut_length(piece: str, secret: str) -> int:
    """How much of `secret`'s beginning `piece` ends with (at least MIN_SECRET characters), else 0."""
    for length in range(min(len(secret), len(piece)), MIN_SECRET - 1, -1):
        if piece.endswith(secret[:length]):
            return length
    return 0


def _has(text: str, secret: str) -> bool:
    if secret in text:
        return True
    if ELLIPSIS not in text or secret[:MIN_SECRET] not in text:
        return False
    return any(_cut_length(piece, secret) for piece in text.split(ELLIPSIS)[:-1])


def scrub(value: Any, extra: tuple[str, ...] = ()) -> Any:
    """What is stored: every secret masked in every string of a JSON-like value (dict keys too); nothing is masked
    for its key's name and numbers, flags and the shape stay as they are, so what is read back still parses (an
    agent's `tokens` count, a runbook's inputs). Returns `value` itself when there is nothing to mask."""
    secrets = _usable(extra)
    texts: list[str] = []
    _collect(value, texts, texts)
    joined = "\x00".join(texts)
    if not _shape_in(joined) and not any(_has(joined, secret) for secret in secrets):
        return value
    return _scrubbed(value, secrets)


def _scrubbed(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return _mask(value, secrets)
    if isinstance(value, dict):
        return {(_mask(k, secrets) if isinstance(k, str) else k): _scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v, secrets) for v in value]
    return value


def redact(value: Any, extra: tuple[str, ...] = ()) -> Any:
    """Return a copy of a JSON-like value with secret-looking keys and values masked."""
    return _redacted(value, _usable(extra))


def _redacted(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and SECRET_KEYS.search(k) and v else _redacted(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redacted(v, secrets) for v in value]
    if isinstance(value, str):
        return _mask(value, secrets)
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
    if _shape_in(joined):
        return True
    return any(_has(joined, secret) for secret in _usable(extra))


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
