"""Read-only built-in commands: `/ops pending` and `/ops audit <run id | @user | today>`, scoped to where they are
asked. In a channel they show that channel's requests and runs only; in a DM (a channel id starting with `D`) the
ones the asker requested, or decided on (audit) or may decide (pending). Audit rows without a run are never shown.
A `@handle` (Slack sends one as typed: the command has `should_escape: false`) is resolved through the directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from bot.approvals.membership import LookupFailed, Membership, describe_specs
from bot.core.clock import Clock
from bot.core.domain import ApprovalRecord
from bot.core.errors import AmbiguousHandle, UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mcp_runs import mcp_client
from bot.core.mrkdwn import channel as channel_ref
from bot.core.mrkdwn import mention, readable, slack_refs
from bot.core.ports import Directory
from bot.slack_ui.block_kit import as_dicts, context, escape, section, sections
from bot.store.audit import AuditEntry, AuditLog, TrailScope
from bot.store.repository import Repository

USER = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")  # what Slack sends for a mention with escaping on
USER_ID = re.compile(r"^@?([UW][A-Z0-9]{2,})$")
HANDLE = re.compile(r"^@(\S.{0,79})$")  # a handle, or a display name as Slack shows it (spaces and all)
MAX_ROWS = 40
DETAIL = 120  # characters of an audit row's detail
WHO_HINT = "Use their Slack handle or display name, as Slack shows it (`/ops audit @ana`), or pick them with `@`."
AUDIT_SCOPE_NOTE = (
    "In a channel: only runs of this channel. In a DM: only runs you asked for or decided on. "
    "Entries outside a run are not shown. `opsbot audit verify` checks the whole chain."
)


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asked, and where: a channel id, a DM (`D…`), or None when the conversation is unknown (read as a DM)."""

    user: str
    channel: str | None

    @property
    def in_channel(self) -> bool:
        return bool(self.channel and not self.channel.startswith("D"))

    @property
    def trail_scope(self) -> TrailScope:
        return TrailScope(channel=self.channel) if self.in_channel else TrailScope(user=self.user)

    @property
    def where(self) -> str:
        return "in this channel" if self.in_channel else "that you asked for or decided on"


class Queries:
    def __init__(
        self,
        *,
        repo: Repository,
        audit: AuditLog,
        clock: Clock,
        membership: Membership | None = None,
        directory: Directory | None = None,
    ) -> None:
        """`membership` lets a DM's `/ops pending` include requests the asker may decide through a user group or
        channel membership; without it, only those that name the asker as an approver (and their own). `directory`
        resolves `/ops audit @handle` and names the people an audit row's reason mentions."""
        self.repo = repo
        self.audit = audit
        self.clock = clock
        self.membership = membership
        self.directory = directory

    async def pending(self, *, user: str, channel: str | None) -> tuple[str, list[JsonObject]]:
        asker = Asker(user=user, channel=channel)
        unchecked = 0
        if asker.in_channel:
            rows = await self.repo.pending_approvals(channel=channel)
        else:
            rows = []
            for approval in await self.repo.pending_approvals():
                try:
                    if await self._concerns(approval, user):
                        rows.append(approval)
                except LookupFailed:
                    unchecked += 1
        where = "in this channel" if asker.in_channel else "for you (asked by you, or yours to decide)"
        note = (
            [context(f"{unchecked} more could not be checked (a Slack lookup failed), so they are left out.")]
            if unchecked
            else []
        )
        if not rows:
            text = f"Nothing is waiting for approval {where}."
            return text, as_dicts([section(f"✅ {text}"), *note])
        now = self.clock.now()
        lines = [
            self._pending_line(a, now, show_channel=not asker.in_channel, via=await self._via(a))
            for a in rows[:MAX_ROWS]
        ]
        text = f"{len(rows)} request{'s' if len(rows) != 1 else ''} waiting for approval {where}"
        return text, as_dicts([section(f"*{text}*"), section("\n".join(lines)), *note])

    async def _concerns(self, approval: ApprovalRecord, user: str) -> bool:
        """The asker requested it, or may decide it (as the click check would decide)."""
        if approval.requester == user:
            return True
        if self.membership is None:
            return user in approval.approvers
        return await self.membership.may_decide(user, approval.approvers, approval.channel)

    async def _via(self, approval: ApprovalRecord) -> str | None:
        """The MCP client that asked, for a request an agent made."""
        run = await self.repo.run(approval.run_id)
        return mcp_client(run.state) if run is not None else None

    def _pending_line(
        self, approval: ApprovalRecord, now: datetime, *, show_channel: bool, via: str | None = None
    ) -> str:
        title = escape(str(approval.preview.get("title", "")))
        age = _duration((now - approval.created_at).total_seconds())
        left = _duration((approval.expires_at - now).total_seconds())
        where = f" in {channel_ref(approval.channel)}" if approval.channel and show_channel else ""
        return (
            f"• *{title}*{where} — asked by {mention(approval.requester)}"
            f"{f' via *{escape(via)}*' if via else ''} {age} ago, expires in {left}, "
            f"needs {approval.required} from {describe_specs(approval.approvers)} · `{approval.id[:8]}`"
        )

    async def audit_trail(
        self, query: str, *, user: str | None = None, channel: str | None = None
    ) -> tuple[str, list[JsonObject]]:
        """The trail asked for, of the runs the asker may see (see the module docstring). Without `user` nobody is
        known to have asked, so nothing is shown."""
        query = query.strip()
        if user is None:
            raise UserFacingError("I can't tell who asked or where, so I show no audit trail.")
        if not query:
            raise UserFacingError(
                "Which trail?", hint="Try `/ops audit today`, `/ops audit @ana` or `/ops audit <run id>`."
            )
        asker = Asker(user=user, channel=channel)
        scope = asker.trail_scope
        if query.lower() == "today":
            midnight = datetime.combine(self.clock.now().date(), time.min, tzinfo=self.clock.now().tzinfo)
            rows, label = await self.audit.trail(scope, since=midnight, last=MAX_ROWS), "today"
        elif re.fullmatch(r"[0-9a-f]{4,32}", query):
            rows, label = await self.audit.trail(scope, run_prefix=query, last=MAX_ROWS), f"run `{query}`"
        elif actor := await self._actor(query):
            rows, label = await self.audit.trail(scope, actor=actor, last=MAX_ROWS), mention(actor)
        else:
            raise UserFacingError(
                f"I can't read `{query}` as a run id, a user or `today`.",  # escaped where it is shown
                hint="Try `/ops audit today`, `/ops audit @ana` or `/ops audit 3f2a9c1d`.",
            )
        if not rows:
            text = f"No audit entries for {label} in runs {asker.where}."
            return text, as_dicts([section(text), context(AUDIT_SCOPE_NOTE)])
        names = await self._names(rows)
        lines = [_audit_line(r, names) for r in rows]
        text = f"Audit trail for {label} in runs {asker.where} (last {len(rows)})"
        return text, as_dicts([section(f"*{text}*"), *sections(lines), context(AUDIT_SCOPE_NOTE)])

    async def _actor(self, query: str) -> str | None:
        """The user id `query` names: a mention, a `@handle` (through the directory), or a bare user id."""
        if mentioned := USER.match(query):
            return mentioned.group(1)
        handle = HANDLE.match(query)
        if handle is None or self.directory is None:
            bare = USER_ID.match(query)
            return bare.group(1) if bare else None
        name = handle.group(1).strip()
        try:
            found = await self.directory.user_id(name)
        except AmbiguousHandle as exc:
            raise UserFacingError(
                f"{len(exc.users)} people here go by @{name}, so I can't tell whose trail you mean.",
                hint="Use their Slack handle (in their profile), or mention them.",
            ) from None
        except Exception:  # a Slack lookup failed: say so, as any failed lookup (fail closed)
            raise UserFacingError(
                f"I couldn't look up @{name} in Slack just now, so I show no trail.", hint="Try again shortly."
            ) from None
        if found is None and (bare := USER_ID.match(query)):
            return bare.group(1)  # `@U123…`: an id typed as one
        if found is None:
            raise UserFacingError(f"I don't know @{name} in this workspace.", hint=WHO_HINT)
        return found

    async def _names(self, rows: list[AuditEntry]) -> dict[str, str]:
        """The names of the people and channels the rows' details mention, for `readable` (none it can't find)."""
        users: set[str] = set()
        channels: set[str] = set()
        for row in rows:
            found = slack_refs(_detail(row))
            users |= found[0]
            channels |= found[1]
        names = {ref: await self._name(ref, user=ref in users) for ref in sorted(users | channels)}
        return {ref: name for ref, name in names.items() if name}

    async def _name(self, ref: str, *, user: bool) -> str | None:
        if self.directory is None:
            return None
        try:
            return await (self.directory.user_name if user else self.directory.channel_name)(ref)
        except Exception:  # a name is a nicety: without it the line says "someone"
            return None


def _detail(row: AuditEntry) -> str:
    data = row.data
    return str(data.get("decision") or data.get("tool") or data.get("reason") or data.get("status") or "")


def _audit_line(row: AuditEntry, names: dict[str, str]) -> str:
    """One row: its detail is stored text (a reason may be a person's words): escaped, its Slack ids named."""
    who = f" by {mention(row.actor)}" if row.actor else ""
    run = f" · run `{row.run_id[:8]}`" if row.run_id else ""
    detail = readable(_detail(row), names)
    shown = detail if len(detail) <= DETAIL else detail[: DETAIL - 1] + "…"  # cut before escaping: no half `&lt;`
    return f"`{row.at:%H:%M:%S}` {row.kind}{who}{run} {escape(shown)}"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 86400}d"
