"""A repository's pull requests in one GraphQL query per page, as the same `PullSummary` values the REST path made."""

from __future__ import annotations

from typing import Any

import requests
from github.GithubException import GithubException
from github.Requester import Requester

from bot.core import github_metrics
from integrations.github.github_models import Checks, CheckState, PullSummary, login_of, timestamp
from integrations.github.graphql_queries import PAGE_SIZE, PULL_REQUESTS

MERGEABLE = {"MERGEABLE": True, "CONFLICTING": False, "UNKNOWN": None}  # GraphQL's word, as REST's true/false/null
QUERY_ATTEMPTS = 3  # a query changes nothing, so a 5xx or a dropped connection is asked again, as REST reads are
STATES: dict[str, list[str] | None] = {"open": ["OPEN"], "closed": ["CLOSED", "MERGED"], "all": None}
ROLLUP = {
    "SUCCESS": CheckState.PASSING,
    "FAILURE": CheckState.FAILING,
    "ERROR": CheckState.FAILING,
    "PENDING": CheckState.PENDING,
    "EXPECTED": CheckState.PENDING,
}
# GitHub answers 200 with `errors`; their type says what REST would have answered
ERROR_STATUS = {
    "NOT_FOUND": 404,
    "FORBIDDEN": 403,
    "INSUFFICIENT_SCOPES": 403,  # a classic token without a scope a field needs
    "RATE_LIMITED": 403,
    "UNPROCESSABLE": 422,
}


def pull_requests(requester: Requester, repo: str, *, state: str, limit: int) -> list[PullSummary]:
    """The newest `limit` pull requests in `state`: one POST /graphql per page of up to 100."""
    owner, name = repo.split("/", 1)
    found: list[PullSummary] = []
    after: str | None = None
    while len(found) < limit:
        variables = {
            "owner": owner,
            "name": name,
            "states": STATES[state],
            "first": min(PAGE_SIZE, limit - len(found)),
            "after": after,
        }
        data = graphql(requester, PULL_REQUESTS, variables)
        page = data["repository"]["pullRequests"]
        found += [pull_summary(node) for node in page["nodes"] if node is not None]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found[:limit]


def graphql(requester: Requester, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """`data` of the query, sent with the client's own auth to its GraphQL URL ({base}/graphql, or GHES'
    {host}/api/graphql for a {host}/api/v3 base: PyGithub's `graphql_url`); `errors` raise as REST would."""
    for attempt in range(1, QUERY_ATTEMPTS + 1):
        try:
            headers, body = requester.requestJsonAndCheck(
                "POST", requester.graphql_url, input={"query": query, "variables": variables}
            )
        except GithubException as exc:
            if exc.status < 500 or attempt == QUERY_ATTEMPTS:
                raise
        except (requests.ConnectionError, requests.Timeout):
            if attempt == QUERY_ATTEMPTS:
                raise
        else:
            return _data(headers, body)
    raise AssertionError("unreachable")  # pragma: no cover


def _data(headers: dict[str, Any], body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise GithubException(502, body, headers, "GitHub's GraphQL answer is not a JSON object")
    data = body.get("data")
    if isinstance(data, dict):
        _note_rate_limit(data.get("rateLimit"))
    errors = body.get("errors")
    if errors or not isinstance(data, dict):
        raise query_error(errors if isinstance(errors, list) else [], headers)
    return data


def query_error(errors: list[Any], headers: dict[str, Any]) -> GithubException:
    """The first error as the REST status it stands for (NOT_FOUND → 404, FORBIDDEN → 403 …), GitHub's message kept."""
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "GitHub's GraphQL API answered with an error")
    status = ERROR_STATUS.get(str(first.get("type")), 400)
    return GithubException(status, {"message": message, "errors": errors}, headers, message)


def pull_summary(node: dict[str, Any]) -> PullSummary:
    reviewers: list[str] = []
    teams: list[str] = []
    for request in node["reviewRequests"]["nodes"]:
        reviewer = (request or {}).get("requestedReviewer") or {}
        if reviewer.get("__typename") == "Team":
            teams.append(reviewer["slug"])
        elif reviewer.get("login"):
            reviewers.append(reviewer["login"])
    return PullSummary(
        number=node["number"],
        title=node["title"],
        author=login_of(node.get("author")),
        created_at=timestamp(node["createdAt"]),
        url=node["url"],
        head_sha=node["headRefOid"],
        checks=Checks(state=rollup_state(node)),
        draft=bool(node["isDraft"]),
        requested_reviewers=tuple(reviewers),
        requested_teams=tuple(teams),
        mergeable=MERGEABLE.get(node["mergeable"]),
    )


def rollup_state(node: dict[str, Any]) -> CheckState:
    """The head commit's statusCheckRollup: commit statuses and check runs together, as GitHub sums them up."""
    rollup = head_rollup(node)
    return ROLLUP.get(rollup["state"], CheckState.NONE) if rollup else CheckState.NONE


def head_rollup(node: Any) -> Any:
    """The statusCheckRollup of a pull request's last commit (`commits(last: 1)`); None when it has no checks."""
    commits = node["commits"]["nodes"]
    return commits[0]["commit"]["statusCheckRollup"] if commits and commits[0] else None


def _note_rate_limit(limit: Any) -> None:
    if isinstance(limit, dict) and isinstance(limit.get("remaining"), int):
        resets = timestamp(str(limit["resetAt"])).timestamp()
        github_metrics.github_rate_limit("graphql", remaining=limit["remaining"], limit=limit["limit"], reset=resets)
