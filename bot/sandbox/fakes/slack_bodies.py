"""What Slack sends an app, from our values: Events API envelopes, slash-command forms, clicks and modal submits."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping

from bot.core.jsonvalue import Json, JsonList, JsonObject, dig
from bot.sandbox.fakes.slack_payloads import APP_ID

VERIFICATION_TOKEN = "opsbot-verification-token"  # noqa: S105 - the deprecated `token` every body still carries
TEAM_DOMAIN = "acme"
NAMES = {"U1": "ana", "U2": "ben", "U3": "cy", "W111": "opsbot"}  # the sandbox's people (bot/sandbox/demo.py)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def username(user: str) -> str:
    return NAMES.get(user, user.lower())


def rich_text(text: str, *, block_id: str = "rt1") -> JsonObject:
    """The ``rich_text`` block Slack adds to a typed message: its text, with ``<@U…>`` as user elements."""
    elements: JsonList = []
    for index, part in enumerate(_MENTION.split(text)):
        if index % 2:
            elements.append({"type": "user", "user_id": part})
        elif part:
            elements.append({"type": "text", "text": part})
    section: JsonObject = {"type": "rich_text_section", "elements": elements}
    return {"type": "rich_text", "block_id": block_id, "elements": [section]}


# -- Events API ---------------------------------------------------------------------------------------


def message_event(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str,
    team: str,
    client_msg_id: str,
    thread_ts: str | None = None,
    channel_type: str | None = None,
    type: str = "message",
) -> JsonObject:
    """A person's message (``message`` with a ``channel_type``, or ``app_mention``), as the inner ``event``."""
    event: JsonObject = {
        "type": type,
        "user": user,
        "text": text,
        "ts": ts,
        "client_msg_id": client_msg_id,
        "team": team,
        "blocks": [rich_text(text)],
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    if channel_type is not None:
        event["channel_type"] = channel_type
    return event


def reaction_added(
    reaction: str, *, user: str, channel: str, item_ts: str, item_user: str, event_ts: str
) -> JsonObject:
    """A ``reaction_added`` inner event on a message."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
        "event_ts": event_ts,
    }


def event_callback(
    event: JsonObject, *, team_id: str, bot_user_id: str, event_id: str, event_time: int, app_id: str = APP_ID
) -> JsonObject:
    """The ``event_callback`` envelope around an inner event, with the installation it is for."""
    authorization: JsonObject = {
        "enterprise_id": None,
        "team_id": team_id,
        "user_id": bot_user_id,
        "is_bot": True,
        "is_enterprise_install": False,
    }
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [authorization],
        "is_ext_shared_channel": False,
        "event_context": event_context(event, team_id=team_id, app_id=app_id),
    }


def event_context(event: Mapping[str, object], *, team_id: str, app_id: str = APP_ID) -> str:
    """An opaque id of the event's context (Slack's is also a prefix and base64 JSON; apps only compare it)."""
    channel = event.get("channel") or dig(event, "item", "channel") or ""
    facts = {"et": event.get("type"), "tid": team_id, "aid": app_id, "cid": channel}
    return "4-" + base64.urlsafe_b64encode(json.dumps(facts, separators=(",", ":")).encode()).decode().rstrip("=")


def url_verification(challenge: str) -> JsonObject:
    """The handshake Slack sends when the Request URL is saved; the app answers with the challenge."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


# -- slash commands and interactivity -------------------------------------------------------------------


def slash_command(
    text: str, *, command: str, user: str, channel: str, team_id: str, trigger_id: str, response_url: str
) -> dict[str, str]:
    """The form fields of a slash command (sent ``application/x-www-form-urlencoded``)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else channel.lower(),
        "user_id": user,
        "user_name": username(user),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def user_ref(user: str, team_id: str) -> JsonObject:
    """The ``user`` object of an interactivity payload."""
    return {"id": user, "username": username(user), "name": username(user), "team_id": team_id}


def button_action(action_id: str, value: str, *, block_id: str, action_ts: str, label: str = "Open") -> JsonObject:
    """One entry of ``actions``: the button that was clicked."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
        "action_ts": action_ts,
    }


def button_message(action: JsonObject, *, ts: str, user: str, bot_id: str, team: str) -> JsonObject:
    """A bot message holding just the clicked button (when the test does not give the real one)."""
    button: JsonObject = {k: action[k] for k in ("type", "action_id", "text", "value")}
    block: JsonObject = {
        "type": "section",
        "block_id": action["block_id"],
        "text": {"type": "mrkdwn", "text": "A request that needs a click.", "verbatim": False},
        "accessory": button,
    }
    return {
        "type": "message",
        "user": user,
        "bot_id": bot_id,
        "app_id": APP_ID,
        "text": "A request that needs a click.",
        "ts": ts,
        "team": team,
        "blocks": [block],
    }


def block_actions(
    action: JsonObject,
    *,
    user: str,
    channel: str,
    team_id: str,
    message: JsonObject,
    trigger_id: str,
    response_url: str,
    ephemeral: bool = False,
) -> JsonObject:
    """A ``block_actions`` payload for a click on a button of ``message`` in ``channel`` (an ephemeral one: Slack
    says so in ``container.is_ephemeral`` and sends no ``message``)."""
    return {
        "type": "block_actions",
        "user": user_ref(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else channel.lower()},
        **({} if ephemeral else {"message": message}),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def state_value(value: Json) -> Json:
    """A submitted input's state: a string becomes a ``plain_text_input`` value, anything else is kept."""
    return {"type": "plain_text_input", "value": value} if isinstance(value, str) else value


def submitted_view(
    callback_id: str,
    values: Mapping[str, Mapping[str, Json]],
    *,
    view_id: str,
    team_id: str,
    bot_id: str,
    private_metadata: str = "",
    hash: str = "1700000000.opsbot",
) -> JsonObject:
    """The ``view`` of a ``view_submission``: one text input per submitted value, and their ``state``."""
    state: JsonObject = {
        block: {action: state_value(v) for action, v in actions.items()} for block, actions in values.items()
    }
    blocks: JsonList = [
        {
            "type": "input",
            "block_id": block,
            "label": {"type": "plain_text", "text": block.replace("_", " ").capitalize()},
            "optional": False,
            "element": {"type": "plain_text_input", "action_id": action},
        }
        for block, actions in values.items()
        for action in actions
    ]
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks,
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state},
        "hash": hash,
        "title": {"type": "plain_text", "text": "opsbot"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
    }


def view_submission(view: JsonObject, *, user: str, team_id: str, trigger_id: str) -> JsonObject:
    """A ``view_submission`` payload: who submitted which view."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": user_ref(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slack_typed(text: str) -> str:
    """What Slack sends of text typed in its composer: `&`, `<` and `>` as entities (its own `<…>` sequences are
    made by the client for mentions and links; the sandbox page's composer makes none)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
