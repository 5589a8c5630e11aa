"""Deployment gates in Slack: the gate's card and thread (one per run and environment), and the states its
deployment reports afterwards (`deployment_status`), which update the card and are said once each in the thread."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.deploy_threads import deploy_request_key
from bot.core.trigger_records import ThreadData
from bot.slack_ui.trigger_blocks import gate_card
from bot.triggers.deploy_changes import DeploymentGate, DeploymentState, deployment_key, gate_key
from bot.triggers.threads import Thread, Threads

log = logging.getLogger(__name__)

SAID = {  # a deployment's final states, as the thread says them
    "success": "✅ Deployed to {environment}.",
    "failure": "❌ The deployment to {environment} failed.",
    "error": "❌ The deployment to {environment} hit an error.",
    "inactive": "⚪ The deployment to {environment} is no longer active.",
}


class GateReactions:
    def __init__(self, *, threads: Threads) -> None:
        self.threads = threads

    async def requested(self, repo: str, gate: DeploymentGate, channel: str) -> Thread | None:
        """The gate's card — in the thread where this deploy was asked for in Slack, if it was, else in `channel`;
        None when it was announced already (asked again for the same run and environment)."""
        values = gate.values()
        asked = await self._asked_in_slack(repo, gate)
        data: ThreadData = {"gate": values}
        if asked is not None:
            data["requested"] = {"by": asked.data.get("requested", {}).get("by")}
        thread = await self.threads.open(
            [gate_key(repo, gate)], channel, f"Deployment to {gate.environment} waiting", gate_card(repo, values),
            data, under=asked,
        )  # fmt: skip
        if asked is not None and thread.created:
            asked.data["requested"] = {**asked.data.get("requested", {}), "used": True}  # one gate per request
            await self.threads.save(asked)
        if not thread.created:
            log.info("deployment gate for run %s (%s) already announced", gate.run_id, gate.environment)
            return None
        if gate.deployment_id is not None:
            await self.threads.alias(deployment_key(repo, gate.deployment_id), thread)
        return thread

    async def _asked_in_slack(self, repo: str, gate: DeploymentGate) -> Thread | None:
        """The thread of a `/ops deploy` of this environment and ref, dispatched within the last hour and not yet
        joined by a gate (bot.core.deploy_threads)."""
        if not gate.ref:
            return None
        found = await self.threads.find([deploy_request_key(repo, gate.environment, gate.ref)])
        asked = found.data.get("requested") if found is not None else None
        if found is None or not asked or asked.get("used"):
            return None
        until = asked.get("until")
        try:
            fresh = isinstance(until, str) and datetime.fromisoformat(until) > self.threads.clock.now()
        except ValueError:
            fresh = False
        return found if fresh else None

    async def state(self, repo: str, state: DeploymentState) -> None:
        """A state of a gated deployment: the card shows it; a final one is said once in the thread. A deployment
        opsbot never gated is not its to report."""
        if state.deployment_id is None:
            return
        thread = await self.threads.find([deployment_key(repo, state.deployment_id)])
        gate = thread.data.get("gate") if thread is not None else None
        if thread is None or gate is None or gate.get("outcome") == state.state:
            return
        thread.data["gate"] = {**gate, "outcome": state.state, "outcome_url": state.url}
        await self.threads.save(thread)
        text = f"Deployment to {state.environment}: {state.state}"
        await self.threads.update(thread, thread.card_ts, text, gate_card(repo, thread.data["gate"]))
        said = SAID.get(state.state)
        if said is not None:
            await self.threads.reply(thread, said.format(environment=state.environment), [])
