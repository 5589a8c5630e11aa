"""How ERP records read in Slack: order lines, amounts with their currency, quantities without noise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.core.jsonvalue import JsonObject
from integrations.erp.port import Invoice, Money, OrderLine, PurchaseOrder, SaleOrder


def escape(text: str) -> str:
    """Slack mrkdwn control characters, so a product called `<Desk & Co>` shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def line_text(line: OrderLine) -> str:
    unit = f" {line.unit}" if line.unit and line.unit not in ("u", "Units") else ""
    return f"{qty(line.quantity)}{unit} x {escape(line.product)} @ {line.unit_price} = {line.amount}"


def line_data(line: OrderLine) -> JsonObject:
    return {
        "product": line.product,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price.amount),
        "amount": str(line.amount.amount),
        "currency": line.amount.currency,
    }


def money_data(money: Money) -> JsonObject:
    return {"amount": str(money.amount), "currency": money.currency}


def totals(amounts: Iterable[Money]) -> str:
    """A sum per currency: `€1,730.50` or `€1,500.00 + $20.00`."""
    sums: dict[str, Decimal] = {}
    for m in amounts:
        sums[m.currency] = sums.get(m.currency, Decimal(0)) + m.amount
    return " + ".join(str(Money(amount=a, currency=c)) for c, a in sums.items()) or "nothing"


def sale_fields(order: SaleOrder) -> tuple[tuple[str, str], ...]:
    fields = [
        ("Customer", escape(order.customer)),
        ("State", order.state),
        ("Total", f"{order.total} ({order.untaxed} + tax {order.tax})"),
    ]
    if order.date:
        fields.append(("Date", order.date.isoformat()))
    if order.shipments or order.shipment_state:
        shipped = ", ".join(order.shipments) or "none yet"
        fields.append(("Shipments", f"{shipped} ({order.shipment_state or 'n/a'})"))
    if order.invoice_state:
        fields.append(("Invoicing", order.invoice_state))
    return tuple(fields)


def sale_data(order: SaleOrder) -> JsonObject:
    return {
        "number": order.number,
        "customer": order.customer,
        "state": order.state,
        "date": order.date.isoformat() if order.date else None,
        "total": money_data(order.total),
        "untaxed": money_data(order.untaxed),
        "tax": money_data(order.tax),
        "lines": [line_data(x) for x in order.lines],
        "shipments": list(order.shipments),
        "shipment_state": order.shipment_state,
        "invoice_state": order.invoice_state,
        "url": order.url,
    }


def purchase_data(order: PurchaseOrder) -> JsonObject:
    return {
        "number": order.number,
        "supplier": order.supplier,
        "state": order.state,
        "total": money_data(order.total),
        "lines": [line_data(x) for x in order.lines],
        "url": order.url,
    }


def invoice_line(invoice: Invoice, days: int) -> str:
    late = plural(days, "day")
    return (
        f"{escape(invoice.number)} — {escape(invoice.customer)}: {invoice.amount_due} due"
        f" since {invoice.due_date.isoformat()} ({late} late)"
    )
