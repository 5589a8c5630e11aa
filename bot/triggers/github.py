"""GitHub events → Slack: PR cards, CI failures with a rerun button, merges; one thread per PR or commit."""

from __future__ import annotations

import logging
from typing import Any

from bot.domain import Event
from bot.triggers.blocks import FAILED, ci_failure, pr_card
from bot.triggers.followups import Followups
from bot.triggers.rules import Facts, Rules
from bot.triggers.threads import Thread, Threads

log = logging.getLogger(__name__)

PR_OPENED = {"opened", "reopened", "ready_for_review"}


def github_facts(event: Event) -> Facts:
    name, body = event.payload.get("event", ""), event.payload.get("body") or {}
    repo = str((body.get("repository") or {}).get("full_name") or "")
    values: dict[str, Any] = {"repo": repo, "sender": event.actor.removeprefix("github:"), "event": event.type}
    found = body.get(name)
    item: dict[str, Any] = found if isinstance(found, dict) else {}
    if name == "pull_request":
        values.update(_pull_values(item))
    elif name in ("workflow_run", "workflow_job", "check_run"):
        values.update(_ci_values(name, item))
    elif name == "push":
        values.update(branch=str(body.get("ref", "")).removeprefix("refs/heads/"), sha=body.get("after"))
    elif name == "issue_comment":
        values.update(number=(body.get("issue") or {}).get("number"), comment=(body.get("comment") or {}).get("body"))
    return Facts(source="github", type=event.type, repo=repo or None, branch=values.get("branch"), values=values)


def _pull_values(pr: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": pr.get("number"),
        "title": pr.get("title", ""),
        "url": pr.get("html_url"),
        "author": (pr.get("user") or {}).get("login"),
        "sha": (pr.get("head") or {}).get("sha"),
        "head": (pr.get("head") or {}).get("ref"),
        "base": (pr.get("base") or {}).get("ref"),
        "branch": (pr.get("base") or {}).get("ref"),
        "additions": pr.get("additions", 0),
        "deletions": pr.get("deletions", 0),
        "changed_files": pr.get("changed_files", 0),
        "merged": bool(pr.get("merged")),
        "state": pr.get("state"),
    }


def _ci_values(name: str, item: dict[str, Any]) -> dict[str, Any]:
    suite = item.get("check_suite") or {}
    prs = [p.get("number") for p in item.get("pull_requests") or [] if isinstance(p, dict)]
    run_id = item.get("id") if name == "workflow_run" else item.get("run_id")
    return {
        "run_id": run_id,
        "job": item.get("name") if name != "workflow_run" else None,
        "workflow": item.get("workflow_name") or item.get("name") or (item.get("workflow") or {}).get("name"),
        "branch": item.get("head_branch") or suite.get("head_branch"),
        "sha": item.get("head_sha"),
        "conclusion": item.get("conclusion"),
        "attempt": item.get("run_attempt", 1),
        "url": item.get("html_url"),
        "prs": [n for n in prs if isinstance(n, int)],
        "number": prs[0] if prs else None,
    }


def thread_keys(facts: Facts) -> list[str]:
    repo, v = (facts.repo or "").lower(), facts.values
    numbers = v.get("prs") or ([v["number"]] if v.get("number") else [])
    keys = [f"gh:{repo}:pr:{n}" for n in numbers]
    return keys + ([f"gh:{repo}:commit:{v['sha']}"] if v.get("sha") else [])


class GitHubReactions:
    def __init__(self, *, rules: Rules, threads: Threads, followups: Followups) -> None:
        self.rules = rules
        self.threads = threads
        self.followups = followups

    async def handle(self, inbox_id: int, event: Event) -> None:
        facts = github_facts(event)
        route = self.rules.route(facts)
        if route is None or route.notify is None:
            log.info("no route for %s in %s", facts.type, facts.repo)
            return
        name, action = event.payload.get("event"), event.type.partition(".")[2]
        thread: Thread | None = None
        if name == "pull_request":
            thread = await self._pull_request(facts, action, route.notify)
        elif name in ("workflow_run", "workflow_job", "check_run") and action == "completed":
            thread = await self._ci(facts, name, route.notify)
        elif name == "issue_comment":
            thread = await self._comment(facts)
        thread_ts = thread.thread_ts if thread is not None else None
        await self.followups.after(route, facts, event, inbox_id=inbox_id, thread_ts=thread_ts)

    async def _pull_request(self, facts: Facts, action: str, channel: str) -> Thread | None:
        v = facts.values
        pr = {k: v.get(k) for k in ("number", "title", "url", "author", "head", "base", "merged", "state")}
        pr.update(repo=facts.repo, additions=v["additions"], deletions=v["deletions"], changed_files=v["changed_files"])
        keys = thread_keys(facts)
        if action not in PR_OPENED and await self.threads.find(keys) is None and action != "closed":
            return None  # edits, labels, syncs of a PR we never announced
        text = f"PR #{pr['number']} {pr['title']} in {facts.repo}"
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
            said = f"🟣 Merged by {v['sender']}." if v.get("merged") else f"⚪ Closed without merging by {v['sender']}."
            await self.threads.reply(thread, said, [])
        return thread

    async def _ci(self, facts: Facts, name: str, channel: str) -> Thread | None:
        v = facts.values
        failed = v.get("conclusion") in FAILED
        thread = await self.threads.find(thread_keys(facts))
        if thread is None and not failed:
            return None
        if thread is None:
            thread = await self._ci_thread(facts, channel)
        if name == "check_run" and v.get("job"):
            thread.data.setdefault("checks", {})[v["job"]] = v.get("conclusion")
            if "pr" in thread.data:
                await self.threads.update(thread, thread.card_ts, "PR checks", pr_card(_with_checks(thread.data)))
        if failed or str(v.get("run_id")) in thread.data.get("ci", {}):
            await self._ci_message(thread, facts, name, failed)
        await self.threads.save(thread)
        return thread

    async def _ci_thread(self, facts: Facts, channel: str) -> Thread:
        v = facts.values
        text = f"CI on {facts.repo} {str(v.get('sha') or '')[:7]}"
        head = f"🔧 CI for `{facts.repo}` · commit `{str(v.get('sha') or '')[:7]}` on `{v.get('branch') or '?'}`"
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
        return await self.threads.open(thread_keys(facts), channel, text, blocks, {"checks": {}})

    async def _ci_message(self, thread: Thread, facts: Facts, name: str, failed: bool) -> None:
        """One message per workflow run (or failing check), updated in place as jobs report."""
        v = facts.values
        key = str(v.get("run_id") or f"check:{v.get('job')}")
        runs = thread.data.setdefault("ci", {})
        ci = runs.get(key) or {"key": key, "jobs": [], "branch": v.get("branch"), "sha": v.get("sha")}
        if name != "workflow_run" and failed and v.get("job") and v["job"] not in ci["jobs"]:
            ci["jobs"].append(v["job"])
        if name == "workflow_run" or not ci.get("workflow"):
            ci["workflow"] = v.get("workflow") or ci.get("workflow")
        ci["url"] = ci.get("url") or v.get("url")
        ci["rerun"] = _rerun_args(facts)
        if name == "workflow_run" and not failed:
            ci["passed"] = v.get("attempt") or 2
        text = f"CI failed: {ci.get('workflow') or 'CI'} in {facts.repo}"
        if ci.get("ts"):
            await self.threads.update(thread, ci["ts"], text, ci_failure(ci))
        else:
            ci["ts"] = await self.threads.reply(thread, text, ci_failure(ci))
        runs[key] = ci

    async def _comment(self, facts: Facts) -> Thread | None:
        thread = await self.threads.find(thread_keys(facts))
        if thread is not None:
            said = f"💬 {facts.values['sender']} commented: {str(facts.values.get('comment') or '')[:300]}"
            await self.threads.reply(thread, said.replace("<", "&lt;").replace(">", "&gt;"), [])
        return thread


def _with_checks(data: dict[str, Any]) -> dict[str, Any]:
    return {**data["pr"], "checks": data.get("checks") or {}}


def _rerun_args(facts: Facts) -> dict[str, Any]:
    v = facts.values
    if v.get("run_id"):
        return {"repo": facts.repo, "run_id": int(v["run_id"])}
    return {"repo": facts.repo, "pr": int(v["number"])} if v.get("number") else {}
