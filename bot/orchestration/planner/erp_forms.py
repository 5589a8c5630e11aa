"""The ERP requests the grammar reads in plain words (the tools exist only when an ERP is configured)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.jsonvalue import JsonObject

Build = Callable[..., Callable[[Any], tuple[str, JsonObject]]]


def erp_forms(with_repo: Build) -> list[Any]:
    """ERP requests in plain words (the tools exist only when an ERP is configured)."""
    quantity = r"(?P<quantity>\d+(?:\.\d+)?)"
    return [
        (
            r"(?:erp\s+)?(?:show\s+|get\s+|(?:what'?s\s+)?(?:the\s+)?status\s+of\s+)?(?:sales?\s+)?order\s+"
            r"(?P<order>[A-Z]{1,4}[/-]?\d+)\s*\??",
            with_repo("erp_get_order"),
        ),
        (r"erp\s+orders(?:\s+(?:for|of)\s+(?P<customer>.+?))?", with_repo("erp_list_orders")),
        (r"erp\s+overdue(?:\s+(?:for\s+)?(?P<customer>.+?))?", with_repo("erp_overdue_invoices")),
        (
            r"(?:which|what|list|show)\s+(?:invoices\s+are\s+overdue|overdue\s+invoices)"
            r"(?:\s+(?:for|of|from)\s+(?P<customer>.+?))?\s*\??",
            with_repo("erp_overdue_invoices"),
        ),
        (r'erp\s+stock\s+(?:of\s+|for\s+)?"?(?P<product>[^"]+?)"?', with_repo("erp_stock_level")),
        (r"erp\s+(?:partner|find)\s+(?P<query>.+)", with_repo("erp_find_partner")),
        (
            rf"(?:raise|create|make|open)\s+(?:a\s+)?(?:purchase\s+request|purchase\s+order|po)\s+for\s+{quantity}\s+"
            r"(?P<product>.+?)\s+from\s+(?P<supplier>.+?)(?:\s+at\s+(?P<unit_price>\d+(?:\.\d+)?)(?:\s*each)?)?\s*\.?",
            with_repo("erp_create_purchase_request"),
        ),
        (r"erp\s+confirm\s+(?:sale\s+)?(?:order\s+)?(?P<order>\S+)", with_repo("erp_confirm_sale")),
        (r"(?:erp\s+)?approve\s+purchase\s+(?:order\s+)?(?P<purchase>\S+)", with_repo("erp_approve_purchase")),
    ]


