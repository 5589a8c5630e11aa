"""Alertmanager notifications → one card per alert group, updated in place; resolution said once in its thread."""

from __future__ import annotations

import logging
from typing import Any

from bot.domain import Event
from bot.triggers.blocks import alert_card
from bot.triggers.followups import Followups
from bot.triggers.rules import Facts, Rules
from bot.triggers.threads import Threads

log = logging.getLogger(__name__)


def alert_facts(event: Event) -> Facts:
    body = event.payload.get("body") or {}
    labels = {str(k): str(v) for k, v in (body.get("commonLabels") or {}).items()}
    notes = body.get("commonAnnotations") or {}
    alerts = [a for a in body.get("alerts") or [] if isinstance(a, dict)]
    first = alerts[0] if alerts else {}
    first_notes = first.get("annotations") or {}
    values: dict[str, Any] = {
        "status": str(body.get("status") or "firing"),
        "alertname": labels.get("alertname") or (first.get("labels") or {}).get("alertname", "alert"),
        "severity": labels.get("severity") or (first.get("labels") or {}).get("severity"),
        "summary": notes.get("summary") or first_notes.get("summary") or notes.get("description", ""),
        "runbook": notes.get("runbook_url") or first_notes.get("runbook_url"),
        "source": first.get("generatorURL") or body.get("externalURL"),
        "labels": labels,
        "count": sum(1 for a in alerts if a.get("status") == body.get("status")) or len(alerts),
        "group": event.payload.get("group"),
    }
    return Facts(source="alertmanager", type=event.type, labels=labels, severity=values["severity"], values=values)


class AlertReactions:
    def __init__(self, *, rules: Rules, threads: Threads, followups: Followups) -> None:
        self.rules = rules
        self.threads = threads
        self.followups = followups

    async def handle(self, inbox_id: int, event: Event) -> None:
        facts = alert_facts(event)
        route = self.rules.route(facts)
        if route is None or route.notify is None:
            log.info("no route for alert %s", facts.values["alertname"])
            return
        v = facts.values
        card = {k: v[k] for k in ("status", "alertname", "severity", "summary", "runbook", "source", "labels", "count")}
        text = f"[{v['status'].upper()}] {v['alertname']}: {v['summary']}"
        key = f"am:{v['group']}"
        thread = await self.threads.open([key], route.notify, text, alert_card(card), {"status": v["status"]})
        changed = thread.created
        if not thread.created:
            changed = thread.data.get("status") != v["status"]
            thread.data["status"] = v["status"]
            await self.threads.save(thread)
            await self.threads.update(thread, thread.card_ts, text, alert_card(card))
            if changed:
                said = "✅ Resolved." if v["status"] == "resolved" else "🔥 Firing again."
                await self.threads.reply(thread, said, [])
        if changed and v["status"] == "firing":
            await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread.thread_ts)
