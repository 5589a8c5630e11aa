"""A hung GitHub delays only the work that needs it (issue 16): `help`, `/ops pending` and an approval click are
answered while GitHub still holds other calls, other GitHub calls go on beside the hung ones, and GitHub calls run
side by side up to the limit. How fast they answer meanwhile is measured in bench/bench_slow_github.py, not here:
a loaded CI machine's PostgreSQL commit can take a second, which says nothing about what the answer waited for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.core.clock import FakeClock
from bot.sandbox.fakes.slack_hooks import hook_user
from integrations.github import GitHubGateway
from tests.approvals_helpers import approval_of, cards
from tests.fakes.github import FakeGitHub
from tests.fakes.slack_api import Call
from tests.harness import GITHUB_TOKEN, Harness

LIST = "list prs in acme/api"
PULLS = r"/graphql$"  # `list prs` is one GraphQL query


def hung_answers(env: Harness) -> int:
    return len([c for c in env.slack.calls_to("chat.postMessage") if "open pull request" in str(c.params)])


async def answered_while_hung(
    env: Harness, send: Callable[[], Awaitable[object]], method: str, pred: Callable[[Call], bool]
) -> None:
    """`send` is answered while the held GitHub calls are still held (they are released only by the test)."""
    await send()
    await env.slack.wait_for(method, pred, timeout=10)
    assert hung_answers(env) == 0, "answered only after GitHub let go"


async def test_help_pending_and_a_click_answer_at_once_while_github_hangs(env: Harness) -> None:
    env.github.add_pr("acme/api", 42, "Fix login redirect", author="octocat", head="fix/login")
    await env.driver.mention("merge pr 42 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)  # posted before the hang
    ts = card.response["ts"]
    hold = env.github.hold_next("POST", PULLS, times=3)
    for _ in range(3):
        await env.driver.mention(LIST, user="U3")
    async with asyncio.timeout(10):
        await hold.until_held(3)  # three `list prs` hang on GitHub

    asked: list[str] = []

    async def ask_help() -> None:
        asked.append((await env.driver.mention("help", user="U4")).payload["event"]["ts"])

    await answered_while_hung(
        env, ask_help, "chat.postMessage", lambda c: bool(asked) and c.params.get("thread_ts") == asked[0]
    )
    await answered_while_hung(
        env,
        lambda: env.driver.command("pending", user="U5"),
        "response_url",
        lambda c: hook_user(c.params["path"]) == "U5",
    )
    await answered_while_hung(
        env,
        lambda: env.driver.click("opsbot.approve", approval_of(card), as_user="U2", message_ts=ts),
        "chat.update",
        lambda c: c.params.get("ts") == ts,
    )
    # the merge needs GitHub, but not the hung calls: it goes through beside them
    await env.slack.wait_for("chat.update", lambda c: c.params.get("ts") == ts, count=2, timeout=10)
    assert len(env.github.merges) == 1 and hold.held == 3 and not hold.released.is_set()
    hold.release()
    await env.settle()
    assert hung_answers(env) == 3


async def test_eight_list_prs_reach_github_at_once_and_no_more(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = env.github.hold_next("POST", PULLS, times=8)
    await asyncio.gather(*(env.driver.mention(LIST, user=f"U{n}") for n in range(1, 11)))
    async with asyncio.timeout(10):
        await hold.until_held(8)
    assert hold.held == 8 and env.github.in_flight == 8  # the other two wait for a free client, not GitHub

    hold.release()
    await env.settle()
    answers = [c for c in env.slack.calls_to("chat.postMessage") if "1 open pull request" in str(c.params)]
    assert len(answers) == 10
    assert env.github.max_in_flight == 8


async def test_a_rate_limit_pauses_every_call_not_only_the_one_refused() -> None:
    clock = FakeClock()
    sleeping, resume = asyncio.Event(), asyncio.Event()

    async def on_sleep(seconds: float) -> None:
        clock.advance(-seconds)  # the clock moves when the wait is over, not when it starts
        sleeping.set()
        await resume.wait()
        clock.advance(seconds)

    clock.on_sleep = on_sleep
    async with FakeGitHub(token=GITHUB_TOKEN, now=clock.now) as gh:
        gh.add_repo("acme/api")
        gh.add_issue("acme/api", 1, "Disk full")
        gw = GitHubGateway(GITHUB_TOKEN, gh.url, clock)
        gh.rate_limit_next("POST", PULLS, retry_after=5)
        refused = asyncio.create_task(gw.list_pull_requests("acme/api", state="open", limit=10))
        async with asyncio.timeout(10):
            await sleeping.wait()  # GitHub said "Retry-After: 5": the gateway pauses
        sleeping.clear()
        other = asyncio.create_task(gw.get_issue("acme/api", 1))
        async with asyncio.timeout(10):
            await sleeping.wait()  # another call waits out the same pause instead of asking GitHub
        assert clock.slept == [5.0, 5.0]
        assert not [r for r in gh.requests if r.path.endswith("/issues/1")]

        resume.set()
        assert await refused == [] and (await other).title == "Disk full"
        assert [r.path for r in gh.requests].count("/graphql") == 2  # asked once more, after the pause


async def test_a_hung_call_keeps_its_client_until_it_ends() -> None:
    """A caller that gives up does not hand the client back while its thread still uses it."""
    clock = FakeClock()
    async with FakeGitHub(token=GITHUB_TOKEN, now=clock.now) as gh:
        gh.add_repo("acme/api")
        gw = GitHubGateway(GITHUB_TOKEN, gh.url, clock, max_concurrent_calls=1)
        hold = gh.hold_next("POST", PULLS)
        hung = asyncio.create_task(gw.list_pull_requests("acme/api", state="open", limit=10))
        async with asyncio.timeout(10):
            await hold.arrived.wait()
        hung.cancel()
        waiting = asyncio.create_task(gw.list_pull_requests("acme/api", state="open", limit=10))
        await asyncio.sleep(0.05)  # sleep-ok, not synchronisation: room for a wrong implementation to send the request
        assert gh.in_flight == 1 and not waiting.done()
        hold.release()
        async with asyncio.timeout(10):
            assert await waiting == []
