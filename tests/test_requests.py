"""Requests in Slack's words: help, reads answered in a thread, typos, GitHub errors, reactions, restarts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from bot.store.models import inbox, runs
from tests.harness import Harness


def blocks_text(call_params: dict[str, Any]) -> str:
    return json.dumps(call_params.get("blocks", [])) + str(call_params.get("text", ""))


async def test_ops_help_lists_every_tool_with_risk_and_example(env: Harness) -> None:
    await env.driver.command("help", user="U1", channel="C1")
    await env.settle()
    [eph] = env.slack.calls_to("response_url")
    text = blocks_text(eph.params)
    assert env.bot is not None
    for name in ("list_pull_requests", "merge_pull_request", "create_issue", "dispatch_workflow"):
        assert name in text
    assert "dangerous" in text and "read" in text and "command grammar" in text


async def test_list_prs_by_command_mention_and_dm(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, title="Add health endpoint", author="ana", head="feat/health", base="main")
    await env.driver.command("list prs acme/api", user="U1", channel="C1")
    mention = await env.driver.mention("list prs in acme/api", user="U1", channel="C1")
    dm = await env.driver.dm("list prs in acme/api", user="U1", channel="D1")
    await env.settle()
    posts = env.slack.calls_to("chat.postMessage")
    assert len(posts) == 3
    for post in posts:
        assert "#7" in blocks_text(post.params) and "Add health endpoint" in blocks_text(post.params)
    threads = {p.params.get("thread_ts") for p in posts}
    assert mention.payload["event"]["ts"] in threads and dm.payload["event"]["ts"] in threads


async def test_default_repository_of_the_channel_is_used(env: Harness) -> None:
    env.github.add_pr("acme/api", 8, title="Bump deps", author="dependabot", head="deps", base="main")
    await env.driver.mention("list prs", channel="C1")
    await env.settle()
    assert "Bump deps" in blocks_text(env.slack.calls_to("chat.postMessage")[0].params)


async def test_missing_repository_is_asked_for(env: Harness) -> None:
    await env.driver.mention("list prs", channel="C2")
    await env.settle()
    said = blocks_text(env.slack.calls_to("chat.postMessage")[0].params)
    assert "Which repository?" in said and '"value": "list prs in acme/api"' in said  # a button per known one


async def test_typo_gets_did_you_mean_and_help_line(env: Harness) -> None:
    await env.driver.mention("mrege pr 42 in acme/api")
    await env.driver.command("lst prs")
    await env.settle()
    [post] = env.slack.calls_to("chat.postMessage")
    assert "`merge pr 42 in acme/api`" in blocks_text(post.params) and "/ops help" in blocks_text(post.params)
    [eph] = env.slack.calls_to("response_url")
    assert "`list prs`" in blocks_text(eph.params)


async def test_invalid_arguments_name_the_problem(env: Harness) -> None:
    await env.driver.command("merge_pull_request repo=acme/api number=abc colour=red")
    await env.settle()
    text = blocks_text(env.slack.calls_to("response_url")[0].params)
    assert "`number`" in text and "`colour` is not an argument" in text


async def test_github_404_suggests_the_right_repository(env: Harness) -> None:
    env.github.add_repo("acme/web-app")
    await env.driver.mention("list prs in acme/webapp")
    await env.settle()
    text = blocks_text(env.slack.calls_to("chat.postMessage")[0].params)
    assert "not found" in text.lower() and "acme/web-app" in text
    assert "Traceback" not in text


async def approve_first_card(env: Harness, *, approver: str = "U2") -> None:
    card = env.slack.calls_to("chat.postMessage")[-1]
    approval_id = next(e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    await env.driver.click(
        "opsbot.approve", approval_id, as_user=approver, channel="C1", message_ts=card.response["ts"]
    )
    await env.settle()


async def test_github_403_gets_a_clear_reply(env: Harness) -> None:
    env.github.fail_next(
        "POST", r"/repos/acme/api/issues$", 403, body={"message": "Resource not accessible by integration"}
    )
    await env.driver.mention("create issue in acme/api: Broken login", user="U1")
    await env.settle()
    await approve_first_card(env)
    reply = blocks_text(env.slack.calls_to("chat.postMessage")[-1].params)
    assert "may not create an issue in acme/api" in reply and "Resource not accessible" in reply
    assert env.github.issues == []


async def test_github_422_gets_the_validation_message(env: Harness) -> None:
    env.github.fail_next(
        "POST",
        r"/repos/acme/api/issues$",
        422,
        body={
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "custom", "field": "title", "message": "title is too long"}],
        },
    )
    await env.driver.mention("create issue in acme/api: Broken login", user="U1")
    await env.settle()
    await approve_first_card(env)
    reply = blocks_text(env.slack.calls_to("chat.postMessage")[-1].params)
    assert "title is too long" in reply and "Traceback" not in reply


async def test_rate_limit_is_waited_out_with_the_injected_clock(env: Harness) -> None:
    env.github.add_pr("acme/api", 9, title="Docs", author="ana", head="docs", base="main")
    env.github.rate_limit_next("POST", r"/graphql$", retry_after=5)
    await env.driver.mention("list prs in acme/api")
    await env.settle()
    assert 5 in [round(s) for s in env.clock.slept]
    assert "Docs" in blocks_text(env.slack.calls_to("chat.postMessage")[0].params)


async def test_ticket_reaction_proposes_an_issue_through_approval(env: Harness) -> None:
    ts = env.slack.add_message("C1", "The login page returns 500 for SSO users", user="U5")
    await env.driver.react("ticket", user="U1", channel="C1", item_ts=ts, item_user="U5")
    await env.driver.react("thumbsup", user="U1", channel="C1", item_ts=ts, item_user="U5")
    await env.settle()
    [card] = env.slack.calls_to("chat.postMessage")
    assert card.params["thread_ts"] == ts
    assert "The login page returns 500" in blocks_text(card.params)
    approval_id = next(e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=card.response["ts"])
    await env.settle()
    [issue] = env.github.issues
    assert issue.title.startswith("The login page returns 500")
    # the body links the message (chat.getPermalink) instead of naming raw channel, ts and user ids
    link = f"https://t111.slack.com/archives/C1/p{ts.replace('.', '')}"
    body = issue.body or ""
    assert f"[a message in Slack]({link})" in body and "U1" not in body and ts not in body
    assert "by a person in the channel" in body  # U1 is nobody the directory knows


async def test_an_issue_from_a_ticket_reaction_names_who_flagged_it_without_mentioning_anyone_on_github(
    env: Harness,
) -> None:
    env.slack.add_person("U1", "ana", display_name="Ana @octocat Lima")  # no GitHub mention out of a Slack name
    issue = await ticket_and_approve(env, "Checkout times out after 30 s")
    assert "flagged with :ticket: by Ana octocat Lima._" in (issue.body or "")


async def ticket_and_approve(env: Harness, message: str) -> Any:
    """U1 flags U5's `message` (as Slack stores it) with :ticket:, U2 approves the card: the issue made."""
    ts = env.slack.add_message("C1", message, user="U5")
    await env.driver.react("ticket", user="U1", channel="C1", item_ts=ts, item_user="U5")
    await env.settle()
    [card] = env.slack.calls_to("chat.postMessage")
    approval_id = next(e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=card.response["ts"])
    await env.settle()
    [issue] = env.github.issues
    return issue


async def test_ticket_reaction_without_default_repository_explains(env: Harness) -> None:
    ts = env.slack.add_message("C2", "Something broke", user="U5")
    await env.driver.react("ticket", user="U1", channel="C2", item_ts=ts)
    await env.settle()
    assert "no default repository" in blocks_text(env.slack.calls_to("chat.postMessage")[0].params)


async def test_crash_after_ack_is_processed_after_restart_once(env: Harness) -> None:
    await env.stop_bot()
    await env.start_bot(paused=True)  # this process acks but its worker "dies" before working
    resp = await env.driver.mention("help", user="U1")
    assert resp.status == 200
    assert env.slack.calls_to("chat.postMessage") == []
    await env.restart()  # the next process sweeps the inbox at start
    await env.settle()
    await env.restart()  # and a further restart does not redo it
    await env.settle()
    assert len(env.slack.calls_to("chat.postMessage")) == 1
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        assert (await conn.execute(select(inbox.c.status))).scalar_one() == "done"


async def test_5xx_on_create_issue_does_not_create_two_issues(env: Harness) -> None:
    env.github.fail_next("POST", r"/repos/acme/api/issues$", 502, apply=True)
    await env.driver.mention("create issue in acme/api: Flaky deploy", user="U1")
    await env.settle()
    [card] = env.slack.calls_to("chat.postMessage")
    approval_id = next(e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=card.response["ts"])
    await env.settle()
    assert len(env.github.issues) == 1
    assert len([r for r in env.github.requests if r.method == "POST" and r.path.endswith("/issues")]) == 1
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        assert (await conn.execute(select(runs.c.status))).scalar_one() == "succeeded"


async def test_no_secret_reaches_slack_or_the_audit_log(env: Harness) -> None:
    from tests.harness import BOT_TOKEN, GITHUB_TOKEN, SIGNING_SECRET

    await env.driver.mention(f"create issue in acme/api: leaked {GITHUB_TOKEN}", user="U1")
    await env.settle()
    assert env.bot is not None
    everything = json.dumps([c.params for c in env.slack.calls]) + json.dumps(
        [asdict(r) for r in await env.bot.audit.rows()], default=str
    )
    for secret in (BOT_TOKEN, GITHUB_TOKEN, SIGNING_SECRET):
        assert secret not in everything


async def test_an_issue_from_a_ticket_reaction_has_the_text_as_typed_not_slacks_entities(env: Harness) -> None:
    issue = await ticket_and_approve(env, "p95 &gt; 2 s on /login &amp; /logout")  # as Slack stores it
    assert issue.title == "p95 > 2 s on /login & /logout"
