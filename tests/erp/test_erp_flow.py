"""The whole app with a real Tryton: a channel mention, an approval card, another person's click, a purchase."""

from __future__ import annotations

import json
from typing import Any

from integrations.erp.erp_rows import Row
from integrations.erp.tryton_rpc import TrytonRpc
from tests.approvals_helpers import cards, click
from tests.erp.conftest import TrytonEnv
from tests.harness import Harness


def text_of(params: dict[str, Any]) -> str:
    return json.dumps(params.get("blocks", []), ensure_ascii=False) + str(params.get("text", ""))


def replies(env: Harness) -> list[dict[str, Any]]:
    return [c.params for c in env.slack.calls_to("chat.postMessage")]


async def test_purchase_request_is_created_after_approval(
    erp_env: Harness, tryton_env: TrytonEnv, rpc: TrytonRpc
) -> None:
    env = erp_env
    ask = 'erp_create_purchase_request supplier="Oakline Supplies" product="office chairs" quantity=20'
    await env.driver.mention(ask, user="U1", channel="C2")
    await env.settle()

    [card] = cards(env)
    shown = text_of(card.params)
    assert "Oakline Supplies" in shown and "20 x [CHR-100] Office Chair @ €55.00 = €1,100.00" in shown
    assert "€1,100.00" in shown
    assert tryton_env.server.password not in json.dumps(replies(env))

    await click(env, "opsbot.approve", card, "U2", channel="C2")

    done = [p for p in replies(env) if "Created purchase PO" in text_of(p)]
    assert len(done) == 1
    number = text_of(done[0]).split("Created purchase ", 1)[1].split(" ", 1)[0]
    rows = Row.many(
        await rpc.model(
            "purchase.purchase",
            "search_read",
            [("number", "=", number)],
            0,
            None,
            None,
            ["state", "total_amount"],
            action="check",
        )
    )
    assert [(r.get("state"), str(r.get("total_amount"))) for r in rows] == [("quotation", "1100.00")]


async def test_a_read_answers_in_the_thread_at_once(erp_env: Harness, tryton_env: TrytonEnv) -> None:
    await erp_env.driver.mention('erp_stock_level product="Office Chair"', user="U1", channel="C2")
    await erp_env.settle()
    assert any("35 u on hand" in text_of(p) for p in replies(erp_env))
    assert cards(erp_env) == []
