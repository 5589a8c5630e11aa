"""What one person sees on the sandbox page: conversations, threads, their ephemerals, their open modal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from bot.core.jsonvalue import JsonObject, items, number, obj, text
from bot.sandbox import demo
from bot.sandbox.fakes.github import FakeGitHub
from bot.sandbox.fakes.slack_api import FakeSlackApi
from bot.sandbox.render import EMOJI, blocks_html, message_html, plain


class ShownReaction(TypedDict):
    name: str
    emoji: str
    count: int


class ShownMessage(TypedDict):
    """One message as the page draws it (`html` is its body, rendered as Slack would show it)."""

    ts: str
    thread_ts: str  # "" outside a thread
    user: str
    name: str
    bot: bool
    ephemeral: bool
    edited: bool
    html: str
    reactions: list[ShownReaction]
    reply_count: int


class Conversation(TypedDict):
    id: str
    name: str
    kind: str  # "channel" or "dm"


class PageState(TypedDict):
    """Everything the page shows one person (`GET /api/state`)."""

    version: int
    user: str
    people: list[JsonObject]
    conversations: list[Conversation]
    messages: dict[str, list[ShownMessage]]  # by conversation id
    modal: JsonObject | None
    github: JsonObject
    demos: dict[str, str | None]


def ts_key(ts: str) -> tuple[int, int]:
    whole, _, frac = ts.partition(".")
    return int(whole), int(frac or 0)


def names(slack: FakeSlackApi) -> dict[str, str]:
    found = {p.id: p.name for p in demo.PEOPLE}
    found[slack.bot_user_id] = demo.BOT_NAME
    found[demo.CHANNEL] = demo.CHANNEL_NAME
    return found


def conversation(slack: FakeSlackApi, channel: str, user: str) -> list[ShownMessage]:
    """Every message of ``channel`` this user can see (thread replies and their ephemerals included), in order."""
    who = names(slack)
    seen = slack.messages(channel) + [m for m in slack.ephemerals(user) if m.get("channel") == channel]
    shown = [_message(m, who, ephemeral="channel" in m) for m in seen]
    shown.sort(key=lambda m: ts_key(m["ts"]))
    replies: dict[str, int] = {}
    for m in shown:
        if m["thread_ts"] and m["thread_ts"] != m["ts"] and not m["ephemeral"]:
            replies[m["thread_ts"]] = replies.get(m["thread_ts"], 0) + 1
    for m in shown:
        m["reply_count"] = replies.get(m["ts"], 0)
    return shown


def _message(message: Mapping[str, object], who: dict[str, str], *, ephemeral: bool) -> ShownMessage:
    author = str(message.get("user") or "")
    return {
        "ts": text(message.get("ts")),
        "thread_ts": text(message.get("thread_ts")),
        "user": author,
        "name": who.get(author, author or "app"),
        "bot": bool(message.get("bot_id")),
        "ephemeral": ephemeral,
        "edited": "edited" in message,
        "html": message_html(message, who),
        "reactions": [_reaction(obj(r)) for r in items(message.get("reactions"))],
        "reply_count": 0,  # counted over the whole conversation
    }


def _reaction(reaction: Mapping[str, object]) -> ShownReaction:
    name = text(reaction.get("name"))
    return {"name": name, "emoji": EMOJI.get(name, f":{name}:"), "count": number(reaction.get("count")) or 0}


def modal(slack: FakeSlackApi, view_id: str, errors: dict[str, str] | None = None) -> JsonObject:
    view = slack.views[view_id]
    who = names(slack)
    return {
        "id": view_id,
        "title": _label(view, "title", ""),
        "submit": _label(view, "submit", "Submit"),
        "close": _label(view, "close", "Cancel"),
        "html": blocks_html(view.get("blocks", []), who),
        "errors": {**(errors or {})},
    }


def _label(view: Mapping[str, object], key: str, default: str) -> str:
    """The text of one of a view's labels (its title, submit or close button)."""
    return plain(str(obj(view.get(key)).get("text", default)))


def github_panel(github: FakeGitHub | None) -> JsonObject:
    if github is None:
        return {"demo": False}
    repo = github.repos[demo.REPO]
    return {
        "demo": True,
        "repo": demo.REPO,
        "pulls": [
            {"number": p.number, "title": p.title, "state": "merged" if p.merged else p.state, "author": p.author}
            for p in sorted(repo.pulls.values(), key=lambda p: p.number)
        ],
        "runs": [
            {"id": r.id, "name": r.name, "branch": r.branch, "conclusion": r.conclusion or r.status}
            for r in sorted(repo.runs.values(), key=lambda r: -r.id)
        ],
        "merges": len(github.merges),
        "issues": [{"number": i.number, "title": i.title} for i in github.issues],
        "dispatches": len(github.dispatches),
        "reruns": len(github.reruns),
    }
