"""POST /graphql on the fake GitHub: the part of GitHub's schema opsbot queries, resolved from the fake's state.

The query is parsed, validated and executed by graphql-core against `SDL` (GitHub's types and field names, cut to
what opsbot asks for); errors come back the way GitHub sends them: HTTP 200, `data` with nulls, and `errors` with a
`type` (NOT_FOUND for an unknown repository or pull request).
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, build_schema, graphql_sync

from bot.core.jsonvalue import Json, JsonObject
from bot.sandbox.fakes.github.github_state import Call, CheckRun, FakePull, FakeRepo, Reply
from bot.sandbox.fakes.github.shapes import WEB
from bot.sandbox.fakes.github.wire import RATE_LIMIT

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

SDL = """
scalar DateTime
scalar GitObjectID
scalar URI
enum PullRequestState { OPEN CLOSED MERGED }
enum MergeableState { MERGEABLE CONFLICTING UNKNOWN }
enum PullRequestReviewDecision { APPROVED CHANGES_REQUESTED REVIEW_REQUIRED }
enum StatusState { ERROR EXPECTED FAILURE PENDING SUCCESS }
enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
enum OrderDirection { ASC DESC }
input IssueOrder { field: IssueOrderField! direction: OrderDirection! }
interface Actor { login: String! }
type User implements Actor { login: String! }
type Bot implements Actor { login: String! }
type Mannequin implements Actor { login: String! }
type Team { slug: String! }
union RequestedReviewer = Bot | Mannequin | Team | User
type ReviewRequest { requestedReviewer: RequestedReviewer }
type ReviewRequestConnection { nodes: [ReviewRequest] totalCount: Int! }
enum MergeStateStatus { BEHIND BLOCKED CLEAN DIRTY DRAFT HAS_HOOKS UNKNOWN UNSTABLE }
enum CheckStatusState { COMPLETED IN_PROGRESS PENDING QUEUED REQUESTED WAITING }
enum CheckConclusionState {
  ACTION_REQUIRED CANCELLED FAILURE NEUTRAL SKIPPED STALE STARTUP_FAILURE SUCCESS TIMED_OUT
}
type CheckRun { name: String! status: CheckStatusState! conclusion: CheckConclusionState }
type StatusContext { context: String! state: StatusState! }
union StatusCheckRollupContext = CheckRun | StatusContext
type StatusCheckRollupContextConnection { nodes: [StatusCheckRollupContext] totalCount: Int! }
type StatusCheckRollup {
  state: StatusState!
  contexts(first: Int, after: String, last: Int, before: String): StatusCheckRollupContextConnection!
}
type Commit { oid: GitObjectID! statusCheckRollup: StatusCheckRollup }
type PullRequestCommit { commit: Commit! }
type PullRequestCommitConnection { nodes: [PullRequestCommit] totalCount: Int! }
type PageInfo { hasNextPage: Boolean! endCursor: String hasPreviousPage: Boolean! startCursor: String }
type PullRequest {
  number: Int! title: String! body: String! url: URI! createdAt: DateTime! isDraft: Boolean!
  state: PullRequestState! merged: Boolean! headRefName: String! baseRefName: String! headRefOid: GitObjectID!
  mergeable: MergeableState! mergeStateStatus: MergeStateStatus! reviewDecision: PullRequestReviewDecision
  author: Actor
  reviewRequests(first: Int, last: Int): ReviewRequestConnection
  commits(first: Int, last: Int): PullRequestCommitConnection!
}
type PullRequestConnection { nodes: [PullRequest] pageInfo: PageInfo! totalCount: Int! }
type Repository {
  pullRequest(number: Int!): PullRequest
  pullRequests(states: [PullRequestState!], first: Int, after: String, last: Int, before: String,
               orderBy: IssueOrder): PullRequestConnection!
}
type RateLimit { limit: Int! remaining: Int! resetAt: DateTime! cost: Int! used: Int! }
type Query { rateLimit: RateLimit repository(owner: String!, name: String!): Repository }
"""
SCHEMA = build_schema(SDL)
DOCS_GRAPHQL = "https://docs.github.com/graphql"


class NotFoundError(GraphQLError):
    """Raised by a resolver; GitHub names the error's kind in a top-level `type`."""

    type = "NOT_FOUND"


def graphql(gh: FakeGitHub, call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    query, variables = body.get("query"), body.get("variables") or {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        return Reply(status=400, body={"message": "Problems parsing JSON", "documentation_url": DOCS_GRAPHQL})
    result = graphql_sync(SCHEMA, query, root_value=_Root(gh), variable_values=variables)
    answer: JsonObject = {}
    if result.data is not None:
        answer["data"] = result.data
    if result.errors:
        answer["errors"] = [_error(e) for e in result.errors]
    return Reply(status=200, body=answer)


def _error(error: GraphQLError) -> Json:
    original = error.original_error
    kind = getattr(original, "type", None) or getattr(error, "type", None)
    shaped: JsonObject = {}
    if kind:
        shaped["type"] = kind
    if error.path:
        shaped["path"] = list(error.path)
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    shaped["message"] = error.message
    return shaped


class _Root:
    def __init__(self, gh: FakeGitHub) -> None:
        self.gh = gh

    def rateLimit(self, info: Any) -> JsonObject:
        reset = (self.gh.now() + timedelta(hours=1)).replace(microsecond=0)
        used = RATE_LIMIT - self.gh.remaining_requests
        return {"limit": RATE_LIMIT, "remaining": self.gh.remaining_requests, "resetAt": _iso(reset), "cost": 1,
                "used": used}  # fmt: skip

    def repository(self, info: Any, owner: str, name: str) -> _Repository:
        repo = self.gh.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise NotFoundError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return _Repository(self.gh, repo)


class _Repository:
    def __init__(self, gh: FakeGitHub, repo: FakeRepo) -> None:
        self.gh, self.repo = gh, repo

    def pullRequests(
        self, info: Any, first: int | None = None, after: str | None = None, states: list[str] | None = None,
        **_: Any,
    ) -> JsonObject:  # fmt: skip
        wanted = {s.lower() for s in states} if states else None
        pulls = sorted(self.repo.pulls.values(), key=lambda p: (p.created_at, p.number), reverse=True)
        pulls = [p for p in pulls if wanted is None or _state(p) in wanted]
        start = int(base64.b64decode(after).decode().rsplit(":", 1)[1]) if after else 0
        size = min(first or 100, 100)
        chunk = pulls[start : start + size]
        end = start + len(chunk)
        cursor = base64.b64encode(f"cursor:v2:{end}".encode()).decode() if chunk else None
        page: JsonObject = {"hasNextPage": end < len(pulls), "endCursor": cursor, "hasPreviousPage": start > 0,
                            "startCursor": None}  # fmt: skip
        return {"nodes": [self._pull(p) for p in chunk], "pageInfo": page, "totalCount": len(pulls)}

    def pullRequest(self, info: Any, number: int) -> JsonObject:
        pull = self.repo.pulls.get(number)
        if pull is None:
            raise NotFoundError(f"Could not resolve to a PullRequest with the number of {number}.")
        return self._pull(pull)

    def _pull(self, pull: FakePull) -> JsonObject:
        requests: list[Json] = [
            {"requestedReviewer": {"__typename": "User", "login": u}} for u in pull.requested_reviewers
        ]
        requests += [{"requestedReviewer": {"__typename": "Team", "slug": t}} for t in pull.requested_teams]
        rollup = _rollup(self.gh, pull.head_sha)
        return {
            "number": pull.number,
            "title": pull.title,
            "body": pull.body,
            "url": f"{WEB}/{self.repo.full_name}/pull/{pull.number}",
            "createdAt": _iso(pull.created_at),
            "isDraft": pull.draft,
            "state": _state(pull).upper(),
            "merged": pull.merged,
            "headRefName": pull.head,
            "baseRefName": pull.base,
            "headRefOid": pull.head_sha,
            "mergeable": {True: "MERGEABLE", False: "CONFLICTING", None: "UNKNOWN"}[pull.mergeable],
            "mergeStateStatus": pull.mergeable_state.upper(),
            "reviewDecision": "REVIEW_REQUIRED" if requests else None,
            "author": {"__typename": "User", "login": pull.author},
            "reviewRequests": {"nodes": requests, "totalCount": len(requests)},
            "commits": {
                "nodes": [{"commit": {"oid": pull.head_sha, "statusCheckRollup": rollup}}],
                "totalCount": pull.commits,
            },
        }


def _state(pull: FakePull) -> str:
    return "merged" if pull.merged else pull.state


def _rollup(gh: FakeGitHub, sha: str) -> JsonObject | None:
    """GitHub's sum of a commit's statuses and check runs: any failure wins, then anything unfinished."""
    statuses, runs = gh.statuses.get(sha, []), gh.check_runs.get(sha, [])
    if not statuses and not runs:
        return None
    states = {state for _, state in statuses}
    failed = {"failure", "timed_out", "cancelled", "action_required", "startup_failure"}
    if "error" in states:
        state = "ERROR"
    elif "failure" in states or any(status == "completed" and c in failed for _, status, c in runs):
        state = "FAILURE"
    elif "pending" in states or any(status != "completed" for _, status, _ in runs):
        state = "PENDING"
    else:
        state = "SUCCESS"
    return {"state": state, "contexts": _contexts(statuses, runs)}


def _contexts(statuses: list[tuple[str, str]], runs: list[CheckRun]) -> JsonObject:
    """The rollup's contexts, check runs first (an order of GitHub's own, not the REST lists'); the query asks for
    the first 100, and the fake serves no more."""
    nodes: list[Json] = [
        {
            "__typename": "CheckRun",
            "name": name,
            "status": status.upper(),
            "conclusion": conclusion and conclusion.upper(),
        }
        for name, status, conclusion in runs
    ]
    nodes += [
        {"__typename": "StatusContext", "context": context, "state": state.upper()} for context, state in statuses
    ]
    return {"nodes": nodes[:100], "totalCount": len(nodes)}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
