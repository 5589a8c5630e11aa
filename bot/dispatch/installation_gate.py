"""The installation check: one place, at the service's entry, for every Slack request (commands, mentions, DMs,
reactions, clicks, modal submissions) before anything runs. A request for another workspace or enterprise — or
one that arrives before `auth.test` has named ours — is dropped: one log line, an audit row when it concerns a run
(a click on a card), no reply. Slack already has its 200 (the event was stored and acknowledged), so it does not
retry. Webhooks, alerts and schedules are not Slack requests: their edges verify them and name our workspace."""

from __future__ import annotations

import json
import logging

from bot.core.clock import Clock
from bot.core.domain import Event, Source
from bot.core.installation import InstallationSource
from bot.core.jsonvalue import obj, text
from bot.store.audit import AuditLog
from bot.store.repository import Repository

log = logging.getLogger(__name__)


class InstallationGate:
    def __init__(
        self, installation: InstallationSource | None, *, repo: Repository, audit: AuditLog, clock: Clock
    ) -> None:
        self.installation = installation  # None: not checked (a service built without the app's wiring)
        self.repo = repo
        self.audit = audit
        self.clock = clock

    async def refused(self, inbox_id: int, event: Event) -> bool:
        """True when the event is not for this installation (and has been logged, and audited if it has a run)."""
        if self.installation is None or not event.source.value.startswith("slack."):
            return False
        installation = self.installation()
        why = (
            "this installation is not known yet (auth.test has not answered)"
            if installation is None
            else installation.mismatch(team_id=event.team_id, enterprise_id=event.enterprise_id)
        )
        if why is None:
            return False
        log.warning("refused %s %s from %s (inbox %s): %s", event.source, event.type, event.actor, inbox_id, why)
        run_id = await self._run_of(event)
        if run_id is not None:
            await self.audit.append(
                "request.foreign", at=self.clock.now(), run_id=run_id, actor=event.actor, source=event.source.value,
                team=event.team_id, enterprise=event.enterprise_id, reason=why,
            )  # fmt: skip
        return True

    async def _run_of(self, event: Event) -> str | None:
        """The run a click or a modal submission concerns: its button's approval or step, its modal's approval."""
        if event.source is Source.SLACK_ACTION:
            ref = text(event.payload.get("value"))
        elif event.source is Source.SLACK_VIEW:
            ref = text(obj(_json(event.payload.get("private_metadata"))).get("approval"))
        else:
            return None
        if not ref:
            return None
        approval = await self.repo.approval(ref)
        if approval is not None:
            return approval.run_id
        step = await self.repo.step(ref)
        return step.run_id if step is not None else None


def _json(value: object) -> object:
    try:
        return json.loads(value) if isinstance(value, str) else None
    except (ValueError, RecursionError):  # read defensively: the HTTP edge refuses both
        return None
