"""Webhook bodies → domain events (pure): the dedupe key decides what counts as the same delivery."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from bot.core.domain import Event, Source
from bot.core.jsonvalue import JsonObject, items, obj


class BadPayload(ValueError):
    """The body is not the JSON object the sender documents."""


def parse_object(body: bytes) -> JsonObject:
    try:
        data: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("not JSON") from None
    if not isinstance(data, dict):
        raise BadPayload("not a JSON object")
    return data


def github_event(name: str, delivery: str, payload: JsonObject, *, team_id: str) -> Event:
    """`X-GitHub-Event` + `X-GitHub-Delivery`: a redelivery of the same delivery id is the same event."""
    action = payload.get("action")
    sender = obj(payload.get("sender")).get("login") or "github"
    repo = obj(payload.get("repository")).get("full_name") or ""
    kind = f"{name}.{action}" if isinstance(action, str) and action else name
    return Event(
        source=Source.GITHUB,
        type=kind[:64],
        dedupe_key=f"github:{delivery}"[:255],
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
    if str(payload.get("version")) != "4" or not isinstance(payload.get("alerts"), list):
        raise BadPayload("not an Alertmanager version 4 payload")
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
