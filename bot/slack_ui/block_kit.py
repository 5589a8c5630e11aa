"""Block Kit builders: every message opsbot posts is built here, with slack_sdk's typed models."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.approvals.membership import describe_specs
from bot.core.card_view import CardView as CardView  # re-exported for the adapters that draw cards
from bot.core.card_view import preview_from_dict as preview_from_dict
from bot.core.card_view import preview_to_dict as preview_to_dict
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import date, link, mention
from bot.core.mrkdwn import escape as escape
from bot.core.tool_registry import Risk, ToolResult

TEXT_LIMIT = 3000  # section text
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
MAX_FIELDS = 10
MAX_BLOCKS = 50
MAX_LINES = 40


class ActionId(enum.StrEnum):
    APPROVE = "opsbot.approve"
    REJECT = "opsbot.reject"
    EDIT = "opsbot.edit"
    MARK_DONE = "opsbot.mark_done"
    RETRY = "opsbot.retry"
    RERUN_FAILED = "opsbot.rerun_failed_jobs"
    REMIND_REVIEWERS = "opsbot.remind_reviewers"
    SUGGESTION = "opsbot.suggestion"  # "Did you mean …?": runs the command as if the clicker typed it


class ViewId(enum.StrEnum):
    REJECT = "opsbot.reject"
    EDIT = "opsbot.edit"


RISK_BADGE = {Risk.READ: "🟢 read", Risk.WRITE: "🟠 write", Risk.DANGEROUS: "🔴 dangerous"}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, TEXT_LIMIT)))


def sections(lines: Sequence[str]) -> list[Block]:
    """`lines` in as few sections as they fit in (a section holds 3,000 characters): none is cut off."""
    parts: list[str] = []
    for line in lines:
        if parts and len(parts[-1]) + 1 + len(line) <= TEXT_LIMIT:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return [section(part) for part in parts]


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(p, FIELD_LIMIT)) for p in parts[:10]])


def fields_block(pairs: Iterable[tuple[str, str]]) -> SectionBlock:
    items = [MarkdownTextObject(text=clip(f"*{k}*\n{v}", FIELD_LIMIT)) for k, v in list(pairs)[:MAX_FIELDS]]
    return SectionBlock(fields=items)


def as_dicts(blocks: Sequence[Block]) -> list[JsonObject]:
    return [b.to_dict() for b in blocks[:MAX_BLOCKS]]


# -- help and errors ---------------------------------------------------------------------------------


BUTTON_TEXT = 75  # Slack's limit for a button's text
BUTTON_VALUE = 2000  # and for its value


def error_blocks(message: str, hint: str | None = None, suggestions: Sequence[str] = ()) -> list[Block]:
    """A refusal or an error; `suggestions` (whole commands) become buttons, one block each (an action id is
    unique within its block)."""
    blocks: list[Block] = [section(f":warning: {escape(message)}")]
    if hint:
        blocks.append(context(escape(hint)))
    for i, command in enumerate(c for c in suggestions if len(c) <= BUTTON_VALUE):
        button = ButtonElement(
            text=clip(f"▶ {command}", BUTTON_TEXT), action_id=ActionId.SUGGESTION.value, value=command
        )
        blocks.append(ActionsBlock(block_id=f"suggestion:{i}", elements=[button]))
    return blocks


def result_blocks(tool: str, result: ToolResult) -> list[Block]:
    blocks: list[Block] = [section(result.text)]
    if result.fields:
        blocks.append(fields_block(result.fields))
    lines = list(result.lines)
    if lines:
        shown = lines[:MAX_LINES]
        blocks.append(section("\n".join(shown)))
        if len(lines) > MAX_LINES:
            blocks.append(context(f"…and {len(lines) - MAX_LINES} more."))
    blocks.append(context(f"`{tool}`" + (f" · {link(result.link, 'open')}" if result.link else "")))
    return blocks


# -- approval cards ----------------------------------------------------------------------------------


# The card's header follows its state: a decided card never reads "Approval needed".
HEADERS = {
    "pending": "Approval needed",
    "approved": "Approved",
    "executing": "Running",
    "succeeded": "Done",
    "failed": "Failed",
    "unknown": "Outcome unknown",
    "rejected": "Rejected",
    "expired": "Expired",
    "superseded": "Superseded",
}


def who_may_approve(view: CardView) -> str:
    return describe_specs(view.approvers)


def approval_card(view: CardView) -> list[Block]:
    p = view.preview
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"{HEADERS.get(view.status, view.status.capitalize())}: {p.title}", HEADER_LIMIT)),
        section(f"{RISK_BADGE[view.risk]} `{view.tool}` requested by {requested_by(view)}"),
    ]
    if p.fields:
        blocks.append(fields_block(p.fields))
    if p.body:
        blocks.append(section(f"```{clip(p.body, TEXT_LIMIT - 10)}```"))
    for warning in p.warnings:
        blocks.append(context(f":warning: {warning}"))
    blocks.append(context(*_status_lines(view)))
    if view.status == "pending":
        blocks.append(
            ActionsBlock(
                block_id=f"approval:{view.approval_id}",
                elements=[
                    ButtonElement(
                        text="Approve",
                        action_id=ActionId.APPROVE.value,
                        value=view.approval_id,
                        style="primary",
                    ),
                    ButtonElement(
                        text="Reject", action_id=ActionId.REJECT.value, value=view.approval_id, style="danger"
                    ),
                    ButtonElement(text="Edit", action_id=ActionId.EDIT.value, value=view.approval_id),
                ],
            )
        )
    if view.outcome:
        blocks.extend([DividerBlock(), section(view.outcome)])
    return blocks


def _status_lines(view: CardView) -> list[str]:
    ts = int(view.expires_at.timestamp())
    expires = date(ts, "{date_short_pretty} {time}", f"{view.expires_at:%Y-%m-%d %H:%M} UTC")
    approved = len(view.approved_by)
    if view.status == "pending":
        so_far = ", ".join(mention(u) for u in view.approved_by)
        lines = [
            f"Needs {view.required} approval{'s' if view.required != 1 else ''} from {who_may_approve(view)}"
            f" · {approved} of {view.required} so far{f' ({so_far})' if so_far else ''} · expires {expires}"
            + (f" · policy rule *{escape(view.rule)}*" if view.rule != "default" else "")
        ]
    else:
        lines = [_decided_line(view)]
    return lines + list(view.context_notes)


def _decided_line(view: CardView) -> str:
    by = ", ".join(mention(u) for u in view.approved_by)
    if view.status == "rejected":
        why = f": {escape(view.reason)}" if view.reason else ""
        return f"❌ Rejected by {mention(view.rejected_by or '?')}{why}"
    if view.status == "expired":
        return "⌛ Expired — nothing was run"
    if view.status == "superseded":
        return "↪️ Superseded by a newer request"
    label = {
        "approved": "✅ Approved by {by}",  # the step has not started yet
        "executing": "⏳ Approved by {by} — running…",
        "succeeded": "✅ Approved by {by} — done",
    }
    return label.get(view.status, "Approved by {by} — " + view.status).format(by=by)


# -- modals ------------------------------------------------------------------------------------------


def reject_modal(approval_id: str, channel: str | None = None) -> JsonObject:
    view = View(
        type="modal",
        callback_id=ViewId.REJECT.value,
        private_metadata=json.dumps({"approval": approval_id, "channel": channel}),
        title=PlainTextObject(text="Reject request"),
        submit=PlainTextObject(text="Reject"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id="reason",
                label=PlainTextObject(text="Reason (optional)"),
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=500),
            )
        ],
    )
    return view.to_dict()


def edit_modal(
    approval_id: str, channel: str | None, tool: str, fields: Sequence[tuple[str, str, bool]]
) -> JsonObject:
    """`fields`: (name, current value as text, required) for each argument of the tool."""
    blocks: list[Block] = [section(f"Change the arguments of `{tool}`. A new approval will be needed.")]
    for name, value, required in fields[: MAX_BLOCKS - 1]:
        blocks.append(
            InputBlock(
                block_id=name,
                label=PlainTextObject(text=name),
                optional=not required,
                element=PlainTextInputElement(
                    action_id="value",
                    initial_value=value or None,
                    multiline=name in {"body", "commit_message", "comment"},
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=ViewId.EDIT.value,
        private_metadata=json.dumps({"approval": approval_id, "channel": channel}),
        title=PlainTextObject(text="Edit request"),
        submit=PlainTextObject(text="Ask again"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )
    return view.to_dict()


def unknown_outcome_blocks(step_id: str, tool: str, message: str) -> list[Block]:
    return [
        section(f":grey_question: I can't tell whether `{tool}` happened. {escape(message)}"),
        context("Check it, then tell me: *Mark done* if it happened, *Retry* to run it once more."),
        ActionsBlock(
            block_id=f"unknown:{step_id}",
            elements=[
                ButtonElement(text="Mark done", action_id=ActionId.MARK_DONE.value, value=step_id),
                ButtonElement(text="Retry", action_id=ActionId.RETRY.value, value=step_id, style="danger"),
            ],
        ),
    ]


def requested_by(view: CardView) -> str:
    """Who asked: the person, or the MCP client that asked on their behalf."""
    if view.via:
        return f"*{escape(view.via)}* on behalf of {mention(view.requester)}"
    return mention(view.requester)
