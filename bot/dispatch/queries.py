"""Read-only built-in commands: `/ops pending` and `/ops audit <run id | @user | today>`."""

from __future__ import annotations

import re
from datetime import datetime, time

from bot.approvals.membership import describe_specs
from bot.core.clock import Clock
from bot.core.domain import ApprovalRecord
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.slack_ui.block_kit import as_dicts, context, escape, section
from bot.store.audit import AuditEntry, AuditLog
from bot.store.repository import Repository

USER = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
MAX_ROWS = 40


class Queries:
    def __init__(self, *, repo: Repository, audit: AuditLog, clock: Clock) -> None:
        self.repo = repo
        self.audit = audit
        self.clock = clock

    async def pending(self, *, user: str, channel: str | None) -> tuple[str, list[JsonObject]]:
        rows = [
            a
            for a in await self.repo.pending_approvals()
            if a.channel == channel or a.requester == user or user in (a.approvers or [])
        ]
        if not rows:
            return "Nothing is waiting for approval here.", as_dicts(
                [section("✅ Nothing is waiting for approval here.")]
            )
        now = self.clock.now()
        lines = [self._pending_line(a, now) for a in rows[:MAX_ROWS]]
        text = f"{len(rows)} request{'s' if len(rows) != 1 else ''} waiting for approval"
        return text, as_dicts([section(f"*{text}*"), section("\n".join(lines))])

    def _pending_line(self, approval: ApprovalRecord, now: datetime) -> str:
        title = escape(str(approval.preview.get("title", "")))
        age = _duration((now - approval.created_at).total_seconds())
        left = _duration((approval.expires_at - now).total_seconds())
        where = f" in <#{approval.channel}>" if approval.channel else ""
        return (
            f"• *{title}*{where} — asked by <@{approval.requester}> {age} ago, expires in {left}, "
            f"needs {approval.required} from {describe_specs(approval.approvers)} · `{approval.id[:8]}`"
        )

    async def audit_trail(self, query: str) -> tuple[str, list[JsonObject]]:
        query = query.strip()
        if not query:
            raise UserFacingError(
                "Which trail?", hint="Try `/ops audit today`, `/ops audit @ana` or `/ops audit <run id>`."
            )
        user = USER.match(query)
        if query.lower() == "today":
            midnight = datetime.combine(self.clock.now().date(), time.min, tzinfo=self.clock.now().tzinfo)
            rows, label = await self.audit.rows(since=midnight, last=MAX_ROWS), "today"
        elif user:
            who = user.group(1) or user.group(2)
            rows, label = await self.audit.rows(actor=who, last=MAX_ROWS), f"<@{who}>"
        elif re.fullmatch(r"[0-9a-f]{4,32}", query):
            rows, label = await self.audit.rows(run_prefix=query, last=MAX_ROWS), f"run `{query}`"
        else:
            raise UserFacingError(
                f"I can't read `{escape(query)}` as a run id, a user or `today`.",
                hint="Try `/ops audit today`, `/ops audit @ana` or `/ops audit 3f2a9c1d`.",
            )
        if not rows:
            return f"No audit entries for {label}.", as_dicts([section(f"No audit entries for {label}.")])
        lines = [_audit_line(r) for r in rows]
        text = f"Audit trail for {label} (last {len(rows)})"
        return text, as_dicts(
            [section(f"*{text}*"), section("\n".join(lines)), context("`opsbot audit verify` checks the chain.")]
        )


def _audit_line(row: AuditEntry) -> str:
    data = row.data
    detail = data.get("decision") or data.get("tool") or data.get("reason") or data.get("status") or ""
    who = f" by <@{row.actor}>" if row.actor else ""
    run = f" · run `{row.run_id[:8]}`" if row.run_id else ""
    return f"`{row.at:%H:%M:%S}` {row.kind}{who}{run} {escape(str(detail))[:120]}"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 86400}d"
