"""Secrets are never stored or logged: upstream answers that echo the configured secrets (GitHub, Odoo, a model)
and requests that carry them go through the whole app, then every text and JSON column of every table (and, on
SQLite, the database files' raw bytes), the Slack posts, the captured log lines and the access log are scanned."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import cli
from bot.app.wiring import build
from bot.core.log_redaction import SecretFilter, install_log_redaction
from bot.core.redact import MASK
from bot.edges.access_log import web_runner
from bot.sandbox.fakes import odoo_wire
from bot.sandbox.fakes.github import webhooks
from bot.store.models import Base, steps
from tests.approvals_helpers import cards, click, submit_last_modal
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo
from tests.fakes.openai_server import text_response, tool_call_response
from tests.harness import BOT_TOKEN, GITHUB_TOKEN, OPENAI_KEY, SIGNING_SECRET, Harness
from tests.triggers.conftest import sign
from tests.triggers.test_alertmanager import alert, notification

# Secrets shaped like nothing `redact` recognises by pattern: only the configured values can catch them.
ALERT_TOKEN = "am-scan-token-4c1e9a77d2"
HOOK_SECRET = "whsec-scan-secret-8e21b6"
ODOO_KEY = "odoo-scan-key-51f0c3aa9b"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, GITHUB_TOKEN, OPENAI_KEY, ALERT_TOKEN, HOOK_SECRET, ODOO_KEY)
ECHO = f"Bad credentials: you sent {GITHUB_TOKEN} ({SIGNING_SECRET}, {ALERT_TOKEN}, {HOOK_SECRET}, {ODOO_KEY})"
# Any 12 characters of one is a leak too: a message shortened upstream may have cut a secret in two.
FRAGMENTS = {s[i : i + 12] for s in SECRETS for i in range(len(s) - 11)}
TRIGGER_TABLES = {"trigger_threads", "trigger_claims", "digests", "digest_slots", "probe_states"}
ALL_TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture
async def odoo() -> AsyncIterator[FakeOdoo]:
    async with FakeOdoo(ODOO_KEY) as fake:
        yield fake


def harness(db_url: str, odoo: FakeOdoo, tmp_path: Path, **extra: Any) -> Harness:
    rules = tmp_path / "rules.yaml"
    rules.write_text("routes:\n  - name: api\n    when: {source: github, repos: [acme/api]}\n    notify: C1\n")
    return Harness(
        db_url,
        opsbot_alertmanager_token=ALERT_TOKEN,
        github_webhook_secret=HOOK_SECRET,
        opsbot_rules=str(rules),
        odoo_url=odoo.url,
        odoo_database=DATABASE,
        odoo_user=LOGIN,
        odoo_api_key=ODOO_KEY,
        **extra,
    )


async def stored_leaks(env: Harness, tables: set[str] | None = None) -> list[str]:
    """Every `table.column` holding a secret: of these tables, or of all of them and then, on SQLite, the database
    files' bytes too (the WAL included: a value written once and overwritten since would still be there)."""
    assert env.bot is not None
    assert set(env.bot.settings.secret_values()) <= set(SECRETS), "the test must know every secret"
    found: list[str] = []
    async with env.bot.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in (tables or ALL_TABLES):
                continue
            for row in (await conn.execute(select(table))).mappings():
                for column, value in row.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    found += [f"{table.name}.{column}: {text}" for s in FRAGMENTS if s in text]
    if env.db_url.startswith("sqlite") and tables is None:
        path = Path(env.db_url.split(":///", 1)[1])
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                raw = file.read_bytes()
                found += [f"{file.name}: {s}" for s in FRAGMENTS if s.encode() in raw]
    return found


def slack_leaks(env: Harness) -> list[str]:
    return [c.method for c in env.slack.calls for s in FRAGMENTS if s in json.dumps(c.params, default=str)]


async def results(env: Harness) -> list[str]:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        rows = (await conn.execute(select(steps.c.tool, steps.c.result).order_by(steps.c.tool))).all()
    return [f"{tool}: {json.dumps(result)}" for tool, result in rows]


async def test_upstream_errors_and_requests_that_carry_secrets_are_stored_scrubbed(
    db_url: str, odoo: FakeOdoo, tmp_path: Path
) -> None:
    async with harness(db_url, odoo, tmp_path) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
        env.github.add_pr("acme/api", 8, f"Rotate {SIGNING_SECRET} and {GITHUB_TOKEN}", author="ana")
        # a read that fails with GitHub's message echoing the token; one that succeeds with a secret in its data
        env.github.fail_next("POST", r"/graphql$", 403, body={"message": ECHO})
        await env.driver.mention("list prs in acme/api", user="U1")
        await env.driver.mention("show pr 8 in acme/api", user="U1")
        # Odoo refusing a read, in words that echo its key
        odoo.fail_next("account.move", "search_read", odoo_wire.user_error(ECHO))
        await env.driver.mention("erp_overdue_invoices", user="U1")
        await env.settle()
        # a request that carries a secret, approved, whose write fails with an echo (422) ...
        await env.driver.mention(f"create issue in acme/api: Login leaks {ALERT_TOKEN}", user="U1")
        await env.settle()
        env.github.fail_next("POST", r"/issues$", 422, body={"message": ECHO, "errors": [{"message": ECHO}]})
        await click(env, "opsbot.approve", cards(env)[-1], "U2")
        # ... a merge whose answer is a 502 echoing it (outcome unknown) ...
        await env.driver.mention("merge pr 7 in acme/api", user="U1")
        await env.settle()
        env.github.fail_next("PUT", r"/pulls/7/merge$", 502, body={"message": ECHO})
        await click(env, "opsbot.approve", cards(env)[-1], "U2")
        # ... a preview showing a PR title with secrets in it, rejected with a reason that has one too
        await env.driver.mention("merge pr 8 in acme/api", user="U1")
        await env.settle()
        await click(env, "opsbot.reject", cards(env)[-1], "U2")
        await submit_last_modal(env, "U2", {"reason": f"not with {HOOK_SECRET} in the title"})
        # and a request that succeeds: GitHub gets the masked text, never the secret
        await env.driver.mention(f"create issue in acme/api: Rotate {ODOO_KEY}", user="U1")
        await env.settle()
        await click(env, "opsbot.approve", cards(env)[-1], "U2")

        stored = await results(env)
        assert sum(MASK in r for r in stored) >= 5, stored  # the echoes did reach the results, masked
        assert [i.title for i in env.github.issues] == [f"Rotate {MASK}"]
        assert await stored_leaks(env) == []
        assert slack_leaks(env) == []


async def test_the_agents_conversation_is_stored_scrubbed(db_url: str, odoo: FakeOdoo, tmp_path: Path) -> None:
    async with harness(db_url, odoo, tmp_path, model=True) as env:
        assert env.model is not None
        env.github.fail_next("POST", r"/graphql$", 403, body={"message": ECHO})
        env.model.script(
            tool_call_response(("list_pull_requests", {"repo": "acme/api", "state": "open", "limit": 20})),
            # a model that repeats secrets it was never shown (from its training, or a user's paste)
            tool_call_response(
                ("create_issue", {"repo": "acme/api", "title": f"Token {HOOK_SECRET}", "body": None}),
                content=f"I will file {ALERT_TOKEN}.",
            ),
            text_response(f"Done; the token was {SIGNING_SECRET}."),
        )
        await env.driver.mention(f"list the PRs of acme/api, my key is {ODOO_KEY}", user="U1")
        await env.settle()
        await click(env, "opsbot.approve", cards(env)[-1], "U2")
        env.model.assert_script_consumed()
        assert ODOO_KEY not in env.model.all_text_sent()
        assert [i.title for i in env.github.issues] == [f"Token {MASK}"]
        assert await stored_leaks(env) == []
        assert slack_leaks(env) == []


async def send_pr_webhook(env: Harness, title: str, delivery: str) -> int:
    hook = webhooks.pull_request(title=title)
    raw = json.dumps(hook.payload).encode()
    signed = {
        "X-GitHub-Event": hook.event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(HOOK_SECRET, raw),
    }
    return await post(f"{env.url}/webhooks/github", raw, signed)


async def test_webhook_and_alert_payloads_are_stored_scrubbed(db_url: str, odoo: FakeOdoo, tmp_path: Path) -> None:
    async with harness(db_url, odoo, tmp_path) as env:
        assert await send_pr_webhook(env, f"Leak {ALERT_TOKEN} and {GITHUB_TOKEN}", "d-1") == 202
        firing = alert("a1")
        firing["annotations"]["summary"] = f"saw {HOOK_SECRET}"
        bearer = {"Authorization": f"Bearer {ALERT_TOKEN}"}
        assert (
            await post(
                f"{env.url}/webhooks/alertmanager", json.dumps(notification("firing", [firing])).encode(), bearer
            )
            == 202
        )
        await env.settle()
        assert await stored_leaks(env, ALL_TABLES - TRIGGER_TABLES) == []


async def test_trigger_rows_are_stored_scrubbed(db_url: str, odoo: FakeOdoo, tmp_path: Path) -> None:
    async with harness(db_url, odoo, tmp_path) as env:
        assert await send_pr_webhook(env, f"Leak {ALERT_TOKEN}", "d-2") == 202
        await env.settle()
        assert await stored_leaks(env, TRIGGER_TABLES) == []


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    sent = {"Content-Type": "application/json", **headers}
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=sent) as resp:
        return resp.status


@pytest.fixture
def redacted_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The log redaction `opsbot` installs at start, on the handlers there are (caplog's among them)."""
    caplog.set_level(logging.DEBUG)
    installed = install_log_redaction(SECRETS)
    yield caplog
    installed.remove()


def log_leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [caplog.text, *(r.getMessage() for r in caplog.records)]
    return [line for line in lines for s in FRAGMENTS if s in line]


async def test_log_lines_never_show_a_secret(
    db_url: str, odoo: FakeOdoo, tmp_path: Path, redacted_logs: pytest.LogCaptureFixture
) -> None:
    async with harness(db_url, odoo, tmp_path) as env:
        # a token in a query string: aiohttp's default access line (`%r`, which the harness may use) would show it
        assert await post(f"{env.url}/webhooks/alertmanager?token={ALERT_TOKEN}", b"{}", {}) == 401
        odoo.fail_next("account.move", "search_read", odoo_wire.user_error(ECHO))
        await env.driver.mention("erp_overdue_invoices", user="U1")
        await env.settle()
        log = logging.getLogger("opsbot.test")
        log.warning("GitHub said %s", ECHO)  # an upstream message, as a log line and as an exception's
        try:
            raise RuntimeError(ECHO)
        except RuntimeError:
            log.exception("a crash")
    ours = [r for r in redacted_logs.records if r.name == "opsbot.test"]
    assert [r.getMessage().count(MASK) for r in ours] == [5, 0]
    assert (
        "Traceback" in redacted_logs.text
        and f"RuntimeError: Bad credentials: you sent {MASK} ({MASK}" in redacted_logs.text
    )
    access = [r.getMessage() for r in redacted_logs.records if r.name == "aiohttp.access"]
    assert any("/webhooks/alertmanager" in line for line in access)
    assert log_leaks(redacted_logs) == []


async def test_the_access_log_shows_the_path_without_the_query(
    db_url: str, odoo: FakeOdoo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with harness(db_url, odoo, tmp_path) as env:
        served = await build(env.settings(), clock=env.clock, migrate=False)  # served as `opsbot run` serves it
        runner: web.AppRunner = web_runner(served.web)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            url = f"http://127.0.0.1:{port}/webhooks/alertmanager?token={ALERT_TOKEN}&x=1"
            assert await post(url, b"{}", {}) == 401
        finally:
            await runner.cleanup()
            await served.close()
    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    [line] = [m for m in access if "/webhooks/alertmanager" in m]  # (the fakes serve with their own runners)
    assert '"POST /webhooks/alertmanager" 401' in line
    assert "?" not in line and "token" not in line and ALERT_TOKEN not in line


def test_opsbot_installs_the_log_redaction_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("OPSBOT_ALERTMANAGER_TOKEN", ALERT_TOKEN)

    async def dispatch(args: object, settings: object) -> int:
        logging.getLogger("opsbot.test").warning("the alert token is %s", ALERT_TOKEN)
        return 0

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    try:
        assert cli.main(["check"]) == 0
    finally:
        for handler in logging.getLogger().handlers:
            for found in [f for f in handler.filters if isinstance(f, SecretFilter)]:
                handler.removeFilter(found)
    assert [r.getMessage() for r in caplog.records if r.name == "opsbot.test"] == [f"the alert token is {MASK}"]
