"""What every Tryton call of the adapter shares: the RPC, lookups by name or number, order lines, buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from bot.core.errors import Conflict
from bot.core.suggest import did_you_mean
from integrations.erp.erp_errors import not_found
from integrations.erp.erp_rows import Row, record_ids
from integrations.erp.port import Money, OrderLine
from integrations.erp.resolve import choose, variants
from integrations.erp.tryton_rpc import Param, TrytonRpc, Value

LINE_FIELDS = ["type", "product.rec_name", "description", "quantity", "unit.symbol", "unit_price", "amount"]
DONE = {"confirmed", "processing", "done"}


def related(row: Row, name: str, field: str = "rec_name") -> str:
    """A field of the record a many2one points to, read along with it (`party.rec_name`)."""
    return row.related(name).text(field)


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

    async def _m(
        self,
        model: str,
        method: str,
        *args: Param,
        action: str,
        write: bool = False,
        context: Mapping[str, Param] | None = None,
    ) -> Value:
        return await self.rpc.model(model, method, *args, action=action, write=write, context=context)

    async def _read(
        self,
        model: str,
        ids: Sequence[Param],
        fields: Sequence[str],
        *,
        action: str,
        context: Mapping[str, Param] | None = None,
    ) -> list[Row]:
        return Row.many(await self._m(model, "read", ids, fields, action=action, context=context))

    async def _search_read(
        self,
        model: str,
        domain: Sequence[Param],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        order: Sequence[Param] | None = None,
        action: str | None = None,
    ) -> list[Row]:
        rows = await self._m(model, "search_read", domain, 0, limit, order, fields, action=action or f"read {model}")
        return Row.many(rows)

    async def _find(self, model: str, kind: str, query: str, domain: Sequence[Param] = ()) -> tuple[int, str]:
        for form in variants(query):
            rows = await self._search_read(model, [*domain, ("rec_name", "ilike", f"%{form}%")], ["rec_name"], limit=20)
            if rows:
                return choose(kind, query, [(r.id, r.text("rec_name")) for r in rows], [])
        known = await self._search_read(model, list(domain), ["rec_name"], limit=500)
        return choose(kind, query, [], [r.text("rec_name") for r in known])

    async def _company_currency(self) -> str:
        if self._currency is None:
            company = self.rpc.context.get("company") or (await self._ensure_context()).get("company")
            [row] = await self._read("company.company", [company], ["currency.code"], action="read the company")
            self._currency = related(row, "currency", "code")
        return self._currency

    async def _ensure_context(self) -> dict[str, Value]:
        if not self.rpc.context:
            await self.rpc.login()
        return self.rpc.context

    async def _order_id(self, model: str, kind: str, ref: str) -> int:
        ref = ref.strip()
        domain: list[Param] = ["OR", ("number", "=", ref), ("reference", "=", ref)]
        if ref.isdigit():
            domain.append(("id", "=", int(ref)))
        ids = record_ids(await self._m(model, "search", domain, 0, 2, None, action=f"find {kind.lower()} {ref}"))
        if not ids:
            recent = await self._search_read(
                model, [("number", "!=", None)], ["number"], limit=200, order=[("id", "DESC")]
            )
            raise not_found(kind, ref, did_you_mean(ref, [r.text("number") for r in recent]))
        return ids[0]

    async def _lines(self, model: str, parent: str, record: int, currency: str) -> tuple[OrderLine, ...]:
        rows = await self._search_read(
            model,
            [(parent, "=", record), ("type", "=", "line")],
            LINE_FIELDS,
            order=[("sequence", "ASC"), ("id", "ASC")],
        )
        return tuple(
            OrderLine(
                product=related(r, "product") or r.text("description") or "?",
                quantity=r.decimal("quantity"),
                unit=related(r, "unit", "symbol"),
                unit_price=Money(amount=r.decimal("unit_price"), currency=currency),
                amount=Money(amount=r.decimal("amount"), currency=currency),
            )
            for r in rows
        )

    async def _advance(self, model: str, record: int, what: str) -> None:
        """Draft → quotation → confirmed, with Tryton's own buttons; a confirmed document is a conflict."""
        [row] = await self._read(model, [record], ["state", "number"], action=f"read {what}")
        state = row.text("state")
        if state in DONE or state == "cancelled":
            raise Conflict(f"{what.capitalize()} is already {state}; nothing to confirm.")
        if state == "draft":
            await self._m(model, "quote", [record], action=f"quote {what}", write=True)
        await self._m(model, "confirm", [record], action=f"confirm {what}", write=True)
