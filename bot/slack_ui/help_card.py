"""The help card: every tool with its risk badge and an example that can be typed as it is."""

from __future__ import annotations

import re
from collections.abc import Sequence

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.core.tool_registry import ToolRegistry
from bot.slack_ui.block_kit import RISK_BADGE, TEXT_LIMIT, context, escape, section

EXAMPLE_REPO = "acme/api"  # the repository the tools' examples name
EXAMPLE_NUMBER = re.compile(r"\b42\b")  # the PR number they name


def help_blocks(
    registry: ToolRegistry, planner_name: str, *, repo: str | None = None, number: int | None = None
) -> list[Block]:
    """The help card; its examples name `repo` (the channel's default) and `number` (an open PR there) when
    given, so each can be typed as it is, else a placeholder rather than a PR that does not exist."""

    def example(text: str) -> str:
        text = text.replace(EXAMPLE_REPO, repo or "owner/repo")
        return EXAMPLE_NUMBER.sub(str(number) if number else "<number>", text)

    lines = [
        f"`{t.name}` {RISK_BADGE[t.risk]} — {escape(t.description)}\n      e.g. `{escape(example(t.example))}`"
        for t in registry
    ]
    return [
        HeaderBlock(text="opsbot — what I can do"),
        *(section(part) for part in _parts(lines, TEXT_LIMIT)),
        context(
            f"Planner: *{planner_name}*. 🟢 runs at once; 🟠 and 🔴 post an approval card first, "
            "and someone other than you approves — whatever the planner says.",
            "Use `/ops <command>`, mention me, or DM me. `/ops <tool> key=value …` works for every tool.",
            "Also `/ops pending`, `/ops audit`, `/ops digest`, `/ops runbooks`, and `/ops mcp` (tokens for your "
            "agents to call these tools over MCP, made in a DM with me).",
        ),
    ]


def _parts(lines: Sequence[str], limit: int) -> list[str]:
    """`lines` joined into as few texts of at most `limit` characters as they fit in (a section holds 3,000)."""
    parts: list[str] = []
    for line in lines:
        if parts and len(parts[-1]) + 1 + len(line) <= limit:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return parts
