"""Our demo book for the loopback Odoo: Opsbot Trading's customers, its supplier, products and sale orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.jsonvalue import JsonObject

if TYPE_CHECKING:
    from bot.sandbox.fakes.odoo_orm import Orm

__all__ = ["COMPANY", "ORDERS", "PARTNERS", "PRODUCTS", "SUPPLIER", "WAREHOUSES", "Order", "Partner", "Product", "seed"]

COMPANY = "Opsbot Trading"
SUPPLIER = "Oakline Supplies"
WAREHOUSES = (("Main Warehouse", "WH"), ("North Depot", "NDP"))
CATEGORIES = ("Furniture", "Lighting", "Services")  # under "All", as in any Odoo


@dataclass(frozen=True)
class Partner:
    name: str
    ref: str
    city: str
    email: str
    country: str = "United States"
    supplier: bool = False


@dataclass(frozen=True)
class Product:
    name: str
    code: str
    category: str
    price: float  # list_price: what customers pay
    cost: float  # standard_price: what a purchase request offers the supplier
    on_hand: float  # in the first warehouse
    unit: str = "Units"
    kind: str = "consu"


@dataclass(frozen=True)
class Order:
    customer: str
    date: str
    lines: tuple[tuple[str, float, float], ...]  # product, quantity, unit price
    state: str = "draft"


PARTNERS = (
    Partner("Birchwood Studio", "C-101", "Portland", "orders@birchwood.example"),
    Partner("Harbor Lane Cafe", "C-102", "Bristol", "hello@harborlane.example", country="United Kingdom"),
    Partner("Kestrel Labs", "C-103", "Denver", "purchasing@kestrel.example"),
    Partner(SUPPLIER, "V-201", "Tacoma", "sales@oakline.example", supplier=True),
)
PRODUCTS = (
    Product("Office Chair", "CHR-100", "Furniture", 120.0, 55.0, 35),
    Product("Standing Desk 120", "DSK-120", "Furniture", 480.0, 300.0, 8),
    Product("Standing Desk 160", "DSK-160", "Furniture", 560.0, 350.0, 4),
    Product("Monitor Arm", "ARM-300", "Furniture", 85.0, 45.0, 20),
    Product("Desk Lamp", "LMP-200", "Lighting", 40.0, 35.0, 12),
    Product("Setup Service", "SRV-100", "Services", 90.0, 60.0, 0, unit="Hours", kind="service"),
)
ORDERS = (  # numbered S00001 … in this order
    Order(
        "Birchwood Studio",
        "2025-01-06 09:30:00",
        (("Office Chair", 4, 120.0), ("Standing Desk 160", 2, 560.0), ("Desk Lamp", 4, 40.0)),
    ),
    Order("Harbor Lane Cafe", "2025-01-09 14:00:00", (("Office Chair", 6, 115.0), ("Setup Service", 3, 90.0))),
    Order("Kestrel Labs", "2025-01-13 11:15:00", (("Monitor Arm", 10, 85.0),), state="sent"),
    Order("Birchwood Studio", "2025-02-03 10:00:00", (("Standing Desk 120", 1, 480.0),), state="sale"),
)


def partner_values(p: Partner, country: int) -> JsonObject:
    values: JsonObject = {"name": p.name, "ref": p.ref, "is_company": True, "city": p.city, "email": p.email}
    return values | {"country_id": country, "customer_rank": 0 if p.supplier else 1, "supplier_rank": int(p.supplier)}


def product_values(p: Product, category: int, unit: int) -> JsonObject:
    values: JsonObject = {"name": p.name, "default_code": p.code, "categ_id": category, "type": p.kind, "uom_id": unit}
    return values | {"list_price": p.price, "standard_price": p.cost, "sale_ok": True, "purchase_ok": True}


def seed(orm: Orm) -> None:
    """The company and its currency, units, categories, partners, products with stock, and the sale orders."""
    usd = orm.add("res.currency", {"name": "USD", "symbol": "$"})
    orm.add("res.company", {"name": COMPANY, "currency_id": usd})
    units = {name: orm.add("uom.uom", {"name": name}) for name in ("Units", "Hours")}
    countries = {name: orm.add("res.country", {"name": name}) for name in ("United States", "United Kingdom")}
    root = orm.add("product.category", {"name": "All", "parent_id": False})
    categories = {name: orm.add("product.category", {"name": name, "parent_id": root}) for name in CATEGORIES}
    partners = {p.name: orm.add("res.partner", partner_values(p, countries[p.country])) for p in PARTNERS}
    products = {
        p.name: orm.add("product.product", product_values(p, categories[p.category], units[p.unit])) for p in PRODUCTS
    }
    warehouses = [orm.add("stock.warehouse", {"name": name, "code": code}) for name, code in WAREHOUSES]
    for p in PRODUCTS:
        orm.stock[(products[p.name], warehouses[0])] = (p.on_hand, p.on_hand)
    for order in ORDERS:
        values: JsonObject = {"name": orm.next_name("S", 5), "partner_id": partners[order.customer]}
        values |= {"state": order.state, "date_order": order.date, "currency_id": usd, "client_order_ref": False}
        values |= {"invoice_status": "to invoice" if order.state == "sale" else "no"}
        record = orm.add("sale.order", values)
        for name, quantity, price in order.lines:
            product = products[name]
            label = orm.display_name("product.product", product)
            line: JsonObject = {"order_id": record, "product_id": product, "name": label}
            line |= {"product_uom_qty": float(quantity), "price_unit": price, "sequence": 10, "display_type": False}
            orm.add("sale.order.line", {**line, orm.unit_field: orm.tables["product.product"][product]["uom_id"]})
        orm.compute_order("sale.order", record)
