"""The ERP requests the grammar reads in plain words (the tools exist only when an ERP is configured)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.jsonvalue import JsonObject

Build = Callable[..., Callable[[Any], tuple[str, JsonObject]]]
ORDER = r"(?P<order>[A-Z]{1,4}[/-]?\d+)"  # SO0042, S/0042: an order's reference as the ERP shows it
SHOW = r"(?:show(?:\s+me)?\s+|get\s+|list\s+|find\s+)"


def erp_forms(with_repo: Build) -> list[Any]:
    """ERP requests in plain words. A write (confirm a sale, approve a purchase) names its order or purchase."""
    quantity = r"(?P<quantity>\d+(?:\.\d+)?)"
    customer = r"(?:\s+(?:for|of|from)\s+(?P<customer>.+?))?"
    return [
        (
            r"(?:erp\s+)?(?:show(?:\s+me)?\s+|get\s+|(?:what'?s\s+)?(?:the\s+)?status\s+of\s+)?(?:the\s+)?"
            rf"(?:sales?\s+)?order\s+{ORDER}(?:\s+status)?\s*\??",
            with_repo("erp_get_order"),
        ),
        (r"erp\s+orders(?:\s+(?:for|of)\s+(?P<customer>.+?))?", with_repo("erp_list_orders")),
        (rf"{SHOW}(?:the\s+)?(?:open\s+)?(?:sales?\s+)?orders{customer}", with_repo("erp_list_orders")),
        (r"erp\s+overdue(?:\s+(?:for\s+)?(?P<customer>.+?))?", with_repo("erp_overdue_invoices")),
        (
            r"(?:(?:which|what|list|show(?:\s+me)?|any)\s+)?(?:the\s+)?(?:invoices\s+are\s+overdue|overdue\s+invoices)"
            rf"{customer}\s*\??",
            with_repo("erp_overdue_invoices"),
        ),
        (r'erp\s+stock\s+(?:of\s+|for\s+)?"?(?P<product>[^"]+?)"?', with_repo("erp_stock_level")),
        (
            r'(?:(?:show|get|check)\s+(?:the\s+)?)?stock(?:\s+level)?\s+(?:of|for)\s+"?(?P<product>[^"]+?)"?',
            with_repo("erp_stock_level"),
        ),
        (
            r'how\s+many\s+"?(?P<product>[^"]+?)"?\s+(?:are\s+|do\s+we\s+have\s+)?(?:in\s+stock|left)',
            with_repo("erp_stock_level"),
        ),
        (r"erp\s+(?:partner|find)\s+(?P<query>.+)", with_repo("erp_find_partner")),
        (
            r"(?:find|search(?:\s+for)?|look\s*up)\s+(?:the\s+|a\s+)?(?:partner|customer|supplier|vendor)\s+(?P<query>.+)",
            with_repo("erp_find_partner"),
        ),
        (
            rf"(?:raise|create|make|open)\s+(?:a\s+)?(?:purchase\s+request|purchase\s+order|po)\s+for\s+{quantity}\s+"
            r"(?P<product>.+?)\s+from\s+(?P<supplier>.+?)(?:\s+at\s+(?P<unit_price>\d+(?:\.\d+)?)(?:\s*each)?)?\s*\.?",
            with_repo("erp_create_purchase_request"),
        ),
        (r"erp\s+confirm\s+(?:sale\s+)?(?:order\s+)?(?!order$|sale$)(?P<order>\S+)", with_repo("erp_confirm_sale")),
        (rf"confirm\s+(?:the\s+)?(?:sale|sales\s+order|sale\s+order|order)\s+{ORDER}", with_repo("erp_confirm_sale")),
        (
            r"(?:erp\s+)?approve\s+(?:the\s+)?(?:purchase(?:\s+order)?|po)\s+(?!order$)(?P<purchase>(?=\S*\d)\S+)",
            with_repo("erp_approve_purchase"),
        ),
    ]
