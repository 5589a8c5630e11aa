"""Slack payloads → domain events. Defensive: a malformed payload gives None, never an exception."""

from __future__ import annotations

from typing import Any

from bot.domain import Event, Source


def _team(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return str(team or "")


def command_event(body: dict[str, Any]) -> Event:
    team = _team(body)
    return Event(
        source=Source.SLACK_COMMAND,
        type="command",
        dedupe_key=f"command:{team}:{body.get('trigger_id') or body.get('response_url') or ''}",
        team_id=team,
        actor=str(body.get("user_id", "")),
        channel=body.get("channel_id"),
        text=str(body.get("text", "")),
        payload={"command": body.get("command"), "response_url": body.get("response_url")},
    )


def message_event(body: dict[str, Any], source: Source) -> Event | None:
    event = body.get("event") or {}
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None  # bots (ours or others), edits, deletions, joins: never a request
    return Event(
        source=source,
        type=str(event.get("type")),
        dedupe_key=_event_key(body),
        team_id=_team(body),
        actor=str(event["user"]),
        channel=event.get("channel"),
        thread_ts=event.get("thread_ts"),
        message_ts=event.get("ts"),
        text=str(event.get("text", "")),
    )


def reaction_event(body: dict[str, Any]) -> Event | None:
    event = body.get("event") or {}
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    return Event(
        source=Source.SLACK_REACTION,
        type="reaction_added",
        dedupe_key=_event_key(body),
        team_id=_team(body),
        actor=str(event["user"]),
        channel=item.get("channel"),
        message_ts=item.get("ts"),
        payload={"reaction": event.get("reaction"), "item_user": event.get("item_user")},
    )


def action_event(body: dict[str, Any]) -> Event | None:
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    container = body.get("container") or {}
    message = body.get("message") or {}
    team = _team(body)
    return Event(
        source=Source.SLACK_ACTION,
        type="block_actions",
        dedupe_key=f"action:{team}:{body.get('trigger_id') or action.get('action_ts')}",
        team_id=team,
        actor=str((body.get("user") or {}).get("id", "")),
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
        thread_ts=message.get("thread_ts"),
        message_ts=container.get("message_ts") or message.get("ts"),
        payload={
            "action_id": action.get("action_id"),
            "value": action.get("value"),
            "trigger_id": body.get("trigger_id"),
        },
    )


def view_event(body: dict[str, Any]) -> Event | None:
    view = body.get("view") or {}
    if not view.get("callback_id"):
        return None
    team = _team(body)
    values = {
        block_id: _input_value(actions) for block_id, actions in ((view.get("state") or {}).get("values") or {}).items()
    }
    return Event(
        source=Source.SLACK_VIEW,
        type=str(view["callback_id"]),
        dedupe_key=f"view:{team}:{body.get('trigger_id') or view.get('id')}",
        team_id=team,
        actor=str((body.get("user") or {}).get("id", "")),
        payload={"private_metadata": view.get("private_metadata"), "values": values},
    )


def _input_value(actions: Any) -> str | None:
    if not isinstance(actions, dict) or not actions:
        return None
    state = next(iter(actions.values())) or {}
    value = state.get("value") if isinstance(state, dict) else None
    return str(value) if value is not None else None


def _event_key(body: dict[str, Any]) -> str:
    event = body.get("event") or {}
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('event_ts') or event.get('ts')}"
    return f"event:{_team(body)}:{event_id}"
