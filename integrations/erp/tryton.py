"""The Tryton adapter: the ERP port over Tryton's JSON-RPC (sale, purchase, stock and account_invoice modules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NoReturn

from bot.core.errors import ToolError, UpstreamError
from integrations.erp.erp_rows import Row, record_ids
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
from integrations.erp.tryton_base import TrytonBase, related
from integrations.erp.tryton_rpc import Param

ORDER_FIELDS = ["number", "reference", "state", "party.rec_name", "currency.code", "total_amount"]
SALE_FIELDS = [
    *ORDER_FIELDS,
    *("sale_date", "untaxed_amount", "tax_amount", "shipments.number", "shipment_state", "invoice_state"),
]
CENT = Decimal("0.01")


class Tryton(TrytonBase):
    """The ERP port over one Tryton database and user."""

    name = "Tryton"

    # -- partners and sales ------------------------------------------------------------------------

    async def find_partners(self, query: str, *, limit: int = 10) -> list[Partner]:
        domain: list[Param] = ["OR", ("rec_name", "ilike", f"%{query}%"), ("code", "=", query)]
        rows = await self._search_read("party.party", domain, ["name", "code", "email", "addresses.city"], limit=limit)
        return [
            Partner(
                id=r.id,
                name=r.text("name"),
                code=r.optional("code"),
                email=r.optional("email") or None,
                city=next((city for a in r.rows("addresses.") if (city := a.optional("city"))), None),
            )
            for r in rows
        ]

    def _sale(self, row: Row, lines: tuple[OrderLine, ...]) -> SaleOrder:
        currency = related(row, "currency", "code")

        def money(name: str) -> Money:
            return Money(amount=row.decimal(name), currency=currency)

        return SaleOrder(
            id=row.id,
            number=row.optional("number") or f"draft #{row.id}",
            customer=related(row, "party"),
            state=row.text("state"),
            date=row.date("sale_date"),
            lines=lines,
            untaxed=money("untaxed_amount"),
            tax=money("tax_amount"),
            total=money("total_amount"),
            shipments=tuple(number for s in row.rows("shipments.") if (number := s.optional("number"))),
            shipment_state=row.optional("shipment_state"),
            invoice_state=row.optional("invoice_state"),
            url=self._link("sale.sale", row.id),
        )

    async def get_sale_order(self, ref: str) -> SaleOrder:
        record = await self._order_id("sale.sale", "Sale order", ref)
        [row] = await self._read("sale.sale", [record], SALE_FIELDS, action=f"read sale order {ref}")
        lines = await self._lines("sale.line", "sale", record, related(row, "currency", "code"))
        return self._sale(row, lines)

    async def list_sale_orders(self, *, customer: str | None, limit: int = 20) -> list[SaleOrder]:
        domain: list[Param] = []
        if customer:
            party, _ = await self._find("party.party", "Customer", customer)
            domain.append(("party", "=", party))
        rows = await self._search_read("sale.sale", domain, SALE_FIELDS, limit=limit, order=[("id", "DESC")])
        return [self._sale(r, ()) for r in rows]

    async def confirm_sale(self, ref: str) -> SaleOrder:
        record = await self._order_id("sale.sale", "Sale order", ref)
        await self._advance("sale.sale", record, f"sale order {ref}")
        return await self.get_sale_order(str(record))

    # -- invoices and stock ------------------------------------------------------------------------

    async def overdue_invoices(self, *, customer: str | None, today: dt.date) -> list[Invoice]:
        domain: list[Param] = [("type", "=", "out"), ("state", "=", "posted")]
        if customer:
            party, _ = await self._find("party.party", "Customer", customer)
            domain.append(("party", "=", party))
        fields = ["number", "party.rec_name", "currency.code", "total_amount", "amount_to_pay", "lines_to_pay"]
        invoices = await self._search_read("account.invoice", domain, fields, limit=500, action="list open invoices")
        line_ids = [i for inv in invoices for i in inv.ids("lines_to_pay")]
        dues = ["maturity_date", "reconciliation"]
        lines = await self._read("account.move.line", line_ids, dues, action="read due dates") if line_ids else []
        due = {ln.id: day for ln in lines if ln.get("reconciliation") is None and (day := ln.date("maturity_date"))}
        overdue = []
        for inv in invoices:
            dates = [due[i] for i in inv.ids("lines_to_pay") if i in due]
            if dates and min(dates) < today:
                currency = related(inv, "currency", "code")
                overdue.append(
                    Invoice(
                        number=inv.text("number"),
                        customer=related(inv, "party"),
                        due_date=min(dates),
                        amount_due=Money(amount=inv.decimal("amount_to_pay"), currency=currency),
                        total=Money(amount=inv.decimal("total_amount"), currency=currency),
                    )
                )
        return sorted(overdue, key=lambda i: (i.due_date, i.number))

    async def stock_levels(self, product: str) -> ProductStock:
        record, name = await self._find("product.product", "Product", product, [("type", "=", "goods")])
        warehouses = await self._search_read(
            "stock.location", [("type", "=", "warehouse")], ["name"], order=[("name", "ASC")]
        )
        levels = []
        for wh in warehouses:
            [row] = await self._read(
                "product.product",
                [record],
                ["quantity", "forecast_quantity", "default_uom.symbol"],
                action=f"read stock of {name}",
                context={"locations": [wh.id]},
            )
            levels.append(
                StockLevel(
                    warehouse=wh.text("name"),
                    on_hand=row.decimal("quantity"),
                    forecast=row.decimal("forecast_quantity"),
                    unit=related(row, "default_uom", "symbol"),
                )
            )
        return ProductStock(product=name, levels=tuple(levels))

    # -- purchases ---------------------------------------------------------------------------------

    async def _plan_purchase(
        self, supplier: str, lines: Sequence[RequestedLine]
    ) -> tuple[PurchaseDraft, dict[str, Param]]:
        party, name = await self._find("party.party", "Supplier", supplier)
        [row] = await self._read("party.party", [party], ["code", "addresses"], action=f"read {name}")
        currency = await self._company_currency()
        priced = [await self._price_line(line, currency) for line in lines]
        planned = [line for line, _ in priced]
        draft = PurchaseDraft(
            supplier=Partner(id=party, name=name, code=row.optional("code")),
            lines=tuple(planned),
            total=total_of(planned, currency),
        )
        create: dict[str, Param] = {"party": party, "lines": [("create", [values for _, values in priced])]}
        if addresses := row.ids("addresses"):
            create["invoice_address"] = addresses[0]
        return draft, create

    async def _price_line(self, line: RequestedLine, currency: str) -> tuple[OrderLine, dict[str, Param]]:
        """The product found by name, at the asked price or else its cost price; the line as Tryton creates it."""
        product, name = await self._find("product.product", "Product", line.product, [("purchasable", "=", True)])
        fields = ["cost_price", "purchase_uom", "purchase_uom.symbol"]
        [p] = await self._read("product.product", [product], fields, action=f"read {name}")
        price = line.unit_price if line.unit_price is not None else p.decimal("cost_price")
        amount = (price * line.quantity).quantize(CENT)
        planned = OrderLine(
            product=name,
            quantity=line.quantity,
            unit=related(p, "purchase_uom", "symbol"),
            unit_price=Money(amount=price, currency=currency),
            amount=Money(amount=amount, currency=currency),
        )
        values: dict[str, Param] = {
            "type": "line",
            "product": product,
            "quantity": float(line.quantity),
            "unit": p.number("purchase_uom"),
        }
        return planned, {**values, "unit_price": price, "description": name}

    async def price_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseDraft:
        draft, _ = await self._plan_purchase(supplier, lines)
        return draft

    async def create_purchase(self, supplier: str, lines: Sequence[RequestedLine]) -> PurchaseOrder:
        """Create the purchase and quote it (which numbers it); if Tryton refuses, the draft is deleted again."""
        draft, values = await self._plan_purchase(supplier, lines)
        what = f"a purchase from {draft.supplier.name}"
        [record] = record_ids(
            await self._m("purchase.purchase", "create", [values], action=f"create {what}", write=True)
        )
        try:
            await self._m("purchase.purchase", "quote", [record], action=f"quote {what}", write=True)
        except ToolError as exc:
            await self._discard(record, exc)
        return await self.get_purchase(str(record))

    async def _discard(self, record: int, cause: ToolError) -> NoReturn:
        try:
            await self._m("purchase.purchase", "delete", [record], action="delete the draft purchase", write=True)
        except ToolError:
            raise UpstreamError(
                f"{cause.message} The draft purchase #{record} is still in Tryton and could not be deleted.",
                hint=f"Delete it by hand: {self._link('purchase.purchase', record)}",
            ) from cause
        cause.message = f"{cause.message} Nothing was created (the draft was deleted again)."
        raise cause

    async def get_purchase(self, ref: str) -> PurchaseOrder:
        record = await self._order_id("purchase.purchase", "Purchase", ref)
        [row] = await self._read("purchase.purchase", [record], ORDER_FIELDS, action=f"read purchase {ref}")
        currency = related(row, "currency", "code")
        return PurchaseOrder(
            id=record,
            number=row.optional("number") or f"draft #{record}",
            supplier=related(row, "party"),
            state=row.text("state"),
            lines=await self._lines("purchase.line", "purchase", record, currency),
            total=Money(amount=row.decimal("total_amount"), currency=currency),
            url=self._link("purchase.purchase", record),
        )

    async def approve_purchase(self, ref: str) -> PurchaseOrder:
        record = await self._order_id("purchase.purchase", "Purchase", ref)
        await self._advance("purchase.purchase", record, f"purchase {ref}")
        return await self.get_purchase(str(record))
