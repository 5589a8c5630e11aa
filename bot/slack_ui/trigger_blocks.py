"""Block Kit builders for trigger messages: PR cards, CI failures, alert cards, probe cards and digests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import channel, link
from bot.core.trigger_records import CiCard, EarlierCi, PrCard
from bot.slack_ui.block_kit import HEADER_LIMIT, ActionId, as_dicts, clip, context, escape, fields_block, section

FAILED = frozenset({"failure", "timed_out", "cancelled", "action_required", "startup_failure"})
SHOWN_INSTANCES = 10  # instances listed on an alert card, then "and N more"
SEVERITY_ICON = {"critical": "🔥", "error": "🔥", "warning": "⚠️", "info": "ℹ️"}  # noqa: RUF001


class AlertCard(TypedDict, total=False):
    status: str  # firing, resolved
    alertname: str
    severity: str | None
    summary: str
    runbook: str | None
    source: str | None
    labels: dict[str, str]
    count: int
    instances: list[str]  # one per alert received (the count may be more: Alertmanager truncates)
    others: int  # alerts of other names in the group


class ProbeCard(TypedDict):
    status: str  # ok, degraded
    name: str
    url: str
    why: str
    p95: NotRequired[int | None]
    threshold: NotRequired[int | None]
    failures: NotRequired[int]


def rerun_button(args: JsonObject, label: str = "Rerun failed jobs") -> ButtonElement:
    return ButtonElement(text=label, action_id=ActionId.RERUN_FAILED.value, value=json.dumps(args, sort_keys=True))


def remind_button(args: JsonObject, label: str) -> ButtonElement:
    return ButtonElement(text=label, action_id=ActionId.REMIND_REVIEWERS.value, value=json.dumps(args, sort_keys=True))


def pr_card(pr: PrCard) -> list[JsonObject]:
    checks = pr.get("checks") or {}
    failing = sorted(name for name, c in checks.items() if c in FAILED)
    if failing:
        check_line = "❌ failing: " + ", ".join(f"`{escape(n)}`" for n in failing)
    elif checks:
        check_line = f"✅ {len(checks)} passing" if all(c == "success" for c in checks.values()) else "⏳ running"
    else:
        check_line = str(pr.get("checks_summary") or "—")
    state = "🟣 merged" if pr.get("merged") else ("⚪ closed" if pr.get("state") == "closed" else "🟢 open")
    size = f"+{pr.get('additions', 0)} −{pr.get('deletions', 0)} · {pr.get('changed_files', 0)} files"  # noqa: RUF001
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"PR #{pr['number']} {pr['title']}", HEADER_LIMIT)),
        fields_block(
            [
                ("Repository", f"`{pr['repo']}`"),
                ("Author", escape(str(pr.get("author", "?")))),
                ("Size", size),
                ("Checks", check_line),
                ("Branch", f"`{escape(str(pr.get('head', '?')))}` → `{escape(str(pr.get('base', '?')))}`"),
                ("State", state),
            ]
        ),
        context(link(str(pr["url"]), "Open on GitHub") if pr.get("url") else "GitHub"),
    ]
    if "earlier_ci" in pr:
        blocks.append(context(_earlier_ci(pr["earlier_ci"])))
    return as_dicts(blocks)


GATE_HEADERS = {
    "": "🚦 Deployment to {environment} is waiting",
    "success": "✅ Deployed to {environment}",
    "failure": "❌ Deployment to {environment} failed",
    "error": "❌ Deployment to {environment}: error",
    "inactive": "⚪ Deployment to {environment}: inactive",
}


def gate_card(repo: str, gate: JsonObject) -> list[JsonObject]:
    """The thread root of a deployment waiting on opsbot: where to, what, by whom, and the run that waits. The
    approval card (what ships, CI, Approve / Reject) follows in the thread; GitHub's later statuses are replies."""
    environment, ref, commit = (escape(str(gate.get(k) or "?")) for k in ("environment", "ref", "sha"))
    run_id = gate.get("run_id")
    run_url = str(gate.get("run_url") or "")
    run = (link(run_url, f"run {run_id}") if run_url else f"run {run_id}") if run_id else "unknown (not answerable)"
    outcome = str(gate.get("outcome") or "")
    head = GATE_HEADERS.get(outcome, "⏳ Deployment to {environment}: " + outcome if outcome else GATE_HEADERS[""])
    blocks: list[Block] = [
        HeaderBlock(text=clip(head.format(environment=gate.get("environment") or "?"), HEADER_LIMIT)),
        fields_block(
            [
                ("Repository", f"`{escape(repo)}`"),
                ("Environment", f"`{environment}`"),
                ("Ref", f"`{ref}` · commit `{commit[:7]}`"),
                ("Triggered by", escape(str(gate.get("creator") or "?"))),
                ("Workflow run", run),
            ]
        ),
    ]
    return as_dicts(blocks)


def _earlier_ci(earlier: EarlierCi) -> str:
    commit = f"`{escape(str(earlier.get('sha', ''))[:7])}`"
    if earlier.get("url"):
        return f"🔧 CI reported on {commit} before this PR: {link(str(earlier['url']), 'the earlier CI thread')}"
    where = f" in {channel(earlier['channel'])}" if earlier.get("channel") else ""
    return f"🔧 CI reported on {commit} before this PR: see the CI thread of commit {commit}{where}"


def ci_passed(ci: CiCard) -> bool:
    """The run passed, or every job or check that failed in it passed since."""
    jobs, passed = ci.get("jobs") or [], ci.get("passed_jobs") or {}
    return bool(ci.get("passed")) or (bool(jobs) and all(j in passed for j in jobs))


def ci_failure(ci: CiCard) -> list[JsonObject]:
    """A CI run's message: what failed and a rerun button; once everything that failed passed, it says so and the
    button is gone."""
    jobs, passed_jobs = ci.get("jobs") or [], ci.get("passed_jobs") or {}
    branch = ci.get("branch")
    where = f" on `{escape(branch)}`" if branch else ""
    commit = f" · commit `{escape(str(ci.get('sha', ''))[:7])}`" if ci.get("sha") else ""
    workflow = escape(ci.get("workflow") or "CI")
    done = ci_passed(ci)
    if done:
        attempt = f" on attempt {ci['passed']}" if ci.get("passed") else ""
        lines = [f"✅ *{workflow}* passed{attempt}{where}{commit}"]
        if jobs:
            lines.append("Failed before: " + ", ".join(f"`{escape(j)}`" for j in jobs))
    else:
        lines = [f"❌ *{workflow}* failed{where}{commit}"]
        named = [f"`{escape(j)}`" + (" (✅ passed since)" if j in passed_jobs else "") for j in jobs]
        lines.append("Failed jobs: " + (", ".join(named) if named else "not reported yet"))
    blocks: list[Block] = [section("\n".join(lines))]
    said = [f"✅ `{escape(j)}` passed" + (f" on attempt {a}" if a > 1 else "") for j, a in passed_jobs.items()]
    if ci.get("passed"):
        said.append(f"✅ Passed on attempt {ci['passed']}.")
    if said:
        blocks.append(context(" · ".join(said)))
    if not done and ci.get("rerun"):
        blocks.append(ActionsBlock(block_id=f"ci:{ci.get('key', '')}"[:255], elements=[rerun_button(ci["rerun"])]))
    if ci.get("url"):
        blocks.append(context(link(str(ci["url"]), "Open the run")))
    return as_dicts(blocks)


def alert_card(alert: AlertCard) -> list[JsonObject]:
    firing = alert["status"] == "firing"
    icon = SEVERITY_ICON.get(str(alert.get("severity", "")).lower(), "🔔") if firing else "✅"
    others = alert.get("others", 0)
    name = str(alert.get("alertname", "alert")) + (f" and {others} other{'s' if others != 1 else ''}" if others else "")
    title = f"{icon} [{alert['status'].upper()}:{alert.get('count', 1)}] {name}"
    labels = ", ".join(f"`{escape(k)}={escape(v)}`" for k, v in sorted(alert.get("labels", {}).items()))
    pairs = [("Severity", escape(str(alert.get("severity") or "—"))), ("Status", alert["status"])]
    blocks: list[Block] = [HeaderBlock(text=clip(title, HEADER_LIMIT)), fields_block(pairs)]
    if alert.get("summary"):
        blocks.append(section(escape(alert["summary"])))
    if labels:
        blocks.append(context(f"Labels: {labels}"))
    instances = alert.get("instances", [])
    if len(instances) > 1 or (instances and alert.get("count", 1) > 1):
        shown = ", ".join(f"`{escape(i)}`" for i in instances[:SHOWN_INSTANCES])
        more = max(alert.get("count", len(instances)), len(instances)) - min(len(instances), SHOWN_INSTANCES)
        blocks.append(context(f"Instances: {shown}" + (f" and {more} more" if more > 0 else "")))
    links = [link(str(alert["runbook"]), "Runbook")] if alert.get("runbook") else []
    links += [link(str(alert["source"]), "Source")] if alert.get("source") else []
    if links:
        blocks.append(context(" · ".join(links)))
    return as_dicts(blocks)


def probe_card(probe: ProbeCard) -> list[JsonObject]:
    ok = probe["status"] == "ok"
    title = f"{'✅ Recovered' if ok else '🐢 Degraded'}: {probe['name']}"
    pairs = [
        ("URL", escape(probe["url"])),
        ("p95 latency", f"{probe['p95']} ms" if probe.get("p95") is not None else "—"),
        ("Threshold", f"{probe['threshold']} ms" if probe.get("threshold") else "—"),
        ("Failures in a row", str(probe.get("failures", 0))),
    ]
    return as_dicts([HeaderBlock(text=clip(title, HEADER_LIMIT)), fields_block(pairs), context(probe["why"])])


@dataclass(frozen=True, kw_only=True)
class DigestSection:
    title: str
    lines: Sequence[str] = ()
    buttons: Sequence[ButtonElement] = ()
    empty: str = "Nothing."


@dataclass(frozen=True, kw_only=True)
class DigestView:
    title: str
    sections: Sequence[DigestSection] = field(default=())
    footer: str = ""


def digest_blocks(view: DigestView) -> list[JsonObject]:
    blocks: list[Block] = [HeaderBlock(text=clip(view.title, HEADER_LIMIT))]
    for part in view.sections:
        body = "\n".join(part.lines[:20]) or f"_{part.empty}_"
        more = f"\n…and {len(part.lines) - 20} more." if len(part.lines) > 20 else ""
        blocks.append(section(f"*{part.title}*\n{body}{more}"))
        if part.buttons:
            blocks.append(ActionsBlock(elements=list(part.buttons)[:5]))
    if view.footer:
        blocks.append(context(view.footer))
    return as_dicts(blocks)
