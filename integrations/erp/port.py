"""The ERP port: what opsbot asks of any ERP, as a typed protocol with Decimal amounts and currencies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

DONE_STATES = frozenset({"confirmed", "processing", "done", "sale", "purchase", "cancelled", "cancel"})
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


@dataclass(frozen=True, kw_only=True)
class Money:
    amount: Decimal
    currency: str  # ISO 4217 code

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        symbol = SYMBOLS.get(self.currency)
        number = f"{abs(self.amount):,.2f}"
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)


@dataclass(frozen=True, kw_only=True)
class Partner:
    id: int
    name: str
    code: str | None = None
    email: str | None = None
    city: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    product: str
    quantity: Decimal
    unit: str
    unit_price: Money
    amount: Money


@dataclass(frozen=True, kw_only=True)
class SaleOrder:
    id: int
    number: str
    customer: str
    state: str
    date: dt.date | None
    lines: tuple[OrderLine, ...]
    untaxed: Money
    tax: Money
    total: Money
    shipments: tuple[str, ...] = ()
    shipment_state: str | None = None
    invoice_state: str | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class Invoice:
    number: str
    customer: str
    due_date: dt.date
    amount_due: Money
    total: Money

    def days_late(self, today: dt.date) -> int:
        return (today - self.due_date).days


@dataclass(frozen=True, kw_only=True)
class StockLevel:
    warehouse: str
    on_hand: Decimal
    forecast: Decimal
    unit: str


@dataclass(frozen=True, kw_only=True)
class ProductStock:
    product: str
    levels: tuple[StockLevel, ...]


@dataclass(frozen=True, kw_only=True)
class RequestedLine:
    """A line as a person asked for it: a product by name, a quantity and maybe a unit price."""

    product: str
    quantity: Decimal
    unit_price: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class PurchaseDraft:
    """A purchase as it would be created: the supplier and products resolved, the prices known."""

    supplier: Partner
    lines: tuple[OrderLine, ...]
    total: Money


@dataclass(frozen=True, kw_only=True)
class PurchaseOrder:
    id: int
    number: str
    supplier: str
    state: str
    lines: tuple[OrderLine, ...]
    total: Money
    url: str | None = None


class ErpPort(Protocol):
    """One ERP. Failures raise the project's typed errors (NotFound, PermissionDenied, InvalidArguments, …)."""

    @property
    def name(self) -> str: ...

    async def check(self) -> str: ...

    async def find_partners(self, query: str, *, limit: int = 10) -> list[Partner]: ...

    async def get_sale_order(self, ref: str) -> SaleOrder: ...

    async def list_sale_orders(self, *, customer: str | None, limit: int = 20) -> list[SaleOrder]: ...

    async def overdue_invoices(self, *, customer: str | None, today: dt.date) -> list[Invoice]: ...

    async def stock_levels(self, product: str) -> ProductStock: ...

    async def price_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseDraft: ...

    async def create_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseOrder: ...

    async def get_purchase(self, ref: str) -> PurchaseOrder: ...

    async def confirm_sale(self, ref: str) -> SaleOrder: ...

    async def approve_purchase(self, ref: str) -> PurchaseOrder: ...


def total_of(lines: Sequence[OrderLine], currency: str) -> Money:
    return Money(amount=sum((line.amount.amount for line in lines), Decimal(0)), currency=currency)
