"""The ERP tools: what each one does, its risk, and how its result and approval preview read."""

from __future__ import annotations

from decimal import Decimal

from bot.core.clock import Clock, SystemClock
from bot.core.errors import NotPossible
from bot.core.tool_registry import Preview, Risk, Tool, ToolResult, ToolSpec
from integrations.erp.erp_args import (
    ListOrdersArgs,
    OrderArgs,
    OverdueArgs,
    PartnerArgs,
    PurchaseArgs,
    PurchaseRequestArgs,
    StockArgs,
)
from integrations.erp.erp_format import (
    escape,
    invoice_line,
    line_text,
    money_data,
    plural,
    purchase_data,
    qty,
    sale_data,
    sale_fields,
    totals,
)
from integrations.erp.port import DONE_STATES, ErpPort


class ErpTools:
    """Tool functions over one ERP adapter; `erp_tools` lists them as ToolSpecs."""

    def __init__(self, erp: ErpPort, clock: Clock) -> None:
        self.erp = erp
        self.clock = clock

    async def get_order(self, args: OrderArgs) -> ToolResult:
        order = await self.erp.get_sale_order(args.order)
        return ToolResult(
            text=f"*Sale order {escape(order.number)}* for {escape(order.customer)}: {order.state}, {order.total}",
            fields=sale_fields(order),
            lines=tuple(line_text(x) for x in order.lines),
            data=sale_data(order),
            link=order.url,
        )

    async def list_orders(self, args: ListOrdersArgs) -> ToolResult:
        orders = await self.erp.list_sale_orders(customer=args.customer, limit=args.limit)
        whose = f" for {escape(args.customer)}" if args.customer else ""
        if not orders:
            return ToolResult(text=f"No sale orders{whose}.")
        return ToolResult(
            text=f"{plural(len(orders), 'sale order')}{whose}, newest first:",
            lines=tuple(f"{escape(o.number)} — {escape(o.customer)}: {o.state}, {o.total}" for o in orders),
            data={"orders": [sale_data(o) for o in orders]},
        )

    async def overdue_invoices(self, args: OverdueArgs) -> ToolResult:
        today = self.clock.now().date()
        invoices = await self.erp.overdue_invoices(customer=args.customer, today=today)
        whose = f" for {escape(args.customer)}" if args.customer else ""
        if not invoices:
            return ToolResult(text=f"No overdue invoices{whose}.")
        return ToolResult(
            text=f"{plural(len(invoices), 'overdue invoice')}{whose}, {totals(i.amount_due for i in invoices)} due:",
            lines=tuple(invoice_line(i, i.days_late(today)) for i in invoices),
            data={
                "invoices": [
                    {
                        "number": i.number,
                        "customer": i.customer,
                        "due_date": i.due_date.isoformat(),
                        "days_late": i.days_late(today),
                        "amount_due": money_data(i.amount_due),
                        "total": money_data(i.total),
                    }
                    for i in invoices
                ]
            },
        )

    async def stock_level(self, args: StockArgs) -> ToolResult:
        stock = await self.erp.stock_levels(args.product)
        if not stock.levels:
            return ToolResult(text=f"*{escape(stock.product)}*: no warehouses found.")
        on_hand = sum((x.on_hand for x in stock.levels), Decimal(0))
        forecast = sum((x.forecast for x in stock.levels), Decimal(0))
        unit = stock.levels[0].unit
        return ToolResult(
            text=f"*{escape(stock.product)}*: {qty(on_hand)} {unit} on hand, {qty(forecast)} {unit} forecast",
            lines=tuple(
                f"{escape(x.warehouse)}: {qty(x.on_hand)} on hand, {qty(x.forecast)} forecast" for x in stock.levels
            ),
            data={
                "product": stock.product,
                "warehouses": [
                    {"warehouse": x.warehouse, "on_hand": str(x.on_hand), "forecast": str(x.forecast), "unit": x.unit}
                    for x in stock.levels
                ],
            },
        )

    async def find_partner(self, args: PartnerArgs) -> ToolResult:
        partners = await self.erp.find_partners(args.query)
        if not partners:
            return ToolResult(text=f"No customer or supplier matches `{escape(args.query)}`.")
        return ToolResult(
            text=f"{plural(len(partners), 'partner')} matching `{escape(args.query)}`:",
            lines=tuple(
                escape(" — ".join(x for x in (p.name, p.code and f"code {p.code}", p.city, p.email) if x))
                for p in partners
            ),
            data={"partners": [{"id": p.id, "name": p.name, "code": p.code, "city": p.city} for p in partners]},
        )

    async def create_purchase_request(self, args: PurchaseRequestArgs) -> ToolResult:
        order = await self.erp.create_purchase(args.supplier, args.requested())
        return ToolResult(
            text=f"Created purchase {escape(order.number)} from {escape(order.supplier)} for {order.total}"
            f" ({order.state}) in {self.erp.name}.",
            lines=tuple(line_text(x) for x in order.lines),
            data=purchase_data(order),
            link=order.url,
        )

    async def preview_create_purchase_request(self, args: PurchaseRequestArgs) -> Preview:
        draft = await self.erp.price_purchase(args.supplier, args.requested())
        return Preview(
            title=f"Purchase request to {draft.supplier.name}",
            fields=(
                ("Supplier", escape(draft.supplier.name)),
                ("Total (untaxed)", str(draft.total)),
                ("ERP", self.erp.name),
            ),
            body="\n".join(line_text(x) for x in draft.lines),
        )

    async def confirm_sale(self, args: OrderArgs) -> ToolResult:
        order = await self.erp.confirm_sale(args.order)
        return ToolResult(
            text=f"Confirmed sale order {escape(order.number)} for {escape(order.customer)} ({order.total}):"
            f" now {order.state}.",
            fields=sale_fields(order),
            data=sale_data(order),
            link=order.url,
        )

    async def preview_confirm_sale(self, args: OrderArgs) -> Preview:
        order = await self.erp.get_sale_order(args.order)
        if order.state in DONE_STATES:  # the ERP would refuse after the approval: say so before any card
            raise NotPossible(
                f"Sale order {escape(order.number)} for {escape(order.customer)} is already {order.state}:"
                f" there is nothing to confirm. `erp order {escape(order.number)}` shows it."
            )
        return Preview(
            title=f"Confirm sale order {order.number} for {order.customer}",
            fields=sale_fields(order),
            body="\n".join(line_text(x) for x in order.lines) or None,
        )

    async def approve_purchase(self, args: PurchaseArgs) -> ToolResult:
        order = await self.erp.approve_purchase(args.purchase)
        return ToolResult(
            text=f"Approved purchase {escape(order.number)} from {escape(order.supplier)} ({order.total}):"
            f" now {order.state}.",
            data=purchase_data(order),
            link=order.url,
        )

    async def preview_approve_purchase(self, args: PurchaseArgs) -> Preview:
        order = await self.erp.get_purchase(args.purchase)
        if order.state in DONE_STATES:
            raise NotPossible(
                f"Purchase {escape(order.number)} from {escape(order.supplier)} is already {order.state}:"
                " there is nothing to approve."
            )
        return Preview(
            title=f"Approve purchase {order.number} from {order.supplier}",
            fields=(("Supplier", escape(order.supplier)), ("State", order.state), ("Total", str(order.total))),
            body="\n".join(line_text(x) for x in order.lines) or None,
        )


def erp_tools(erp: ErpPort, *, clock: Clock | None = None) -> list[Tool]:
    t = ErpTools(erp, clock or SystemClock())
    return [
        ToolSpec(
            name="erp_get_order",
            description="Show one sale order from the ERP: customer, lines, totals, state and shipments.",
            args=OrderArgs,
            risk=Risk.READ,
            run=t.get_order,
            example="erp_get_order order=S00002",
            idempotent=True,
        ),
        ToolSpec(
            name="erp_list_orders",
            description="List recent sale orders in the ERP, optionally for one customer.",
            args=ListOrdersArgs,
            risk=Risk.READ,
            run=t.list_orders,
            example='erp_list_orders customer="Birchwood Studio"',
            idempotent=True,
        ),
        ToolSpec(
            name="erp_overdue_invoices",
            description="List overdue customer invoices with the amount due and days late.",
            args=OverdueArgs,
            risk=Risk.READ,
            run=t.overdue_invoices,
            example='erp_overdue_invoices customer="Harbor Lane Cafe"',
            idempotent=True,
        ),
        ToolSpec(
            name="erp_stock_level",
            description="Show a product's quantity on hand and forecast, per warehouse.",
            args=StockArgs,
            risk=Risk.READ,
            run=t.stock_level,
            example='erp_stock_level product="Office Chair"',
            idempotent=True,
        ),
        ToolSpec(
            name="erp_find_partner",
            description="Find customers or suppliers in the ERP by name or code.",
            args=PartnerArgs,
            risk=Risk.READ,
            run=t.find_partner,
            example="erp_find_partner query=Oakline",
            idempotent=True,
        ),
        ToolSpec(
            name="erp_create_purchase_request",
            description="Create a purchase request (a quotation to a supplier) in the ERP.",
            args=PurchaseRequestArgs,
            risk=Risk.WRITE,
            run=t.create_purchase_request,
            example='erp_create_purchase_request supplier="Oakline Supplies" product="Office Chair" quantity=20',
            preview=t.preview_create_purchase_request,
        ),
        ToolSpec(
            name="erp_confirm_sale",
            description="Confirm a sale order: the quotation becomes a firm order, and shipments and invoices follow.",
            args=OrderArgs,
            risk=Risk.DANGEROUS,
            run=t.confirm_sale,
            example="erp_confirm_sale order=S00002",
            preview=t.preview_confirm_sale,
        ),
        ToolSpec(
            name="erp_approve_purchase",
            description="Approve (confirm) a purchase, which commits it with the supplier.",
            args=PurchaseArgs,
            risk=Risk.DANGEROUS,
            run=t.approve_purchase,
            example="erp_approve_purchase purchase=P00001",
            preview=t.preview_approve_purchase,
        ),
    ]
