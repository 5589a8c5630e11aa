"""The help card: every tool with its risk badge and an example that can be typed as it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.core.tool_registry import Tool, ToolRegistry
from bot.slack_ui.block_kit import RISK_BADGE, context, escape, sections

EXAMPLE_REPO = "acme/api"  # the repository the tools' examples name
EXAMPLE_NUMBER = re.compile(r"\b42\b")  # the PR number they name
EXAMPLE_ISSUE = re.compile(r"(?<=issue )12\b")  # the issue number they name
EXAMPLE_RUN = re.compile(r"(?<=run_id=)4300\b")  # the workflow run they name (no read finds one that waits)


@dataclass(frozen=True, kw_only=True)
class ExampleTargets:
    """What the examples can act on in the channel's repository; None where nothing is known (a placeholder)."""

    pr: int | None = None  # the newest open pull request: to show, to comment on
    mergeable: int | None = None  # an open one GitHub can merge, its checks not failing
    rerunnable: int | None = None  # an open one whose head commit has a failed workflow run
    failed_run: int | None = None  # the newest failed workflow run (rerun by id when no open PR has one)
    issue: int | None = None  # an open issue


def example_for(tool: Tool, repo: str | None, targets: ExampleTargets) -> str:
    """`tool`'s example naming `repo` and, for what it acts on, one of `targets` fit for that tool."""
    where = repo or "owner/repo"
    if tool.name == "rerun_failed_jobs" and targets.rerunnable is None and targets.failed_run is not None:
        return f"rerun_failed_jobs repo={where} run_id={targets.failed_run}"
    number = {"merge_pull_request": targets.mergeable, "rerun_failed_jobs": targets.rerunnable}.get(
        tool.name, targets.pr
    )
    text = tool.example.replace(EXAMPLE_REPO, where)
    text = EXAMPLE_ISSUE.sub(str(targets.issue) if targets.issue else "<number>", text)
    text = EXAMPLE_RUN.sub("<run_id>", text)
    return EXAMPLE_NUMBER.sub(str(number) if number else "<number>", text)


def help_blocks(
    registry: ToolRegistry,
    planner_name: str,
    *,
    repo: str | None = None,
    targets: ExampleTargets | None = None,
) -> list[Block]:
    """The help card; its examples name `repo` (the channel's default) and what each can act on there (`targets`)
    when known, so each can be typed as it is, else a placeholder rather than something that does not exist."""
    found = targets or ExampleTargets()
    lines = [
        f"`{t.name}` {RISK_BADGE[t.risk]} — {escape(t.description)}\n      e.g. `{escape(example_for(t, repo, found))}`"
        for t in registry
    ]
    return [
        HeaderBlock(text="opsbot — what I can do"),
        *sections(lines),
        context(
            f"Planner: *{planner_name}*. 🟢 runs at once; 🟠 and 🔴 post an approval card first, "
            "and someone other than you approves — whatever the planner says.",
            "Use `/ops <command>`, mention me, or DM me. `/ops <tool> key=value …` works for every tool.",
            "Also `/ops pending`, `/ops audit`, `/ops digest`, `/ops runbooks`, and `/ops mcp` (tokens for your "
            "agents to call these tools over MCP, made in a DM with me).",
        ),
    ]
