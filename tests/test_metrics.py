"""GET /metrics: Prometheus text that prometheus_client's own parser reads, every metric with help text, histograms
among them; each kind of event moves its labelled counter and histogram; the database gauges are read at scrape
time and a database error never fails the scrape. The alert rules and the Grafana dashboard (deploy/) use only
metrics that /metrics shows."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from bot.core import metrics
from tests.approvals_helpers import cards, click
from tests.harness import Harness

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "opsbot-dashboard.json"
METRIC_NAME = re.compile(r"\b(?:opsbot|process|python)_[a-z0-9_]+\b")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape_text(env: Harness) -> tuple[str, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{env.url}/metrics") as resp:
        assert resp.status == 200
        return resp.headers["Content-Type"], await resp.text()


def families(text: str) -> list[Metric]:
    return list(text_string_to_metric_families(text))


async def samples(env: Harness) -> Samples:
    _, text = await scrape_text(env)
    return {(s.name, frozenset(s.labels.items())): s.value for f in families(text) for s in f.samples}


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def moved(before: Samples, after: Samples) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The opsbot series that changed between two scrapes (counters and histograms only move up)."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if key[0].startswith("opsbot_") and after[key] != before.get(key, 0.0) and not math.isnan(after[key])
    }


async def test_every_metric_has_help_text_and_histograms_are_shown(env: Harness) -> None:
    content_type, text = await scrape_text(env)
    assert content_type.startswith("text/plain") and "version=" in content_type
    found = families(text)
    assert [f.name for f in found if not f.documentation.strip()] == []
    names = {f.name for f in found}
    for family in (
        "opsbot_slack_requests", "opsbot_slack_ack_duration_seconds", "opsbot_webhooks", "opsbot_http_responses",
        "opsbot_inbox_events", "opsbot_inbox_handled", "opsbot_tool_calls", "opsbot_tool_duration_seconds",
        "opsbot_approvals", "opsbot_approvals_requested", "opsbot_approval_decision_seconds",
        "opsbot_model_request_duration_seconds", "opsbot_model_tokens", "opsbot_approvals_pending",
        "opsbot_inbox_backlog", "opsbot_inbox_oldest_pending_age_seconds", "opsbot_leases_held",
        "opsbot_db_pings", "process_cpu_seconds", "python_gc_collections", "python_info",
    ):  # fmt: skip
        assert family in names, family
    histograms = [f for f in found if f.type == "histogram"]
    assert {f.name for f in histograms} >= {"opsbot_slack_ack_duration_seconds", "opsbot_tool_duration_seconds"}
    for histogram in histograms:
        assert any(s.name.endswith("_bucket") and s.labels.get("le") == "+Inf" for s in histogram.samples)
    # every label value known in advance is listed before its first event (at 0 in a new process; this one is
    # shared by the tests), each tool of the registry too
    listed = {(s.name, frozenset(s.labels.items())) for f in found for s in f.samples}
    for name, labels in (
        ("opsbot_slack_requests_total", {"surface": "options", "outcome": "failed"}),
        ("opsbot_tool_calls_total", {"tool": "merge_pull_request", "outcome": "cancelled"}),
        ("opsbot_http_responses_total", {"route": "/webhooks/alertmanager", "status_class": "5xx"}),
        ("opsbot_approvals_total", {"decision": "superseded"}),
    ):
        assert (name, frozenset(labels.items())) in listed, (name, labels)


async def test_a_read_by_mention_moves_the_request_inbox_and_tool_series(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, title="Add health endpoint", author="ana")
    before = await samples(env)
    assert (await env.driver.mention("list prs in acme/api", user="U1", channel="C1")).status == 200
    await env.settle()
    after = await samples(env)
    change = moved(before, after)
    event, mention, tool = {"surface": "event"}, {"source": "slack.mention"}, {"tool": "list_pull_requests"}
    assert change[("opsbot_slack_requests_total", frozenset({**event, "outcome": "accepted"}.items()))] == 1
    assert change[("opsbot_slack_ack_duration_seconds_count", frozenset(event.items()))] == 1
    assert change[("opsbot_slack_ack_duration_seconds_bucket", frozenset({**event, "le": "+Inf"}.items()))] == 1
    assert change[("opsbot_inbox_events_total", frozenset({**mention, "outcome": "accepted"}.items()))] == 1
    assert change[("opsbot_inbox_handled_total", frozenset({**mention, "outcome": "ok"}.items()))] == 1
    assert change[("opsbot_tool_calls_total", frozenset({**tool, "outcome": "ok"}.items()))] == 1
    assert change[("opsbot_tool_duration_seconds_count", frozenset(tool.items()))] == 1
    assert change[("opsbot_tool_duration_seconds_sum", frozenset(tool.items()))] > 0
    slack_2xx = ("opsbot_http_responses_total", frozenset({"route": "/slack/events", "status_class": "2xx"}.items()))
    assert change[slack_2xx] == 1
    # the first scrape's own answer is counted too, once it was sent
    assert change[("opsbot_http_responses_total", frozenset({"route": "/metrics", "status_class": "2xx"}.items()))]


async def test_each_answer_of_the_slack_edge_is_counted_under_its_surface_and_outcome(env: Harness) -> None:
    before = await samples(env)
    body = json.dumps({"type": "event_callback"})
    forged = {**env.driver.signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await env.driver.post(body, forged)).status == 401
    assert (await env.driver.post("{not json", env.driver.signed_headers("{not json"))).status == 200
    assert (await env.driver.command("help", command="/elsewhere")).status == 200  # not opsbot's command
    assert (await env.driver.command("help")).status == 200
    await env.settle()
    change = moved(before, await samples(env))
    requests = {
        f"{labels['surface']}/{labels['outcome']}": delta
        for (name, series), delta in change.items()
        if name == "opsbot_slack_requests_total" and (labels := dict(series))
    }
    assert requests == {"unknown/rejected": 1, "unknown/malformed": 1, "command/unhandled": 1, "command/accepted": 1}
    assert change[("opsbot_slack_ack_duration_seconds_count", frozenset({"surface": "command"}.items()))] == 2
    slack_4xx = ("opsbot_http_responses_total", frozenset({"route": "/slack/events", "status_class": "4xx"}.items()))
    assert change[slack_4xx] == 1


async def test_an_event_that_cannot_be_stored_is_a_counted_5xx(env: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.bot is not None

    async def down(*_args: Any, **_kwargs: Any) -> int | None:
        raise ConnectionError("the database went away")

    before = await samples(env)
    monkeypatch.setattr(env.bot.repo, "accept", down)
    assert (await env.driver.mention("list prs in acme/api")).status == 503
    monkeypatch.undo()
    change = moved(before, await samples(env))
    slack_5xx = ("opsbot_http_responses_total", frozenset({"route": "/slack/events", "status_class": "5xx"}.items()))
    assert change[slack_5xx] == 1
    assert change[("opsbot_slack_requests_total", frozenset({"surface": "event", "outcome": "failed"}.items()))] == 1


async def test_approvals_are_counted_by_decision_with_the_wait_from_the_card(env: Harness) -> None:
    assert env.bot is not None
    env.github.add_pr("acme/api", 42, title="Fix login redirect", author="octocat")
    env.github.add_pr("acme/api", 43, title="Bump deps", author="octocat")
    before = await samples(env)
    await env.driver.mention("merge pr 42 in acme/api", user="U1")
    await env.driver.mention("merge pr 43 in acme/api", user="U1")
    await env.settle()
    waiting = await samples(env)
    assert value(waiting, "opsbot_approvals_pending") == 2
    assert moved(before, waiting)[("opsbot_approvals_requested_total", frozenset())] == 2

    env.clock.advance(90)
    first, _second = cards(env)
    await click(env, "opsbot.approve", first, "U2")
    env.clock.advance(24 * 3600)  # past every default deadline: the timers expire the other request
    await env.bot.timers.tick()
    after = await samples(env)
    change = moved(waiting, after)
    assert value(after, "opsbot_approvals_pending") == 0
    for decision in ("approved", "expired"):
        assert change[("opsbot_approvals_total", frozenset({"decision": decision}.items()))] == 1
        assert change[("opsbot_approval_decision_seconds_count", frozenset({"decision": decision}.items()))] == 1
    approved = frozenset({"decision": "approved"}.items())
    # the fake clock's wait, to the second (a difference of two sums other tests in this process added to: approx)
    assert change[("opsbot_approval_decision_seconds_sum", approved)] == pytest.approx(90)
    bucket = frozenset({"decision": "approved", "le": "60.0"}.items())
    assert ("opsbot_approval_decision_seconds_bucket", bucket) not in change  # 90 s is not within 60 s
    merge_ok = frozenset({"tool": "merge_pull_request", "outcome": "ok"}.items())
    assert change[("opsbot_tool_calls_total", merge_ok)] == 1


async def test_backlog_oldest_pending_and_leases_are_read_from_the_database(env: Harness) -> None:
    assert env.bot is not None
    await env.stop_bot()
    bot = await env.start_bot(paused=True)  # events are stored and left pending
    await env.driver.mention("list prs in acme/api")
    env.clock.advance(75)
    found = await samples(env)
    assert value(found, "opsbot_inbox_backlog", status="pending") == 1
    assert value(found, "opsbot_inbox_backlog", status="processing") == 0
    assert value(found, "opsbot_inbox_oldest_pending_age_seconds") == 75
    assert value(found, "opsbot_leases_held", kind="inbox") == 0

    [inbox_id] = await bot.repo.claimable_ids(env.clock.now())
    now = env.clock.now()
    assert await bot.repo.claim(inbox_id, "another-replica", now, now + bot.worker.lease) is not None
    found = await samples(env)
    assert value(found, "opsbot_inbox_backlog", status="processing") == 1
    assert value(found, "opsbot_leases_held", kind="inbox") == 1
    assert value(found, "opsbot_inbox_oldest_pending_age_seconds") == 0  # claimed: no longer waiting

    env.clock.advance(bot.worker.lease.total_seconds() + 1)  # that replica died: its lease ran out
    found = await samples(env)
    assert value(found, "opsbot_leases_held", kind="inbox") == 0
    assert value(found, "opsbot_inbox_oldest_pending_age_seconds") == 75 + bot.worker.lease.total_seconds() + 1


async def test_a_database_error_never_fails_the_scrape(env: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.bot is not None

    async def down(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("the database went away")

    before = await samples(env)
    monkeypatch.setattr(env.bot.repo.db, "read", down)
    found = await samples(env)
    assert math.isnan(value(found, "opsbot_approvals_pending"))
    assert math.isnan(value(found, "opsbot_inbox_oldest_pending_age_seconds"))
    failures = "opsbot_metrics_database_failures_total"
    assert value(found, failures) == value(before, failures) + 1
    monkeypatch.undo()
    assert value(await samples(env), "opsbot_approvals_pending") == 0  # read again at the next scrape


async def test_a_model_call_records_its_latency_and_tokens(db_url: str) -> None:
    from tests.fakes.openai_payloads import usage
    from tests.fakes.openai_server import text_response, tool_call_response

    async with Harness(db_url, model=True) as env:
        assert env.model is not None
        env.model.script(
            tool_call_response(("list_pull_requests", {"repo": "acme/api"}), usage=usage(300, 20)),
            text_response("Nothing is open.", usage=usage(400, 6)),
        )
        before = await samples(env)
        await env.driver.mention("what is open in acme/api?", user="U1")
        await env.settle()
        change = moved(before, await samples(env))
        env.model.assert_script_consumed()
    assert change[("opsbot_model_request_duration_seconds_count", frozenset({"outcome": "ok"}.items()))] == 2
    assert change[("opsbot_model_tokens_sum", frozenset({"kind": "prompt"}.items()))] == 700
    assert change[("opsbot_model_tokens_sum", frozenset({"kind": "completion"}.items()))] == 26
    assert change[("opsbot_model_tokens_count", frozenset({"kind": "prompt"}.items()))] == 2


async def test_a_failed_scrape_of_the_gauges_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def down() -> metrics.Backlog:
        raise TimeoutError("no answer")

    text = (await metrics.scrape(down)).decode()
    assert "# HELP opsbot_approvals_pending" in text and "opsbot_approvals_pending NaN" in text
    assert "could not read the database gauges" in caplog.text


def exposed(found: Samples) -> set[str]:
    return {name for name, _ in found}


def names_in(expr: str) -> set[str]:
    return set(METRIC_NAME.findall(expr))


async def test_every_alert_rule_uses_metrics_that_metrics_shows(env: Harness) -> None:
    shown = exposed(await samples(env))
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    alerts = {rule["alert"] for rule in rules}
    assert len(alerts) == len(rules)  # no name twice
    assert {"OpsbotInboxBacklogGrowing", "OpsbotOldestPendingEvent", "OpsbotHTTP5xx"} <= alerts
    assert "OpsbotApprovalsExpiringUnanswered" in alerts
    for rule in rules:
        used = names_in(rule["expr"])
        assert used, rule["alert"]
        assert used <= shown, (rule["alert"], used - shown)
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]


async def test_every_dashboard_panel_queries_metrics_that_metrics_shows(env: Harness) -> None:
    shown = exposed(await samples(env))
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert board["schemaVersion"] >= 36 and board["uid"] and board["title"]
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    assert len(panels) >= 6
    titles = " ".join(p["title"].lower() for p in panels)
    for topic in ("requests", "ack latency", "tool calls", "tool latency", "approvals", "backlog", "tokens"):
        assert topic in titles, topic
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = names_in(target["expr"])
            assert used and used <= shown, (panel["title"], used - shown)
            assert target["datasource"]["uid"] == "${datasource}"


async def test_the_readme_lists_every_opsbot_metric(env: Harness) -> None:
    _, text = await scrape_text(env)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`(opsbot_[a-z0-9_]+)`", readme))
    shown = {f.name + ("_total" if f.type == "counter" else "") for f in families(text) if f.name.startswith("opsbot_")}
    assert shown - listed == set()
