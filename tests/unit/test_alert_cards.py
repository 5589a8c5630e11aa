"""Alert cards under-signal no more (issue 17, item 3): a group is named after its most severe alert, its count
includes what Alertmanager truncated, and the alerts' instances are listed (10, then "and N more")."""

from __future__ import annotations

import json
from typing import Any

from bot.core.domain import Event, Source
from bot.slack_ui.trigger_blocks import alert_card
from bot.triggers.alerts import parse_alert


def one(name: str, severity: str, instance: str | None = None, **labels: str) -> dict[str, Any]:
    own = {"alertname": name, "severity": severity, **labels}
    if instance:
        own["instance"] = instance
    return {"status": "firing", "labels": own, "annotations": {"summary": f"{name} on {instance or labels}"}}


def event(alerts: list[dict[str, Any]], *, common: dict[str, str] | None = None, truncated: int = 0) -> Event:
    body: dict[str, Any] = {
        "version": "4", "status": "firing", "truncatedAlerts": truncated, "commonLabels": common or {},
        "commonAnnotations": {}, "alerts": alerts, "groupKey": "{}:{}",
    }  # fmt: skip
    return Event(
        source=Source.ALERTMANAGER, type="alert.firing", dedupe_key="am:1", team_id="T1", actor="alertmanager",
        payload={"body": body},
    )  # fmt: skip


def card_text(alerts: list[dict[str, Any]], **kw: Any) -> tuple[str, str]:
    blocks: list[dict[str, Any]] = alert_card(parse_alert(event(alerts, **kw)).card())
    return str(blocks[0]["text"]["text"]), json.dumps(blocks, ensure_ascii=False)


def test_a_group_of_different_alerts_is_named_after_the_most_severe() -> None:
    title, text = card_text([one("DiskFull", "warning", "db-1:9100"), one("NodeDown", "critical", "db-2:9100")])
    assert title == "🔥 [FIRING:2] NodeDown and 1 other"
    assert "critical" in text and "`db-1:9100`, `db-2:9100`" in text


def test_the_count_includes_truncated_alerts_and_instances_stop_at_ten() -> None:
    alerts = [one("HighLatency", "critical", f"api-{n}:8080") for n in range(50)]
    title, text = card_text(alerts, common={"alertname": "HighLatency", "severity": "critical"}, truncated=10)
    assert title == "🔥 [FIRING:60] HighLatency"
    assert "`api-9:8080` and 50 more" in text and "api-10:8080" not in text


def test_alerts_without_an_instance_are_told_apart_by_their_own_labels() -> None:
    alerts = [one("QueueStuck", "warning", queue="mail"), one("QueueStuck", "warning", queue="jobs")]
    _, text = card_text(alerts, common={"alertname": "QueueStuck", "severity": "warning"})
    assert "Instances: `queue=mail`, `queue=jobs`" in text


def test_one_alert_lists_no_instances() -> None:
    title, text = card_text([one("HighLatency", "critical", "api-1:8080")], common={"alertname": "HighLatency"})
    assert title == "🔥 [FIRING:1] HighLatency" and "Instances" not in text
