"""Slack payloads → domain events. Defensive: a malformed payload gives None, never an exception; a field of the
wrong type reads as absent.

Each event carries who it is from as the payload says it, for the service to check against the installation:
the workspace (top-level `team_id` and `team.id`: both, joined by `|`, when they differ), the enterprise
(`enterprise_id`, `enterprise.id`, `team.enterprise_id`) and the actor's home team (`user.team_id`, or a message's
`user_team`/`team`), which differs from the workspace for a person of another organisation (Slack Connect)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.domain import Event, Source
from bot.core.jsonvalue import JsonObject, items, obj, optional_text


def _claimed(*values: object) -> str | None:
    """The one id a payload states in several places; when they differ, all of them joined by `|` (which matches
    no id), within the 32 characters an id column holds."""
    stated = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
    if not stated:
        return None
    joined = "|".join(stated)
    return joined if len(joined) <= 32 else joined[:31] + "|"


def _team(body: Mapping[str, object]) -> str:
    return _claimed(body.get("team_id"), obj(body.get("team")).get("id")) or ""


def _enterprise(body: Mapping[str, object]) -> str | None:
    enterprise = obj(body.get("enterprise")).get("id")
    return _claimed(body.get("enterprise_id"), enterprise, obj(body.get("team")).get("enterprise_id"))


def _user_team(body: Mapping[str, object]) -> str | None:
    """An interactivity payload's `user.team_id`: the clicker's home team."""
    return optional_text(obj(body.get("user")).get("team_id"))


def _author_team(event: Mapping[str, object]) -> str | None:
    """A message's author's home team (`user_team` in shared channels, else `team`)."""
    return optional_text(event.get("user_team")) or optional_text(event.get("team"))


def command_event(body: Mapping[str, object]) -> Event:
    team = _team(body)
    return Event(
        source=Source.SLACK_COMMAND,
        type="command",
        dedupe_key=f"command:{team}:{body.get('trigger_id') or body.get('response_url') or ''}",
        team_id=team,
        actor=str(body.get("user_id", "")),
        channel=optional_text(body.get("channel_id")),
        text=str(body.get("text", "")),
        payload={
            "command": optional_text(body.get("command")),
            "response_url": optional_text(body.get("response_url")),
        },
        enterprise_id=_enterprise(body),
    )


def message_event(body: Mapping[str, object], source: Source) -> Event | None:
    event = obj(body.get("event"))
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None  # bots (ours or others), edits, deletions, joins: never a request
    return Event(
        source=source,
        type=str(event.get("type")),
        dedupe_key=_event_key(body),
        team_id=_team(body),
        actor=str(event["user"]),
        channel=optional_text(event.get("channel")),
        thread_ts=optional_text(event.get("thread_ts")),
        message_ts=optional_text(event.get("ts")),
        text=str(event.get("text", "")),
        enterprise_id=_enterprise(body),
        user_team_id=_author_team(event),
    )


def reaction_event(body: Mapping[str, object]) -> Event | None:
    event = obj(body.get("event"))
    item = obj(event.get("item"))
    if item.get("type") != "message" or not event.get("user"):
        return None
    return Event(
        source=Source.SLACK_REACTION,
        type="reaction_added",
        dedupe_key=_event_key(body),
        team_id=_team(body),
        actor=str(event["user"]),
        channel=optional_text(item.get("channel")),
        message_ts=optional_text(item.get("ts")),
        payload={"reaction": optional_text(event.get("reaction")), "item_user": optional_text(event.get("item_user"))},
        enterprise_id=_enterprise(body),
        user_team_id=optional_text(event.get("user_team")),
    )


def action_event(body: Mapping[str, object]) -> Event | None:
    actions = items(body.get("actions"))
    if not actions:
        return None
    action = obj(actions[0])
    container = obj(body.get("container"))
    message = obj(body.get("message"))
    team = _team(body)
    return Event(
        source=Source.SLACK_ACTION,
        type="block_actions",
        dedupe_key=f"action:{team}:{body.get('trigger_id') or action.get('action_ts')}",
        team_id=team,
        actor=str(obj(body.get("user")).get("id", "")),
        channel=optional_text(obj(body.get("channel")).get("id")) or optional_text(container.get("channel_id")),
        thread_ts=optional_text(message.get("thread_ts")),
        message_ts=optional_text(container.get("message_ts")) or optional_text(message.get("ts")),
        payload={
            "action_id": optional_text(action.get("action_id")),
            "value": optional_text(action.get("value")),
            "trigger_id": optional_text(body.get("trigger_id")),
            # for a suggestion's click: answer the clicker where they clicked, even where opsbot is not a member
            "response_url": optional_text(body.get("response_url")),
            "is_ephemeral": container.get("is_ephemeral") is True,
        },
        enterprise_id=_enterprise(body),
        user_team_id=_user_team(body),
    )


def view_event(body: Mapping[str, object]) -> Event | None:
    view = obj(body.get("view"))
    if not view.get("callback_id"):
        return None
    team = _team(body)
    state = obj(view.get("state"))
    values: JsonObject = {block_id: _input_value(actions) for block_id, actions in obj(state.get("values")).items()}
    return Event(
        source=Source.SLACK_VIEW,
        type=str(view["callback_id"]),
        dedupe_key=f"view:{team}:{body.get('trigger_id') or view.get('id')}",
        team_id=team,
        actor=str(obj(body.get("user")).get("id", "")),
        payload={"private_metadata": optional_text(view.get("private_metadata")), "values": values},
        enterprise_id=_enterprise(body),
        user_team_id=_user_team(body),
    )


def _input_value(actions: object) -> str | None:
    if not isinstance(actions, dict) or not actions:
        return None
    state = next(iter(actions.values())) or {}
    value = state.get("value") if isinstance(state, dict) else None
    return str(value) if value is not None else None


def _event_key(body: Mapping[str, object]) -> str:
    event = obj(body.get("event"))
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('event_ts') or event.get('ts')}"
    return f"event:{_team(body)}:{event_id}"
