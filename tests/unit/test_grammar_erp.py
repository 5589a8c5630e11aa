"""ERP requests in plain words, and the channel's default repository only for tools that take one."""

from __future__ import annotations

import pytest

from bot.core.errors import UserFacingError
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
    default_repo="acme/api", tool_names=(*ERP, "list_pull_requests"), repo_tools=frozenset({"list_pull_requests"}),
    bot_name="opsbot",
)  # fmt: skip


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
        # more ways an ops person asks
        ("show me order SO0042 please", "erp_get_order", {"order": "SO0042"}),
        ("order SO0042 status?", "erp_get_order", {"order": "SO0042"}),
        ("get the sales order SO0042", "erp_get_order", {"order": "SO0042"}),
        ("list orders", "erp_list_orders", {}),
        ("show orders for Harbor Lane Cafe", "erp_list_orders", {"customer": "Harbor Lane Cafe"}),
        ("show me the open sales orders", "erp_list_orders", {}),
        ("overdue invoices", "erp_overdue_invoices", {}),
        ("any overdue invoices? 🙏", "erp_overdue_invoices", {}),
        ("opsbot, erp overdue", "erp_overdue_invoices", {}),
        ("show me overdue invoices for Harbor Lane Cafe", "erp_overdue_invoices", {"customer": "Harbor Lane Cafe"}),
        ("stock of Office Chair", "erp_stock_level", {"product": "Office Chair"}),
        ('check stock for "Office Chair"', "erp_stock_level", {"product": "Office Chair"}),
        ("stock level of office chairs", "erp_stock_level", {"product": "office chairs"}),
        ("how many office chairs are in stock?", "erp_stock_level", {"product": "office chairs"}),
        ("how many desks do we have in stock", "erp_stock_level", {"product": "desks"}),
        ("find partner oakline", "erp_find_partner", {"query": "oakline"}),
        ("look up supplier Oakline Supplies", "erp_find_partner", {"query": "Oakline Supplies"}),
        ("find customer Harbor Lane", "erp_find_partner", {"query": "Harbor Lane"}),
        ("confirm order SO0042", "erp_confirm_sale", {"order": "SO0042"}),
        ("pls confirm sale SO0042", "erp_confirm_sale", {"order": "SO0042"}),
        ("confirm the sales order SO0042", "erp_confirm_sale", {"order": "SO0042"}),
        ("approve po PO0007", "erp_approve_purchase", {"purchase": "PO0007"}),
        ("can you approve purchase order PO0007?", "erp_approve_purchase", {"purchase": "PO0007"}),
    ],
)
def test_erp_forms_plan_without_a_repository(text: str, tool: str, args: dict[str, str]) -> None:
    [call] = GrammarPlanner().plan(text, CTX).calls
    assert (call.tool, call.args) == (tool, args)


def test_the_default_repository_still_applies_to_github_tools() -> None:
    [call] = GrammarPlanner().plan("list prs", CTX).calls
    assert call.args == {"repo": "acme/api"}


@pytest.mark.parametrize(
    "text",
    [
        "approve purchase order",  # which one? (it used to approve a purchase called "order")
        "erp confirm order",
        "confirm order",
        "confirm the order please",
        "approve po",
        "approve the po asap",  # a reference has a number: `asap` is not a purchase
        "approve purchase today",
    ],
)
def test_an_erp_write_without_its_order_is_not_planned(text: str) -> None:
    with pytest.raises(UserFacingError, match="I don't know how to do"):
        GrammarPlanner().plan(text, CTX)
