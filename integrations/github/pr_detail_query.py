"""One pull request and its head commit's checks in one GraphQL query, as the `PullDetail` the REST reads made.

GraphQL's enums are REST's words in capitals (DIRTY → "dirty", IN_PROGRESS → "in_progress", TIMED_OUT → "timed_out")
and `mergeable` is REST's true, false or null (MERGEABLE, CONFLICTING, UNKNOWN), but for two: a merged pull request
is MERGED, where REST says "closed" with `merged`; and a required commit status not reported yet is an EXPECTED
context, which REST's combined status leaves out and these checks count as pending (as the list's rollup does).
"""

from __future__ import annotations

from typing import Any

from github.Requester import Requester

from integrations.github.github_models import Checks, PullDetail, login_of, summarize_checks
from integrations.github.graphql_queries import PULL_REQUEST
from integrations.github.pr_query import MERGEABLE, graphql, head_rollup, query_error


def pull_request(requester: Requester, repo: str, number: int) -> PullDetail:
    """`repo`'s pull request `number` with its checks: one POST /graphql (GitHub's NOT_FOUND error is a 404)."""
    owner, name = repo.split("/", 1)
    data = graphql(requester, PULL_REQUEST, {"owner": owner, "name": name, "number": number})
    node = data["repository"]["pullRequest"]
    if node is None:  # GitHub sends a NOT_FOUND error with the null; this is for an answer that does not
        raise query_error([{"type": "NOT_FOUND", "message": f"No pull request #{number} in {repo}"}], {})
    return pull_detail(node)


def pull_detail(node: Any) -> PullDetail:
    """A `pullRequest` node of the query as the REST pull request (`pull-request`) read."""
    return PullDetail(
        number=node["number"],
        title=node["title"],
        author=login_of(node.get("author")),
        head=node["headRefName"],
        base=node["baseRefName"],
        state="open" if node["state"] == "OPEN" else "closed",  # CLOSED or MERGED
        merged=bool(node["merged"]),
        mergeable=MERGEABLE.get(node["mergeable"]),
        mergeable_state=str(node["mergeStateStatus"]).lower(),
        url=node["url"],
        head_sha=node["headRefOid"],
        checks=head_checks(node),
        body=node["body"] or "",
    )


def head_checks(node: Any) -> Checks:
    """The head commit's commit statuses and check runs, summed up as the REST reads of each were."""
    rollup = head_rollup(node)
    contexts = [c for c in (rollup["contexts"]["nodes"] if rollup else []) if c]
    statuses = [(c["context"], _status_state(c["state"])) for c in contexts if c["__typename"] == "StatusContext"]
    runs = [
        (c["name"], c["status"].lower(), c["conclusion"].lower() if c["conclusion"] else None)
        for c in contexts
        if c["__typename"] == "CheckRun"
    ]
    return summarize_checks(statuses, runs)


def _status_state(state: str) -> str:
    return "pending" if state == "EXPECTED" else state.lower()
