"""`/ops digest add|list|remove`: parse the request, store the digest, answer the person who asked.

A digest is removed by its exact id, in its channel, by the person who added it or an admin (`admins`, given by
the wiring; nobody by default)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import Clock
from bot.core.domain import Event
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import date, mention
from bot.core.trigger_records import DigestRecord, DigestSpec
from bot.slack_ui.block_kit import as_dicts, context, escape, section
from bot.store.triggers import TriggerStore
from bot.triggers.digests import KIND_NAMES, DigestBuilder
from bot.triggers.scheduler import next_slot

USAGE = "`/ops digest add daily 09:00 Europe/Berlin prs acme/api`, `/ops digest list`, `/ops digest remove <id>`"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = {"daily": "*", "weekdays": "mon-fri", "weekly": "mon"}
KINDS = {"prs": "prs", "pulls": "prs", "pull-requests": "prs", "approvals": "approvals", "pending": "approvals"}
KINDS |= {"runs": "runs", "failed-runs": "runs", "invoices": "invoices"}
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass(frozen=True, kw_only=True)
class DigestRequest:
    cadence: str
    at: str
    timezone: str
    kind: str
    target: str | None


def parse_add(words: list[str], default_repo: str | None) -> DigestRequest:
    if len(words) < 4:
        raise UserFacingError("A digest needs a cadence, a time, a time zone and a kind.", hint=f"Try {USAGE}.")
    cadence = _cadence(words[0].lower())
    clock = TIME.match(words[1])
    if clock is None:
        raise UserFacingError(f"`{escape(words[1])}` is not a time of day.", hint="Write it as HH:MM, e.g. 09:00.")
    try:
        ZoneInfo(words[2])
    except (ZoneInfoNotFoundError, ValueError):
        raise UserFacingError(
            f"`{escape(words[2])}` is not a time zone.", hint="Use an IANA name such as Europe/Berlin or UTC."
        ) from None
    kind = KINDS.get(words[3].lower())
    if kind is None:
        raise UserFacingError(
            f"I don't know the digest kind `{escape(words[3])}`.", hint="Kinds: " + ", ".join(KIND_NAMES)
        )
    target = words[4] if len(words) > 4 else (default_repo if kind == "prs" else None)
    if kind == "prs" and (target is None or not REPO.match(target)):
        raise UserFacingError("A pull request digest needs a repository.", hint="Add it: `… prs acme/api`.")
    at = f"{int(clock.group(1)):02d}:{clock.group(2)}"
    return DigestRequest(cadence=cadence, at=at, timezone=words[2], kind=kind, target=target if kind == "prs" else None)


def _cadence(word: str) -> str:
    if word in CADENCES:
        return CADENCES[word]
    days = [d[:3] for d in word.split(",")]
    if days and all(d in DAYS for d in days):
        return ",".join(days)
    raise UserFacingError(
        f"`{escape(word)}` is not a cadence.", hint="Use daily, weekdays, weekly, or days such as mon,thu."
    )


AskCheck = Callable[[str, Event], Awaitable[str | None]]  # (tool, the request) → why this person may not ask
DIGEST_TOOLS = {"invoices": "erp_overdue_invoices"}  # digests that read through a tool of their own


class DigestCommands:
    def __init__(
        self,
        *,
        store: TriggerStore,
        builder: DigestBuilder,
        clock: Clock,
        admins: frozenset[str] = frozenset(),
        may_ask: AskCheck | None = None,
    ) -> None:
        self.store = store
        self.builder = builder
        self.clock = clock
        self.admins = admins  # Slack user ids who may remove anyone's digest
        self.may_ask = may_ask  # the policy's requesters, for the tool a digest reads on its own (the ERP's)

    async def run(self, query: str, event: Event, default_repo: str | None) -> tuple[str, list[JsonObject]]:
        words = query.split()
        verb = words[0].lower() if words else ""
        if not event.channel:
            raise UserFacingError("Digests are posted in a channel: use `/ops digest` in one.")
        if verb == "add":
            return await self._add(parse_add(words[1:], default_repo), event, event.channel)
        if verb in ("list", "ls", ""):
            return await self._list(event.channel)
        if verb in ("remove", "rm", "delete") and len(words) == 2:
            return await self._remove(words[1].lower(), event.actor, event.channel)
        raise UserFacingError("I didn't understand that digest command.", hint=f"Try {USAGE}.")

    async def _add(self, req: DigestRequest, event: Event, channel: str) -> tuple[str, list[JsonObject]]:
        if not self.builder.available(req.kind):
            raise UserFacingError("Overdue invoices need an ERP.", hint="Set TRYTON_URL or ODOO_URL first.")
        tool = DIGEST_TOOLS.get(req.kind)
        if tool is not None and self.may_ask is not None:
            refusal = await self.may_ask(tool, event)
            if refusal is not None:  # a digest must not read for anyone what its creator may not ask for
                raise UserFacingError(refusal)
        now = self.clock.now()
        for _attempt in range(5):  # a short id, so it can be typed exactly; a clash (1 in 4 billion) draws again
            digest_id = secrets.token_hex(4)
            if await self.store.add_digest(self._record(digest_id, req, event, channel, now)):
                break
        else:
            raise RuntimeError("could not find a free digest id")
        first = next_slot(req.cadence, req.at, req.timezone, now)
        when = (
            date(int(first.timestamp()), "{date_short_pretty} {time}", f"{first:%Y-%m-%d %H:%M} UTC") if first else "?"
        )
        return _say(f"Digest `{digest_id}` added: {describe(req)}. First one: {when}.")

    @staticmethod
    def _record(digest_id: str, req: DigestRequest, event: Event, channel: str, now: datetime) -> DigestRecord:
        return DigestRecord(
            id=digest_id,
            team_id=event.team_id,
            channel=channel,
            created_by=event.actor,
            cadence=req.cadence,
            at=req.at,
            timezone=req.timezone,
            kind=req.kind,
            target=req.target,
            created_at=now,
            active=True,
        )

    async def _remove(self, digest_id: str, user: str, channel: str) -> tuple[str, list[JsonObject]]:
        """Only the exact id, only in its channel, only by who added it or an admin."""
        shown = escape(digest_id)
        digest = await self.store.digest(digest_id)
        if digest is None or not digest.active or digest.channel != channel:
            raise UserFacingError(
                f"No digest `{shown}` in this channel.", hint="`/ops digest list` shows the ids; give one exactly."
            )
        if user != digest.created_by and user not in self.admins:  # a plain reply, so the mentions stay live
            admins = ", ".join(mention(a) for a in sorted(self.admins))
            who = f"{mention(digest.created_by)}, who added it," + (f" or an admin ({admins})" if admins else "")
            return _say(f"⛔ Only {who} can remove digest `{shown}`. It stays.")
        if not await self.store.remove_digest(digest.id, channel):
            raise UserFacingError(f"Digest `{shown}` was already removed.")
        return _say(f"Digest `{shown}` removed.")

    async def _list(self, channel: str) -> tuple[str, list[JsonObject]]:
        rows = await self.store.active_digests(channel)
        if not rows:
            return _say("No digests in this channel.", f"Add one: {USAGE}.")
        lines = [f"• `{d.id}` {describe(d)} — added by {mention(d.created_by)}" for d in rows]
        return _say(f"{len(rows)} digest{'s' if len(rows) != 1 else ''} in this channel:", "\n".join(lines))


def describe(d: DigestRequest | DigestSpec) -> str:
    cadence = {v: k for k, v in CADENCES.items()}.get(d.cadence, d.cadence)
    what = KIND_NAMES.get(d.kind, d.kind).lower() + (f" in {d.target}" if d.target else "")
    return f"{cadence} at {d.at} {d.timezone} — {what}"


def _say(text: str, more: str | None = None) -> tuple[str, list[JsonObject]]:
    blocks = (
        [section(text)] + ([section(more)] if more else []) + [context("Digests are skipped when nothing changed.")]
    )
    return text, as_dicts(blocks)
