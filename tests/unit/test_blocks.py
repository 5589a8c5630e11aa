"""Block Kit builders: escaping, the help list, approval cards, and Slack's size limits on every block."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.core.mrkdwn import seal, unmark
from bot.core.tool_registry import Preview, Risk, ToolRegistry, ToolResult
from bot.slack_ui.block_kit import (
    ActionId,
    CardView,
    approval_card,
    as_dicts,
    error_blocks,
    escape,
    preview_from_dict,
    preview_to_dict,
    result_blocks,
    sections,
    unknown_outcome_blocks,
)
from bot.slack_ui.help_card import ExampleTargets, help_blocks

EXPIRES = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
DECIDED = ("approved", "rejected", "expired", "superseded", "executing", "succeeded", "failed", "unknown")
LONG = "x" * 10_000


def card(**changes: Any) -> CardView:
    values: dict[str, Any] = {
        "approval_id": "ap_0123456789",
        "tool": "merge_pull_request",
        "risk": Risk.DANGEROUS,
        "preview": Preview(
            title="Merge #42 into main",
            fields=(("Repository", "acme/api"), ("Method", "squash")),
            body="Fix login redirect",
            warnings=("Checks are still running.",),
        ),
        "requester": "U1",
        "approvers": (),
        "required": 1,
        "expires_at": EXPIRES,
    }
    return CardView(**{**values, **changes})


def dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def buttons(blocks: list[Block]) -> list[dict[str, Any]]:
    return [e for d in dicts(blocks) if d["type"] == "actions" for e in d["elements"] if e["type"] == "button"]


def all_text(blocks: list[Block]) -> str:
    return "\n".join(t for d in dicts(blocks) for t in texts(d))


def texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            # as Slack receives it: after the boundary (bot.core.mrkdwn.seal)
            yield seal(node["text"]) if node["type"] == "mrkdwn" else unmark(node["text"])
        for value in node.values():
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)


def assert_within_slack_limits(block: dict[str, Any]) -> None:
    """Slack's documented limits; slack_sdk checks only some of them when serialising."""
    assert len(block.get("block_id", "")) <= 255
    for text in texts(block):
        assert len(text) <= 3000
    if block["type"] == "header":
        assert len(block["text"]["text"]) <= 150
    if block["type"] == "section":
        if "text" in block:
            assert len(block["text"]["text"]) <= 3000
        assert len(block.get("fields", [])) <= 10
        for f in block.get("fields", []):
            assert len(f["text"]) <= 2000
    if block["type"] == "context":
        assert 1 <= len(block["elements"]) <= 10
    if block["type"] == "actions":
        assert 1 <= len(block["elements"]) <= 25
        for e in block["elements"]:
            assert len(e["text"]["text"]) <= 75
            assert len(e.get("value", "")) <= 2000
            assert len(e["action_id"]) <= 255


def assert_valid(blocks: list[Block]) -> None:
    out = as_dicts(blocks)
    assert len(out) <= 50
    for block in out:
        assert_within_slack_limits(block)
        parsed = Block.parse(block)
        assert parsed is not None and parsed.to_dict() == block  # round-trips through slack_sdk's parser and validation


# -- escape --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> and <!everyone>", "&lt;!here&gt; and &lt;!everyone&gt;"),
        ("<@U1>", "&lt;@U1&gt;"),
        ("<http://x|y>", "&lt;http://x|y&gt;"),
        ("<!subteam^S1>", "&lt;!subteam^S1&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("plain *bold* `code`", "plain *bold* `code`"),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    assert "<" not in escape(raw) and ">" not in escape(raw)


def test_error_blocks_escape_the_message_and_hint() -> None:
    blocks = error_blocks("bad <!channel>", hint="try <@U1>")
    text = all_text(blocks)
    assert "<!channel>" not in text and "<@U1>" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U1&gt;" in text
    assert_valid(blocks)


def test_error_blocks_without_a_hint() -> None:
    assert len(error_blocks("bad")) == 1


# -- help ----------------------------------------------------------------------------------------------


def test_help_fits_slacks_section_limit_without_cutting_a_tool(registry: ToolRegistry) -> None:
    blocks: list[dict[str, Any]] = as_dicts(help_blocks(registry, "command grammar"))
    sections = [str(b["text"]["text"]) for b in blocks if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections) and "…" not in "".join(sections)
    assert all(f"`{tool.name}`" in "".join(sections) for tool in registry)


def test_help_lists_every_tool_with_its_risk_badge(registry: ToolRegistry) -> None:
    same = ExampleTargets(pr=42, mergeable=42, rerunnable=42, issue=12)  # the examples' own numbers: shown as declared
    blocks = help_blocks(registry, "command grammar", repo="acme/api", targets=same)
    text = all_text(blocks)
    badges = {Risk.READ: "🟢 read", Risk.WRITE: "🟠 write", Risk.DANGEROUS: "🔴 dangerous"}
    for tool in registry:
        assert f"`{tool.name}` {badges[tool.risk]}" in text
        assert escape(tool.example) in text
    assert "command grammar" in text
    assert_valid(blocks)


def test_help_examples_name_the_channels_repository_and_a_pr_that_exists(registry: ToolRegistry) -> None:
    found = ExampleTargets(pr=7, mergeable=5, rerunnable=8, failed_run=4242, issue=3)
    text = all_text(help_blocks(registry, "command grammar", repo="birch/shop", targets=found))
    assert "show pr 7 in birch/shop" in text and "comment on pr 7 in birch/shop" in text  # the newest open PR
    assert "merge pr 5 in birch/shop with squash" in text  # one GitHub can merge
    assert "rerun failed jobs on pr 8 in birch/shop" in text  # one with a failed run
    assert "close issue 3 in birch/shop" in text  # an open issue
    assert "acme/api" not in text and "42" not in text and "issue 12" not in text
    no_pr_failed = ExampleTargets(pr=7, mergeable=7, failed_run=4242, issue=3)
    text = all_text(help_blocks(registry, "command grammar", repo="birch/shop", targets=no_pr_failed))
    assert "rerun_failed_jobs repo=birch/shop run_id=4242" in text  # no open PR has one: the failed run by its id
    bare = all_text(help_blocks(registry, "command grammar"))  # nothing known: placeholders, never a made-up PR
    assert "show pr &lt;number&gt; in owner/repo" in bare and "42" not in bare
    assert "close issue &lt;number&gt; in owner/repo" in bare and "issue 12" not in bare
    assert "rerun failed jobs on pr &lt;number&gt; in owner/repo" in bare


def test_suggestions_are_buttons_that_carry_the_whole_command() -> None:
    hint = "Did you mean `merge pr 7`?"
    blocks = error_blocks("I don't know how to do `mrege pr 7`.", hint, ["merge pr 7", "x" * 90])
    shown: list[dict[str, Any]] = as_dicts(blocks)
    buttons = [e for b in shown if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == ["merge pr 7", "x" * 90]
    assert {b["action_id"] for b in buttons} == {"opsbot.suggestion"}
    assert buttons[0]["text"]["text"] == "▶ merge pr 7" and len(buttons[1]["text"]["text"]) <= 75
    assert_valid(blocks)


def test_help_covers_all_three_risks(registry: ToolRegistry) -> None:
    assert {t.risk for t in registry} == set(Risk)


# -- approval cards ----------------------------------------------------------------------------------


def test_pending_card_has_approve_and_reject_buttons_carrying_the_approval_id() -> None:
    blocks = approval_card(card())
    found = buttons(blocks)
    by_action = {b["action_id"]: b for b in found}
    assert by_action[ActionId.APPROVE]["value"] == "ap_0123456789"
    assert by_action[ActionId.REJECT]["value"] == "ap_0123456789"
    assert ActionId.APPROVE.value == "opsbot.approve"
    assert ActionId.REJECT.value == "opsbot.reject"
    assert by_action[ActionId.APPROVE]["style"] == "primary"
    assert by_action[ActionId.REJECT]["style"] == "danger"
    # every button on the card is one of ours and names this approval
    assert len(found) == len(by_action)
    assert set(by_action) <= {a.value for a in ActionId}
    assert {b["value"] for b in found} == {"ap_0123456789"}
    assert_valid(blocks)


def test_pending_card_says_what_and_who() -> None:
    text = all_text(approval_card(card(approvers=("U7",), required=2, approved_by=("U8",))))
    assert "Approval needed: Merge #42 into main" in text
    assert "🔴 dangerous `merge_pull_request` requested by <@U1>" in text
    assert "Needs 2 approvals from <@U7>" in text
    assert "1 of 2 so far" in text
    assert "Checks are still running." in text
    assert f"<!date^{int(EXPIRES.timestamp())}^" in text


@pytest.mark.parametrize("status", DECIDED)
def test_decided_cards_have_no_buttons(status: str) -> None:
    blocks = approval_card(card(status=status, approved_by=("U2",), rejected_by="U2", outcome="done"))
    assert [d for d in dicts(blocks) if d["type"] == "actions"] == []
    assert_valid(blocks)


@pytest.mark.parametrize(
    ("status", "line"),
    [
        ("rejected", "❌ Rejected by <@U2>"),
        ("expired", "⌛ Expired — nothing was run"),
        ("superseded", "↪️ Superseded by a newer request"),
        ("approved", "✅ Approved by <@U2>"),
        ("executing", "⏳ Approved by <@U2> — running…"),
        ("succeeded", "✅ Approved by <@U2> — done"),
    ],
)
def test_decided_card_status_line(status: str, line: str) -> None:
    assert line in all_text(approval_card(card(status=status, approved_by=("U2",), rejected_by="U2")))


@pytest.mark.parametrize(("status", "header"), [("approved", "Approved"), ("executing", "Running")])
def test_an_approved_card_before_and_while_its_step_runs(status: str, header: str) -> None:
    blocks = dicts(approval_card(card(status=status, approved_by=("U2",))))
    assert blocks[0]["text"]["text"] == f"{header}: Merge #42 into main"
    [line] = [t for b in blocks if b["type"] == "context" for t in texts(b) if "Approved by" in t]
    assert line == ("✅ Approved by <@U2>" if status == "approved" else "⏳ Approved by <@U2> — running…")
    assert "— approved" not in all_text(approval_card(card(status=status, approved_by=("U2",))))


def test_rejection_reason_is_escaped() -> None:
    text = all_text(approval_card(card(status="rejected", rejected_by="U2", reason="no <!channel>")))
    assert "<!channel>" not in text
    assert "no &lt;!channel&gt;" in text


def test_long_card_content_is_clipped_within_slack_limits() -> None:
    view = card(
        preview=Preview(
            title=LONG,
            fields=tuple((f"k{i}", LONG) for i in range(30)),
            body=LONG,
            warnings=tuple(LONG for _ in range(5)),
        ),
        outcome=LONG,
        notes=tuple(LONG for _ in range(15)),
    )
    blocks = approval_card(view)
    out = dicts(blocks)
    header = out[0]
    assert header["type"] == "header"
    assert len(header["text"]["text"]) == 150
    assert header["text"]["text"].endswith("…")
    assert_valid(blocks)
    assert buttons(blocks)  # the buttons survive


def test_preview_round_trips_through_a_dict() -> None:
    preview = Preview(title="t", fields=(("a", "1"),), body=None, warnings=("w",))
    assert preview_from_dict(preview_to_dict(preview)) == preview
    assert preview_from_dict({}) == Preview(title="")


# -- results and other messages ----------------------------------------------------------------------


def test_result_blocks_with_many_long_lines() -> None:
    result = ToolResult(
        text=LONG,
        lines=tuple(f"line {i}" for i in range(100)),
        fields=tuple((f"k{i}", LONG) for i in range(12)),
        link="https://github.com/acme/api/pull/1",
    )
    blocks = result_blocks("list_pull_requests", result)
    text = all_text(blocks)
    assert "line 39" in text and "line 40" not in text
    assert "…and 60 more." in text
    assert "<https://github.com/acme/api/pull/1|open>" in text
    assert_valid(blocks)


def test_result_blocks_minimal() -> None:
    blocks = result_blocks("get_pull_request", ToolResult(text="*#7 Add cache*"))
    assert [d["type"] for d in dicts(blocks)] == ["section", "context"]
    assert_valid(blocks)


def test_unknown_outcome_blocks() -> None:
    blocks = unknown_outcome_blocks("st_1", "create_issue", "GitHub timed out <!channel>")
    assert "<!channel>" not in all_text(blocks)
    assert {b["action_id"] for b in buttons(blocks)} == {ActionId.MARK_DONE, ActionId.RETRY}
    assert {b["value"] for b in buttons(blocks)} == {"st_1"}
    assert_valid(blocks)


def test_as_dicts_keeps_at_most_50_blocks() -> None:
    blocks = error_blocks("x") * 80
    assert len(as_dicts(blocks)) == 50


def test_long_lists_are_split_across_sections_and_nothing_is_cut_off() -> None:
    lines = [f"• {i:02d} " + "x" * 140 for i in range(40)]  # an audit trail of 40 long lines: 5,920 characters
    shown = [b.to_dict()["text"]["text"] for b in sections(lines)]
    assert len(shown) > 1 and all(len(text) <= 3000 for text in shown)
    assert "\n".join(shown).split("\n") == lines  # in order, the newest (last) included
