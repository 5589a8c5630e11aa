"""What a test counts as "opsbot read pull request #n": the REST read, or the one GraphQL query that reads it with its
checks (`OpsbotPullRequest`, integrations/github/graphql_queries.py)."""

from __future__ import annotations

from bot.sandbox.fakes.github import FakeGitHub, RecordedRequest


def is_pull_read(request: RecordedRequest, number: int) -> bool:
    if request.method == "GET" and request.path.endswith(f"/pulls/{number}"):
        return True
    body = request.json if isinstance(request.json, dict) else {}
    variables = body.get("variables")
    return (
        request.method == "POST"
        and request.path.endswith("/graphql")
        and "query OpsbotPullRequest(" in str(body.get("query"))
        and isinstance(variables, dict)
        and variables.get("number") == number
    )


def pull_reads(gh: FakeGitHub, number: int) -> int:
    return len([r for r in gh.requests if is_pull_read(r, number)])
