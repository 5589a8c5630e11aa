"""GitHub events → Slack: PR cards, CI failures with a rerun button, merges; one thread per PR or commit."""

from __future__ import annotations

import logging

from bot.core.domain import Event
from bot.core.jsonvalue import JsonObject
from bot.core.trigger_records import CiCard, PrCard, ThreadData
from bot.slack_ui.trigger_blocks import FAILED, ci_failure, pr_card
from bot.triggers.followups import Followups
from bot.triggers.github_changes import CiRun, Comment, GitHubChange, Pull, github_change, thread_keys
from bot.triggers.threads import Thread, Threads
from bot.triggers.trigger_rules import Rules

log = logging.getLogger(__name__)

PR_OPENED = {"opened", "reopened", "ready_for_review"}


class GitHubReactions:
    def __init__(self, *, rules: Rules, threads: Threads, followups: Followups) -> None:
        self.rules = rules
        self.threads = threads
        self.followups = followups

    async def handle(self, inbox_id: int, event: Event) -> None:
        change = github_change(event)
        facts = change.facts
        route = self.rules.route(facts)
        if route is None or route.notify is None:
            log.info("no route for %s in %s", facts.type, facts.repo)
            return
        detail = change.detail
        thread: Thread | None = None
        if isinstance(detail, Pull):
            thread = await self._pull_request(change, detail, route.notify)
        elif isinstance(detail, CiRun) and change.action == "completed":
            thread = await self._ci(change, detail, route.notify)
        elif isinstance(detail, Comment):
            thread = await self._comment(change, detail)
        thread_ts = thread.thread_ts if thread is not None else None
        await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread_ts)

    async def _pull_request(self, change: GitHubChange, pull: Pull, channel: str) -> Thread | None:
        repo, action = change.facts.repo, change.action
        pr: PrCard = {
            "number": pull.number,
            "title": pull.title,
            "url": pull.url,
            "author": pull.author,
            "head": pull.head,
            "base": pull.base,
            "merged": pull.merged,
            "state": pull.state,
            "repo": repo,
            "additions": pull.additions,
            "deletions": pull.deletions,
            "changed_files": pull.changed_files,
        }
        keys = thread_keys(change)
        if action not in PR_OPENED and await self.threads.find(keys) is None and action != "closed":
            return None  # edits, labels, syncs of a PR we never announced
        text = f"PR #{pr['number']} {pr['title']} in {repo}"
        thread = await self.threads.open(keys, channel, text, pr_card(pr), {"pr": pr, "checks": {}})
        if thread.created:
            return thread
        pr["checks"] = thread.data.get("checks") or {}
        thread.data["pr"] = {**thread.data.get("pr", {}), **pr}
        await self.threads.save(thread)
        await self.threads.update(thread, thread.card_ts, text, pr_card(thread.data["pr"]))
        for key in keys:  # a PR announced after its commit's CI thread, or a new head commit: same thread
            await self.threads.alias(key, thread)
        if action == "closed":
            who = change.sender
            said = f"🟣 Merged by {who}." if pull.merged else f"⚪ Closed without merging by {who}."
            await self.threads.reply(thread, said, [])
        return thread

    async def _ci(self, change: GitHubChange, ci: CiRun, channel: str) -> Thread | None:
        failed = ci.conclusion in FAILED
        thread = await self.threads.find(thread_keys(change))
        if thread is None and not failed:
            return None
        if thread is None:
            thread = await self._ci_thread(change, ci, channel)
        if ci.kind == "check_run" and ci.job:
            thread.data.setdefault("checks", {})[ci.job] = ci.conclusion
            if "pr" in thread.data:
                await self.threads.update(thread, thread.card_ts, "PR checks", pr_card(_with_checks(thread.data)))
        if failed or str(ci.run_id) in thread.data.get("ci", {}):
            await self._ci_message(thread, change, ci, failed)
        await self.threads.save(thread)
        return thread

    async def _ci_thread(self, change: GitHubChange, ci: CiRun, channel: str) -> Thread:
        repo = change.facts.repo
        text = f"CI on {repo} {str(ci.sha or '')[:7]}"
        head = f"🔧 CI for `{repo}` · commit `{str(ci.sha or '')[:7]}` on `{ci.branch or '?'}`"
        blocks: list[JsonObject] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
        return await self.threads.open(thread_keys(change), channel, text, blocks, {"checks": {}})

    async def _ci_message(self, thread: Thread, change: GitHubChange, run: CiRun, failed: bool) -> None:
        """One message per workflow run (or failing check), updated in place as jobs report."""
        key = str(run.run_id or f"check:{run.job}")
        runs = thread.data.setdefault("ci", {})
        ci: CiCard = runs.get(key) or {"key": key, "jobs": [], "branch": run.branch, "sha": run.sha}
        if run.kind != "workflow_run" and failed and run.job and run.job not in ci["jobs"]:
            ci["jobs"].append(run.job)
        if run.kind == "workflow_run" or not ci.get("workflow"):
            ci["workflow"] = run.workflow or ci.get("workflow")
        ci["url"] = ci.get("url") or run.url
        ci["rerun"] = _rerun_args(change, run)
        if run.kind == "workflow_run" and not failed:
            ci["passed"] = run.attempt or 2
        text = f"CI failed: {ci.get('workflow') or 'CI'} in {change.facts.repo}"
        if ci.get("ts"):
            await self.threads.update(thread, ci["ts"], text, ci_failure(ci))
        else:
            ci["ts"] = await self.threads.reply(thread, text, ci_failure(ci))
        runs[key] = ci

    async def _comment(self, change: GitHubChange, comment: Comment) -> Thread | None:
        thread = await self.threads.find(thread_keys(change))
        if thread is not None:
            said = f"💬 {change.sender} commented: {str(comment.body or '')[:300]}"
            await self.threads.reply(thread, said.replace("<", "&lt;").replace(">", "&gt;"), [])
        return thread


def _with_checks(data: ThreadData) -> PrCard:
    return {**data["pr"], "checks": data.get("checks") or {}}


def _rerun_args(change: GitHubChange, run: CiRun) -> JsonObject:
    repo = change.facts.repo
    if run.run_id:
        return {"repo": repo, "run_id": run.run_id}
    return {"repo": repo, "pr": run.number} if run.number else {}
