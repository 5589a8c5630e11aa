"""The `Messages` port drawn with slack_sdk's Block Kit models (bot.slack_ui.block_kit): what the core says in Slack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block

from bot.core.card_view import CardView
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Blocks
from bot.core.runbook_state import Failure
from bot.core.tool_registry import ToolResult
from bot.slack_ui.block_kit import (
    approval_card,
    as_dicts,
    context,
    edit_modal,
    error_blocks,
    reject_modal,
    result_blocks,
    section,
    unknown_outcome_blocks,
)
from bot.slack_ui.runbook_report import finish_blocks


class SlackMessages:
    def result(self, tool: str, result: ToolResult) -> Blocks:
        return as_dicts(result_blocks(tool, result))

    def error(self, message: str, hint: str | None = None) -> Blocks:
        return as_dicts(error_blocks(message, hint))

    def unknown_outcome(self, step_id: str, tool: str, message: str) -> Blocks:
        return as_dicts(unknown_outcome_blocks(step_id, tool, message))

    def approval_card(self, view: CardView) -> Blocks:
        return as_dicts(approval_card(view))

    def reject_modal(self, approval_id: str, channel: str | None) -> JsonObject:
        return reject_modal(approval_id, channel)

    def edit_modal(
        self, approval_id: str, channel: str | None, tool: str, fields: list[tuple[str, str, bool]]
    ) -> JsonObject:
        return edit_modal(approval_id, channel, tool, fields)

    def note(self, text: str, *context_lines: str) -> Blocks:
        """One section, then a context line for each of `context_lines` (all already mrkdwn-safe)."""
        return as_dicts([section(text), *(context(line) for line in context_lines)])

    def status(self, headline: str, lines: Sequence[str] = ()) -> Blocks:
        blocks: list[Block] = [context(headline)]
        if lines:
            blocks.append(section("\n".join(lines)))
        return as_dicts(blocks)

    def runbook_finished(self, name: str, failure: Failure | None, outputs: Mapping[str, object]) -> tuple[str, Blocks]:
        return finish_blocks(name, failure, outputs)
