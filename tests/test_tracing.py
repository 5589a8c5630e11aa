"""Tracing: one trace per event, rooted in the worker (inbox → plan → each tool call → Slack posts), recorded with
the SDK's in-memory exporter; and, in a process of its own (a tracer provider and the instrumentations are global),
the SDK set up as `opsbot run` sets it up, with aiohttp, requests and SQLAlchemy spans in the same trace."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.app import tracing as app_tracing
from bot.app.settings import Settings
from bot.core import spans
from tests.harness import Harness
from tests.test_approval_flow import request_merge

ROOT = Path(__file__).resolve().parents[1]

# A provider of this module's own, handed to bot.core.spans for each test (the global one is never set here)
PROVIDER = TracerProvider()
EXPORTER = InMemorySpanExporter()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))


@pytest.fixture
def recorded() -> Iterator[InMemorySpanExporter]:
    EXPORTER.clear()
    spans.use_provider(PROVIDER)
    yield EXPORTER
    spans.use_provider(None)
    EXPORTER.clear()


def parent_of(span: ReadableSpan, every: Sequence[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next((s for s in every if s.context is not None and s.context.span_id == span.parent.span_id), None)


def root_of(span: ReadableSpan, every: Sequence[ReadableSpan]) -> ReadableSpan:
    while (up := parent_of(span, every)) is not None:
        span = up
    return span


def trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.trace_id)


def named(every: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in every if s.name == name]


async def test_a_merge_is_a_trace_per_event_from_the_inbox_to_the_tool_and_the_slack_posts(
    env: Harness, recorded: InMemorySpanExporter
) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    every = recorded.get_finished_spans()

    # the request: inbox → plan, and the card posted in its trace
    [mention] = named(every, "inbox app_mention")
    assert mention.parent is None
    assert mention.attributes is not None and mention.attributes["opsbot.attempt"] == 1
    assert mention.attributes["opsbot.team"] and mention.attributes["opsbot.event_id"]
    [plan] = named(every, "plan")
    assert parent_of(plan, every) is mention
    [card] = [s for s in named(every, "slack chat.postMessage") if trace_id(s) == trace_id(mention)]
    assert root_of(card, every) is mention

    # the click: its own trace, with the merge and the Slack posts that tell of it
    [tool] = named(every, "tool merge_pull_request")
    click = root_of(tool, every)
    assert click.name == "inbox block_actions" and trace_id(click) != trace_id(mention)
    assert tool.attributes is not None and tool.attributes["opsbot.tool"] == "merge_pull_request"
    posts = [s for s in every if s.name.startswith("slack chat.") and trace_id(s) == trace_id(click)]
    assert {s.name for s in posts} >= {"slack chat.update", "slack chat.postMessage"}
    assert all(root_of(s, every) is click for s in posts)
    assert all(s.status.is_ok for s in (mention, click, tool, *posts))


def test_a_root_span_starts_a_new_trace_linked_to_the_current_span(recorded: InMemorySpanExporter) -> None:
    with (
        spans.span("POST /slack/events") as request,
        spans.root_span("inbox app_mention", {"n": 1, "no": None}),
        spans.span("tool list_pull_requests") as child,
    ):
        assert child.get_span_context().trace_id != request.get_span_context().trace_id
    every = recorded.get_finished_spans()
    [request_span], [inbox], [tool] = (
        named(every, n) for n in ("POST /slack/events", "inbox app_mention", "tool list_pull_requests")
    )
    assert inbox.parent is None and [link.context for link in inbox.links] == [request_span.context]
    assert inbox.attributes == {"n": 1}
    assert parent_of(tool, every) is inbox


def test_a_handled_failure_marks_its_span(recorded: InMemorySpanExporter) -> None:
    with spans.root_span("inbox app_mention") as current:
        spans.record_failure(current, RuntimeError("boom"))
    [done] = recorded.get_finished_spans()
    assert done.status.status_code is trace.StatusCode.ERROR and done.status.description == "RuntimeError"
    assert [e.name for e in done.events] == ["exception"]


def test_without_a_provider_spans_record_nothing() -> None:
    with spans.span("tool x") as current:
        assert not current.is_recording()


# -- set-up: bot.app.tracing ----------------------------------------------------------------------------


def test_no_endpoint_no_tracing() -> None:
    with app_tracing.tracing(Settings(_env_file=None)) as on:
        assert on is False


def test_a_missing_sdk_is_one_warning_and_opsbot_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.app

    monkeypatch.delattr(bot.app, "otel_sdk", raising=False)
    monkeypatch.setitem(sys.modules, "bot.app.otel_sdk", None)  # importing it fails, as without the extra
    with app_tracing.tracing(Settings(_env_file=None, otel_exporter_otlp_endpoint="http://127.0.0.1:4318")) as on:
        assert on is False
    [line] = [r for r in caplog.records if r.name == "bot.app.tracing"]
    assert line.levelno == logging.WARNING and "pip install 'opsbot[otel]'" in line.getMessage()


SDK_TRACE = textwrap.dedent(
    """
    import asyncio, json, sys
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from bot.app import otel_sdk
    from bot.app.settings import Settings

    exporter = InMemorySpanExporter()
    settings = Settings(_env_file=None, otel_exporter_otlp_endpoint="http://127.0.0.1:4318/")
    started = otel_sdk.start(settings, exporter)  # before the engine, the sessions and the app are made

    from aiohttp import ClientSession
    from bot.store.engine import make_engine, upgrade_database
    from tests.harness import Harness

    async def main() -> None:
        url = "sqlite+aiosqlite:///" + sys.argv[1]
        engine = make_engine(url)
        await upgrade_database(engine)
        await engine.dispose()
        async with Harness(url) as env:
            env.github.add_pr("acme/api", 42, title="Fix login", author="octocat", head="fix/login", base="main")
            await env.driver.mention("list prs in acme/api", user="U1", channel="C1")
            await env.settle()
            async with ClientSession() as http:
                for path in ("/healthz", "/livez"):
                    async with http.get(env.url + path) as resp:
                        await resp.read()

    asyncio.run(main())
    started.provider.force_flush()
    spans = [
        {
            "name": s.name,
            "kind": s.kind.name,
            "trace": s.context.trace_id,
            "id": s.context.span_id,
            "parent": s.parent.span_id if s.parent else None,
            "scope": s.instrumentation_scope.name if s.instrumentation_scope else "",
            "path": (s.attributes or {}).get("url.path") or (s.attributes or {}).get("http.target"),
            "service": s.resource.attributes.get("service.name"),
        }
        for s in exporter.get_finished_spans()
    ]
    started.stop()
    print(json.dumps({"endpoint": started.endpoint, "spans": spans}))
    """
)


def test_the_sdk_traces_an_event_through_aiohttp_requests_and_sqlalchemy(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in [k for k in env if k.startswith("OTEL_")]:
        del env[name]
    result = subprocess.run(
        [sys.executable, "-c", SDK_TRACE, str(tmp_path / "opsbot.db")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["endpoint"] == "http://127.0.0.1:4318/v1/traces"
    every = found["spans"]
    assert {s["service"] for s in every} == {"opsbot"}
    by_id = {s["id"]: s for s in every}

    def ancestors(span: dict[str, object]) -> list[str]:
        names = []
        while span["parent"] in by_id:
            span = by_id[span["parent"]]
            names.append(str(span["name"]))
        return names

    [inbox] = [s for s in every if s["name"] == "inbox app_mention"]
    in_trace = [s for s in every if s["trace"] == inbox["trace"]]
    [tool] = [s for s in in_trace if s["name"] == "tool list_pull_requests"]
    assert ancestors(tool)[-1] == "inbox app_mention"
    scopes = {str(s["scope"]).rpartition(".")[2] for s in in_trace}
    assert {"aiohttp_client", "aiohttp_server", "sqlalchemy"} <= scopes, scopes
    # PyGithub's calls (requests) are traced too; they run in a thread of the GitHub gateway's own, which starts
    # without the event's context (integrations/github/daemon_calls.py), so they are traces of their own for now
    assert [s for s in every if s["scope"].endswith("requests") and s["name"] == "POST"]  # list prs: /graphql
    slack = [s for s in in_trace if s["scope"].endswith("aiohttp_client")]
    assert any(s["parent"] in by_id and by_id[s["parent"]]["name"] == "slack chat.postMessage" for s in slack)
    # the bot's own HTTP edge is traced (the Slack request that delivered the event), its probes are not
    served = [s for s in every if s["kind"] == "SERVER" and s["scope"].endswith("aiohttp_server")]
    assert any(s["path"] == "/slack/events" for s in served)
    assert not [s for s in every if s["path"] in ("/healthz", "/livez") and s["kind"] == "SERVER"]
