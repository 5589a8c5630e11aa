"""Slack mrkdwn text, pure: what is ours and what came from outside, so outside text never pings @channel, forges
a mention or plants a disguised link.

Slack acts on control sequences in angle brackets: `<!channel>`, `<!here>`, `<!subteam^S1>`, `<@U1>`, `<#C1>`,
`<https://x|label>`, `<!date^…>`. opsbot makes the ones it means with the constructors here (`mention`, `channel`,
`subteam`, `link`, `date`), which mark them. `seal` is the one boundary every text crosses on its way to Slack
(integrations.slack.SlackChat calls it for the top-level text and every mrkdwn object of blocks and views): each
`<` or `>` that is not part of a marked sequence is escaped, and the marks are removed. So outside text is harmless
whether or not the code that put it there remembered to `escape` it; a sequence we forgot to mark shows as text.

The mark carries a key made when the process starts; it never leaves the process (`seal` strips it; `unmark` strips
it from what goes to the model, whose answers are outside text), so outside text cannot forge one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping

_KEY = secrets.token_hex(8)
_OPEN, _CLOSE = f"\x02{_KEY}", f"\x03{_KEY}"
_MARKED = re.compile(re.escape(_OPEN) + r"(<[^<>\x02\x03]*>)" + re.escape(_CLOSE))
_ANY_MARK = re.compile(r"[\x02\x03][0-9a-f]{16}|[\x02\x03]")
_USER = re.compile(r"[UW][A-Z0-9]{1,20}")
_CHANNEL = re.compile(r"[CGD][A-Z0-9]{1,20}")
_GROUP = re.compile(r"S[A-Z0-9]{1,20}")
_REF = re.compile(r"<(?:@([UW][A-Z0-9]{1,20})|#([CGD][A-Z0-9]{1,20}))(?:\|([^<>|]{0,80}))?>")
_URL = re.compile(r"https?://[^\s<>|\x00-\x1f]+", re.IGNORECASE)


def unentity(text: str) -> str:
    """Text as the person typed it in Slack: Slack sends `&`, `<` and `>` of typed text as `&amp;`, `&lt;` and
    `&gt;` (its own `<…>` sequences stay). For what leaves Slack as plain text: an issue's title, a comment."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Escape mrkdwn control characters so user or upstream text cannot ping @channel or forge links.

    The sequences made here (`mention`, `channel`, `link`, …) are kept as they are: outside text cannot hold one,
    so escaping a message of ours that names someone (an error, a refusal) leaves the mention a mention."""
    if _OPEN not in text:
        return _escape_plain(text)
    parts: list[str] = []
    position = 0
    for match in _MARKED.finditer(text):
        parts += [_escape_plain(text[position : match.start()]), match.group(0)]
        position = match.end()
    parts.append(_escape_plain(text[position:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ours(sequence: str) -> str:
    return f"{_OPEN}{sequence}{_CLOSE}"


def mention(user_id: str) -> str:
    """`<@U…>` for a user id we resolved (a clicker, a requester, an approver); anything else is shown as text."""
    return _ours(f"<@{user_id}>") if _USER.fullmatch(user_id) else escape(user_id)


def channel(channel_id: str) -> str:
    return _ours(f"<#{channel_id}>") if _CHANNEL.fullmatch(channel_id) else escape(channel_id)


def subteam(group_id: str) -> str:
    """A user group ping, for an escalation to a group id the policy names."""
    return _ours(f"<!subteam^{group_id}>") if _GROUP.fullmatch(group_id) else f"@{escape(group_id)}"


def link(url: str, label: str) -> str:
    """A link to an http(s) address (from a payload or a tool): anything else, or a malformed address, is not a
    link — only its label is shown. The label is outside text: escaped, and without `|` or `>`."""
    text = escape(label.replace("|", "/")) or escape(url)
    if not _URL.fullmatch(url):
        return text
    return _ours(f"<{url.replace('&', '&amp;')}|{text}>")


def date(timestamp: int, tokens: str, fallback: str) -> str:
    """Slack's `<!date^…>`: shown in the reader's time zone, `fallback` (escaped) where it cannot be."""
    return _ours(f"<!date^{int(timestamp)}^{tokens.replace('|', '')}|{escape(fallback)}>")


def seal(text: str) -> str:
    """The boundary: every unmarked `<`/`>` escaped, marked sequences kept (without their marks)."""
    parts: list[str] = []
    position = 0
    for match in _MARKED.finditer(text):
        parts += [_outside(text[position : match.start()]), match.group(1)]
        position = match.end()
    parts.append(_outside(text[position:]))
    return "".join(parts)


def _outside(text: str) -> str:
    return _ANY_MARK.sub("", text).replace("<", "&lt;").replace(">", "&gt;")


def seal_json(value: object) -> object:
    """`seal` for Block Kit JSON (blocks, a view): every mrkdwn text object sealed, every other string unmarked
    (Slack shows plain_text, button values and ids as they are)."""
    if isinstance(value, str):
        return unmark(value)
    if isinstance(value, list):
        return [seal_json(v) for v in value]
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            return {**{k: seal_json(v) for k, v in value.items()}, "text": seal(value["text"])}
        return {k: seal_json(v) for k, v in value.items()}
    return value


def unmark(text: str) -> str:
    """The text without marks: for what leaves the process other than to Slack (the model, logs)."""
    return _ANY_MARK.sub("", text)


def unmark_json(value: object) -> object:
    """`unmark` for every string of a JSON-like value (dict keys too): what is stored (the audit log)."""
    if isinstance(value, str):
        return unmark(value)
    if isinstance(value, list | tuple):
        return [unmark_json(v) for v in value]
    if isinstance(value, dict):
        return {unmark_json(k): unmark_json(v) for k, v in value.items()}
    return value


def slack_refs(text: str) -> tuple[set[str], set[str]]:
    """The user ids and the channel ids that Slack sequences in stored text name (`<@U1>`, `<#C1|ops>`)."""
    found = list(_REF.finditer(text))
    return {m.group(1) for m in found if m.group(1)}, {m.group(2) for m in found if m.group(2)}


def readable(text: str, names: Mapping[str, str]) -> str:
    """Stored text (an audit row's reason) in plain words: each `<@U…>` / `<#C…>` in it becomes the name `names`
    gives (`@ben`, `#ops`), else its label, else "someone" / "a channel" — never a bare id. Still outside text (it
    may be a person's words): `escape` it for mrkdwn."""
    parts: list[str] = []
    position = 0
    for match in _REF.finditer(text):
        user, channel_id, label = match.groups()
        name = names.get(user or channel_id) or label
        shown = f"{'@' if user else '#'}{name}" if name else ("someone" if user else "a channel")
        parts += [text[position : match.start()], shown]
        position = match.end()
    parts.append(text[position:])
    return unmark("".join(parts))


def review_requested(logins: Iterable[str], teams: Iterable[str]) -> str:
    """Who GitHub still waits on for a review: "@ana, team platform", or "nobody requested"."""
    names = [f"@{escape(login)}" for login in logins] + [f"team {escape(slug)}" for slug in teams]
    return ", ".join(names) or "nobody requested"
