"""`review_deployment`: answer a deployment that waits on opsbot's custom protection rule (🔴 dangerous).

GitHub holds a deployment job until the App that provides the environment's protection rule answers for that
workflow run: `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule` with the environment,
`approved` or `rejected`, and a comment. opsbot sends it through its own GitHub client — the run id comes from the
webhook's `deployment_callback_url` only after checking it names the same repository (bot/triggers/github_changes.py)
— so no URL from a payload is ever posted to. Approving is what the approval card asks for; GitHub answers a second
review of the same run with an error, so the answer is sent once (not idempotent: a lost answer is `unknown`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from bot.core.errors import OutcomeUnknown, ToolError
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import link
from bot.core.tool_registry import APPROVED_BY, Preview, Risk, Tool, ToolResult, ToolSpec
from integrations.github.gateway import GitHubGateway
from integrations.github.github_args import RepoArgs, RunId
from integrations.github.github_errors import Operation
from integrations.github.github_format import escape
from integrations.github.github_models import CheckState
from integrations.github.ship_list import Shipping, what_ships
from integrations.unit import UserName

log = logging.getLogger(__name__)

COMMENT_LIMIT = 1000  # what opsbot writes as the review's comment (GitHub shows it on the run)


class ReviewDeploymentArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    run_id: RunId = Field(description="The workflow run whose deployment waits (from the gate's webhook).")
    environment: str = Field(min_length=1, max_length=255, description="The environment it deploys to.")
    state: Literal["approved", "rejected"] = Field("approved", description="`approved` lets it deploy.")
    comment: str | None = Field(None, max_length=COMMENT_LIMIT, description="Shown on the run in GitHub.")


def ships_text(shipping: Shipping, repo: str, environment: str) -> str:
    """What ships, as the card says it: the commits since the last successful deployment, newest first."""
    if shipping.base is None:
        return f"No earlier successful deployment to `{escape(environment)}`: everything up to this commit."
    if not shipping.commits:
        return f"Nothing new since the last deployment to `{escape(environment)}`."
    web = shipping.url.split("/compare/")[0] if shipping.url else None  # the repository's page, on GHES too
    lines = [
        f"• `{escape(c.sha[:7])}` {escape(c.title)} — {escape(c.author)}"
        + ((f" ({link(f'{web}/pull/{c.pr}', f'#{c.pr}')})" if web else f" (#{c.pr})") if c.pr else "")
        for c in shipping.commits
    ]
    more = shipping.total - len(shipping.commits)
    head = f"{shipping.total} commit{'s' if shipping.total != 1 else ''} since `{escape(shipping.base[:7])}`:"
    tail = [f"…and {more} more"] if more > 0 else []
    compare = [link(shipping.url, "compare on GitHub")] if shipping.url else []
    return "\n".join([head, *lines, *tail, *compare])


def review_path(repo: str, run_id: int) -> str:
    return f"/repos/{repo}/actions/runs/{run_id}/deployment_protection_rule"


def review_body(args: ReviewDeploymentArgs, approvers: Sequence[str] = ()) -> JsonObject:
    said = "Approved" if args.state == "approved" else "Rejected"
    who = f" by {and_list(approvers)}" if approvers else ""
    comment = args.comment or f"{said} in Slack{who} through opsbot's approval policy."
    return {"environment_name": args.environment, "state": args.state, "comment": comment[:COMMENT_LIMIT]}


def and_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class DeploymentGates:
    def __init__(self, gw: GitHubGateway, user_name: UserName | None = None) -> None:
        self.gw, self.user_name = gw, user_name

    async def approvers(self) -> list[str]:
        """The names of the people whose approvals this call runs on, as GitHub shows them (never a bare id)."""
        names: list[str] = []
        for user in APPROVED_BY.get():
            try:
                name = await self.user_name(user) if self.user_name is not None else None
            except Exception:  # a directory that fails must not keep the answer from GitHub
                log.info("no name for an approver of a deployment review")
                name = None
            names.append(name or "someone")
        return names

    async def preview(self, args: ReviewDeploymentArgs) -> Preview:
        """What waits: the run, its ref and commit, and the commit's checks (read now, not from the webhook)."""
        run = await self.gw.get_run(args.repo, args.run_id)
        checks = await self.gw.checks(args.repo, run.sha)
        shipping = await what_ships(self.gw, args.repo, args.environment, run.sha)
        verb = "Approve" if args.state == "approved" else "Reject"
        failing = checks.state is CheckState.FAILING
        return Preview(
            title=f"{verb} deployment to {args.environment} in {args.repo}",
            fields=(
                ("Environment", f"`{escape(args.environment)}`"),
                ("Ref", f"`{escape(run.branch)}` · commit `{escape(run.sha[:7])}`"),
                ("Workflow run", link(run.url, f"{run.name} #{run.id}")),
                ("CI of the commit", escape(checks.summary)),
                ("What ships", ships_text(shipping, args.repo, args.environment)),
            ),
            warnings=(f"The commit's checks are {escape(checks.summary)}.",) if failing else (),
        )

    async def review(self, args: ReviewDeploymentArgs) -> ToolResult:
        body = review_body(args, await self.approvers() if args.state == "approved" else ())
        op = Operation(
            action=f"answer the deployment of run {args.run_id} to {args.environment} in {args.repo}",
            target=f"The deployment of run {args.run_id} to {args.environment} in {args.repo}",
            repo=args.repo,
            write=True,
        )
        path = review_path(args.repo, args.run_id)
        reconciled = False
        try:
            await self.gw.call(lambda gh: gh.requester.requestJsonAndCheck("POST", path, input=body), op)
        except OutcomeUnknown as lost:
            await self._taken_anyway(args, lost)  # raises when GitHub's run does not show the answer
            reconciled = True
        said = "✅ Approved" if args.state == "approved" else "⛔ Rejected"
        text = f"{said} the deployment of run {args.run_id} to `{escape(args.environment)}` in `{args.repo}`."
        data: JsonObject = {"run_id": args.run_id, "environment": args.environment, "state": args.state}
        return ToolResult(  # GitHub says who answered: the App; the comment says who decided in Slack
            text=text + (" (GitHub's reply was lost; the run shows the answer was taken.)" if reconciled else ""),
            data=data | {"reconciled": reconciled},
        )

    async def _taken_anyway(self, args: ReviewDeploymentArgs, lost: OutcomeUnknown) -> None:
        """GitHub's reply to the answer was lost: ask GitHub for the run instead of answering again (GitHub refuses a
        second answer, and a lost one only leaves the job held). A run no longer `waiting` the way the answer would
        move it took the answer; anything else stays unknown, with what GitHub shows."""
        op = Operation(action=f"read workflow run {args.run_id} in {args.repo}", target=f"Run {args.run_id}",
                       repo=args.repo)  # fmt: skip
        path = f"/repos/{args.repo}/actions/runs/{args.run_id}"
        try:
            _, run = await self.gw.call(lambda gh: gh.requester.requestJsonAndCheck("GET", path), op)
        except ToolError:
            raise lost from None
        status, conclusion = str(run.get("status")), run.get("conclusion")
        if args.state == "approved":
            taken = status in ("queued", "in_progress") or (status == "completed" and conclusion == "success")
        else:
            taken = status == "completed"
        if taken:
            return
        shows = status if conclusion is None else f"{status} ({conclusion})"
        raise OutcomeUnknown(
            f"{lost.message} GitHub now shows run {args.run_id} as {escape(shows)}, so the answer may not have "
            "reached it.",
            hint=f"Look at the run on GitHub ({run.get('html_url') or 'its Actions tab'}) before answering again: "
            "GitHub refuses a second answer, and the job stays held until one arrives.",
        ) from None

    async def declined(self, args: ReviewDeploymentArgs, why: str) -> ToolResult:
        """Rejected or expired in Slack: GitHub hears `rejected` with the reason, and stops holding the job."""
        return await self.review(args.model_copy(update={"state": "rejected", "comment": why[:COMMENT_LIMIT]}))


def gate_tools(gw: GitHubGateway, user_name: UserName | None = None) -> list[Tool]:
    gates = DeploymentGates(gw, user_name)
    return [
        ToolSpec(
            name="review_deployment",
            description="Approve or reject a deployment waiting on opsbot's deployment protection rule.",
            args=ReviewDeploymentArgs,
            risk=Risk.DANGEROUS,
            run=gates.review,
            preview=gates.preview,
            declined=gates.declined,
            example="review_deployment repo=acme/api run_id=4300 environment=production",
        )
    ]
