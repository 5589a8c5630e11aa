"""Issue 18, the whole gate as GitHub sees it: opsbot runs as a GitHub App (no personal token), a signed
`deployment_protection_rule` webhook becomes a card saying what ships since the last successful deployment, the
person who triggered the deployment cannot approve it, an approver can, and exactly one `approved` answer reaches
GitHub — sent with an installation token the fake minted only for a JWT it checked (RS256, `iss`, `iat`/`exp`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from bot.sandbox.fakes.github import webhooks
from bot.sandbox.fakes.github.deploy_history import add_deployment, add_history
from tests.approvals_helpers import cards, click
from tests.github.app_fixtures import ACME, APP_ID, private_key, public_key
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, send_github
from tests.triggers.test_deployment_gates import REVIEW_RULES


def real_time() -> datetime:
    return datetime.now(UTC)  # PyGithub signs the JWT with the machine's clock: the fake judges it by the same


async def test_the_whole_gate_runs_as_the_app(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    env = Harness(
        db_url,
        github_webhook_secret=WEBHOOK_SECRET,
        opsbot_rules=str(rules),
        opsbot_github_people="ana=U1",
        github_token=None,
        github_app_id=APP_ID,
        github_app_private_key=SecretStr(private_key()),
    )
    env.github.now = real_time
    async with env:
        gh = env.github
        gh.add_app(app_id=APP_ID, public_key=public_key(private_key()), slug="opsbot-acme")
        gh.add_installation(ACME, "acme")
        shas = add_history(gh, "acme/api", [("Release 1.4", "ben"), ("Rate limits (#7)", "ana"), ("Fix typo", "cy")])
        add_deployment(gh, "acme/api", "production", shas[0], "success")
        gh.add_run("acme/api", 4312, name="Deploy", head_sha=shas[2], conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U1", "U2"])
        env.slack.set_user("U2", name="dana", profile={"display_name": "Dana Ito"})

        hook = webhooks.deployment_protection_rule_requested(run_id=4312, head_sha=shas[2], sender="ana")
        await send_github(env, hook)
        [card] = cards(env)
        shown = str(card.params["blocks"])
        assert "2 commits since" in shown and "Rate limits (#7)" in shown and "Fix typo" in shown

        await click(env, "opsbot.approve", card, "U1", channel="C7")  # ana triggered it: not hers to approve
        assert "someone else has to approve it" in env.slack.ephemerals("U1")[-1]["text"]
        assert gh.repos["acme/api"].gate_reviews == []
        await click(env, "opsbot.approve", card, "U2", channel="C7")
        await send_github(env, hook)  # redelivered: nothing more

        [review] = gh.repos["acme/api"].gate_reviews
        assert review["state"] == "approved"
        assert review["comment"] == "Approved in Slack by Dana Ito through opsbot's approval policy."
        [answer] = [r for r in gh.requests if r.path.endswith("/actions/runs/4312/deployment_protection_rule")]
        assert answer.by == f"installation {ACME}"  # the App's own token, never a person's
        assert gh.apps.minted and {t.installation for t in gh.apps.minted} == {ACME}
        assert {r.by for r in gh.requests} <= {f"installation {ACME}", "app"}  # a JWT only where GitHub wants one
        assert [r.by for r in gh.requests if r.path.endswith("/access_tokens")] == ["app"] * len(gh.apps.minted)
