"""The sandbox's demo world: three people, #ops, and a GitHub repository acme/api with PRs, runs and workflows."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.app.settings import Settings
from bot.sandbox.fakes.fake_odoo import DATABASE as ODOO_DATABASE
from bot.sandbox.fakes.fake_odoo import LOGIN as ODOO_LOGIN
from bot.sandbox.fakes.fake_odoo import FakeOdoo
from bot.sandbox.fakes.github import FakeGitHub, webhooks
from bot.sandbox.fakes.github.shapes import sha
from bot.sandbox.fakes.slack_api import FakeSlackApi

BOT_TOKEN = "xoxb-sandbox-0000-demo-token"  # noqa: S105 - only the local fake Slack ever sees it
SIGNING_SECRET = "sandbox-demo-signing-secret-0000"  # noqa: S105 - signs requests from the local fake Slack
GITHUB_TOKEN = "ghp_sandboxDEMO000000000000000000000000"  # noqa: S105 - only the local fake GitHub sees it
WEBHOOK_SECRET = "sandbox-demo-webhook-secret-0000"  # noqa: S105 - signs the page's simulated GitHub webhooks
ODOO_KEY = "sandbox-demo-odoo-api-key-0000"  # only the local fake Odoo sees it
CHANNEL = "C1"
CHANNEL_NAME = "ops"
REPO = "acme/api"
BOT_NAME = "opsbot"
CI_RUN_ID = 4243  # the failed run on main that the "Simulate CI failure" button's webhooks report
CI_SHA = sha(f"{REPO}@main:{CI_RUN_ID}")
CI_JOBS = ("linters",)  # its failed jobs
DAY = timedelta(days=1)
RULES = f"""\
# The sandbox's rules: GitHub events from {REPO} go to #{CHANNEL_NAME}.
routes:
  - name: demo-github
    when:
      source: github
      repos: ["{REPO}"]
    notify: {CHANNEL}
"""


@dataclass(frozen=True, kw_only=True)
class Person:
    id: str
    name: str
    role: str

    @property
    def dm(self) -> str:
        """The direct-message channel between this person and the bot."""
        return "D" + self.id[1:]


PEOPLE = (
    Person(id="U1", name="ana", role="requester"),
    Person(id="U2", name="ben", role="approver"),
    Person(id="U3", name="cy", role="not an approver"),
)
APPROVERS = "U2"
DIGEST_NOW = {  # the "Digest now" button's: acme/api's pull requests, in #ops, by the bot's own digest builder
    "id": "demo-now",
    "kind": "prs",
    "target": REPO,
    "channel": CHANNEL,
    "cadence": "on demand",
    "at": "from the",
    "timezone": "sandbox page",
}


def person(user: str) -> Person:
    found = next((p for p in PEOPLE if p.id == user), None)
    if found is None:
        raise KeyError(user)
    return found


def seed_slack(slack: FakeSlackApi) -> None:
    slack.set_members(CHANNEL, [p.id for p in PEOPLE] + [slack.bot_user_id])
    slack.set_channel_name(CHANNEL, CHANNEL_NAME)
    for p in PEOPLE:
        slack.add_person(p.id, p.name, real_name=p.name.title())


def seed_github(github: FakeGitHub) -> None:
    """acme/api: four open PRs (#7 is ready to merge, #8's CI failed, #11 conflicts), five issues (one closed),
    failed CI runs on main and on #8, two workflows."""
    github.add_repo(REPO)
    seed_issues(github)
    github.add_pr(
        REPO, 7, "Add rate limiting to /login", author="ana", head="rate-limit", checks="passing", reviewers=("ben",)
    )
    upgrade = github.add_pr(
        REPO, 8, "Upgrade SQLAlchemy to 2.0.36", author="dependabot", head="deps/sqlalchemy", checks="failing",
        mergeable_state="unstable",  # GitHub's word for mergeable with failing checks
    )  # fmt: skip
    github.add_pr(
        REPO,
        9,
        "WIP: new billing export",
        author="ben",
        head="billing-export",
        checks="pending",
        age=timedelta(days=12),
        draft=True,
    )
    github.add_pr(
        REPO, 11, "Fix flaky retry test", author="cy", head="fix-flaky", mergeable=False, mergeable_state="dirty"
    )
    github.add_run(REPO, 4242, name="CI", branch="main", conclusion="failure", age=timedelta(minutes=40))
    github.add_run(REPO, 4241, name="CI", branch="main", conclusion="success", age=timedelta(hours=5))
    github.add_run(REPO, CI_RUN_ID, name="CI", branch="main", head_sha=CI_SHA, conclusion="failure")
    github.add_run(  # #8's failing checks: a run that `rerun #8` (and the digest's Rerun #8) can rerun
        REPO, 4244, name="CI", branch="deps/sqlalchemy", head_sha=upgrade.head_sha, conclusion="failure",
        age=timedelta(hours=2),
    )  # fmt: skip
    github.add_workflow(REPO, "deploy.yml", name="Deploy", required=("environment",))
    github.add_workflow(REPO, "ci.yml", name="CI", dispatchable=False)


def seed_issues(github: FakeGitHub) -> None:
    """Numbered below the PRs' #11, so the first issue opsbot creates is #12."""
    github.add_issue(REPO, 3, "Password reset emails arrive twice", labels=("bug",), assignees=("ben",), age=DAY * 6)
    github.add_issue(REPO, 5, "Document the /v2/orders pagination", user="cy", labels=("documentation",), age=DAY * 20)
    github.add_issue(
        REPO,
        6,
        "429 answers lack a Retry-After header",
        labels=("bug", "good first issue"),
        assignees=("ana",),
        age=DAY * 2,
    )
    github.add_issue(
        REPO,
        10,
        "Nightly export times out on large accounts",
        user="ben",
        labels=("bug", "ops"),
        assignees=("cy",),
        age=DAY / 4,
    )
    done = github.add_issue(REPO, 2, "Move CI to Python 3.12", user="ben", labels=("enhancement",), age=DAY * 30)
    done.state, done.state_reason, done.closed_at, done.closed_by = "closed", "completed", github.now() - DAY * 4, "ben"


def seed_odoo(odoo: FakeOdoo, today: date) -> None:
    """Our demo customers (bot/sandbox/fakes/odoo_demo.py), with two invoices past their due date, one not yet due."""
    odoo.add_invoice("Birchwood Studio", 1500.0, (today - timedelta(days=45)).isoformat(), paid=500.0)
    odoo.add_invoice("Harbor Lane Cafe", 2750.0, (today - timedelta(days=12)).isoformat())
    odoo.add_invoice("Kestrel Labs", 99.0, (today + timedelta(days=20)).isoformat())


def ci_failure_webhooks() -> list[webhooks.Webhook]:
    """What GitHub sends when CI fails on acme/api main: each failed job, then the run (CI_RUN_ID)."""
    jobs = [
        webhooks.workflow_job_completed(repo=REPO, job=job, run_id=CI_RUN_ID, head_sha=CI_SHA, sender="ana")
        for job in CI_JOBS
    ]
    run = webhooks.workflow_run_completed(repo=REPO, run_id=CI_RUN_ID, head_sha=CI_SHA, sender="ana")
    return [*jobs, run]


def signed_webhook(event: str, payload: Mapping[str, object]) -> tuple[bytes, dict[str, str]]:
    """The body and headers GitHub would send, signed with the sandbox's webhook secret."""
    body = json.dumps(payload).encode()
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={signature}",
        "User-Agent": "GitHub-Hookshot/sandbox",
    }
    return body, headers


def settings_for(
    base: Settings,
    *,
    slack_url: str,
    github_url: str | None,
    database_url: str,
    rules: Path,
    odoo_url: str | None = None,
    runbooks: Path | None = None,
) -> Settings:
    """The user's own settings, with the Slack stand-in, the sandbox database, rules and the demo approval rules.

    GitHub stays the real one when a GITHUB_TOKEN is configured; otherwise it is the local demo. The same goes
    for the ERP: the local demo Odoo unless TRYTON_URL or ODOO_URL is set.
    """
    values: dict[str, SecretStr | str | None] = {
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_app_token": None,
        "slack_api_url": slack_url,
        "database_url": database_url,
        "opsbot_channel_repos": f"{CHANNEL}={REPO}",
        "opsbot_approvers": APPROVERS,
        "opsbot_policy": None,
        "github_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "opsbot_rules": str(rules),
    }
    if odoo_url is not None:
        values.update(
            odoo_url=odoo_url,
            odoo_database=ODOO_DATABASE,
            odoo_user=ODOO_LOGIN,
            odoo_api_key=SecretStr(ODOO_KEY),
            odoo_protocol="auto",
        )
    if github_url is not None:
        values.update(github_token=SecretStr(GITHUB_TOKEN), github_api_url=github_url)
    if runbooks is not None:
        values["opsbot_runbooks"] = str(runbooks)
    return base.model_copy(update=values)
