"""Slack payloads → domain events. Defensive: a malformed payload gives None, never an exception; a field of the
wrong type reads as absent.

Each event carries who it is from as the payload says it, for the service to check against the installation:
the workspace (top-level `team_id` and `team.id`: both, joined by `|`, when they differ), the enterprise
(`enterprise_id`, `enterprise.id`, `team.enterprise_id`) and the actor's home team (`user.team_id`, or a message's
`user_team`/`team`), which differs from the workspace for a person of another organisation (Slack Connect)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.domain import Event, Source
from bot.core.jsonvalue import JsonObject, items, obj


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None


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
    return _opt(obj(body.get("user")).get("team_id"))


def _author_team(event: Mapping[str, object]) -> str | None:
    """A message's author's home team (`user_team` in shared channels, else `team`)."""
    return _opt(event.get("user_team")) or _opt(event.get("team"))


def command_event(body: Mapping[str, object]) -> Event:
    team = _team(body)
    return Event(
        source=Source.SLACK_COMMAND,
        type="command",
        dedupe_key=f"command:{team}:{body.get('trigger_id') or body.get('response_url') or ''}",
        team_id=team,
        actor=str(body.get("user_id", "")),
        channel=_opt(body.get("channel_id")),
        text=str(body.get("text", "")),
        payload={"command": _opt(body.get("command")), "response_url": _opt(body.get("response_url"))},
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
        channel=_opt(event.get("channel")),
        thread_ts=_opt(event.get("thread_ts")),
        message_ts=_opt(event.get("ts")),
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
        channel=_opt(item.get("channel")),
        message_ts=_opt(item.get("ts")),
        payload={"reaction": _opt(event.get("reaction")), "item_user": _opt(event.get("item_user"))},
        enterprise_id=_enterprise(body),
        user_team_id=_opt(event.get("user_team")),
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
        channel=_opt(obj(body.get("channel")).get("id")) or _opt(container.get("channel_id")),
        thread_ts=_opt(message.get("thread_ts")),
        message_ts=_opt(container.get("message_ts")) or _opt(message.get("ts")),
        payload={
            "action_id": _opt(action.get("action_id")),
            "value": _opt(action.get("value")),
            "trigger_id": _opt(body.get("trigger_id")),
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
        payload={"private_metadata": _opt(view.get("private_metadata")), "values": values},
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
