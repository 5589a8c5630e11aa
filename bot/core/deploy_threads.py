"""A deploy asked for in Slack and the gate GitHub then holds it at, in one thread.

`/ops deploy <environment> [<ref>]` dispatches the deploy workflow; once GitHub has taken the dispatch, the run's
thread is remembered under the deploy's key (repository, environment, ref) for `JOIN_WITHIN`. The
`deployment_protection_rule` webhook that follows for that environment and ref finds it there: its gate card, the
approval and the deployment's outcome are posted in the thread where the deploy was asked for, and whoever asked is
the gate's requester (so they cannot approve their own deploy). A key is used by one gate only.
"""

from __future__ import annotations

from datetime import timedelta

JOIN_WITHIN = timedelta(hours=1)  # a gate later than this after the dispatch is announced on its own


def deploy_request_key(repo: str, environment: str, ref: str) -> str:
    short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
    return f"gh:{repo.lower()}:deploy-request:{environment.lower()}:{short}"
