"""The in-memory records behind the fake Odoo: our demo book (odoo_demo), Odoo's domains, many2one pairs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.core.jsonvalue import Json, JsonList, JsonObject
from bot.sandbox.fakes import odoo_demo
from bot.sandbox.fakes.odoo_wire import OdooError, missing_error

__all__ = ["MANY2ONE", "OPERATORS", "OdooError", "Orm"]

MANY2ONE = {
    "partner_id": "res.partner",
    "parent_id": None,  # the same model (a category's parent category)
    "country_id": "res.country",
    "currency_id": "res.currency",
    "product_id": "product.product",
    "order_id": None,  # sale.order or purchase.order: the line's model says which
    "uom_id": "uom.uom",
    "product_uom": "uom.uom",  # an order line's unit (Odoo ≤ 18)
    "product_uom_id": "uom.uom",  # the same, under the name Odoo 19 uses
    "categ_id": "product.category",
}
# Any: a domain compares whatever a record holds with whatever the call names, and fails (a 500) as Python would
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


class Orm:
    """Models as dicts of id → stored values; many2one fields hold ids and read back as `[id, display_name]`."""

    def __init__(self, *, unit_field: str = "product_uom", uid: int = 2) -> None:
        self.unit_field = unit_field  # what order lines call their unit on this server
        self.uid = uid  # the API user, as error messages name it
        self.tables: dict[str, dict[int, JsonObject]] = {}
        self.stock: dict[tuple[int, int], tuple[float, float]] = {}
        self.sequences: dict[str, int] = {}
        odoo_demo.seed(self)

    def add(self, model: str, values: JsonObject) -> int:
        table = self.tables.setdefault(model, {})
        new = max(table, default=0) + 1
        table[new] = {"id": new, **values}
        return new

    def next_name(self, prefix: str, digits: int) -> str:
        self.sequences[prefix] = self.sequences.get(prefix, 0) + 1
        return f"{prefix}{self.sequences[prefix]:0{digits}d}"

    def compute_order(self, model: str, order: int) -> None:
        qty = "product_uom_qty" if model == "sale.order" else "product_qty"
        lines = [r for r in self.tables.get(f"{model}.line", {}).values() if r["order_id"] == order]
        total = 0.0
        for line in lines:
            subtotal = round(_amount(line[qty]) * _amount(line["price_unit"]), 2)
            line["price_subtotal"] = subtotal
            total += subtotal
        self.tables[model][order].update(amount_untaxed=round(total, 2), amount_tax=0.0, amount_total=round(total, 2))

    # -- reading --------------------------------------------------------------------------------------

    def display_name(self, model: str, record: int) -> str:
        row = self.tables[model][record]
        code = row.get("default_code")
        return f"[{code}] {row['name']}" if code else str(row.get("name"))

    def value(self, model: str, record: int, field: str, context: Mapping[str, Json]) -> Json:
        if field == "display_name":
            return self.display_name(model, record)
        if field in ("qty_available", "virtual_available"):
            stock = self.stock.get((record, _integer(context.get("warehouse_id") or 0)), (0.0, 0.0))
            return stock[0] if field == "qty_available" else stock[1]
        value = self.tables[model][record].get(field, False)
        if field in MANY2ONE and isinstance(value, int) and not isinstance(value, bool):
            return [value, self.display_name(relation(model, field), value)]
        return value

    def fields_get(self, model: str, attributes: Sequence[str] | None) -> JsonObject:
        """Field descriptions (`string`, `help`, `type`, `relation`) of what this fake stores for `model`."""
        names = {key for row in self.tables.get(model, {}).values() for key in row}
        if model.endswith(".order.line"):  # known even before the first line exists
            qty = "product_uom_qty" if model == "sale.order.line" else "product_qty"
            names |= {"order_id", "product_id", "name", "sequence", "display_type", "price_unit", "price_subtotal", qty}
            names.add(self.unit_field)
        described: JsonObject = {}
        for name in sorted(names | {"id", "display_name"}):
            field: JsonObject = {"string": name.replace("_", " ").title(), "help": "", "type": "char"}
            if name in MANY2ONE:
                field.update(type="many2one", relation=relation(model, name))
            described[name] = {k: v for k, v in field.items() if not attributes or k in attributes}
        return described

    def existing(self, model: str, ids: Sequence[object]) -> list[int]:
        """`ids`, when each names a record of `model`; else Odoo's MissingError, naming those that do not."""
        table = self.tables.get(model, {})
        found = [i for i in ids if isinstance(i, int) and i in table]
        if len(found) < len(ids):
            raise missing_error(model, [i for i in ids if i not in found], self.uid)
        return found

    def read(self, model: str, ids: Sequence[object], fields: Sequence[str], context: Mapping[str, Json]) -> JsonList:
        found = self.existing(model, ids)
        return [{"id": i, **{f: self.value(model, i, f, context) for f in fields if f != "id"}} for i in found]

    def search(
        self,
        model: str,
        domain: Sequence[object],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[int]:
        for term in domain:  # checked whether or not there is a record to test
            if isinstance(term, list | tuple) and term[1] not in OPERATORS:
                raise OdooError("builtins.ValueError", f"Invalid operator {term[1]!r} in condition {tuple(term)!r}")
        rows = [(i, r) for i, r in self.tables.get(model, {}).items() if self.matches(r, list(domain))]
        for key in reversed([k.strip() for k in (order or "id").split(",")]):
            name, _, direction = key.partition(" ")
            rows.sort(key=_sort_key(name), reverse=direction.lower() == "desc")
        ids = [i for i, _ in rows][offset:]
        return ids[:limit] if limit else ids

    def matches(self, row: JsonObject, domain: Sequence[object]) -> bool:
        return self._term(row, domain) if domain else True

    def _term(self, row: JsonObject, domain: Sequence[object]) -> bool:
        results: list[bool] = []
        stack = list(reversed(domain))  # Odoo domains are prefix (Polish) notation with implicit '&'
        for item in stack:
            if item in ("|", "&"):
                left, right = results.pop(), results.pop()
                results.append(left or right if item == "|" else left and right)
            elif item == "!":
                results.append(not results.pop())
            else:
                field, op, expected = _condition(item)
                results.append(OPERATORS[op](row.get(field, False), expected))
        return all(results)


def relation(model: str, field: str) -> str:
    """The model a many2one field of `model` points at."""
    if field == "order_id":
        return model.removesuffix(".line")
    return MANY2ONE[field] or model


def _sort_key(name: str) -> Callable[[tuple[int, JsonObject]], tuple[bool, Any]]:
    """Odoo's order of `(id, record)` pairs: unset (False) values last, then by value (Any: as Python compares)."""

    def key(pair: tuple[int, JsonObject]) -> tuple[bool, Any]:
        row = pair[1]
        return (row.get(name) is False, row.get(name) or 0)

    return key


def _condition(item: object) -> tuple[str, str, object]:
    """A domain's `(field, operator, value)` term; a ValueError (a 500) for anything else."""
    if isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[1], str):
        return item[0], item[1], item[2]
    raise ValueError(f"Invalid domain term {item!r}")


def _amount(value: Json) -> int | float:
    """A number a record holds, as it is (a TypeError, as arithmetic on it would raise, for anything else)."""
    if isinstance(value, int | float):
        return value
    raise TypeError(f"not a number: {value!r}")


def _integer(value: Json) -> int:
    """`int(value)`, for the JSON values it takes."""
    if isinstance(value, bool | int | float | str):
        return int(value)
    raise TypeError(f"int() cannot take {value!r}")
