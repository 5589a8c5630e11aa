"""What every Tryton call of the adapter shares: the RPC, lookups by name or number, order lines, buttons."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import aiohttp

from bot.errors import Conflict
from bot.suggest import did_you_mean
from integrations.erp.errors import not_found
from integrations.erp.port import Money, OrderLine
from integrations.erp.resolve import choose, variants
from integrations.erp.tryton_rpc import TrytonRpc

LINE_FIELDS = ["type", "product.rec_name", "description", "quantity", "unit.symbol", "unit_price", "amount"]
DONE = {"confirmed", "processing", "done"}


def dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def related(row: dict[str, Any], name: str, field: str = "rec_name") -> str:
    value = row.get(f"{name}.") or {}
    return str(value.get(field) or "")


class TrytonBase:
    """One Tryton database and user, and the lookups the adapter's operations share."""

    def __init__(
        self, http: aiohttp.ClientSession, *, url: str, database: str, user: str, password: str, timeout: float = 30.0
    ) -> None:
        self.rpc = TrytonRpc(http, url=url, database=database, user=user, password=password, timeout=timeout)
        self._web = f"{url.rstrip('/')}/#{database}"
        self._where = f"{url} (database {database}, user {user})"
        self._currency: str | None = None

    async def check(self) -> str:
        version = await self.rpc.version()
        await self.rpc.login()
        return f"Tryton {version} at {self._where}"

    def _link(self, model: str, record: int) -> str:
        return f"{self._web}/model/{model}/{record}"

    async def _m(self, model: str, method: str, *args: Any, action: str, **kw: Any) -> Any:
        return await self.rpc.model(model, method, *args, action=action, **kw)

    async def _search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
        limit, order = kw.pop("limit", None), kw.pop("order", None)
        rows: list[dict[str, Any]] = await self._m(
            model, "search_read", domain, 0, limit, order, fields, action=kw.pop("action", f"read {model}"), **kw
        )
        return rows

    async def _find(self, model: str, kind: str, query: str, domain: Sequence[Any] = ()) -> tuple[int, str]:
        for form in variants(query):
            rows = await self._search_read(model, [*domain, ("rec_name", "ilike", f"%{form}%")], ["rec_name"], limit=20)
            if rows:
                return choose(kind, query, [(r["id"], r["rec_name"]) for r in rows], [])
        known = await self._search_read(model, list(domain), ["rec_name"], limit=500)
        return choose(kind, query, [], [r["rec_name"] for r in known])

    async def _company_currency(self) -> str:
        if self._currency is None:
            company = self.rpc.context.get("company") or (await self._ensure_context()).get("company")
            [row] = await self._m("company.company", "read", [company], ["currency.code"], action="read the company")
            self._currency = related(row, "currency", "code")
        return self._currency

    async def _ensure_context(self) -> dict[str, Any]:
        if not self.rpc.context:
            await self.rpc.login()
        return self.rpc.context

    async def _order_id(self, model: str, kind: str, ref: str) -> int:
        ref = ref.strip()
        domain: list[Any] = ["OR", ("number", "=", ref), ("reference", "=", ref)]
        if ref.isdigit():
            domain.append(("id", "=", int(ref)))
        ids = await self._m(model, "search", domain, 0, 2, None, action=f"find {kind.lower()} {ref}")
        if not ids:
            recent = await self._search_read(
                model, [("number", "!=", None)], ["number"], limit=200, order=[("id", "DESC")]
            )
            raise not_found(kind, ref, did_you_mean(ref, [r["number"] for r in recent]))
        return int(ids[0])

    async def _lines(self, model: str, parent: str, record: int, currency: str) -> tuple[OrderLine, ...]:
        rows = await self._search_read(
            model,
            [(parent, "=", record), ("type", "=", "line")],
            LINE_FIELDS,
            order=[("sequence", "ASC"), ("id", "ASC")],
        )
        return tuple(
            OrderLine(
                product=related(r, "product") or r.get("description") or "?",
                quantity=dec(r["quantity"]),
                unit=related(r, "unit", "symbol"),
                unit_price=Money(amount=dec(r["unit_price"]), currency=currency),
                amount=Money(amount=dec(r["amount"]), currency=currency),
            )
            for r in rows
        )

    async def _advance(self, model: str, record: int, what: str) -> None:
        """Draft → quotation → confirmed, with Tryton's own buttons; a confirmed document is a conflict."""
        [row] = await self._m(model, "read", [record], ["state", "number"], action=f"read {what}")
        if row["state"] in DONE or row["state"] == "cancelled":
            raise Conflict(f"{what.capitalize()} is already {row['state']}; nothing to confirm.")
        if row["state"] == "draft":
            await self._m(model, "quote", [record], action=f"quote {what}", write=True)
        await self._m(model, "confirm", [record], action=f"confirm {what}", write=True)
