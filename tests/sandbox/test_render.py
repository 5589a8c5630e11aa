"""The sandbox's Block Kit → HTML renderer against the blocks opsbot really builds (bot/slack_ui/block_kit.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.core.clock import SystemClock
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import link, seal_json
from bot.core.tool_registry import Preview, Risk, ToolRegistry, ToolResult
from bot.orchestration.runbooks.runbook_tools import gate_tool
from bot.sandbox.fakes.slack_bodies import slack_typed
from bot.sandbox.render import Names, blocks_html, message_html, mrkdwn
from bot.slack_ui.block_kit import (
    CardView,
    approval_card,
    as_dicts,
    edit_modal,
    error_blocks,
    reject_modal,
    result_blocks,
    unknown_outcome_blocks,
)
from bot.slack_ui.help_card import help_blocks
from integrations.github import GitHubGateway, github_tools

NAMES = {"U1": "ana", "U2": "ben", "W111": "opsbot"}
EXPIRES = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)


def shown(blocks: object, names: Names | None = None) -> str:
    """What the page draws for blocks as Slack receives them: after the boundary (bot.core.mrkdwn.seal_json)."""
    sealed = seal_json(blocks)
    return blocks_html(sealed, names)


def card(**changes: object) -> list[JsonObject]:
    preview = Preview(
        title="Merge #7 Add rate limiting",
        fields=(("Branches", "`rate-limit` → `main`"), ("Checks", "✅ passing")),
        body="Squash <script>alert(1)</script>",
        warnings=("Base branch is protected",),
    )
    values: dict[str, object] = dict(
        approval_id="a1",
        tool="merge_pull_request",
        risk=Risk.DANGEROUS,
        preview=preview,
        requester="U1",
        approvers=("U2",),
        required=1,
        expires_at=EXPIRES,
    )
    values.update(changes)
    return as_dicts(approval_card(CardView(**values)))  # type: ignore[arg-type]


def test_pending_approval_card_has_header_fields_context_and_styled_buttons() -> None:
    html = shown(card(), NAMES)
    assert '<h3 class="bk-header">Approval needed: Merge #7 Add rate limiting</h3>' in html
    assert '🔴 dangerous <code>merge_pull_request</code> requested by <span class="mention">@ana</span>' in html
    assert "<div><b>Branches</b><br><code>rate-limit</code> → <code>main</code></div>" in html
    assert "<pre>Squash &lt;script&gt;alert(1)&lt;/script&gt;</pre>" in html  # escaped, never markup
    assert "<script>" not in html
    assert '<div class="bk-context"><span>⚠️ Base branch is protected</span></div>' in html
    assert (  # <!date^…^tokens|fallback>: the page writes it in the reader's time zone, 24-hour
        '<time data-ts="1893553440" data-format="{date_short_pretty} {time}">2030-01-02 03:04 UTC</time>' in html
    )
    buttons = re.findall(r'<button type="button" class="([^"]+)" data-action-id="([^"]+)" data-value="a1"', html)
    assert buttons == [
        ("bk-button primary", "opsbot.approve"),
        ("bk-button danger", "opsbot.reject"),
        ("bk-button", "opsbot.edit"),
    ]
    assert 'data-block-id="approval:a1"' in html


def test_decided_card_has_no_buttons_and_shows_the_outcome() -> None:
    html = shown(card(status="succeeded", approved_by=("U2",), outcome="Merged #7 (`abc1234`)."), NAMES)
    assert "<button" not in html
    assert '✅ Approved by <span class="mention">@ben</span> — done' in html
    assert '<hr class="bk-divider">' in html
    assert "Merged #7 (<code>abc1234</code>)." in html


def test_rejected_card_quotes_the_reason_escaped() -> None:
    html = shown(card(status="rejected", rejected_by="U2", reason="not <!channel> today"), NAMES)
    assert '❌ Rejected by <span class="mention">@ben</span>: not &lt;!channel&gt; today' in html


def test_help_lists_every_tool_with_its_risk() -> None:
    registry = ToolRegistry([*github_tools(GitHubGateway(None, "http://127.0.0.1:9", SystemClock())), gate_tool()])
    html = shown(as_dicts(help_blocks(registry, "grammar")), NAMES)
    assert '<h3 class="bk-header">opsbot — what I can do</h3>' in html
    for tool in registry:
        assert f"<code>{tool.name}</code>" in html
    assert "🔴 dangerous" in html and "🟢 read" in html
    assert "Planner: <b>grammar</b>." in html


def test_result_with_fields_lines_and_link() -> None:
    result = ToolResult(
        text="*3 open PRs* in `acme/api`",
        lines=(f"{link('https://github.com/acme/api/pull/7', '#7')} Add rate limiting · ana",),
        fields=(("Open", "3"),),
        link="https://github.com/acme/api/pulls",
    )
    html = shown(as_dicts(result_blocks("list_pull_requests", result)), NAMES)
    assert "<b>3 open PRs</b> in <code>acme/api</code>" in html
    assert '<a href="https://github.com/acme/api/pull/7" target="_blank" rel="noopener noreferrer">#7</a>' in html
    assert "<div><b>Open</b><br>3</div>" in html
    assert '<a href="https://github.com/acme/api/pulls" target="_blank" rel="noopener noreferrer">open</a>' in html


def test_error_blocks() -> None:
    html = shown(as_dicts(error_blocks("No PR #99 in acme/api", "Try `/ops list prs`")), NAMES)
    assert "⚠️ No PR #99 in acme/api" in html
    assert '<div class="bk-context"><span>Try <code>/ops list prs</code></span></div>' in html


def test_unknown_outcome_buttons() -> None:
    html = shown(as_dicts(unknown_outcome_blocks("s1", "create_issue", "GitHub timed out")), NAMES)
    assert "❔ I can't tell whether <code>create_issue</code> happened. GitHub timed out" in html
    assert 'data-action-id="opsbot.mark_done" data-value="s1" data-block-id="unknown:s1"' in html


def test_modals_render_inputs_as_labelled_text_fields() -> None:
    reject = shown(reject_modal("a1", "C1")["blocks"], NAMES)
    assert '<label for="in-reason-value">Reason (optional)</label>' in reject
    assert '<textarea id="in-reason-value" data-block-id="reason" data-action-id="value" maxlength="500">' in reject
    edit = shown(
        edit_modal("a1", "C1", "create_issue", [("title", "Crash <b>", True), ("body", "", False)])["blocks"]
    )
    assert '<input type="text" id="in-title-value" data-block-id="title" data-action-id="value" required' in edit
    assert 'value="Crash &lt;b&gt;"' in edit
    assert '<textarea id="in-body-value" data-block-id="body" data-action-id="value"></textarea>' in edit


def test_mrkdwn_basics_and_unsafe_links() -> None:
    assert mrkdwn("*bold* _it_ ~gone~ `x*y*`") == "<b>bold</b> <i>it</i> <s>gone</s> <code>x*y*</code>"
    assert mrkdwn("```a <b>\n*c*```") == "<pre>a &lt;b&gt;\n*c*</pre>"
    assert mrkdwn("<javascript:alert(1)|click>") == "click"
    assert mrkdwn("<@U2> and <#C1|ops> and <!here>", NAMES) == (
        '<span class="mention">@ben</span> and <span class="mention">#ops</span> and <span class="mention">@here</span>'
    )
    assert mrkdwn("a &lt;b&gt; &amp; c\nd") == "a &lt;b&gt; &amp; c<br>d"
    assert (
        mrkdwn("*<https://x.test|PR>*")
        == '<b><a href="https://x.test" target="_blank" rel="noopener noreferrer">PR</a></b>'
    )


def test_message_without_blocks_uses_its_text() -> None:
    assert message_html({"text": "<@W111> merge pr 7"}, NAMES) == '<span class="mention">@opsbot</span> merge pr 7'


def test_text_typed_in_the_sandbox_reaches_opsbot_as_slack_sends_it_and_shows_as_typed() -> None:
    typed = "<script>alert(1)</script> & <b>bold</b>"
    sent = slack_typed(typed)
    assert sent == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"  # Slack's entities
    shown = mrkdwn(sent)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in shown  # the page shows it as typed
    assert "<script" not in shown and "<b>" not in shown
