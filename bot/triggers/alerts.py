"""Alertmanager notifications → one card per alert group, updated in place; resolution said once in its thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.domain import Event
from bot.core.jsonvalue import JsonObject, dig, obj, objects, optional_text, text
from bot.core.trigger_records import ThreadData
from bot.slack_ui.trigger_blocks import AlertCard, alert_card
from bot.triggers.followups import Followups
from bot.triggers.threads import Threads
from bot.triggers.trigger_rules import Facts, Rules

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Alert:
    """An Alertmanager notification (webhook payload version 4) as the card and the rules see it."""

    status: str
    alertname: str
    severity: str | None
    summary: str
    runbook: str | None
    source: str | None
    labels: dict[str, str]
    count: int
    group: str | None

    def card(self) -> AlertCard:
        return {
            "status": self.status,
            "alertname": self.alertname,
            "severity": self.severity,
            "summary": self.summary,
            "runbook": self.runbook,
            "source": self.source,
            "labels": self.labels,
            "count": self.count,
        }

    def values(self) -> JsonObject:
        """What a rule's templates can use."""
        return {
            "status": self.status,
            "alertname": self.alertname,
            "severity": self.severity,
            "summary": self.summary,
            "runbook": self.runbook,
            "source": self.source,
            "labels": dict(self.labels),
            "count": self.count,
            "group": self.group,
        }


def parse_alert(event: Event) -> Alert:
    body = obj(event.payload.get("body"))
    labels = {str(k): str(v) for k, v in obj(body.get("commonLabels")).items()}
    notes = obj(body.get("commonAnnotations"))
    alerts = objects(body.get("alerts"))
    first = alerts[0] if alerts else {}
    first_notes = obj(first.get("annotations"))
    summary = optional_text(notes.get("summary")) or optional_text(first_notes.get("summary"))
    return Alert(
        status=str(body.get("status") or "firing"),
        alertname=labels.get("alertname") or text(dig(first, "labels", "alertname"), "alert"),
        severity=labels.get("severity") or optional_text(dig(first, "labels", "severity")),
        summary=summary or text(notes.get("description")),
        runbook=optional_text(notes.get("runbook_url")) or optional_text(first_notes.get("runbook_url")),
        source=optional_text(first.get("generatorURL")) or optional_text(body.get("externalURL")),
        labels=labels,
        count=sum(1 for a in alerts if a.get("status") == body.get("status")) or len(alerts),
        group=optional_text(event.payload.get("group")),
    )


def alert_facts(alert: Alert, event: Event) -> Facts:
    values = alert.values()
    return Facts(source="alertmanager", type=event.type, labels=alert.labels, severity=alert.severity, values=values)


class AlertReactions:
    def __init__(self, *, rules: Rules, threads: Threads, followups: Followups) -> None:
        self.rules = rules
        self.threads = threads
        self.followups = followups

    async def handle(self, inbox_id: int, event: Event) -> None:
        alert = parse_alert(event)
        facts = alert_facts(alert, event)
        route = self.rules.route(facts)
        if route is None or route.notify is None:
            log.info("no route for alert %s", alert.alertname)
            return
        card = alert.card()
        text = f"[{alert.status.upper()}] {alert.alertname}: {alert.summary}"
        key = f"am:{alert.group}"
        data: ThreadData = {"status": alert.status}
        thread = await self.threads.open([key], route.notify, text, alert_card(card), data)
        changed = thread.created
        if not thread.created:
            changed = thread.data.get("status") != alert.status
            thread.data["status"] = alert.status
            await self.threads.save(thread)
            await self.threads.update(thread, thread.card_ts, text, alert_card(card))
            if changed:
                said = "✅ Resolved." if alert.status == "resolved" else "🔥 Firing again."
                await self.threads.reply(thread, said, [])
        if changed and alert.status == "firing":
            await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread.thread_ts)
