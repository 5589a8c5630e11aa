"""Records as an ERP's RPC answers hold them, read with the types opsbot expects.

Tryton and Odoo answer `read` and `search_read` with a list of objects, field name to value, whose types depend on
the fields asked for. `Row` is where those values become `int`, `str`, `Decimal` and dates, once, on the way into the
port's records (integrations.erp.port). As with bot.core.jsonvalue, a value of the wrong type reads as absent, except a
record's id: a record without one is a broken answer (KeyError, TypeError), as a plain dict lookup would fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.core.jsonvalue import items, obj, text


def record_id(value: object) -> int:
    """A record id as the ERP sent it: an integer, or the answer is broken."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected a record id, got {type(value).__name__}")


def record_ids(answer: object) -> list[int]:
    """The ids of a `search` or `create` answer (a list of integers)."""
    return [record_id(value) for value in items(answer)]


def dec(value: object) -> Decimal:
    """An amount or a quantity: Tryton sends Decimals, Odoo floats; a missing one (None, `false`) is zero."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


@dataclass(frozen=True)
class Row:
    """One record of an answer: its fields by name (Tryton names a related record's fields `party.`)."""

    values: Mapping[str, object]

    @classmethod
    def many(cls, answer: object) -> list[Row]:
        """The records of a `read` or `search_read` answer (a list of objects)."""
        return [cls(obj(value)) for value in items(answer)]

    @property
    def id(self) -> int:
        return record_id(self.values["id"])

    def get(self, name: str) -> object:
        return self.values.get(name)

    def text(self, name: str, default: str = "") -> str:
        return text(self.values.get(name), default)

    def optional(self, name: str) -> str | None:
        """A text field that may be empty: its string, else None (for None, and for Odoo's `false`)."""
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def number(self, name: str) -> int | None:
        """An integer field, such as the id of a related record in Tryton; None where there is none."""
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def decimal(self, name: str) -> Decimal:
        return dec(self.values.get(name))

    def date(self, name: str) -> dt.date | None:
        """A date as Tryton's JSON-RPC decodes it (`__class__: date`); None where there is none."""
        value = self.values.get(name)
        return value if isinstance(value, dt.date) else None

    def ids(self, name: str) -> list[int]:
        """A one2many or many2many field as ids."""
        return record_ids(self.values.get(name))

    def rows(self, name: str) -> list[Row]:
        """Related records read along (Tryton's `addresses.` for `addresses.city`)."""
        return Row.many(self.values.get(name))

    def related(self, name: str) -> Row:
        """The related record read along with a many2one (Tryton's `party.` for `party.rec_name`), or an empty one."""
        return Row(obj(self.values.get(f"{name}.")))
