"""Webhook bodies → domain events (pure): the dedupe key decides what counts as the same delivery."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from bot.core.domain import Event, Source
from bot.core.jsonvalue import JsonObject, items, obj
from bot.edges.bounded_json import BadJson, loads_bounded
from bot.edges.hook_shapes import alertmanager_problem, github_problem


class BadPayload(ValueError):
    """The body is not the JSON object the sender documents."""


def parse_object(body: bytes) -> JsonObject:
    """The JSON object in `body` (bounded: bot.edges.bounded_json), or `BadPayload` saying why not."""
    try:
        data = loads_bounded(body)
    except BadJson as exc:
        raise BadPayload(str(exc)) from None
    if not isinstance(data, dict):
        raise BadPayload("not a JSON object")
    return data


def github_dedupe_key(body: bytes) -> str:
    """A delivery is the same event as any other with the same bytes: `X-GitHub-Delivery` is not signed, and a
    redelivery (or a replay) under a new id must not post a second card or propose a second action."""
    return f"github:{hashlib.sha256(body).hexdigest()}"


def github_event(name: str, delivery: str, body: bytes, payload: JsonObject, *, team_id: str) -> Event:
    """`X-GitHub-Event`, `X-GitHub-Delivery`, the JSON body as sent and as parsed; stored under the body's hash."""
    problem = github_problem(name, payload)
    if problem is not None:
        raise BadPayload(f"not the shape GitHub documents: {problem}")
    action = payload.get("action")
    sender = obj(payload.get("sender")).get("login") or "github"
    repo = obj(payload.get("repository")).get("full_name") or ""
    kind = f"{name}.{action}" if isinstance(action, str) and action else name
    return Event(
        source=Source.GITHUB,
        type=kind[:64],
        dedupe_key=github_dedupe_key(body),
        team_id=team_id,
        actor=f"github:{sender}"[:64],
        text=f"{kind} in {repo}" if repo else kind,
        payload={"event": name, "delivery": delivery, "body": payload},
    )


def alert_fingerprint(payload: Mapping[str, object]) -> str:
    """A hash of the alerts in the group: a changed group (or a new firing) is a new event, a repeat is not."""
    alerts = items(payload.get("alerts"))
    parts = sorted(
        f"{a.get('fingerprint', '')}|{a.get('status', '')}|{a.get('startsAt', '')}"
        for a in alerts
        if isinstance(a, dict)
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def alertmanager_event(payload: JsonObject, *, team_id: str) -> Event:
    """Alertmanager webhook payload version 4."""
    if payload.get("version") != "4":
        raise BadPayload("not an Alertmanager version 4 payload")
    problem = alertmanager_problem(payload)
    if problem is not None:
        raise BadPayload(f"not the shape of Alertmanager's version 4 payload: {problem}")
    group_key = str(payload.get("groupKey") or "")
    status = str(payload.get("status") or "firing")
    group = hashlib.sha256(group_key.encode()).hexdigest()[:24]
    labels = obj(payload.get("commonLabels"))
    return Event(
        source=Source.ALERTMANAGER,
        type=f"alert.{status}"[:64],
        dedupe_key=f"alertmanager:{group}:{status}:{alert_fingerprint(payload)}",
        team_id=team_id,
        actor="alertmanager",
        text=f"{labels.get('alertname', 'alert')} {status}",
        payload={"group": group, "body": payload},
    )
