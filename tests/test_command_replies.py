"""A slash command is answered through its response_url (issue 16: response_url posts go through the outbox; issue
17: replies that work in every channel): in a private channel or a DM opsbot is not in, the person still gets the
answer; a response_url Slack refuses (expired, used up) falls back to chat.postEphemeral; one that is not Slack's is
never called; Slack's 5xx and 429 on it are retried and the answer arrives once."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from bot.sandbox.fakes.slack_driver import SlackDriver
from bot.sandbox.fakes.slack_hooks import HOOK_USES, hook_path, hook_user
from integrations.slack import hook_of
from integrations.slack_retry import DeliveryConfig
from tests.harness import SIGNING_SECRET, Harness
from tests.test_approval_flow import request_merge
from tests.test_cli import free_port

HELP = "Here is what I can do."


def quick(env: Harness) -> None:
    assert env.bot is not None
    env.bot.chat.outbox.config = DeliveryConfig(backoff_base=0.02, backoff_cap=0.2, pace_per_second=0)


@pytest.mark.parametrize("channel", ["G7", "D7"])  # a private channel, a DM between two people
async def test_a_command_where_opsbot_is_not_a_member_is_answered(env: Harness, channel: str) -> None:
    env.slack.set_outside(channel)
    await env.driver.command("help", user="U1", channel=channel)
    await env.settle()
    [answer] = env.slack.ephemerals("U1")
    assert answer["channel"] == channel and answer["text"] == HELP
    [call] = env.slack.calls_to("response_url")
    assert call.params["response_type"] == "ephemeral" and call.params["replace_original"] is False
    assert hook_user(call.params["path"]) == "U1"
    assert not env.slack.calls_to("chat.postEphemeral") and not env.slack.calls_to("chat.postMessage")


@pytest.mark.parametrize("error", ["expired_url", "used_url"])
async def test_a_refused_response_url_falls_back_to_an_ephemeral(env: Harness, error: str) -> None:
    env.slack.fail_next("response_url", status=404, error=error)
    await env.driver.command("help", user="U1", channel="C1")
    await env.settle()
    [answer] = env.slack.ephemerals("U1")
    assert answer["text"] == HELP
    assert [c.status for c in env.slack.calls_to("response_url")] == [404]
    assert len(env.slack.calls_to("chat.postEphemeral")) == 1


async def test_slack_failing_on_the_response_url_delays_the_answer_but_it_arrives_once(env: Harness) -> None:
    quick(env)
    env.slack.fail_next("response_url", status=500)
    env.slack.fail_next("response_url", status=429, retry_after=1)
    await env.driver.command("help", user="U1", channel="C1")
    await env.settle()
    assert [c.status for c in env.slack.calls_to("response_url")] == [500, 429, 200]
    assert [m["text"] for m in env.slack.ephemerals("U1")] == [HELP]
    said = [str(c.params.get("text")) for c in env.slack.calls]
    assert not [text for text in said if "went wrong" in text]


async def test_the_fake_refuses_a_sixth_use_and_an_expired_url(env: Harness) -> None:
    """The fake holds Slack's limits (five uses in 30 minutes), so the fallback above is the one that matters."""
    minted = env.clock.now().timestamp()
    path = hook_path("commands", "T111", "C1", "U1", minted)
    old = hook_path("commands", "T111", "C1", "U1", minted - 31 * 60)
    async with aiohttp.ClientSession() as session:
        codes = [(await session.post(f"{env.slack.hooks_url}/{path}", json={"text": "hi"})).status for _ in range(6)]
        late = await session.post(f"{env.slack.hooks_url}/{old}", json={"text": "hi"})
        assert codes == [200] * HOOK_USES + [404] and late.status == 404 and await late.text() == "expired_url"


async def test_a_response_url_not_on_slacks_hooks_host_is_never_called(
    env: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    elsewhere = f"http://127.0.0.1:{free_port()}/hooks"  # not the host SLACK_API_URL names
    forged = SlackDriver(env.url, SIGNING_SECRET, now=env.driver.now, response_url_base=elsewhere)
    with caplog.at_level(logging.WARNING, logger="integrations.slack"):
        await forged.command("help", user="U1", channel="C1")
        await env.settle()
    assert not env.slack.calls_to("response_url")
    [answer] = env.slack.calls_to("chat.postEphemeral")
    assert answer.params["text"] == HELP
    assert any("not on Slack's hooks host" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("url", "api", "ok"),
    [
        ("https://hooks.slack.com/commands/T1/2/x", "https://slack.com/api/", True),
        ("https://hooks.slack-gov.com/commands/T1/2/x", "https://slack-gov.com/api/", True),
        ("http://127.0.0.1:8081/hooks/commands/T1/2/x", "http://127.0.0.1:8081/api/", True),
        ("https://hooks.slack.com.evil.example/commands", "https://slack.com/api/", False),
        ("https://169.254.169.254/latest/meta-data", "https://slack.com/api/", False),
        ("http://hooks.slack.com/commands/T1/2/x", "https://slack.com/api/", False),
        ("http://127.0.0.1:9999/hooks/x", "http://127.0.0.1:8081/api/", False),
        ("file:///etc/passwd", "https://slack.com/api/", False),
        ("not a url", "https://slack.com/api/", False),
    ],
)
def test_only_slacks_own_hooks_host_is_a_response_url(url: str, api: str, ok: bool) -> None:
    assert hook_of(url, api) is ok


async def test_a_risky_command_where_opsbot_cannot_post_its_card_says_to_invite_it(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    env.slack.set_outside("G7")
    await env.driver.command("merge pr 7 in acme/api", user="U1", channel="G7")
    await env.settle()
    [answer] = env.slack.ephemerals("U1")  # through the command's response_url
    assert answer["channel"] == "G7" and "not a member of this channel" in answer["text"]
    assert "/invite" in str(answer["blocks"])
    assert env.bot is not None
    assert await env.bot.repo.pending_approvals() == []  # nothing is left waiting for a card nobody can see
    kinds = [r.kind for r in await env.bot.audit.rows()]
    assert "approval.requested" in kinds and "approval.withdrawn" in kinds
    assert not env.github.merges


@pytest.mark.parametrize(
    ("channel", "error"),
    [("G7", "channel_not_found"), ("D7", "channel_not_found"), ("C9", "not_in_channel")],
)  # a private channel, a DM between two people, a public channel opsbot has not joined
async def test_a_read_where_opsbot_is_not_a_member_gets_its_answer_through_the_response_url(
    env: Harness, channel: str, error: str
) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    env.slack.set_outside(channel, error)
    await env.driver.command("list prs in acme/api", user="U1", channel=channel)
    await env.settle()
    [answer] = env.slack.ephemerals("U1")
    shown = json.dumps(answer["blocks"])
    assert answer["channel"] == channel and "Fix the login redirect" in shown
    assert "Only you can see this" in shown
    assert ("direct message between people" in shown) is channel.startswith("D")
    assert ("/invite @opsbot" in shown) is not channel.startswith("D")
    assert [hook_user(c.params["path"]) for c in env.slack.calls_to("response_url")] == ["U1"]
    assert not env.slack.calls_to("chat.postEphemeral")  # the response_url took it
    assert env.bot is not None and "not a member" not in json.dumps([r.data for r in await env.bot.audit.rows()])


async def test_a_merge_approved_after_opsbot_left_the_channel_tells_the_approver_and_the_requester(
    env: Harness,
) -> None:
    approval_id, ts = await request_merge(env)
    env.slack.set_outside("C1", "not_in_channel")  # removed from the channel while the card waited
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1  # the approval stands: the merge ran once
    [to_approver] = env.slack.ephemerals("U2")  # through the click's response_url
    assert "Merged" in to_approver["text"] and "Only you can see this" in json.dumps(to_approver["blocks"])
    assert [hook_user(c.params["path"]) for c in env.slack.calls_to("response_url")] == ["U2"]
    [to_requester] = [c.params for c in env.slack.calls_to("chat.postMessage") if c.params["channel"] == "U1"]
    assert "Merged" in str(to_requester["text"])  # chat.postEphemeral was refused there too: a direct message
    said = json.dumps([c.params for c in env.slack.calls])
    assert "ask again" not in said and "went wrong" not in said  # nothing invites a second merge


async def test_a_slash_commands_answer_in_the_channel_says_who_asked(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    await env.driver.command("list prs in acme/api", user="U1", channel="C1")
    await env.driver.mention("list prs in acme/api", user="U2", channel="C1")
    await env.settle()
    command, mention = (json.dumps(c.params["blocks"]) for c in env.slack.calls_to("chat.postMessage"))
    assert "Asked by <@U1>: `/ops list prs in acme/api`" in command  # others see no slash command in Slack
    assert "Asked by" not in mention  # a mention is there for everyone to see
