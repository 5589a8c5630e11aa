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
    count: int  # the group's alerts in this status, those Alertmanager left out (`truncatedAlerts`) included
    group: str | None
    instances: tuple[str, ...] = ()  # what tells the alerts apart (their `instance`, else their own labels)
    others: int = 0  # alerts of other names in the group

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
            "instances": list(self.instances),
            "others": self.others,
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


SEVERITY_RANK = {"critical": 0, "page": 0, "error": 1, "high": 1, "warning": 2, "medium": 2, "info": 3, "low": 3}
SHOWN_INSTANCES = 10


def _rank(alert: dict[str, object]) -> int:
    return SEVERITY_RANK.get(text(dig(alert, "labels", "severity"), "").lower(), 4)


def _instance(alert: dict[str, object], common: dict[str, str]) -> str:
    labels = {str(k): str(v) for k, v in obj(alert.get("labels")).items()}
    if labels.get("instance"):
        return labels["instance"]
    own = {k: v for k, v in labels.items() if k not in common and k != "alertname"}
    return ", ".join(f"{k}={v}" for k, v in sorted(own.items())) or labels.get("alertname", "")


def parse_alert(event: Event) -> Alert:
    """The group as one card: named after its most severe alert (a group of different alerts with no common name
    must not hide a critical one behind the first), counted with what Alertmanager truncated."""
    body = obj(event.payload.get("body"))
    labels = {str(k): str(v) for k, v in obj(body.get("commonLabels")).items()}
    notes = obj(body.get("commonAnnotations"))
    status = str(body.get("status") or "firing")
    alerts = objects(body.get("alerts"))
    current = [a for a in alerts if a.get("status") == status] or alerts
    lead = min(current, key=_rank) if current else {}
    lead_notes = obj(lead.get("annotations"))
    summary = optional_text(notes.get("summary")) or optional_text(lead_notes.get("summary"))
    name = labels.get("alertname") or text(dig(lead, "labels", "alertname"), "alert")
    truncated = body.get("truncatedAlerts")
    names = {text(dig(a, "labels", "alertname"), "") for a in current}
    return Alert(
        status=status,
        alertname=name,
        severity=labels.get("severity") or optional_text(dig(lead, "labels", "severity")),
        summary=summary or text(notes.get("description")),
        runbook=optional_text(notes.get("runbook_url")) or optional_text(lead_notes.get("runbook_url")),
        source=optional_text(lead.get("generatorURL")) or optional_text(body.get("externalURL")),
        labels=labels,
        count=len(current) + (truncated if isinstance(truncated, int) and truncated > 0 else 0),
        group=optional_text(event.payload.get("group")),
        instances=tuple(i for i in (_instance(a, labels) for a in current) if i),
        others=len(names - {name}),
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
