"""Alertmanager webhooks (payload version 4): bearer token, one card per group updated in place, no spam."""

from __future__ import annotations

import copy
from typing import Any

from tests.approvals_helpers import text_of
from tests.harness import Harness
from tests.triggers.conftest import inbox_count, posts, send_alert, updates

GROUP_KEY = '{}/{severity=~"critical|warning"}:{alertname="HighLatency", service="api"}'


def alert(fingerprint: str, status: str = "firing", starts: str = "2026-11-26T08:55:00Z") -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "HighLatency", "service": "api", "severity": "critical", "instance": fingerprint},
        "annotations": {
            "summary": "p99 latency of api is over 2s",
            "runbook_url": "https://runbooks.acme.test/high-latency",
        },
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-26T09:20:00Z",
        "generatorURL": "http://prometheus.acme.test/graph?g0.expr=latency",
        "fingerprint": fingerprint,
    }


def notification(status: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """The body Alertmanager POSTs to a webhook receiver (version 4 of its webhook format)."""
    return {
        "version": "4",
        "groupKey": GROUP_KEY,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "opsbot",
        "groupLabels": {"alertname": "HighLatency", "service": "api"},
        "commonLabels": {"alertname": "HighLatency", "service": "api", "severity": "critical"},
        "commonAnnotations": {"summary": "p99 latency of api is over 2s"},
        "externalURL": "http://alertmanager.acme.test",
        "alerts": alerts,
    }


async def test_a_wrong_or_missing_token_is_refused_and_nothing_is_stored(hooks: Harness) -> None:
    body = notification("firing", [alert("a1")])
    assert (await send_alert(hooks, body, token="wrong"))[0] == 401
    assert (await send_alert(hooks, body, token=None))[0] == 401
    assert await inbox_count(hooks) == 0
    assert hooks.slack.calls_to("chat.postMessage") == []


async def test_without_a_configured_token_alerts_are_refused(env: Harness) -> None:
    assert (await send_alert(env, notification("firing", [alert("a1")]), token=""))[0] == 401
    assert await inbox_count(env) == 0


async def test_only_version_4_payloads_are_accepted(hooks: Harness) -> None:
    old = notification("firing", [alert("a1")]) | {"version": "3"}
    assert (await send_alert(hooks, old))[0] == 400


async def test_firing_then_resolved_uses_one_card_and_one_thread_without_spam(hooks: Harness) -> None:
    firing = notification("firing", [alert("a1")])
    assert (await send_alert(hooks, firing))[0] == 202
    [card] = posts(hooks, "C2")
    shown = text_of(card)
    for part in ("FIRING", "HighLatency", "critical", "p99 latency", "runbooks.acme.test", "service=api"):
        assert part in shown, part
    card_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]

    # Alertmanager repeats the same notification every repeat_interval: stored once, nothing new in Slack
    assert await send_alert(hooks, copy.deepcopy(firing)) == (200, {"ok": True, "duplicate": True})
    # the group grows: a new event (so not dropped), but the card is updated in place
    grown = notification("firing", [alert("a1"), alert("a2")])
    assert (await send_alert(hooks, grown))[0] == 202
    assert len(posts(hooks, "C2")) == 1
    assert "FIRING:2" in text_of(updates(hooks, card_ts)[-1])

    resolved = notification("resolved", [alert("a1", "resolved"), alert("a2", "resolved")])
    assert (await send_alert(hooks, resolved))[0] == 202
    assert (await send_alert(hooks, resolved))[0] == 200
    assert "RESOLVED" in text_of(updates(hooks, card_ts)[-1])
    replies = [p for p in posts(hooks, "C2") if p.get("thread_ts") == card_ts]
    assert [r["text"] for r in replies] == ["✅ Resolved."]
    assert len(posts(hooks, "C2", top_level=True)) == 1

    # the same alert fires again later (a new startsAt): the same thread says so, once
    again = notification("firing", [alert("a1", starts="2026-11-26T11:00:00Z")])
    assert (await send_alert(hooks, again))[0] == 202
    replies = [p for p in posts(hooks, "C2") if p.get("thread_ts") == card_ts]
    assert [r["text"] for r in replies] == ["✅ Resolved.", "🔥 Firing again."]


async def test_an_alert_no_route_matches_posts_nothing(hooks: Harness) -> None:
    body = notification("firing", [alert("a1")])
    body["commonLabels"]["severity"] = "info"
    assert (await send_alert(hooks, body))[0] == 202
    assert hooks.slack.calls_to("chat.postMessage") == []
