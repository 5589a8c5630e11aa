"""GitHub events → Slack: PR cards, CI failures with a rerun button, merges; one thread per PR or commit.

Threads are keyed by what they are about: a PR's by repository + number, a commit's (CI of a commit in no PR) by
repository + commit. See `thread_keys` for where each event looks, and `_pull_request` and `_ci` for the rest.
"""

from __future__ import annotations

import logging

from bot.core.domain import Event
from bot.core.jsonvalue import JsonObject
from bot.core.trigger_records import CiCard, EarlierCi, PrCard, ThreadData
from bot.slack_ui.trigger_blocks import FAILED, ci_failure, ci_passed, pr_card
from bot.triggers.deploy_changes import DeploymentGate, DeploymentState
from bot.triggers.followups import Followups
from bot.triggers.gate_reactions import GateReactions
from bot.triggers.github_changes import (
    CiRun,
    Comment,
    GitHubChange,
    Pull,
    commit_key,
    github_change,
    head_key,
    is_head_key,
    thread_keys,
)
from bot.triggers.threads import Thread, Threads
from bot.triggers.trigger_rules import Rules

log = logging.getLogger(__name__)

PR_OPENED = {"opened", "reopened", "ready_for_review"}


class GitHubReactions:
    def __init__(self, *, rules: Rules, threads: Threads, followups: Followups) -> None:
        self.rules = rules
        self.threads = threads
        self.followups = followups
        self.gates = GateReactions(threads=threads)

    async def handle(self, inbox_id: int, event: Event) -> None:
        change = github_change(event)
        facts = change.facts
        if isinstance(change.detail, DeploymentState):  # a gated deployment's thread follows it, routed or not
            await self.gates.state(change.repo, change.detail)
            return
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
        elif isinstance(detail, DeploymentGate) and change.action == "requested":
            thread = await self.gates.requested(change.repo, detail, route.notify)
            if thread is None:  # asked again for the same run and environment: its card and request exist
                return
            asker = thread.data.get("requested", {}).get("by")  # a deploy asked for in Slack: who asked
            where = {"channel": thread.channel, "requester": asker if isinstance(asker, str) else None}
            await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread.thread_ts, **where)
            return
        thread_ts = thread.thread_ts if thread is not None else None
        await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread_ts)

    async def _pull_request(self, change: GitHubChange, pull: Pull, channel: str) -> Thread | None:
        """A PR's card and thread are keyed by repository + PR number only (`thread_keys`): a second PR from the
        same head commit gets a card of its own, and a PR whose head already had a CI thread is announced as a new
        card that links to that CI thread rather than taking it over. The head commit's alias (`head_key`) is moved
        to this PR while it is open, so CI events that name no PR find it."""
        repo, action = change.repo, change.action
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
            "sha": pull.sha,
        }
        keys = thread_keys(change)
        known = await self.threads.find(keys) if keys else None
        if known is None and action not in PR_OPENED and action != "closed":
            return None  # edits, labels, syncs of a PR we never announced
        if known is None and pull.sha and (earlier := await self._earlier_ci(repo, pull.sha)) is not None:
            pr["earlier_ci"] = earlier
        text = f"PR #{pr['number']} {pr['title']} in {repo}"
        thread = await self.threads.open(keys, channel, text, pr_card(pr), {"pr": pr, "checks": {}})
        if pull.sha and pull.state != "closed":
            await self.threads.repoint(head_key(repo, pull.sha), thread)
        if thread.created:
            return thread
        pr["checks"] = thread.data.get("checks") or {}
        thread.data["pr"] = {**thread.data.get("pr", {}), **pr}
        await self.threads.save(thread)
        await self.threads.update(thread, thread.card_ts, text, pr_card(thread.data["pr"]))
        if action == "closed":
            who = change.sender
            said = f"🟣 Merged by {who}." if pull.merged else f"⚪ Closed without merging by {who}."
            await self.threads.reply(thread, said, [])
        return thread

    async def _earlier_ci(self, repo: str, sha: str) -> EarlierCi | None:
        """The commit's own CI thread (not an alias of some PR's thread), to link from a new PR's card."""
        key = commit_key(repo, sha)
        found = await self.threads.find([key])
        if found is None or found.key != key:
            return None
        return {"sha": sha, "channel": found.channel, "url": await self.threads.permalink(found)}

    async def _ci(self, change: GitHubChange, ci: CiRun, channel: str) -> Thread | None:
        """A CI event goes to the thread of the PRs its payload lists; naming none, to the open PR whose head is
        its commit, else to its commit's own thread (opened on a failure). The run's message stays where it was
        first posted, so a run that failed before its PR was opened is updated in the commit's thread."""
        failed = ci.conclusion in FAILED
        thread = await self._ci_route(change, ci)
        home = await self._ci_home(change, ci, thread, failed)
        if thread is None:
            thread = home
        if thread is None and failed:
            thread = await self._ci_thread(change, ci, channel)
        if thread is None:
            return None
        if ci.kind == "check_run" and ci.job:
            thread.data.setdefault("checks", {})[ci.job] = ci.conclusion
            if "pr" in thread.data:
                await self.threads.update(thread, thread.card_ts, "PR checks", pr_card(_with_checks(thread.data)))
        if home is None and failed:
            home = thread
        if home is not None:
            await self._ci_message(home, change, ci, failed)
            if home is not thread:
                await self.threads.save(home)
        await self.threads.save(thread)
        return thread

    async def _ci_route(self, change: GitHubChange, ci: CiRun) -> Thread | None:
        for key in thread_keys(change):
            found = await self.threads.find([key])
            if found is not None and (not is_head_key(key) or _heads(found.data, ci.sha)):
                return found
        return None

    async def _ci_home(self, change: GitHubChange, ci: CiRun, thread: Thread | None, failed: bool) -> Thread | None:
        """The thread that has this run's (or check's) message: the routed thread, else the commit's own thread or
        its head PR's (the run failed before its PR was opened, or before the PR moved to a new head). A message
        that says everything passed is not reused for a new failure: that failure gets a message of its own."""
        key = _run_key(ci)
        candidates: list[Thread | None] = [thread]
        if ci.sha:
            candidates += [
                await self.threads.find([k]) for k in (commit_key(change.repo, ci.sha), head_key(change.repo, ci.sha))
            ]
        for found in candidates:
            if found is None:
                continue
            if thread is not None and found.key == thread.key:
                found = thread  # one object per thread, saved once
            card = found.data.get("ci", {}).get(key)
            if card is not None and not (failed and ci_passed(card)):
                return found
        return None

    async def _ci_thread(self, change: GitHubChange, ci: CiRun, channel: str) -> Thread | None:
        """A commit's own CI thread, under its commit key only (a PR's card is never posted over it)."""
        repo = change.facts.repo
        if not ci.sha:
            log.warning("a failed %s in %s names no commit: no thread to put it in", ci.kind, repo)
            return None
        text = f"CI on {repo} {ci.sha[:7]}"
        head = f"🔧 CI for `{repo}` · commit `{ci.sha[:7]}` on `{ci.branch or '?'}`"
        blocks: list[JsonObject] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
        return await self.threads.open([commit_key(change.repo, ci.sha)], channel, text, blocks, {"checks": {}})

    async def _ci_message(self, thread: Thread, change: GitHubChange, run: CiRun, failed: bool) -> None:
        """One message per workflow run (or failing check), updated in place as jobs report: a failed job is added,
        a failed job that passes is marked passed, and once all have (or the run passed) the rerun button goes."""
        key = _run_key(run)
        runs = thread.data.setdefault("ci", {})
        ci: CiCard | None = runs.get(key)
        if ci is None or (failed and ci_passed(ci)):
            ci = {"key": key, "jobs": [], "branch": run.branch, "sha": run.sha}
        passed_jobs = ci.setdefault("passed_jobs", {})
        if run.kind != "workflow_run" and run.job:
            if failed:
                if run.job not in ci["jobs"]:
                    ci["jobs"].append(run.job)
                passed_jobs.pop(run.job, None)
            elif run.conclusion == "success" and run.job in ci["jobs"]:
                passed_jobs[run.job] = run.attempt
        if run.kind == "workflow_run" or not ci.get("workflow"):
            ci["workflow"] = run.workflow or ci.get("workflow")
        ci["url"] = ci.get("url") or run.url
        ci["rerun"] = _rerun_args(change, run)
        if run.kind == "workflow_run" and failed:
            ci.pop("passed", None)
        elif run.kind == "workflow_run" and run.conclusion == "success":
            ci["passed"] = run.attempt
        state = "passed" if ci_passed(ci) else "failed"
        text = f"CI {state}: {ci.get('workflow') or 'CI'} in {change.facts.repo}"
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


def _run_key(run: CiRun) -> str:
    return str(run.run_id or f"check:{run.job}")


def _heads(data: ThreadData, sha: str | None) -> bool:
    """The thread is an open PR's whose head is `sha` (a head alias is followed only then)."""
    pr = data.get("pr")
    return pr is not None and pr.get("sha") == sha and pr.get("state") != "closed" and not pr.get("merged")


def _with_checks(data: ThreadData) -> PrCard:
    return {**data["pr"], "checks": data.get("checks") or {}}


def _rerun_args(change: GitHubChange, run: CiRun) -> JsonObject:
    repo = change.facts.repo
    if run.run_id:
        return {"repo": repo, "run_id": run.run_id}
    return {"repo": repo, "pr": run.number} if run.number else {}
