"""Digest content: pull requests, pending approvals, failed or self-corrected runs, overdue invoices; and its hash.
Approvals and runs are those of the digest's own channel: a digest never shows another channel's requests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.approvals.membership import describe_specs
from bot.core.clock import Clock
from bot.core.jsonvalue import JsonObject, items, number, optional_text, text
from bot.core.mrkdwn import link, mention, review_requested
from bot.core.tool_registry import ToolRegistry
from bot.core.trigger_records import DigestSpec, RunOutcome
from bot.slack_ui.block_kit import escape
from bot.slack_ui.trigger_blocks import DigestSection, DigestView, digest_blocks, remind_button, rerun_button
from bot.store.repository import Repository
from bot.store.triggers import TriggerStore

KIND_NAMES = {
    "prs": "Pull requests",
    "approvals": "Pending approvals",
    "runs": "Failed or self-corrected runs",
    "invoices": "Overdue invoices",
}
INVOICE_TOOL = "erp_overdue_invoices"


@dataclass(frozen=True, kw_only=True)
class DigestContent:
    text: str
    blocks: list[JsonObject]
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class OpenPull:
    """One pull request of `list_pull_requests`' data."""

    number: int | None
    title: str
    author: str
    age_days: int
    checks: str | None  # passing, failing, pending, none
    url: str
    draft: bool
    requested_reviewers: tuple[str, ...]
    requested_teams: tuple[str, ...]
    head_sha: str = ""
    conflicts: bool = False  # GitHub says it conflicts with its base branch

    @classmethod
    def of(cls, data: Mapping[str, object]) -> OpenPull:
        return cls(
            number=number(data.get("number")),
            title=text(data.get("title")),
            author=text(data.get("author")),
            age_days=number(data.get("age_days")) or 0,
            checks=optional_text(data.get("checks")),
            url=text(data.get("url")),
            draft=data.get("draft") is True,
            requested_reviewers=tuple(text(name) for name in items(data.get("requested_reviewers"))),
            requested_teams=tuple(text(slug) for slug in items(data.get("requested_teams"))),
            head_sha=optional_text(data.get("head_sha")) or "",
            conflicts=data.get("mergeable") is False,
        )


def fingerprint(data: object) -> str:
    """A hash of what the digest says (not of ages or times), so an unchanged digest can be skipped."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class DigestBuilder:
    def __init__(
        self, *, registry: ToolRegistry, repo: Repository, store: TriggerStore, clock: Clock, stale_days: int = 7
    ) -> None:
        self.registry = registry
        self.repo = repo
        self.store = store
        self.clock = clock
        self.stale_days = stale_days

    def available(self, kind: str) -> bool:
        return kind in KIND_NAMES and (kind != "invoices" or INVOICE_TOOL in self.registry)

    async def build(self, digest: DigestSpec | Mapping[str, object], since: datetime | None) -> DigestContent:
        """The digest's content now (runs: those since `since`). A mapping is read as a DigestSpec's fields."""
        spec = digest if isinstance(digest, DigestSpec) else _spec(digest)
        kind = spec.kind
        sections: list[DigestSection]
        data: object
        if kind == "prs":
            sections, data = await self._prs(str(spec.target))
        elif kind == "approvals":
            sections, data = await self._approvals(spec.channel)
        elif kind == "runs":
            sections, data = await self._runs(since or self.clock.now() - timedelta(days=1), spec.channel)
        else:
            sections, data = await self._invoices()
        where = f" · {spec.target}" if spec.target else ""
        title = f"{KIND_NAMES.get(kind, kind)}{where}"
        footer = f"Digest `{spec.id}` · {spec.cadence} {spec.at} {spec.timezone}"
        view = DigestView(title=f"📋 {title}", sections=sections, footer=footer)
        return DigestContent(text=title, blocks=digest_blocks(view), fingerprint=fingerprint([kind, data]))

    async def _prs(self, repo: str) -> tuple[list[DigestSection], object]:
        tool = self.registry.get("list_pull_requests")
        result = await tool.run(tool.args.model_validate({"repo": repo, "state": "open", "limit": 50}))
        pulls = [OpenPull.of(p) for p in items(result.data.get("pull_requests")) if isinstance(p, Mapping)]
        stale = [p for p in pulls if p.age_days >= self.stale_days]
        failing = [p for p in pulls if p.checks == "failing"]
        rerunnable = await self._with_failed_runs(repo, failing)
        # a draft is not asking for review yet; a review given removes the reviewer from GitHub's requested list
        ready = [p for p in pulls if p.checks == "passing" and p not in stale and not p.draft]

        def line(p: OpenPull) -> str:
            draft = " (draft)" if p.draft else ""
            conflicts = " · conflicts with its base branch" if p.conflicts else ""
            said = f"{escape(p.title)}{draft} — {escape(p.author)}, {p.age_days}d{conflicts}"
            return f"• {link(p.url, f'#{p.number}')} {said}"

        asked = [p for p in ready if p.requested_reviewers or p.requested_teams]

        def waiting(p: OpenPull) -> str:
            return f"{line(p)} → {review_requested(p.requested_reviewers, p.requested_teams)}"

        sections = [
            DigestSection(title=f"Open ({len(pulls)})", lines=[line(p) for p in pulls], empty="No open PRs."),
            DigestSection(title=f"Stale over {self.stale_days} days ({len(stale)})", lines=[line(p) for p in stale]),
            DigestSection(
                title=f"Failing checks ({len(failing)})",
                lines=[line(p) + ("" if p in rerunnable else " · no failed workflow run to rerun") for p in failing],
                buttons=[rerun_button({"repo": repo, "pr": p.number}, f"Rerun #{p.number}") for p in rerunnable],
            ),
            DigestSection(
                title=f"Waiting for review, checks green ({len(ready)})",
                lines=[waiting(p) for p in ready],
                buttons=[remind_button(remind_args(repo, p), f"Remind reviewers of #{p.number}") for p in asked],
            ),
        ]
        data = [
            (
                p.number,
                p.title,
                p.checks,
                p in stale,
                p.draft,
                list(p.requested_reviewers),
                p in rerunnable,
                p.conflicts,
            )
            for p in pulls
        ]
        return sections, data

    async def _with_failed_runs(self, repo: str, failing: list[OpenPull]) -> list[OpenPull]:
        """The failing PRs whose head commit has a failed workflow run (one call for all): only those get a Rerun
        button. Checks can fail outside GitHub Actions (a commit status, another app's check), and then a rerun has
        nothing to re-run."""
        if not failing:
            return []
        tool = self.registry.get("list_failed_workflow_runs")
        result = await tool.run(tool.args.model_validate({"repo": repo, "limit": 100}))
        shas = {text(r.get("sha")) for r in items(result.data.get("runs")) if isinstance(r, Mapping)}
        return [p for p in failing if p.head_sha in shas]

    async def _approvals(self, channel: str) -> tuple[list[DigestSection], object]:
        now = self.clock.now()
        rows = await self.repo.pending_approvals(channel=channel)  # this channel's only
        lines = [
            f"• *{escape(str(a.preview.get('title', '')))}* — asked by {mention(a.requester)} "
            f"{_age(now - a.created_at)} ago, expires in {_age(a.expires_at - now)}, "
            f"needs {a.required} from {describe_specs(a.approvers)}"
            for a in rows
        ]
        section = DigestSection(title=f"Waiting ({len(rows)})", lines=lines, empty="Nothing is waiting for approval.")
        return [section], [(a.id, a.status.value) for a in rows]

    async def _runs(self, since: datetime, channel: str) -> tuple[list[DigestSection], object]:
        rows = await self.store.runs_since(since, channel)  # this channel's only
        failed = [r for r in rows if not r.corrected]
        corrected = [r for r in rows if r.corrected]

        def line(r: RunOutcome) -> str:
            return f"• `{r.id[:8]}` {escape(str(r.text)[:80])} — {r.status}"

        sections = [
            DigestSection(title=f"Failed or unknown ({len(failed)})", lines=[line(r) for r in failed]),
            DigestSection(title=f"Corrected themselves ({len(corrected)})", lines=[line(r) for r in corrected]),
        ]
        return sections, [(r.id, r.status) for r in rows]

    async def _invoices(self) -> tuple[list[DigestSection], object]:
        if INVOICE_TOOL not in self.registry:
            return [DigestSection(title="Overdue invoices", empty="No ERP is configured.")], None
        tool = self.registry.get(INVOICE_TOOL)
        result = await tool.run(tool.args.model_validate({}))
        return [DigestSection(title=result.text, lines=list(result.lines))], [result.text, list(result.lines)]


def remind_args(repo: str, pull: OpenPull) -> JsonObject:
    return {
        "repo": repo,
        "pr": pull.number,
        "reviewers": list(pull.requested_reviewers),
        "teams": list(pull.requested_teams),
    }


def _spec(digest: Mapping[str, object]) -> DigestSpec:
    return DigestSpec(
        id=text(digest.get("id")),
        channel=text(digest.get("channel")),
        cadence=text(digest.get("cadence")),
        at=text(digest.get("at")),
        timezone=text(digest.get("timezone")),
        kind=text(digest.get("kind")),
        target=optional_text(digest.get("target")),
    )


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
