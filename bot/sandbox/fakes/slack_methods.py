"""The Slack Web API methods the fake answers, over its state: messages, threads, reactions, members, views."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from bot.core.jsonvalue import JsonObject, number
from bot.sandbox.fakes import slack_payloads as answers
from bot.sandbox.fakes.slack_blockkit import block_problems, view_problems
from bot.sandbox.fakes.slack_payloads import SlackError


class SlackMethods:
    """Mixed into FakeSlackApi: one handler per Web API method, and the state they read and change."""

    bot_user_id: str
    bot_id: str
    check_blocks: bool
    team_id: str
    team: str
    views: dict[str, JsonObject]
    now: Callable[[], float] | None  # set: each ts is this clock's time (unique, increasing); else epoch + a count
    _epoch: int
    _seq: int
    _last_ts: int  # the newest clock ts handed out, in microseconds
    _history: defaultdict[str, list[JsonObject]]
    _ephemeral: defaultdict[str, list[JsonObject]]
    _members: dict[str, list[str]]
    _outside: dict[str, str]
    _groups: dict[str, list[str]]
    _handles: dict[str, str]
    _channel_names: dict[str, str]
    _users: dict[str, JsonObject]

    # -- reading the state -------------------------------------------------------------------------

    def messages(self, channel: str) -> list[JsonObject]:
        """Every message in ``channel``, thread replies included, oldest first."""
        return copy.deepcopy(self._history.get(channel, []))

    def thread(self, channel: str, ts: str) -> list[JsonObject]:
        """The parent message and its replies, oldest first."""
        return [m for m in self.messages(channel) if ts in (m["ts"], m.get("thread_ts"))]

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown to ``user`` (each with its channel), oldest first.

        A copy for tests to read as they know it to be (``ephemerals("U1")[-1]["text"]``), so its values are ``Any``.
        """
        return copy.deepcopy(self._ephemeral.get(user, []))

    # -- state helpers -----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._seq += 1
        if self.now is None:
            return f"{self._epoch + self._seq // 1_000_000}.{self._seq % 1_000_000:06d}"
        self._last_ts = max(int(self.now() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _find(self, channel: str, ts: object) -> JsonObject:
        for message in self._history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _bot_message(self, params: JsonObject, ts: str) -> JsonObject:
        text = str(params.get("text", ""))
        message = answers.bot_message(text=text, ts=ts, user=self.bot_user_id, bot_id=self.bot_id, team=self.team_id)
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    # -- methods -----------------------------------------------------------------------------------

    def _check_blocks(self, params: JsonObject) -> None:
        """With ``check_blocks`` on, refuse blocks slack_sdk's models refuse, as Slack answers (``invalid_blocks``)."""
        if self.check_blocks and "blocks" in params and params["blocks"] is not None:
            problems = block_problems(params["blocks"])
            if problems:
                raise SlackError("invalid_blocks", errors=[*problems], messages=[f"[ERROR] {p}" for p in problems])

    def _check_view(self, params: JsonObject) -> None:
        if self.check_blocks:
            problems = view_problems(params["view"])
            if problems:
                raise SlackError("invalid_arguments", messages=[f"[ERROR] {p}" for p in problems])

    def _auth_test(self, params: JsonObject) -> JsonObject:
        return answers.auth_test(team=self.team, team_id=self.team_id, user_id=self.bot_user_id, bot_id=self.bot_id)

    def _post_message(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        if channel in self._outside:
            raise SlackError(self._outside[channel])
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            raise SlackError("no_text")
        self._check_blocks(params)
        message = self._bot_message(params, self._next_ts())
        self._history[channel].append(message)
        return answers.posted(channel, message)

    def _update(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        if channel in self._outside:
            raise SlackError(self._outside[channel])
        message = self._find(channel, _require(params, "ts", "message_not_found"))
        if message.get("bot_id") != self.bot_id:
            raise SlackError("cant_update_message")
        self._check_blocks(params)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return answers.updated(channel, message)

    def _post_ephemeral(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        user = _require(params, "user", "user_not_found")
        if channel in self._outside:
            raise SlackError(self._outside[channel])
        if channel in self._members and user not in self._members[channel]:
            raise SlackError("user_not_in_channel")
        self._check_blocks(params)
        ts = self._next_ts()
        message: JsonObject = {"channel": channel, **self._bot_message(params, ts)}
        self._ephemeral[user].append(message)
        return answers.ephemeral_posted(ts)

    def _reactions_add(self, params: JsonObject) -> JsonObject:
        name = _require(params, "name", "invalid_name")
        message = self._find(_require(params, "channel", "channel_not_found"), params.get("timestamp", ""))
        if not add_reaction(message, name, self.bot_user_id):
            raise SlackError("already_reacted")
        return answers.done()

    def _reactions_get(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        return answers.reactions_of(channel, self._find(channel, params.get("timestamp", "")))

    def _replies(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        messages = self.thread(channel, _require(params, "ts", "thread_not_found"))
        if not messages:
            raise SlackError("thread_not_found")
        if messages[0]["ts"] == params["ts"] and len(messages) > 1:
            messages[0].update(thread_ts=params["ts"], reply_count=len(messages) - 1)
        return answers.messages_page(_metadata_if_asked(messages, params))

    def _history_page(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        top = [m for m in self.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return answers.messages_page(_metadata_if_asked(top[::-1], params), pin_count=0)

    def _conversation_members(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        return answers.members_page(self._members.get(channel, []))

    def _get_permalink(self, params: JsonObject) -> JsonObject:
        """``chat.getPermalink``: a link to a stored message (``message_not_found`` otherwise)."""
        channel = _require(params, "channel", "channel_not_found")
        ts = str(params.get("message_ts", ""))
        message = self._find(channel, ts)
        link = f"https://{self.team_id.lower()}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if message.get("thread_ts") and message["thread_ts"] != ts:
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _users_info(self, params: JsonObject) -> JsonObject:
        return {"ok": True, "user": self._member(_require(params, "user", "user_not_found"))}

    def _users_list(self, params: JsonObject) -> JsonObject:
        """The bot and everyone ``set_user`` / ``add_person`` named, ``limit`` a page, from the ``cursor``'s user."""
        everyone = [self.bot_user_id, *(u for u in self._users if u != self.bot_user_id)]
        cursor, limit = str(params.get("cursor") or ""), str(params.get("limit") or "0")
        start = answers.cursor_user(cursor) if cursor else self.bot_user_id
        if start not in everyone:
            raise SlackError("invalid_cursor")
        if not limit.isdigit():
            raise SlackError("invalid_arguments", messages=["[ERROR] limit must be a number"])
        first = everyone.index(start)
        page = everyone[first : first + int(limit)] if int(limit) else everyone[first:]
        rest = everyone[first + len(page) :]
        return answers.users_page(
            [self._member(u) for u in page],
            next_cursor=answers.user_cursor(rest[0]) if rest else "",
            cache_ts=self._epoch,
        )

    def _member(self, user: str) -> JsonObject:
        """The user object: a made-up one (``u1``, "User U1") under what the test set."""
        base = answers.member(user, team_id=self.team_id, name=user.lower(), real_name=f"User {user}")
        base["is_bot"] = user == self.bot_user_id
        given = self._users.get(user, {})
        profile, set_profile = base["profile"], given.get("profile")
        merged = {**profile, **set_profile} if isinstance(profile, dict) and isinstance(set_profile, dict) else profile
        return {**base, **given, "profile": merged}

    def _usergroup_users(self, params: JsonObject) -> JsonObject:
        group = _require(params, "usergroup", "no_such_subteam")
        if group not in self._groups:
            raise SlackError("no_such_subteam")
        return answers.usergroup_users(self._groups[group])

    def _usergroups_list(self, params: JsonObject) -> JsonObject:
        groups = [
            answers.usergroup(gid, team_id=self.team_id, handle=self._handles[gid], users=users)
            for gid, users in self._groups.items()
        ]
        return answers.usergroups(groups)

    def _conversation_info(self, params: JsonObject) -> JsonObject:
        channel = _require(params, "channel", "channel_not_found")
        return answers.channel_info(channel, name=self._channel_names.get(channel, channel.lower()))

    def _views_open(self, params: JsonObject) -> JsonObject:
        if not params.get("trigger_id"):
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        view = params.get("view")
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: view"])
        self._check_view(params)
        self._seq += 1
        view_id = f"V{self._seq:08d}"
        self.views[view_id] = {"trigger_id": params["trigger_id"], **view}
        return self._view_reply(view_id)

    def _views_update(self, params: JsonObject) -> JsonObject:
        view_id = params.get("view_id") or next(
            (vid for vid, v in self.views.items() if v.get("external_id") == params.get("external_id")), None
        )
        view = params.get("view")
        if not isinstance(view_id, str) or view_id not in self.views or not isinstance(view, dict):
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != self._view_hash(view_id):
            raise SlackError("hash_conflict")
        self._check_view(params)
        self._seq += 1
        self.views[view_id] = {**self.views[view_id], **view, "version": self._seq}
        return self._view_reply(view_id)

    def _view_hash(self, view_id: str) -> str:
        return f"{self._epoch}.{view_id}.{self.views[view_id].get('version', 0)}"

    def _view_reply(self, view_id: str) -> JsonObject:
        stored = {k: v for k, v in self.views[view_id].items() if k not in ("trigger_id", "version")}
        return answers.view_opened(
            stored, view_id=view_id, team_id=self.team_id, bot_id=self.bot_id, hash=self._view_hash(view_id)
        )


def add_reaction(message: JsonObject, name: str, user: str) -> bool:
    """Add ``user``'s ``:name:`` to a stored message's ``reactions``, as Slack keeps them; False if it was there."""
    reactions = message.get("reactions")
    if not isinstance(reactions, list):
        reactions = []
        message["reactions"] = reactions
    reaction = next((r for r in reactions if isinstance(r, dict) and r.get("name") == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    users = reaction.get("users")
    if not isinstance(users, list):
        users = []
        reaction["users"] = users
    if user in users:
        return False
    users.append(user)
    reaction["count"] = (number(reaction.get("count")) or 0) + 1
    return True


def _metadata_if_asked(messages: list[JsonObject], params: Mapping[str, object]) -> list[JsonObject]:
    """Slack shows a message's metadata only to a read with ``include_all_metadata``."""
    if params.get("include_all_metadata") in (True, "1", "true"):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def _require(params: Mapping[str, object], key: str, error: str) -> str:
    value = params.get(key)
    if not value or not isinstance(value, str):
        raise SlackError(error)
    return value
