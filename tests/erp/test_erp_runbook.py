"""The example runbook `erp-purchase-request` end to end against the real Tryton server."""

from __future__ import annotations

from tests.approvals_helpers import cards, click, text_of
from tests.harness import Harness


async def test_low_stock_raises_a_purchase_request_after_approval(erp_env: Harness) -> None:
    env = erp_env
    await env.driver.command(
        'run erp-purchase-request product="Office Chair" supplier="Oakline Supplies" quantity=12 below=1000',
        user="U1",
        channel="C2",
    )
    await env.settle()
    [card] = cards(env)
    assert "Oakline Supplies" in text_of(card.params) and "12" in text_of(card.params)
    await click(env, "opsbot.approve", card, "U2", channel="C2")
    posts = " ".join(text_of(c.params) for c in env.slack.calls_to("chat.postMessage"))
    assert "Created purchase" in posts and "Requested 12" in posts and "finished" in posts


async def test_enough_stock_means_no_request(erp_env: Harness) -> None:
    env = erp_env
    await env.driver.command(
        'run erp-purchase-request product="Office Chair" supplier="Oakline Supplies" below=1', user="U1", channel="C2"
    )
    await env.settle()
    assert cards(env) == []
    posts = " ".join(text_of(c.params) for c in env.slack.calls_to("chat.postMessage"))
    assert "enough in stock" in posts
