"""Button clicks and modal submissions on approval cards: each becomes a `Click` with its purpose, routed to the
decider, the editor or recovery, which all authorize it through `Decider.authorize`. One that cannot be routed
(a button or form this version does not route, a form that does not name its request) is a `UserFacingError`:
the person is told why, never left without an answer."""

from __future__ import annotations

import json
from typing import Any

from bot.approvals.click_checks import RESOLVING, Click, Purpose
from bot.core.domain import Event
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject, obj, text
from bot.orchestration.decisions import Decider
from bot.orchestration.edits import Editor
from bot.orchestration.recovery import Recovery
from bot.slack_ui.block_kit import ActionId, ViewId

STALE_HINT = "Use the buttons on the request's latest card."
PURPOSES = {
    ActionId.APPROVE: Purpose.APPROVE,
    ActionId.REJECT: Purpose.REJECT,
    ActionId.EDIT: Purpose.EDIT,
    ActionId.RETRY: Purpose.RETRY,
    ActionId.MARK_DONE: Purpose.MARK_DONE,
}


class Actions:
    def __init__(self, *, decider: Decider, editor: Editor, recovery: Recovery) -> None:
        self.decider = decider
        self.editor = editor
        self.recovery = recovery

    async def on_click(self, event: Event) -> None:
        action = text(event.payload.get("action_id"))
        value = str(event.payload.get("value") or "")
        purpose = PURPOSES.get(ActionId(action)) if action in set(ActionId) else None
        if purpose in (Purpose.APPROVE, Purpose.REJECT):
            await self.decider.decide(_click(event, value, purpose))
        elif purpose is Purpose.EDIT:
            await self.editor.open(_click(event, value, purpose))
        elif purpose in RESOLVING:
            await self.recovery.resolve(event, purpose, step_id=value)
        else:
            raise UserFacingError("I don't know that button any more, so nothing changed.", hint=STALE_HINT)

    async def on_submit(self, event: Event) -> None:
        meta = _metadata(event.payload.get("private_metadata"))
        approval_id = str(meta.get("approval") or "")
        event = Event(**{**event.__dict__, "channel": meta.get("channel") or event.channel})
        values = {k: v if isinstance(v, str) else None for k, v in obj(event.payload.get("values")).items()}
        if not approval_id:
            raise UserFacingError("That form doesn't say which request it is for, so nothing changed.", hint=STALE_HINT)
        if event.type == ViewId.REJECT:
            reason = (values.get("reason") or "").strip() or None
            click = _click(event, approval_id, Purpose.REJECT)
            await self.decider.decide(
                Click(**{**click.__dict__, "reason": reason, "from_modal": True, "trigger_id": None})
            )
        elif event.type == ViewId.EDIT:
            await self.editor.submit(_click(event, approval_id, Purpose.EDIT), values)
        else:
            raise UserFacingError("I don't know that form any more, so nothing changed.", hint=STALE_HINT)


def _click(event: Event, approval_id: str, purpose: Purpose) -> Click:
    return Click(
        approval_id=approval_id,
        user=event.actor,
        team_id=event.team_id,
        channel=event.channel,
        purpose=purpose,
        trigger_id=text(event.payload.get("trigger_id")) or None,
        enterprise_id=event.enterprise_id,
        user_team_id=event.user_team_id,
    )


def _metadata(text: Any) -> JsonObject:
    try:
        data = json.loads(text or "{}")
    except (ValueError, RecursionError):  # the HTTP edge refuses both; a stored event is read defensively
        return {}
    return data if isinstance(data, dict) else {}
