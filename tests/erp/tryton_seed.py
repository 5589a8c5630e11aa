"""Seed a fresh Tryton database through its own RPC: company, accounts, parties, stock, sales, invoices.

The names are those of the loopback Odoo's demo book (bot/sandbox/fakes/odoo_demo.py): one set of demo data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from integrations.erp.erp_rows import Row, record_ids
from integrations.erp.tryton_rpc import ConfirmationNeeded, Param, TrytonRpc

CHAIR_PRICE = Decimal("120.00")
CHAIR_COST = Decimal("55.00")
LAMP_COST = Decimal("35.00")
LAMP_PRICE = Decimal("40.00")


@dataclass
class Seeded:
    """Ids and numbers the tests refer to."""

    company: int = 0
    customer: int = 0
    supplier: int = 0
    no_address_supplier: int = 0
    chair: int = 0
    lamp: int = 0
    warehouse: int = 0
    quotation: str = ""
    draft_sale: str = ""
    confirmed_sale: str = ""
    overdue_invoice: str = ""
    other_overdue_invoice: str = ""
    ids: dict[str, int] = field(default_factory=dict)


async def one(rpc: TrytonRpc, model: str, domain: Sequence[Param]) -> int:
    ids = record_ids(await rpc.model(model, "search", domain, 0, 2, None, action=f"find {model}"))
    assert len(ids) == 1, (model, domain, ids)
    return ids[0]


async def create(rpc: TrytonRpc, model: str, values: Mapping[str, Param], **context: Param) -> int:
    [new] = record_ids(await rpc.model(model, "create", [values], action=f"create {model}", context=context))
    return new


async def read(rpc: TrytonRpc, model: str, record: int, fields: list[str], *, action: str) -> Row:
    [row] = Row.many(await rpc.model(model, "read", [record], fields, action=action))
    return row


async def wizard(rpc: TrytonRpc, name: str, steps: list[tuple[str, Mapping[str, Param]]]) -> None:
    """Run a wizard the way Tryton's clients do: a session, then each state with the forms filled in."""
    started = await rpc.call(f"wizard.{name}.create", action=f"start {name}")
    assert isinstance(started, list), started
    session, start, _end = started
    await rpc.call(f"wizard.{name}.execute", session, {}, start, action=f"run {name}")
    for state, data in steps:
        await rpc.call(f"wizard.{name}.execute", session, data, state, action=f"run {name}")
    await rpc.call(f"wizard.{name}.delete", session, action=f"end {name}")


async def seed(rpc: TrytonRpc, today: dt.date) -> Seeded:
    s = Seeded()
    await rpc.login()
    await _company(rpc, s)
    await rpc.login()  # the user's context now carries the company
    await _accounts(rpc, s)
    await _fiscal_year(rpc, s, today)
    await _numbering(rpc)
    await _parties(rpc, s)
    await _products(rpc, s)
    await _stock(rpc, s)
    await _sales(rpc, s)
    await _invoices(rpc, s, today)
    return s


async def _company(rpc: TrytonRpc, s: Seeded) -> None:
    euro = await create(
        rpc,
        "currency.currency",
        {"name": "Euro", "code": "EUR", "symbol": "€", "digits": 2, "rounding": Decimal("0.01")},
    )
    party = await create(rpc, "party.party", {"name": "Opsbot Trading"})
    s.company = await create(rpc, "company.company", {"party": party, "currency": euro})
    values: dict[str, Param] = {"companies": [("add", [s.company])], "company": s.company}
    await rpc.model("res.user", "write", [rpc.user_id], values, action="set the company")


async def _accounts(rpc: TrytonRpc, s: Seeded) -> None:
    data = await one(rpc, "ir.model.data", [("module", "=", "account"), ("fs_id", "=", "account_template_root_en")])
    template = await read(rpc, "ir.model.data", data, ["db_id"], action="read the chart template")
    account = {"account_template": template.number("db_id"), "company": s.company}
    company = [("company", "=", s.company)]
    kinds: dict[str, list[Param]] = {}
    for kind in ("receivable", "payable", "revenue", "expense"):
        kinds[kind] = [(f"type.{kind}", "=", True), *company]
    await wizard(rpc, "account.create_chart", [("create_account", {"account": account})])
    for kind, domain in kinds.items():
        s.ids[kind] = await one(rpc, "account.account", domain)
    config = await one(rpc, "account.configuration", [])
    await rpc.model(
        "account.configuration",
        "write",
        [config],
        {"default_account_receivable": s.ids["receivable"], "default_account_payable": s.ids["payable"]},
        action="set default accounts",
    )


async def _fiscal_year(rpc: TrytonRpc, s: Seeded, today: dt.date) -> None:
    move_type = await one(rpc, "ir.sequence.type", [("name", "=", "Account Move")])
    invoice_type = await one(rpc, "ir.sequence.type", [("name", "=", "Invoice")])
    moves = await create(rpc, "ir.sequence", {"name": "Moves", "sequence_type": move_type, "company": s.company})
    invoices = await create(
        rpc,
        "ir.sequence.strict",
        {"name": "Invoices", "sequence_type": invoice_type, "company": s.company, "prefix": "INV/", "padding": 4},
    )
    sequences = {
        k: invoices
        for k in ("out_invoice_sequence", "in_invoice_sequence", "out_credit_note_sequence", "in_credit_note_sequence")
    }
    year = await create(
        rpc,
        "account.fiscalyear",
        {
            "name": str(today.year),
            "start_date": today - dt.timedelta(days=200),
            "end_date": today + dt.timedelta(days=200),
            "company": s.company,
            "post_move_sequence": moves,
            "invoice_sequences": [("create", [{"company": s.company, **sequences}])],
        },
    )
    await rpc.model("account.fiscalyear", "create_period", [year], action="create periods")


async def _numbering(rpc: TrytonRpc) -> None:
    for type_name, prefix in (("Sale", "SO"), ("Purchase", "PO")):
        kind = await one(rpc, "ir.sequence.type", [("name", "=", type_name)])
        sequence = await one(rpc, "ir.sequence", [("sequence_type", "=", kind)])
        await rpc.model("ir.sequence", "write", [sequence], {"prefix": prefix, "padding": 4}, action="number")


async def _parties(rpc: TrytonRpc, s: Seeded) -> None:
    def party(name: str, city: str) -> dict[str, Param]:
        return {"name": name, "addresses": [("create", [{"street": "1 Main Street", "city": city}])]}

    s.customer = await create(rpc, "party.party", party("Birchwood Studio", "Portland"))
    s.supplier = await create(rpc, "party.party", party("Oakline Supplies", "Tacoma"))
    s.ids["kestrel"] = await create(rpc, "party.party", party("Kestrel Labs", "Denver"))
    s.no_address_supplier = await create(rpc, "party.party", {"name": "Ghost Supplies", "addresses": []})


async def _products(rpc: TrytonRpc, s: Seeded) -> None:
    unit = await one(rpc, "product.uom", [("name", "=", "Unit")])
    category = await create(
        rpc,
        "product.category",
        {
            "name": "Furniture",
            "accounting": True,
            "account_revenue": s.ids["revenue"],
            "account_expense": s.ids["expense"],
        },
    )
    s.ids["unit"] = unit

    async def product(name: str, code: str, price: Decimal, cost: Decimal) -> int:
        template = await create(
            rpc,
            "product.template",
            {
                "name": name,
                "type": "goods",
                "default_uom": unit,
                "list_price": price,
                "salable": True,
                "sale_uom": unit,
                "purchasable": True,
                "purchase_uom": unit,
                "account_category": category,
                "products": [("create", [{"suffix_code": code, "cost_price": cost}])],
            },
        )
        return await one(rpc, "product.product", [("template", "=", template)])

    s.chair = await product("Office Chair", "CHR-100", CHAIR_PRICE, CHAIR_COST)
    s.lamp = await product("Desk Lamp", "LMP-200", LAMP_PRICE, LAMP_COST)


async def _stock(rpc: TrytonRpc, s: Seeded) -> None:
    s.warehouse = await one(rpc, "stock.location", [("type", "=", "warehouse")])
    wh = await read(rpc, "stock.location", s.warehouse, ["storage_location"], action="read warehouse")
    inventory = await create(
        rpc,
        "stock.inventory",
        {
            "location": wh.number("storage_location"),
            "company": s.company,
            "lines": [("create", [{"product": s.chair, "quantity": 35}, {"product": s.lamp, "quantity": 12}])],
        },
    )
    await rpc.model("stock.inventory", "confirm", [inventory], action="confirm inventory")


async def make_sale(rpc: TrytonRpc, s: Seeded, product: int, quantity: int, *buttons: str) -> str:
    """A sale of one product to Birchwood Studio, pushed through Tryton's buttons; its number (or id while a draft)."""
    [address] = record_ids(
        await rpc.model("party.address", "search", [("party", "=", s.customer)], action="find address")
    )
    line: dict[str, Param] = {"type": "line", "product": product, "quantity": quantity, "unit": s.ids["unit"]}
    line["unit_price"] = CHAIR_PRICE if product == s.chair else LAMP_PRICE
    values = {"party": s.customer, "invoice_address": address, "shipment_address": address}
    sale_id = await create(rpc, "sale.sale", {**values, "lines": [("create", [line])]})
    for button in buttons:
        await rpc.model("sale.sale", button, [sale_id], action=button)
    sale = await read(rpc, "sale.sale", sale_id, ["number"], action="read sale")
    return str(sale.get("number") or sale_id)


async def _sales(rpc: TrytonRpc, s: Seeded) -> None:
    s.confirmed_sale = await make_sale(rpc, s, s.chair, 3, "quote", "confirm")
    s.quotation = await make_sale(rpc, s, s.chair, 5, "quote")
    s.draft_sale = await make_sale(rpc, s, s.chair, 2)


async def _invoices(rpc: TrytonRpc, s: Seeded, today: dt.date) -> None:
    s.ids["journal"] = await one(rpc, "account.journal", [("type", "=", "revenue")])

    async def invoice(party: int, amount: str, days_ago: int) -> str:
        [address] = record_ids(
            await rpc.model("party.address", "search", [("party", "=", party)], action="find address")
        )
        line: dict[str, Param] = {
            "type": "line",
            "account": s.ids["revenue"],
            "description": "Consulting",
            "quantity": 1,
            "unit_price": Decimal(amount),
        }
        invoice_id = await create(
            rpc,
            "account.invoice",
            {
                "type": "out",
                "party": party,
                "journal": s.ids["journal"],
                "invoice_address": address,
                "account": s.ids["receivable"],
                "invoice_date": today - dt.timedelta(days=days_ago + 30),
                "payment_term_date": today - dt.timedelta(days=days_ago),
                "lines": [("create", [line])],
            },
        )
        try:
            await rpc.model("account.invoice", "post", [invoice_id], action="post invoice")
        except ConfirmationNeeded as warning:  # "payment date in the past": accept it, as a person would
            await create(rpc, "res.user.warning", {"user": rpc.user_id, "name": warning.key, "always": False})
            await rpc.model("account.invoice", "post", [invoice_id], action="post invoice")
        posted = await read(rpc, "account.invoice", invoice_id, ["number"], action="read invoice")
        return str(posted.get("number"))

    s.overdue_invoice = await invoice(s.customer, "1500.00", 45)
    s.other_overdue_invoice = await invoice(s.ids["kestrel"], "230.50", 10)
    await invoice(s.customer, "99.00", 0)
