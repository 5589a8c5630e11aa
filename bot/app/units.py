"""The integrations opsbot is built from, as units (integrations/unit.py): the one list the composition root, the
tool registry and `opsbot check` walk. A new integration is one unit here and its section in `Settings`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.app.settings import Settings
from bot.core.errors import ConfigurationError
from bot.core.tool_registry import Tool, ToolRegistry
from bot.orchestration.runbooks.runbook_tools import gate_tool
from integrations.erp.erp_units import ODOO, TRYTON
from integrations.github.github_unit import GITHUB
from integrations.openai_unit import OPENAI
from integrations.slack_unit import SLACK
from integrations.unit import Probe, ToolContext, Unit

UNITS: tuple[Unit[Any], ...] = (SLACK, GITHUB, OPENAI, TRYTON, ODOO)
ABSENT = {"erp": "erp: none configured (set TRYTON_URL or ODOO_URL for the ERP tools)"}
BOTH = {"erp": "Set TRYTON_URL or ODOO_URL, not both: opsbot talks to one ERP."}


def configured_units(settings: Settings) -> list[Unit[Any]]:
    """The units that are set up; a ConfigurationError when two of one exclusive group are."""
    chosen = [unit for unit in UNITS if unit.configured(unit.of(settings))]
    clash = _clash(chosen)
    if clash is not None:
        raise ConfigurationError(clash)
    return chosen


def _clash(chosen: Sequence[Unit[Any]]) -> str | None:
    groups = [u.exclusive for u in chosen if u.exclusive is not None]
    for group in dict.fromkeys(groups):
        if groups.count(group) > 1:
            return BOTH.get(group, f"Configure one {group} integration, not several.")
    return None


def integration_tools(settings: Settings, context: ToolContext) -> list[Tool]:
    return [tool for unit in configured_units(settings) for tool in unit.tools(unit.of(settings), context)]


def build_registry(settings: Settings, context: ToolContext, extra: Sequence[Tool] = ()) -> ToolRegistry:
    """Every configured integration's tools, the runbooks' approval gate, and `extra` (run_runbook)."""
    return ToolRegistry([*integration_tools(settings, context), gate_tool(), *extra])


async def probes(settings: Settings) -> list[Probe]:
    """Each unit's `opsbot check` line, in order; an exclusive group (the ERP) gives one line: its configured
    member's, or why there is none."""
    chosen = [unit for unit in UNITS if unit.configured(unit.of(settings))]
    clash = _clash(chosen)
    lines: list[Probe] = []
    seen: set[str] = set()
    for unit in UNITS:
        group = unit.exclusive
        if group is None:
            lines.append(await unit.check(unit.of(settings)))
            continue
        if group in seen:
            continue
        seen.add(group)
        members = [u for u in chosen if u.exclusive == group]
        if clash is not None and len(members) > 1:
            lines.append(Probe(ok=False, line=f"{group}: {clash}"))
        elif members:
            lines.append(await members[0].check(members[0].of(settings)))
        else:
            lines.append(Probe(ok=True, off=True, line=ABSENT.get(group, f"{group}: none configured")))
    return lines
