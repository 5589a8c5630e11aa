"""The Odoo adapter: the ERP port over JSON-RPC or JSON-2, chosen by ODOO_PROTOCOL or by the server's version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from bot.core.errors import Conflict
from integrations.erp.erp_rows import Row, record_id
from integrations.erp.odoo_base import OdooBase, label, parse_date
from integrations.erp.odoo_rpc import Param
from integrations.erp.port import (
    Invoice,
    Money,
    OrderLine,
    Partner,
    ProductStock,
    PurchaseDraft,
    PurchaseOrder,
    RequestedLine,
    SaleOrder,
    StockLevel,
    total_of,
)

SALE_FIELDS = [
    *("name", "partner_id", "state", "date_order", "currency_id"),
    *("amount_untaxed", "amount_tax", "amount_total", "invoice_status"),
]
PURCHASE_FIELDS = ["name", "partner_id", "state", "currency_id", "amount_total"]
CENT = Decimal("0.01")


class Odoo(OdooBase):
    """The ERP port over one Odoo database, with an API key (or password) of one user."""

    name = "Odoo"

    # -- partners and sales ------------------------------------------------------------------------

    async def find_partners(self, query: str, *, limit: int = 10) -> list[Partner]:
        domain: list[Param] = ["|", ("name", "ilike", query), ("ref", "=", query)]
        rows = await self._rows("res.partner", domain, ["name", "ref", "email", "city"], limit=limit)
        return [
            Partner(
                id=r.id,
                name=r.text("name"),
                code=r.optional("ref") or None,
                email=r.optional("email") or None,
                city=r.optional("city") or None,
            )
            for r in rows
        ]

    def _sale(self, row: Row, lines: tuple[OrderLine, ...]) -> SaleOrder:
        currency = label(row.get("currency_id"))

        def money(name: str) -> Money:
            return Money(amount=row.decimal(name), currency=currency)

        return SaleOrder(
            id=row.id,
            number=row.text("name"),
            customer=label(row.get("partner_id")),
            state=row.text("state"),
            date=parse_date(row.get("date_order")),
            lines=lines,
            untaxed=money("amount_untaxed"),
            tax=money("amount_tax"),
            total=money("amount_total"),
            invoice_state=row.optional("invoice_status") or None,
            url=self._link("sale.order", row.id),
        )

    async def get_sale_order(self, ref: str) -> SaleOrder:
        record = await self._order_id("sale.order", "Sale order", ref, "client_order_ref")
        [row] = await self._read("sale.order", [record], SALE_FIELDS, action=f"read sale order {ref}")
        currency = label(row.get("currency_id"))
        lines = await self._lines("sale.order.line", "order_id", record, "product_uom_qty", currency)
        return self._sale(row, lines)

    async def list_sale_orders(self, *, customer: str | None, limit: int = 20) -> list[SaleOrder]:
        domain: list[Param] = []
        if customer:
            partner, _ = await self._find("res.partner", "Customer", customer)
            domain.append(("partner_id", "=", partner))
        rows = await self._rows("sale.order", domain, SALE_FIELDS, limit=limit, order="id desc")
        return [self._sale(r, ()) for r in rows]

    async def confirm_sale(self, ref: str) -> SaleOrder:
        record = await self._order_id("sale.order", "Sale order", ref, "client_order_ref")
        [row] = await self._read("sale.order", [record], ["state"], action=f"read sale order {ref}")
        if (state := row.text("state")) not in ("draft", "sent"):
            raise Conflict(f"Sale order {ref} is already {state}; nothing to confirm.")
        await self._x("sale.order", "action_confirm", [[record]], action=f"confirm sale order {ref}", write=True)
        return await self.get_sale_order(ref)

    # -- invoices and stock ------------------------------------------------------------------------

    async def overdue_invoices(self, *, customer: str | None, today: dt.date) -> list[Invoice]:
        domain: list[Param] = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ["not_paid", "partial"]),
            ("invoice_date_due", "<", today.isoformat()),
        ]
        if customer:
            partner, _ = await self._find("res.partner", "Customer", customer)
            domain.append(("partner_id", "=", partner))
        fields = ["name", "partner_id", "invoice_date_due", "amount_residual", "amount_total", "currency_id"]
        rows = await self._rows(
            "account.move", domain, fields, order="invoice_date_due, name", limit=500, action="list overdue invoices"
        )
        return [
            Invoice(
                number=r.text("name"),
                customer=label(r.get("partner_id")),
                due_date=parse_date(r.get("invoice_date_due")) or today,
                amount_due=Money(amount=r.decimal("amount_residual"), currency=label(r.get("currency_id"))),
                total=Money(amount=r.decimal("amount_total"), currency=label(r.get("currency_id"))),
            )
            for r in rows
        ]

    async def stock_levels(self, product: str) -> ProductStock:
        record, name = await self._find("product.product", "Product", product)
        warehouses = await self._rows("stock.warehouse", [], ["name"], order="name")
        levels = []
        for wh in warehouses:
            context: dict[str, Param] = {"warehouse": wh.id, "warehouse_id": wh.id}
            [row] = await self._read(
                "product.product",
                [record],
                ["qty_available", "virtual_available", "uom_id"],
                context=context,
                action=f"read stock of {name}",
            )
            levels.append(
                StockLevel(
                    warehouse=wh.text("name"),
                    on_hand=row.decimal("qty_available"),
                    forecast=row.decimal("virtual_available"),
                    unit=label(row.get("uom_id")),
                )
            )
        return ProductStock(product=name, levels=tuple(levels))

    # -- purchases ---------------------------------------------------------------------------------

    async def _company_currency(self) -> str:
        if self._currency is None:
            [company] = await self._rows("res.company", [], ["currency_id"], limit=1, action="read the company")
            self._currency = label(company.get("currency_id"))
        return self._currency

    async def _plan_purchase(
        self, supplier: str, lines: Sequence[RequestedLine]
    ) -> tuple[PurchaseDraft, dict[str, Param]]:
        partner, partner_name = await self._find("res.partner", "Supplier", supplier)
        currency = await self._company_currency()
        planned: list[OrderLine] = []
        values: list[Param] = []
        for line in lines:
            product, product_name = await self._find(
                "product.product", "Product", line.product, [("purchase_ok", "=", True)]
            )
            [p] = await self._read("product.product", [product], ["standard_price"], action=f"read {product_name}")
            price = line.unit_price if line.unit_price is not None else p.decimal("standard_price")
            amount = (price * line.quantity).quantize(CENT)
            planned.append(
                OrderLine(
                    product=product_name,
                    quantity=line.quantity,
                    unit="",
                    unit_price=Money(amount=price, currency=currency),
                    amount=Money(amount=amount, currency=currency),
                )
            )
            values.append(
                [
                    0,
                    0,
                    {
                        "product_id": product,
                        "product_qty": float(line.quantity),
                        "price_unit": float(price),
                        "name": product_name,
                    },
                ]
            )
        draft = PurchaseDraft(
            supplier=Partner(id=partner, name=partner_name), lines=tuple(planned), total=total_of(planned, currency)
        )
        return draft, {"partner_id": partner, "order_line": values}

    async def price_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseDraft:
        draft, _ = await self._plan_purchase(supplier, lines)
        return draft

    async def create_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseOrder:
        """One `create` call makes the request for quotation with its lines: it exists whole or not at all."""
        draft, values = await self._plan_purchase(supplier, lines)
        created = await self._x(
            "purchase.order",
            "create",
            [[values]],
            write=True,
            action=f"create a purchase request to {draft.supplier.name}",
        )
        record = created[0] if isinstance(created, list) else created
        return await self._purchase(record_id(record))

    async def _purchase(self, record: int) -> PurchaseOrder:
        [row] = await self._read("purchase.order", [record], PURCHASE_FIELDS, action="read the purchase")
        currency = label(row.get("currency_id"))
        lines = await self._lines("purchase.order.line", "order_id", record, "product_qty", currency)
        return PurchaseOrder(
            id=record,
            number=row.text("name"),
            supplier=label(row.get("partner_id")),
            state=row.text("state"),
            lines=lines,
            total=Money(amount=row.decimal("amount_total"), currency=currency),
            url=self._link("purchase.order", record),
        )

    async def get_purchase(self, ref: str) -> PurchaseOrder:
        return await self._purchase(await self._order_id("purchase.order", "Purchase", ref, "partner_ref"))

    async def approve_purchase(self, ref: str) -> PurchaseOrder:
        order = await self.get_purchase(ref)
        button = {"draft": "button_confirm", "sent": "button_confirm", "to approve": "button_approve"}.get(order.state)
        if button is None:
            raise Conflict(f"Purchase {order.number} is already {order.state}; nothing to approve.")
        await self._x("purchase.order", button, [[order.id]], action=f"approve purchase {order.number}", write=True)
        return await self._purchase(order.id)
