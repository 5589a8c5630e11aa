"""Tools the runbooks bring: an explicit approval gate, and `run_runbook` for planners, rules and schedules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from bot.core.tool_registry import Preview, Risk, Tool, ToolResult, ToolSpec


class GateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(description="What the approvers are asked to agree to.", max_length=2000)


async def _gate(args: GateArgs) -> ToolResult:
    return ToolResult(text=f"Approved: {args.message}")


async def _gate_preview(args: GateArgs) -> Preview:
    return Preview(title="Runbook approval gate", body=args.message)


def gate_tool() -> Tool:
    return ToolSpec(
        name="approval_gate",
        description="Wait until the approvers agree (runbooks use it as an explicit gate).",
        args=GateArgs,
        risk=Risk.WRITE,
        run=_gate,
        preview=_gate_preview,
        example="approval_gate message='Deploy 1.4 to production?'",
    )


class RunRunbookArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="The runbook's name, e.g. ci-failure.")
    inputs: dict[str, JsonValue] = Field(default_factory=dict, description="The runbook's inputs.")


def run_runbook_tool(start: Callable[[str, dict[str, JsonValue]], Awaitable[tuple[str, str]]]) -> Tool:
    """Starting a runbook is a read: every risky step inside it still asks for approval on its own."""

    async def run(args: RunRunbookArgs) -> ToolResult:
        text, run_id = await start(args.name, args.inputs)
        return ToolResult(text=text, data={"runbook": args.name, "run": run_id}, starts=(run_id,))

    return ToolSpec(
        name="run_runbook",
        description="Start a runbook by name with its inputs; its risky steps ask for approval themselves.",
        args=RunRunbookArgs,
        risk=Risk.READ,
        run=run,
        example="run_runbook name=ci-failure inputs.repo=acme/api",
    )
