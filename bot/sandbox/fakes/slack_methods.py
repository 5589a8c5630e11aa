"""The Slack Web API methods the fake answers, over its state: messages, threads, reactions, members, views."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from bot.sandbox.fakes.slack_recorded import JsonDict, SlackError, template


class SlackMethods:
    """Mixed into FakeSlackApi: one handler per Web API method, and the state they read and change."""

    bot_user_id: str
    bot_id: str
    team_id: str
    team: str
    views: dict[str, JsonDict]
    _epoch: int
    _seq: int
    _history: defaultdict[str, list[JsonDict]]
    _ephemeral: defaultdict[str, list[JsonDict]]
    _members: dict[str, list[str]]
    _groups: dict[str, list[str]]
    _handles: dict[str, str]
    _channel_names: dict[str, str]
    _users: dict[str, JsonDict]

    # -- reading the state -------------------------------------------------------------------------

    def messages(self, channel: str) -> list[JsonDict]:
        """Every message in ``channel``, thread replies included, oldest first."""
        return copy.deepcopy(self._history.get(channel, []))

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """The parent message and its replies, oldest first."""
        return [m for m in self.messages(channel) if ts in (m["ts"], m.get("thread_ts"))]

    # -- state helpers -----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{self._epoch + self._seq // 1_000_000}.{self._seq % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> JsonDict:
        for message in self._history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _bot_message(self, params: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": params.get("text", ""),
            "ts": ts,
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    # -- methods -----------------------------------------------------------------------------------

    def _auth_test(self, params: JsonDict) -> JsonDict:
        body = template("auth_test_bot_ok")
        body.update(user_id=self.bot_user_id, bot_id=self.bot_id, team_id=self.team_id, team=self.team)
        body["url"] = "https://opsbot-test.slack.com/"
        return body

    def _post_message(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            raise SlackError("no_text")
        message = self._bot_message(params, self._next_ts())
        self._history[channel].append(message)
        body = template("chat_postMessage_ok")
        body.update(channel=channel, ts=message["ts"], message=copy.deepcopy(message))
        return body

    def _update(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        message = self._find(channel, _require(params, "ts", "message_not_found"))
        if message.get("bot_id") != self.bot_id:
            raise SlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        body = template("chat_update_ok")
        body.update(channel=channel, ts=message["ts"], text=message["text"], message=copy.deepcopy(message))
        return body

    def _post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        user = _require(params, "user", "user_not_found")
        if channel in self._members and user not in self._members[channel]:
            raise SlackError("user_not_in_channel")
        message = {"channel": channel, **self._bot_message(params, self._next_ts())}
        self._ephemeral[user].append(message)
        body = template("chat_postEphemeral_ok")
        body["message_ts"] = message["ts"]
        return body

    def _reactions_add(self, params: JsonDict) -> JsonDict:
        name = _require(params, "name", "invalid_name")
        message = self._find(_require(params, "channel", "channel_not_found"), params.get("timestamp", ""))
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise SlackError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return template("reactions_add_ok")

    def _reactions_get(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        message = self._find(channel, params.get("timestamp", ""))
        return {"ok": True, "type": "message", "channel": channel, "message": copy.deepcopy(message)}

    def _replies(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        messages = self.thread(channel, _require(params, "ts", "thread_not_found"))
        if not messages:
            raise SlackError("thread_not_found")
        if messages[0]["ts"] == params["ts"] and len(messages) > 1:
            messages[0].update(thread_ts=params["ts"], reply_count=len(messages) - 1)
        return _page("conversations_replies_page", messages=messages)

    def _history_page(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        top = [m for m in self.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return _page("conversations_history_page", messages=top[::-1], pin_count=0)

    def _conversation_members(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        return {
            "ok": True,
            "members": list(self._members.get(channel, [])),
            "response_metadata": {"next_cursor": ""},
        }

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = _require(params, "user", "user_not_found")
        profile = {"real_name": f"User {user}", "display_name": user.lower()}
        info: JsonDict = {
            "id": user,
            "team_id": self.team_id,
            "name": user.lower(),
            "deleted": False,
            "real_name": profile["real_name"],
            "is_admin": False,
            "is_owner": False,
            "is_bot": user == self.bot_user_id,
            "profile": profile,
        }
        return {"ok": True, "user": {**info, **self._users.get(user, {})}}

    def _usergroup_users(self, params: JsonDict) -> JsonDict:
        group = _require(params, "usergroup", "no_such_subteam")
        if group not in self._groups:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(self._groups[group])}

    def _usergroups_list(self, params: JsonDict) -> JsonDict:
        groups = [
            {
                "id": gid,
                "team_id": self.team_id,
                "handle": self._handles[gid],
                "name": self._handles[gid].title(),
                "user_count": len(users),
                "is_usergroup": True,
            }
            for gid, users in self._groups.items()
        ]
        return {"ok": True, "usergroups": groups}

    def _conversation_info(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        name = self._channel_names.get(channel, channel.lower())
        return {"ok": True, "channel": {"id": channel, "name": name, "is_channel": True, "is_member": True}}

    def _views_open(self, params: JsonDict) -> JsonDict:
        if not params.get("trigger_id") or not isinstance(params.get("view"), dict):
            raise SlackError("invalid_arguments")
        self._seq += 1
        view_id = f"V{self._seq:08d}"
        self.views[view_id] = {"trigger_id": params["trigger_id"], **params["view"]}
        return self._view_reply(view_id)

    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = params.get("view_id") or next(
            (vid for vid, v in self.views.items() if v.get("external_id") == params.get("external_id")), None
        )
        if view_id not in self.views or not isinstance(params.get("view"), dict):
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != self._view_hash(view_id):
            raise SlackError("hash_conflict")
        self._seq += 1
        self.views[view_id] = {**self.views[view_id], **params["view"], "version": self._seq}
        return self._view_reply(view_id)

    def _view_hash(self, view_id: str) -> str:
        return f"{self._epoch}.{view_id}.{self.views[view_id].get('version', 0)}"

    def _view_reply(self, view_id: str) -> JsonDict:
        body = template("views_open_ok")
        view: JsonDict = body["view"]
        for key in ("blocks", "callback_id", "private_metadata", "submit", "title", "external_id"):
            view.pop(key, None)
        stored = {k: v for k, v in self.views[view_id].items() if k not in ("trigger_id", "version")}
        view.update(stored, id=view_id, root_view_id=view_id, hash=self._view_hash(view_id))
        view.update(team_id=self.team_id, bot_id=self.bot_id)
        return body


def _require(params: JsonDict, key: str, error: str) -> str:
    value = params.get(key)
    if not value or not isinstance(value, str):
        raise SlackError(error)
    return value


def _page(name: str, **fields: Any) -> JsonDict:
    body = template(name)
    body.update(fields, has_more=False, response_metadata={"next_cursor": ""})
    return body
