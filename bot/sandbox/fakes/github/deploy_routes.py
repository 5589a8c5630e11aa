"""The fake GitHub's answer to a deployment protection rule review, as GitHub takes it from the rule's App.

`POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule` with `environment_name`, `state`
(`approved` | `rejected`) and `comment`: 204 and the review is recorded on the repository; a run it does not know is
404; a second review of the same run and environment is refused (GitHub reports there is nothing left to review),
so a client that sends its answer twice is caught. The run moves on as GitHub's does: `in_progress` once approved,
`completed` with `failure` once rejected (it was `waiting`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.sandbox.fakes.github.github_state import Call, Reply
from bot.sandbox.fakes.github.wire import DOCS, NOT_FOUND, error

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

R = r"/repos/(?P<repo>[^/]+/[^/]+)"
REVIEW_DOCS = f"{DOCS}/actions/workflow-runs#review-custom-deployment-protection-rules-for-a-workflow-run"


def _review(gh: FakeGitHub, call: Call) -> Reply:
    repo = call.repo
    if repo is None or int(call.params["run_id"]) not in repo.runs:
        return Reply(status=404, body=dict(NOT_FOUND))
    body = call.body if isinstance(call.body, dict) else {}
    environment, state = body.get("environment_name"), body.get("state")
    # GitHub documents this operation's errors as a basic error (a message, no `errors` list)
    if not isinstance(environment, str) or not environment:
        return Reply(status=422, body=error("Invalid request: `environment_name` is missing.", REVIEW_DOCS))
    if state not in ("approved", "rejected"):
        return Reply(status=422, body=error("Invalid request: `state` must be approved or rejected.", REVIEW_DOCS))
    run_id = int(call.params["run_id"])
    if any(r["run_id"] == run_id and r["environment"] == environment for r in repo.gate_reviews):
        return Reply(status=422, body=error("No pending deployment protection rule to review.", REVIEW_DOCS))
    comment = body.get("comment")
    repo.gate_reviews.append({"run_id": run_id, "environment": environment, "state": state, "comment": comment})
    run = repo.runs[run_id]
    if state == "approved":  # the held job goes on
        run.status = "in_progress"
    else:  # the job fails without deploying, and the run with it
        run.status, run.conclusion = "completed", "failure"
    return Reply(status=204)


DEPLOY_ROUTES: list[tuple[str, str, Callable[[FakeGitHub, Call], Reply]]] = [
    ("POST", rf"{R}/actions/runs/(?P<run_id>\d+)/deployment_protection_rule", _review),
]
