"""Issue 17, item 4: a request that is not a command gets the closest whole commands as buttons, and a click runs
the command as if the clicker had typed it — planned and authorized as them, answered where it was shown. The help
card's examples name the channel's repository and a PR that exists there."""

from __future__ import annotations

from typing import Any

from tests.approvals_helpers import buttons, cards, click
from tests.harness import Harness


def suggestions(message: dict[str, Any]) -> list[str]:
    return [str(b["value"]) for b in buttons(message) if b["action_id"] == "opsbot.suggestion"]


async def click_suggestion(
    env: Harness, command: str, *, user: str, message_ts: str, ephemeral: bool, message: dict[str, Any] | None = None
) -> None:
    await env.driver.click(
        "opsbot.suggestion", command, as_user=user, channel="C1", message_ts=message_ts, ephemeral=ephemeral,
        message=message,
    )  # fmt: skip
    await env.settle()


async def test_a_slash_command_typo_gets_a_button_that_proposes_the_merge_as_the_clicker(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    await env.driver.command("mrege pr 7", user="U1", channel="C1")
    await env.settle()
    [reply] = env.slack.ephemerals("U1")
    assert "I don't know how to do `mrege pr 7`" in reply["text"] and suggestions(reply) == ["merge pr 7"]
    assert cards(env) == []  # nothing proposed until the click

    await click_suggestion(env, "merge pr 7", user="U1", message_ts="1700000000.000200", ephemeral=True)
    [card] = cards(env)  # the same approval card as typing it: risk comes from the registry
    assert card.params["channel"] == "C1" and "thread_ts" not in card.params  # an ephemeral has no thread
    assert "Merge #7" in str(card.params["blocks"]) and "<@U1>" in str(card.params["blocks"])
    await click(env, "opsbot.approve", card, user="U1")  # the clicker is the requester: no self-approval
    assert "someone else has to approve it" in env.slack.ephemerals("U1")[-1]["text"]
    assert env.github.merges == []


async def test_a_mention_suggestion_clicked_by_someone_else_answers_in_the_thread(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    asked = await env.driver.mention("lsit prs", user="U1", channel="C1")
    await env.settle()
    thread = asked.payload["event"]["ts"]
    [reply] = [m for m in env.slack.messages("C1") if m.get("thread_ts") == thread]
    assert isinstance(reply["ts"], str)
    assert suggestions(reply) == ["list prs"]

    await click_suggestion(env, "list prs", user="U2", message_ts=reply["ts"], ephemeral=False, message=reply)
    answers = [m for m in env.slack.messages("C1") if m.get("thread_ts") == thread and m["ts"] != reply["ts"]]
    assert [a["text"] for a in answers] == ["1 open pull request in `acme/api`:"]


async def test_a_channel_without_a_default_repository_offers_one_button_per_known_repository(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    await env.driver.command("can you merge #7?", user="U1", channel="C9")
    await env.settle()
    [reply] = env.slack.ephemerals("U1")
    assert "Which repository?" in reply["text"] and suggestions(reply) == ["merge #7 in acme/api"]
    await env.driver.click(
        "opsbot.suggestion", "merge #7 in acme/api", as_user="U1", channel="C9", ephemeral=True
    )
    await env.settle()
    [card] = cards(env)
    assert card.params["channel"] == "C9" and "Merge #7" in str(card.params["blocks"])


async def test_a_forged_suggestion_is_only_what_typing_it_would_be(env: Harness) -> None:
    """The button's value is planned like typed text: a value that is not a command gets "I don't know", and a
    risky one still only proposes."""
    await env.driver.click("opsbot.suggestion", "drop database", as_user="U1", channel="C1", ephemeral=True)
    await env.settle()
    [reply] = env.slack.ephemerals("U1")
    assert "I don't know how to do `drop database`" in reply["text"] and cards(env) == []


async def test_help_names_the_channels_repository_and_an_open_pr(env: Harness) -> None:
    assert env.bot is not None
    env.github.add_pr("acme/api", 12, "Rate limiting", author="ana")
    await env.driver.command("help", user="U1", channel="C1")  # looks the PR up, waiting for it only briefly
    await env.settle()
    await env.bot.service.help.settled()
    looked_up = len(env.github.requests)
    await env.driver.command("help", user="U1", channel="C1")
    await env.settle()
    first, second = (str(card["blocks"]) for card in env.slack.ephemerals("U1"))
    assert "show pr 12 in acme/api" in second and "pr 42" not in second
    assert "merge pr 12 in acme/api" in second  # open, mergeable, its checks not failing
    assert "show pr 12 in acme/api" in first or "show pr &lt;number&gt; in acme/api" in first
    assert len(env.github.requests) == looked_up  # looked up once: the second card asks GitHub nothing
    graphql = [r for r in env.github.requests if r.path.endswith("/graphql")]
    assert len(graphql) == 1  # one list of the open PRs with their checks and mergeability: no detail read


async def test_ops_deploy_proposes_the_deploy_workflow_with_the_environment(env: Harness) -> None:
    env.github.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
    await env.driver.command("deploy staging", user="U1", channel="C1")
    await env.settle()
    [card] = cards(env)  # dispatch_workflow is 🔴: a card, nothing dispatched yet
    shown = str(card.params["blocks"])
    assert "Run workflow deploy.yml on main in acme/api" in shown and "staging" in shown
    assert env.github.dispatches == []


async def test_ops_deploy_to_a_workflow_without_that_input_is_refused_before_any_card(env: Harness) -> None:
    env.github.add_workflow("acme/api", "deploy.yml", name="Deploy", optional=("target",))
    await env.driver.command("deploy production", user="U1", channel="C1")
    await env.settle()
    assert cards(env) == []
    said = [str(c.params) for c in env.slack.calls if c.method in ("response_url", "chat.postMessage")]
    assert any("does not declare input `environment`" in s for s in said)
