"""The HTTP edge: signatures first, every subscribed event answered 200, each event stored and handled once."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from bot.store.models import inbox
from tests.harness import Harness


async def inbox_count(env: Harness) -> int:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(inbox))).scalar_one())


def mention_body(env: Harness, text: str = "help") -> str:
    return json.dumps(
        {
            "token": "verification-token",
            "team_id": "T111",
            "api_app_id": "A111",
            "event": {
                "type": "app_mention",
                "user": "U1",
                "text": f"<@W111> {text}",
                "ts": "1.1",
                "channel": "C1",
            },
            "type": "event_callback",
            "event_id": "Ev-forged",
            "event_time": 1,
        }
    )


async def test_forged_stale_missing_and_non_numeric_signatures_get_401_and_store_nothing(
    env: Harness,
) -> None:
    body = mention_body(env)
    now = int(env.clock.now().timestamp())
    good = env.driver.signed_headers(body)
    cases = [
        {**good, "X-Slack-Signature": "v0=" + "0" * 64},  # forged
        env.driver.signed_headers(body, timestamp=now - 301),  # stale
        {**good, "X-Slack-Request-Timestamp": "not-a-number"},  # non-numeric
        {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},  # missing
        {k: v for k, v in good.items() if k != "X-Slack-Signature"},
    ]
    for headers in cases:
        resp = await env.driver.post(body, headers)
        assert resp.status == 401, headers
    tampered = await env.driver.post(body.replace("help", "merge pr 1 in acme/api"), good)
    assert tampered.status == 401
    assert await inbox_count(env) == 0
    assert env.slack.calls_to("chat.postMessage") == []


async def test_url_verification_is_answered(env: Harness) -> None:
    resp = await env.driver.url_verification("opsbot-challenge-7f3a91c2")
    assert resp.status == 200
    assert "opsbot-challenge-7f3a91c2" in resp.text


async def test_subscribed_and_unknown_events_without_handlers_get_200(env: Harness) -> None:
    for event in (
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U1",
            "text": "hi",
            "ts": "5.5",
            "channel": "C1",
        },
        {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
        {"type": "some_future_event", "user": "U1"},
    ):
        resp = await env.driver.event(event)
        assert resp.status == 200, event
    await env.settle()
    assert env.slack.calls_to("chat.postMessage") == []


async def test_same_event_three_times_with_retry_headers_gives_one_reply(env: Harness) -> None:
    first = await env.driver.mention("list prs in acme/api", user="U1")
    for n in (1, 2):
        again = await env.driver.event(first.payload, retry_num=n, retry_reason="http_timeout")
        assert again.status == 200
    await env.settle()
    replies = env.slack.calls_to("chat.postMessage")
    assert len(replies) == 1
    assert replies[0].params["thread_ts"] == first.payload["event"]["ts"]
    assert await inbox_count(env) == 1


async def test_an_event_first_seen_as_a_retry_is_processed(env: Harness) -> None:
    resp = await env.driver.mention("help", retry_num=1, retry_reason="http_timeout")
    assert resp.status == 200
    await env.settle()
    [reply] = env.slack.calls_to("chat.postMessage")
    assert "merge_pull_request" in json.dumps(reply.params["blocks"])


async def test_concurrent_duplicate_deliveries_are_handled_once(env: Harness) -> None:
    first = await env.driver.mention("list prs in acme/api")
    await asyncio.gather(*(env.driver.event(first.payload, retry_num=1) for _ in range(5)))
    await env.settle()
    assert len(env.slack.calls_to("chat.postMessage")) == 1


async def test_bot_messages_are_ignored(env: Harness) -> None:
    for event in (
        {
            "type": "message",
            "channel_type": "im",
            "bot_id": "B111",
            "text": "list prs in acme/api",
            "ts": "7.1",
            "channel": "D1",
            "user": "W111",
        },
        {
            "type": "message",
            "channel_type": "im",
            "bot_id": "B999",
            "text": "list prs in acme/api",
            "ts": "7.2",
            "channel": "D1",
        },
        {
            "type": "message",
            "channel_type": "im",
            "subtype": "bot_message",
            "username": "ci",
            "text": "help",
            "ts": "7.3",
            "channel": "D1",
        },
    ):
        assert (await env.driver.event(event)).status == 200
    await env.settle()
    assert await inbox_count(env) == 0
    assert env.slack.calls_to("chat.postMessage") == []


async def test_malformed_bodies_get_a_clear_non_500_answer(env: Harness) -> None:
    for body, ctype, status in (
        ("{not json", "application/json", 200),  # the Events API retries anything but a 2xx
        ("[1, 2, 3]", "application/json", 200),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded", 400),  # interactivity is never retried
        ("payload=%5B1%5D", "application/x-www-form-urlencoded", 400),
    ):
        resp = await env.driver.post(body, env.driver.signed_headers(body, content_type=ctype))
        assert resp.status == status, (body, resp.status)
    assert await inbox_count(env) == 0


async def test_healthz_and_metrics(env: Harness) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{env.url}/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["ok"] is True
        async with session.get(f"{env.url}/metrics") as resp:
            assert resp.status == 200 and "opsbot_" in await resp.text()


async def test_a_refusal_for_someone_outside_the_channel_arrives_as_a_direct_message(env: Harness) -> None:
    """chat.postEphemeral fails for a user who is not in the channel: the reason still reaches them, privately."""
    from tests.approvals_helpers import cards, click

    env.github.add_pr("acme/api", 3, "Tiny fix", author="ana")
    await env.driver.mention("merge pr 3 in acme/api", user="U1")
    await env.settle()
    await click(env, "opsbot.approve", cards(env)[0], "U77")  # not a member of C1
    dms = [c.params for c in env.slack.calls_to("chat.postMessage") if c.params.get("channel") == "U77"]
    assert len(dms) == 1 and "can decide" in dms[0]["text"]
    assert env.github.merges == []
