"""Every example `/ops help` shows in the sandbox demo's channel is accepted when typed as it is: a read answers, a
write or a dangerous call gets past its preflight to an approval card (none names a PR with conflicts, a PR with no
failed run to rerun, an issue that does not exist, or a workflow input the workflow does not declare)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.tool_registry import Risk
from bot.sandbox import demo
from tests.approvals_helpers import buttons, text_of
from tests.github.test_specs import GITHUB_TOOLS as TOKEN_TOOLS
from tests.harness import Harness

EXAMPLE = re.compile(r"`(?P<tool>\w+)` \S+ \w+ — [^\n]*\n +e\.g\. `(?P<example>[^`]+)`")
GITHUB_TOOLS = {*TOKEN_TOOLS, "review_deployment"}
# No read finds a deployment that waits on opsbot's gate (its card comes with GitHub's webhook): a placeholder.
PLACEHOLDERED = {"review_deployment": "review_deployment repo=acme/api run_id=<run_id> environment=production"}


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def shown_examples(env: Harness, user: str = "U1") -> dict[str, str]:
    """The examples of the help card in the demo's channel, once its lookup is back: tool → the text to type."""
    assert env.bot is not None
    await env.driver.command("help", user=user, channel=demo.CHANNEL)
    await env.settle()
    await env.bot.service.help.settled()
    await env.driver.command("help", user=user, channel=demo.CHANNEL)
    await env.settle()
    card = env.slack.ephemerals(user)[-1]
    sections = "\n".join(str(b["text"]["text"]) for b in card["blocks"] if b["type"] == "section")
    return {m["tool"]: unescape(m["example"]) for m in EXAMPLE.finditer(sections)}


async def test_every_help_example_in_the_demo_channel_is_accepted_as_typed(db_url: str) -> None:
    async with Harness(db_url, opsbot_approvers=demo.APPROVERS) as env:
        assert env.bot is not None
        demo.seed_github(env.github)
        shown = await shown_examples(env)
        registry = env.bot.service.registry
        assert set(shown) == set(registry.names()) and set(shown) >= GITHUB_TOOLS
        assert shown["merge_pull_request"] == "merge pr 7 in acme/api with squash"  # not #11: it has conflicts
        assert shown["close_issue"] == "close issue 10 in acme/api as not planned"  # the newest open issue
        assert shown["rerun_failed_jobs"] == "rerun failed jobs on pr 8 in acme/api"  # its head commit's run failed
        assert shown["get_pull_request"] == "show pr 11 in acme/api"  # the newest open PR
        assert {t: e for t, e in shown.items() if "<" in e} == PLACEHOLDERED
        refused = {}
        for tool, example in shown.items():
            if tool in PLACEHOLDERED:
                continue
            before = len(env.slack.calls)
            await env.driver.command(example, user="U1", channel=demo.CHANNEL)
            await env.settle()
            said = [c for c in env.slack.calls[before:] if c.method in ("chat.postMessage", "response_url")]
            warned = [text_of(c.params) for c in said if ":warning:" in text_of(c.params)]
            carded = [c for c in said if any(b["action_id"] == "opsbot.approve" for b in buttons(c.params))]
            if warned or not said or (registry.risk_of(tool) is not Risk.READ and not carded):
                refused[example] = warned or [text_of(c.params)[:300] for c in said]
        assert refused == {}
        assert env.github.merges == [] and env.github.dispatches == []  # nothing risky ran unapproved


async def test_help_examples_fall_back_to_placeholders_rather_than_name_a_pr_they_would_fail_on(db_url: str) -> None:
    async with Harness(db_url) as env:
        env.github.add_pr("acme/api", 4, "Conflicts", author="ana", mergeable=False, mergeable_state="dirty")
        env.github.add_pr("acme/api", 5, "Red", author="ana", head="red", checks="failing")
        failed = env.github.add_pr("acme/api", 6, "Red in CI", author="ana", head="ci-red", checks="failing")
        env.github.add_run("acme/api", 900, branch="ci-red", head_sha=failed.head_sha, conclusion="failure")
        shown = await shown_examples(env)
        assert shown["merge_pull_request"] == "merge pr <number> in acme/api with squash"  # none could be merged
        assert shown["rerun_failed_jobs"] == "rerun failed jobs on pr 6 in acme/api"  # its head commit's run failed
        assert shown["close_issue"] == "close issue <number> in acme/api as not planned"  # no open issue


async def test_a_help_card_names_only_what_its_reader_may_list(db_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - name: triage\n    tools: [list_issues]\n    requesters: [U5]\n", encoding="utf-8")
    async with Harness(db_url, opsbot_policy=str(policy)) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="ana", checks="passing")
        env.github.add_issue("acme/api", 12, "Login fails for SSO users")
        allowed, other = await shown_examples(env, "U5"), await shown_examples(env, "U6")
        assert allowed["close_issue"] == "close issue 12 in acme/api as not planned"
        assert other["close_issue"] == "close issue <number> in acme/api as not planned"  # U6 may not list issues
        assert allowed["get_pull_request"] == other["get_pull_request"] == "show pr 7 in acme/api"  # anyone's read


async def test_the_first_help_card_after_start_up_names_real_prs(db_url: str) -> None:
    async with Harness(db_url) as env:
        assert env.bot is not None
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="ana", checks="passing")
        env.bot.service.help.warm()  # what start-up does in a running opsbot (the harness starts without timers)
        await env.bot.service.help.settled()
        await env.driver.command("help", user="U1", channel="C1")
        await env.settle()
        assert "show pr 7 in acme/api" in str(env.slack.ephemerals("U1")[-1]["blocks"])  # no placeholder first
