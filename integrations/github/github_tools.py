"""The GitHub tools: what each one does, its risk, and how its result and approval preview read."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import NotPossible
from bot.core.tool_registry import Preview, Risk, Tool, ToolResult, ToolSpec
from integrations.github.gateway import GitHubGateway
from integrations.github.github_args import (
    CloseIssueArgs,
    CommentArgs,
    CreateIssueArgs,
    DispatchWorkflowArgs,
    GetPullRequestArgs,
    ListFailedWorkflowRunsArgs,
    ListIssuesArgs,
    ListPullRequestsArgs,
    MergePullRequestArgs,
    RerunFailedJobsArgs,
)
from integrations.github.github_format import (
    close_fields,
    close_warnings,
    escape,
    issues_result,
    merge_refusal,
    merge_warnings,
    plural,
    pull_data,
    pull_detail_data,
    pull_fields,
    pull_line,
    run_data,
    run_fields,
    run_line,
)
from integrations.github.github_models import RunSummary
from integrations.github.workflow_dispatch import dispatch_refusal, dispatched


class GitHubTools:
    """Tool functions over one gateway; `github_tools` lists them as ToolSpecs."""

    def __init__(self, gw: GitHubGateway) -> None:
        self.gw = gw

    def _now(self) -> datetime:
        return self.gw.clock.now()

    async def list_pull_requests(self, args: ListPullRequestsArgs) -> ToolResult:
        pulls = await self.gw.list_pull_requests(args.repo, state=args.state, limit=args.limit)
        now = self._now()
        if not pulls:
            return ToolResult(text=f"No {args.state} pull requests in `{args.repo}`.")
        return ToolResult(
            text=f"{len(pulls)} {args.state} pull request{plural(len(pulls))} in `{args.repo}`:",
            lines=tuple(pull_line(p, now) for p in pulls),
            data={"pull_requests": [pull_data(p, now) for p in pulls]},
        )

    async def get_pull_request(self, args: GetPullRequestArgs) -> ToolResult:
        pull = await self.gw.get_pull_request(args.repo, args.number)
        return ToolResult(
            text=f"*#{pull.number} {escape(pull.title)}*",
            fields=pull_fields(pull),
            data=pull_detail_data(pull),
            link=pull.url,
        )

    async def list_issues(self, args: ListIssuesArgs) -> ToolResult:
        found = await self.gw.list_issues(
            args.repo, state=args.state, label=args.label, assignee=args.assignee, limit=args.limit
        )
        return issues_result(found, args, self._now())

    async def list_failed_workflow_runs(self, args: ListFailedWorkflowRunsArgs) -> ToolResult:
        runs = await self.gw.list_failed_runs(args.repo, branch=args.branch, limit=args.limit)
        where = f"`{args.repo}`" + (f" on `{escape(args.branch)}`" if args.branch else "")
        if not runs:
            return ToolResult(text=f"No failed workflow runs in {where}.")
        now = self._now()
        return ToolResult(
            text=f"{len(runs)} failed workflow run{plural(len(runs))} in {where}:",
            lines=tuple(run_line(r, now) for r in runs),
            data={"runs": [run_data(r) for r in runs]},
        )

    async def create_issue(self, args: CreateIssueArgs) -> ToolResult:
        issue = await self.gw.create_issue(args.repo, title=args.title, body=args.body)
        note = " (GitHub reported an error, but the issue had been created)" if issue.reconciled else ""
        return ToolResult(
            text=f"Created #{issue.number} in `{args.repo}`: {escape(issue.title)}{note}",
            data={"number": issue.number, "url": issue.url, "reconciled": issue.reconciled},
            link=issue.url,
        )

    async def preview_create_issue(self, args: CreateIssueArgs) -> Preview:
        return Preview(
            title=f"Create an issue in {args.repo}",
            fields=(("Repository", args.repo), ("Title", escape(args.title))),
            body=escape(args.body) if args.body else None,
        )

    async def comment(self, args: CommentArgs) -> ToolResult:
        url = await self.gw.comment(args.repo, args.number, args.body)
        return ToolResult(text=f"Commented on #{args.number} in `{args.repo}`.", data={"url": url}, link=url)

    async def preview_comment(self, args: CommentArgs) -> Preview:
        return Preview(
            title=f"Comment on #{args.number} in {args.repo}",
            fields=(("Repository", args.repo), ("On", f"#{args.number}")),
            body=escape(args.body),
        )

    async def close_issue(self, args: CloseIssueArgs) -> ToolResult:
        issue = await self.gw.close_issue(args.repo, args.number, reason=args.reason, comment=args.comment)
        commented = " after commenting" if args.comment else ""
        note = " (GitHub reported an error, but it had been closed)" if issue.reconciled else ""
        return ToolResult(
            text=f"Closed #{issue.number} in `{args.repo}` as {args.reason.replace('_', ' ')}{commented}:"
            f" {escape(issue.title)}{note}",
            data={
                "number": issue.number,
                "state": issue.state,
                "state_reason": issue.state_reason,
                "url": issue.url,
                "reconciled": issue.reconciled,
            },
            link=issue.url,
        )

    async def preview_close_issue(self, args: CloseIssueArgs) -> Preview:
        issue = await self.gw.get_issue(args.repo, args.number)
        return Preview(
            title=f"Close #{issue.number} {issue.title}",
            fields=close_fields(args.repo, issue, reason=args.reason, comment=args.comment is not None),
            body=escape(args.comment) if args.comment else None,
            warnings=close_warnings(issue),
        )

    async def _run_to_rerun(self, args: RerunFailedJobsArgs) -> RunSummary:
        if args.pr is not None:
            return await self.gw.latest_failed_run_for_pull(args.repo, args.pr)
        assert args.run_id is not None  # the model's validator guarantees one of them
        return await self.gw.get_run(args.repo, args.run_id)

    async def rerun_failed_jobs(self, args: RerunFailedJobsArgs) -> ToolResult:
        run = await self._run_to_rerun(args)
        await self.gw.rerun_failed_jobs(args.repo, run)
        return ToolResult(
            text=f"Re-running the failed jobs of *{escape(run.name)}* (run {run.id}) in `{args.repo}`.",
            data=run_data(run),
            link=run.url,
        )

    async def preview_rerun_failed_jobs(self, args: RerunFailedJobsArgs) -> Preview:
        run = await self._run_to_rerun(args)
        return Preview(
            title=f"Re-run failed jobs of {run.name} in {args.repo}",
            fields=run_fields(run) + ((("Pull request", f"#{args.pr}"),) if args.pr else ()),
        )

    async def merge_pull_request(self, args: MergePullRequestArgs) -> ToolResult:
        sha = await self.gw.merge(args.repo, args.number, method=args.method, commit_message=args.commit_message)
        return ToolResult(
            text=f"Merged #{args.number} in `{args.repo}` ({args.method}), commit `{sha[:7]}`.",
            data={"number": args.number, "sha": sha, "method": args.method},
        )

    async def preview_merge_pull_request(self, args: MergePullRequestArgs) -> Preview:
        pull = await self.gw.get_pull_request(args.repo, args.number)
        if (refusal := merge_refusal(pull, args.repo)) is not None:
            raise NotPossible(refusal)
        return Preview(
            title=f"Merge #{pull.number} {pull.title}",
            fields=(*pull_fields(pull), ("Method", args.method)),
            body=escape(args.commit_message) if args.commit_message else None,
            warnings=merge_warnings(pull),
        )

    async def dispatch_workflow(self, args: DispatchWorkflowArgs) -> ToolResult:
        await self.gw.dispatch(args.repo, workflow=args.workflow, ref=args.ref, inputs=args.inputs)
        return dispatched(args.repo, args.workflow, args.ref, dict(args.inputs))

    async def preview_dispatch_workflow(self, args: DispatchWorkflowArgs) -> Preview:
        found = await self.gw.workflow_file(args.repo, args.workflow, args.ref)
        if (refusal := dispatch_refusal(found, repo=args.repo, ref=args.ref, inputs=dict(args.inputs))) is not None:
            raise NotPossible(refusal)
        inputs = ", ".join(f"{k}={v}" for k, v in sorted(args.inputs.items())) or "none"
        return Preview(
            title=f"Run workflow {args.workflow} on {args.ref} in {args.repo}",
            fields=(
                ("Repository", args.repo),
                ("Workflow", f"{escape(found.name)} (`{escape(found.path)}`)"),
                ("Ref", escape(args.ref)),
                ("Inputs", escape(inputs)),
            ),
        )


def github_tools(gw: GitHubGateway) -> list[Tool]:
    t = GitHubTools(gw)
    return [
        ToolSpec(
            name="list_pull_requests",
            description="List pull requests of a repository with their author, age and checks.",
            args=ListPullRequestsArgs,
            risk=Risk.READ,
            run=t.list_pull_requests,
            example="list prs in acme/api",
            idempotent=True,
        ),
        ToolSpec(
            name="get_pull_request",
            description="Show one pull request: branches, author, mergeability and checks.",
            args=GetPullRequestArgs,
            risk=Risk.READ,
            run=t.get_pull_request,
            example="show pr 42 in acme/api",
            idempotent=True,
        ),
        ToolSpec(
            name="list_failed_workflow_runs",
            description="List recent failed GitHub Actions workflow runs, optionally on one branch.",
            args=ListFailedWorkflowRunsArgs,
            risk=Risk.READ,
            run=t.list_failed_workflow_runs,
            example="list failed runs in acme/api on main",
            idempotent=True,
        ),
        ToolSpec(
            name="list_issues",
            description="List issues of a repository (not pull requests) with their labels, assignees and age.",
            args=ListIssuesArgs,
            risk=Risk.READ,
            run=t.list_issues,
            example="list issues in acme/api labelled bug",
            idempotent=True,
        ),
        ToolSpec(
            name="create_issue",
            description="Open a new issue in a repository.",
            args=CreateIssueArgs,
            risk=Risk.WRITE,
            run=t.create_issue,
            preview=t.preview_create_issue,
            example="create issue in acme/api: Deploy to staging is flaky",
        ),
        ToolSpec(
            name="comment",
            description="Add a comment to an issue or pull request.",
            args=CommentArgs,
            risk=Risk.WRITE,
            run=t.comment,
            preview=t.preview_comment,
            example="comment on pr 42 in acme/api: Looks good, merging after CI.",
        ),
        ToolSpec(
            name="close_issue",
            description="Close an issue (or a pull request without merging it), optionally commenting first.",
            args=CloseIssueArgs,
            risk=Risk.WRITE,
            run=t.close_issue,
            preview=t.preview_close_issue,
            example="close issue 12 in acme/api as not planned",
        ),
        ToolSpec(
            name="rerun_failed_jobs",
            description="Re-run the failed jobs of a workflow run, or of a pull request's latest failed run.",
            args=RerunFailedJobsArgs,
            risk=Risk.WRITE,
            run=t.rerun_failed_jobs,
            preview=t.preview_rerun_failed_jobs,
            example="rerun failed jobs on pr 42 in acme/api",
        ),
        ToolSpec(
            name="merge_pull_request",
            description="Merge a pull request (merge, squash or rebase).",
            args=MergePullRequestArgs,
            risk=Risk.DANGEROUS,
            run=t.merge_pull_request,
            preview=t.preview_merge_pull_request,
            example="merge pr 42 in acme/api with squash",
            idempotent=False,
        ),
        ToolSpec(
            name="dispatch_workflow",
            description="Start a GitHub Actions workflow that has a workflow_dispatch trigger.",
            args=DispatchWorkflowArgs,
            risk=Risk.DANGEROUS,
            run=t.dispatch_workflow,
            preview=t.preview_dispatch_workflow,
            example="dispatch_workflow repo=acme/api workflow=deploy.yml ref=main inputs.environment=staging",
        ),
    ]
