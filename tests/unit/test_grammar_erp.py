"""ERP requests in plain words, and the channel's default repository only for tools that take one."""

from __future__ import annotations

import pytest

from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext

ERP = (
    "erp_get_order",
    "erp_list_orders",
    "erp_overdue_invoices",
    "erp_stock_level",
    "erp_find_partner",
    "erp_create_purchase_request",
    "erp_confirm_sale",
    "erp_approve_purchase",
)
CTX = PlanContext(
    default_repo="acme/api", tool_names=(*ERP, "list_pull_requests"), repo_tools=frozenset({"list_pull_requests"})
)


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("erp order SO0042", "erp_get_order", {"order": "SO0042"}),
        ("what's the status of order SO0042?", "erp_get_order", {"order": "SO0042"}),
        ("erp overdue", "erp_overdue_invoices", {}),
        ("which invoices are overdue for Harbor Lane Cafe?", "erp_overdue_invoices", {"customer": "Harbor Lane Cafe"}),
        ('erp stock "Office Chair"', "erp_stock_level", {"product": "Office Chair"}),
        ("erp partner oakline", "erp_find_partner", {"query": "oakline"}),
        (
            "raise a purchase request for 20 office chairs from Oakline Supplies",
            "erp_create_purchase_request",
            {"quantity": "20", "product": "office chairs", "supplier": "Oakline Supplies"},
        ),
        ("erp confirm SO0042", "erp_confirm_sale", {"order": "SO0042"}),
        ("approve purchase PO0007", "erp_approve_purchase", {"purchase": "PO0007"}),
        ("erp_get_order order=SO1", "erp_get_order", {"order": "SO1"}),
    ],
)
def test_erp_forms_plan_without_a_repository(text: str, tool: str, args: dict[str, str]) -> None:
    [call] = GrammarPlanner().plan(text, CTX).calls
    assert (call.tool, call.args) == (tool, args)


def test_the_default_repository_still_applies_to_github_tools() -> None:
    [call] = GrammarPlanner().plan("list prs", CTX).calls
    assert call.args == {"repo": "acme/api"}
