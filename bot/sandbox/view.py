"""What one person sees on the sandbox page: conversations, threads, their ephemerals, their open modal."""

from __future__ import annotations

from typing import Any

from bot.sandbox import demo
from bot.sandbox.fakes.github import FakeGitHub
from bot.sandbox.fakes.slack_api import FakeSlackApi
from bot.sandbox.render import EMOJI, blocks_html, message_html, plain

JsonDict = dict[str, Any]


def ts_key(ts: str) -> tuple[int, int]:
    whole, _, frac = ts.partition(".")
    return int(whole), int(frac or 0)


def names(slack: FakeSlackApi) -> dict[str, str]:
    found = {p.id: p.name for p in demo.PEOPLE}
    found[slack.bot_user_id] = demo.BOT_NAME
    found[demo.CHANNEL] = demo.CHANNEL_NAME
    return found


def conversation(slack: FakeSlackApi, channel: str, user: str) -> list[JsonDict]:
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


def _message(message: JsonDict, who: dict[str, str], *, ephemeral: bool) -> JsonDict:
    author = str(message.get("user") or "")
    return {
        "ts": message["ts"],
        "thread_ts": message.get("thread_ts") or "",
        "user": author,
        "name": who.get(author, author or "app"),
        "bot": bool(message.get("bot_id")),
        "ephemeral": ephemeral,
        "edited": "edited" in message,
        "html": message_html(message, who),
        "reactions": [
            {"name": r["name"], "emoji": EMOJI.get(r["name"], f":{r['name']}:"), "count": r["count"]}
            for r in message.get("reactions", [])
        ],
    }


def modal(slack: FakeSlackApi, view_id: str, errors: dict[str, str] | None = None) -> JsonDict:
    view = slack.views[view_id]
    who = names(slack)
    return {
        "id": view_id,
        "title": plain(str((view.get("title") or {}).get("text", ""))),
        "submit": plain(str((view.get("submit") or {}).get("text", "Submit"))),
        "close": plain(str((view.get("close") or {}).get("text", "Cancel"))),
        "html": blocks_html(view.get("blocks", []), who),
        "errors": errors or {},
    }


def github_panel(github: FakeGitHub | None) -> JsonDict:
    if github is None:
        return {"demo": False}
    repo = github.repos[demo.REPO]
    pulls = [
        {"number": p.number, "title": p.title, "state": "merged" if p.merged else p.state, "author": p.author}
        for p in sorted(repo.pulls.values(), key=lambda p: p.number)
    ]
    runs = [
        {"id": r.id, "name": r.name, "branch": r.branch, "conclusion": r.conclusion or r.status}
        for r in sorted(repo.runs.values(), key=lambda r: -r.id)
    ]
    return {
        "demo": True,
        "repo": demo.REPO,
        "pulls": pulls,
        "runs": runs,
        "merges": len(github.merges),
        "issues": [{"number": i.number, "title": i.title} for i in github.issues],
        "dispatches": len(github.dispatches),
        "reruns": len(github.reruns),
    }
