"""Approver, escalation and channel specs of the policy file, normalised to the forms `ApprovalRules` documents."""

from __future__ import annotations

import re

from bot.core.approval_rules import ANYONE as ANYONE  # re-exported: the policy modules read `specs.ANYONE`
from bot.core.approval_rules import CHANNEL, GROUP_PREFIX
from bot.core.mrkdwn import channel as channel_link
from bot.core.mrkdwn import escape

_USER_ID = re.compile(r"[UW][A-Z0-9]+")  # as Slack shows them; the tests and the sandbox use U1…
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")

_COMMENT_HINT = (
    'an empty entry: YAML reads an unquoted `#` as the start of a comment, so quote channel names ("#deploys")'
)


def approver(value: object) -> str:
    """`U…`/`W…` → as is; `S…` → `group:S…`; `@handle` → `group:handle`; `channel` and `anyone` as is."""
    text = _text(value, "approvers")
    if text in (CHANNEL, ANYONE):
        return text
    return _member(text, "approvers", f", `{CHANNEL}` or `{ANYONE}`")


def requester(value: object) -> str:
    """Who may ask: the same forms as `approver` (`anyone` means anyone at all, the requester included)."""
    text = _text(value, "requesters")
    if text in (CHANNEL, ANYONE):
        return text
    return _member(text, "requesters", f", `{CHANNEL}` or `{ANYONE}`")


def escalation(value: object) -> str:
    """Who is pinged at reminder time: user ids and user groups only."""
    text = _text(value, "escalate_to")
    if text in (CHANNEL, ANYONE):
        raise ValueError(f"`escalate_to` takes user ids (U…) or user groups (@handle or S…), not `{text}`")
    return _member(text, "escalate_to", "")


def channel(value: object, field: str = "only_in") -> str:
    """`#name` → `#name` (lower case, as Slack names are); `C…`/`G…`/`D…` ids as is."""
    text = _text(value, field)
    if text.startswith("#") and _CHANNEL_NAME.fullmatch(text[1:].lower()):
        return text.lower()
    if _CHANNEL_ID.fullmatch(text):
        return text
    raise ValueError(
        f'`{text}` in `{field}` is not a channel: write a name with its # in quotes ("#deploys") or a channel id (C…)'
    )


def in_channels(specs: tuple[str, ...], *, channel_id: str | None, channel_name: str | None) -> bool:
    """Whether the conversation, known by id and/or name, is one of `specs`."""
    name = f"#{channel_name.lstrip('#').lower()}" if channel_name else None
    return any(spec == (name if spec.startswith("#") else channel_id) for spec in specs)


def show(spec: str) -> str:
    """A spec as a person reads it: `@release-managers`, `group S0123`, `U0AAA`, `the channel`."""
    if spec == CHANNEL:
        return "the channel"
    if spec.startswith(GROUP_PREFIX):
        group = spec.removeprefix(GROUP_PREFIX)
        return f"group {group}" if _GROUP_ID.fullmatch(group) else f"@{group}"
    return spec


def show_channel(spec: str) -> str:
    """A channel spec as Slack renders it: names as is, ids as channel links."""
    return escape(spec) if spec.startswith("#") else channel_link(spec)


def is_user(spec: str) -> bool:
    return _USER_ID.fullmatch(spec) is not None


def _member(text: str, field: str, others: str) -> str:
    group = _group(text)
    if group is not None:
        return group
    if _USER_ID.fullmatch(text):
        return text
    raise ValueError(
        f"`{text}` in `{field}` is not {'a requester' if field == 'requesters' else 'an approver'}: use a user id "
        f"(U…) or a user group (@handle or S…){others}"
    )


def _group(text: str) -> str | None:
    name = text.removeprefix(GROUP_PREFIX)
    if text.startswith("@"):
        name = text[1:].lower()
    elif not text.startswith(GROUP_PREFIX) and not _GROUP_ID.fullmatch(text):
        return None
    if _GROUP_ID.fullmatch(name) or _HANDLE.fullmatch(name):
        return GROUP_PREFIX + name
    return None


def _text(value: object, field: str) -> str:
    if value is None:
        raise ValueError(f"`{field}` has {_COMMENT_HINT}")
    if not isinstance(value, str):
        raise ValueError(f"each entry of `{field}` must be text, not {value!r}")
    return value.strip()
