"""The in-memory records behind the fake Odoo: Odoo's demo data, its domains, many2one pairs and a few buttons."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FIXTURES", "MANY2ONE", "OPERATORS", "OdooError", "Orm", "demo"]

FIXTURES = Path(__file__).resolve().parents[1] / "recorded" / "odoo"
MANY2ONE = {
    "partner_id": "res.partner",
    "parent_id": "res.partner",
    "currency_id": "res.currency",
    "product_id": "product.product",
    "order_id": None,  # sale.order or purchase.order: the line's model says which
    "uom_id": "uom.uom",
    "product_uom": "uom.uom",  # an order line's unit (Odoo's demo data, ≤ 18)
    "product_uom_id": "uom.uom",  # the same, under the name some servers use
    "categ_id": "product.category",
}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b,
    ">": lambda a, b: a is not None and a > b,
    "<=": lambda a, b: a is not None and a <= b,
    ">=": lambda a, b: a is not None and a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "ilike": lambda a, b: isinstance(a, str) and str(b).lower().strip("%") in a.lower(),
    "like": lambda a, b: isinstance(a, str) and str(b).strip("%") in a,
}


class OdooError(Exception):
    """An exception the server reports in Odoo's error object (`name`, `message`, `arguments`)."""

    def __init__(self, name: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.name, self.message, self.status = name, message, status

    def data(self) -> dict[str, Any]:
        return {"name": self.name, "message": self.message, "arguments": [self.message], "context": {}, "debug": ""}


def demo(model: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / "demo" / f"{model}.json").read_text())
    return rows


class Orm:
    """Models as dicts of id → stored values; many2one fields hold ids and read back as `[id, display_name]`."""

    def __init__(self, *, unit_field: str = "product_uom") -> None:
        self.unit_field = unit_field  # what order lines call their unit on this server
        self.tables: dict[str, dict[int, dict[str, Any]]] = {}
        self.xml_ids: dict[str, int] = {}
        self.stock: dict[tuple[int, int], tuple[float, float]] = {}
        self.sequences: dict[str, int] = {}
        self._load_demo()

    def add(self, model: str, values: dict[str, Any], xml_id: str | None = None) -> int:
        table = self.tables.setdefault(model, {})
        new = max(table, default=0) + 1
        table[new] = {"id": new, **values}
        if xml_id:
            self.xml_ids[xml_id] = new
        return new

    def _ref(self, value: Any) -> Any:
        return self.xml_ids.get(value, value) if isinstance(value, str) else value

    def _load_demo(self) -> None:
        self.add("res.currency", {"name": "USD"})
        self.add("res.company", {"name": "YourCompany", "currency_id": 1})
        self.add("uom.uom", {"name": "Units"}, "uom.product_uom_unit")
        for model in ("res.partner", "product.product", "sale.order", "sale.order.line"):
            for row in demo(model):
                values = {k: self._ref(v) for k, v in row.items() if k != "xml_id" and not isinstance(v, list)}
                if model == "product.product":
                    # a variant without a name of its own takes its template's (the demo's "Customizable Desk")
                    values.setdefault("name", demo("product.template")[0]["name"])
                    values.setdefault("purchase_ok", True)
                    values.setdefault("uom_id", 1)
                if model == "sale.order":
                    values.update(name=self.next_name("S", 5), state="draft", currency_id=1)
                    values.update(date_order="2025-01-15 10:00:00", client_order_ref=False, invoice_status="no")
                if model == "sale.order.line":
                    values.setdefault("name", "")
                    values.update(sequence=10, display_type=False)
                    values[self.unit_field] = values.pop("product_uom", 1)
                self.add(model, values, row["xml_id"])
        for order in self.tables["sale.order"]:
            self.compute_order("sale.order", order)
        self.add("stock.warehouse", {"name": "San Francisco", "code": "WH"})
        self.add("stock.warehouse", {"name": "Chicago", "code": "CHIC"})

    def next_name(self, prefix: str, digits: int) -> str:
        self.sequences[prefix] = self.sequences.get(prefix, 0) + 1
        return f"{prefix}{self.sequences[prefix]:0{digits}d}"

    def compute_order(self, model: str, order: int) -> None:
        qty = "product_uom_qty" if model == "sale.order" else "product_qty"
        lines = [r for r in self.tables.get(f"{model}.line", {}).values() if r["order_id"] == order]
        total = 0.0
        for line in lines:
            line["price_subtotal"] = round(line[qty] * line["price_unit"], 2)
            total += line["price_subtotal"]
        self.tables[model][order].update(amount_untaxed=round(total, 2), amount_tax=0.0, amount_total=round(total, 2))

    # -- reading --------------------------------------------------------------------------------------

    def display_name(self, model: str, record: int) -> str:
        row = self.tables[model][record]
        code = row.get("default_code")
        return f"[{code}] {row['name']}" if code else str(row.get("name"))

    def value(self, model: str, row: dict[str, Any], field: str, context: dict[str, Any]) -> Any:
        if field == "display_name":
            return self.display_name(model, row["id"])
        if field in ("qty_available", "virtual_available"):
            stock = self.stock.get((row["id"], int(context.get("warehouse_id") or 0)), (0.0, 0.0))
            return stock[0] if field == "qty_available" else stock[1]
        value = row.get(field, False)
        target = MANY2ONE.get(field, "") if field in MANY2ONE else None
        if target is not None and isinstance(value, int) and not isinstance(value, bool):
            target = target or model.removesuffix(".line")
            return [value, self.display_name(target, value)]
        return value

    def fields_get(self, model: str, attributes: list[str] | None) -> dict[str, dict[str, Any]]:
        """Field descriptions (`type`, `relation`, `string`) of what this fake stores for `model`."""
        names = {key for row in self.tables.get(model, {}).values() for key in row}
        if model.endswith(".order.line"):  # known even before the first line exists
            qty = "product_uom_qty" if model == "sale.order.line" else "product_qty"
            names |= {"order_id", "product_id", "name", "sequence", "display_type", "price_unit", "price_subtotal", qty}
            names.add(self.unit_field)
        described = {}
        for name in sorted(names | {"id", "display_name"}):
            field: dict[str, Any] = {"string": name.replace("_", " ").title(), "type": "char"}
            if name in MANY2ONE:
                field.update(type="many2one", relation=MANY2ONE[name] or model.removesuffix(".line"))
            described[name] = {k: v for k, v in field.items() if not attributes or k in attributes}
        return described

    def read(self, model: str, ids: list[int], fields: list[str], context: dict[str, Any]) -> list[dict[str, Any]]:
        table = self.tables.get(model, {})
        missing = [i for i in ids if i not in table]
        if missing:
            raise OdooError("odoo.exceptions.MissingError", f"Record does not exist or has been deleted. {missing}")
        return [{"id": i, **{f: self.value(model, table[i], f, context) for f in fields if f != "id"}} for i in ids]

    def search(self, model: str, domain: list[Any], *, order: str | None = None, limit: int | None = None) -> list[int]:
        rows = [r for r in self.tables.get(model, {}).values() if self.matches(r, list(domain))]
        for key in reversed([k.strip() for k in (order or "id").split(",")]):
            name, _, direction = key.partition(" ")
            rows.sort(key=_sort_key(name), reverse=direction.lower() == "desc")
        ids = [r["id"] for r in rows]
        return ids[:limit] if limit else ids

    def matches(self, row: dict[str, Any], domain: list[Any]) -> bool:
        return self._term(row, domain) if domain else True

    def _term(self, row: dict[str, Any], domain: list[Any]) -> bool:
        results: list[bool] = []
        stack = list(reversed(domain))  # Odoo domains are prefix (Polish) notation with implicit '&'
        for item in stack:
            if item in ("|", "&"):
                left, right = results.pop(), results.pop()
                results.append(left or right if item == "|" else left and right)
            elif item == "!":
                results.append(not results.pop())
            else:
                field, op, expected = item
                if op not in OPERATORS:
                    raise OdooError("builtins.ValueError", f"Invalid operator {op!r}", 500)
                results.append(OPERATORS[op](row.get(field, False), expected))
        return all(results)


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    """Odoo's order: unset (False) values last, then by value."""

    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        return (row.get(name) is False, row.get(name) or 0)

    return key
