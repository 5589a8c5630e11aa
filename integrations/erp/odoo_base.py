"""What every Odoo call of the adapter shares: the transport, lookups by name or number, order lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiohttp

from bot.core.errors import ToolError
from bot.core.jsonvalue import Json, obj
from bot.core.suggest import did_you_mean
from integrations.erp.erp_errors import not_found
from integrations.erp.erp_rows import Row
from integrations.erp.odoo_rpc import Json2, JsonRpc, OdooTransport, Param
from integrations.erp.port import Money, OrderLine
from integrations.erp.resolve import choose, variants

FIRST_JSON2_VERSION = 19
UNIT_FIELDS = ("product_uom_id", "product_uom")  # an order line's unit; the name differs between Odoo versions


def label(value: object) -> str:
    """A many2one as Odoo returns it, `[id, "display name"]`, or `false`."""
    return str(value[1]) if isinstance(value, list) and len(value) > 1 else ""


def parse_date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


class OdooBase:
    """One Odoo database and API user, and the lookups the adapter's operations share."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        url: str,
        database: str,
        user: str,
        api_key: str,
        protocol: str = "auto",
        timeout: float = 30.0,
    ) -> None:
        self._url = url.rstrip("/")
        self._jsonrpc = JsonRpc(http, url=url, database=database, user=user, api_key=api_key, timeout=timeout)
        self._json2 = Json2(http, url=url, database=database, api_key=api_key, timeout=timeout)
        transports: dict[str, OdooTransport] = {"jsonrpc": self._jsonrpc, "json2": self._json2}
        self._chosen = transports.get(protocol)
        self._currency: str | None = None
        self._unit_fields: dict[str, str | None] = {}

    async def transport(self) -> OdooTransport:
        """JSON-2 from Odoo 19 on (its `/web/version` says so), JSON-RPC before."""
        if self._chosen is None:
            try:
                version = await self._json2.version()
                major = int(version.split(".")[0].split("~")[-1].removeprefix("saas"))
            except (ValueError, ToolError):  # no /web/version (Odoo ≤ 17) or an odd answer: the older API
                major = 0
            self._chosen = self._json2 if major >= FIRST_JSON2_VERSION else self._jsonrpc
        return self._chosen

    async def check(self) -> str:
        transport = await self.transport()
        version = await transport.version()
        await self._x("res.partner", "search_count", [[("id", "=", 0)]], action="log in")
        return f"Odoo {version} at {self._url} over {transport.protocol}"

    def _link(self, model: str, record: int) -> str:
        return f"{self._url}/web#id={record}&model={model}&view_type=form"

    async def _x(
        self, model: str, method: str, args: Sequence[Param], *, action: str, write: bool = False, **kw: Param
    ) -> Json:
        transport = await self.transport()
        return await transport.execute(model, method, args, kw, action=action, write=write)

    async def _read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], *, action: str, **kw: Param
    ) -> list[Row]:
        transport = await self.transport()
        return Row.many(await transport.execute(model, "read", [ids], {"fields": fields, **kw}, action=action))

    async def _rows(
        self, model: str, domain: Sequence[Param], fields: Sequence[str], *, action: str | None = None, **kw: Param
    ) -> list[Row]:
        transport = await self.transport()
        kwargs: dict[str, Param] = {"fields": fields, **kw}
        rows = await transport.execute(model, "search_read", [domain], kwargs, action=action or f"read {model}")
        return Row.many(rows)

    async def _find(self, model: str, kind: str, query: str, domain: Sequence[Param] = ()) -> tuple[int, str]:
        for form in variants(query):
            rows = await self._rows(model, [*domain, ("name", "ilike", form)], ["display_name"], limit=20)
            if rows:
                return choose(kind, query, [(r.id, r.text("display_name")) for r in rows], [])
        known = await self._rows(model, list(domain), ["display_name"], limit=500)
        return choose(kind, query, [], [r.text("display_name") for r in known])

    async def _order_id(self, model: str, kind: str, ref: str, other_ref: str) -> int:
        ref = ref.strip()
        domain: list[Param] = ["|", ("name", "=", ref), (other_ref, "=", ref)]
        rows = await self._rows(model, domain, ["name"], limit=1, action=f"find {kind.lower()} {ref}")
        if not rows:
            recent = await self._rows(model, [], ["name"], limit=200, order="id desc")
            raise not_found(kind, ref, did_you_mean(ref, [r.text("name") for r in recent]))
        return rows[0].id

    async def _unit_field(self, model: str) -> str | None:
        """Which of UNIT_FIELDS this server's `model` has (asked once with `fields_get`); None: show no unit."""
        if model not in self._unit_fields:
            try:
                fields = await self._x(model, "fields_get", [], attributes=["type", "relation"], action="read fields")
            except ToolError:
                return None  # not remembered: the next order asks again
            self._unit_fields[model] = next((f for f in UNIT_FIELDS if f in obj(fields)), None)
        return self._unit_fields[model]

    async def _lines(
        self, model: str, parent: str, record: int, qty_field: str, currency: str
    ) -> tuple[OrderLine, ...]:
        unit = await self._unit_field(model)
        fields = ["product_id", "name", qty_field, "price_unit", "price_subtotal", "display_type"]
        if unit:
            fields.append(unit)
        rows = await self._rows(model, [(parent, "=", record)], fields, order="sequence, id")
        return tuple(
            OrderLine(
                product=label(r.get("product_id")) or r.text("name") or "?",
                quantity=r.decimal(qty_field),
                unit=label(r.get(unit)) if unit else "",
                unit_price=Money(amount=r.decimal("price_unit"), currency=currency),
                amount=Money(amount=r.decimal("price_subtotal"), currency=currency),
            )
            for r in rows
            if not r.get("display_type")
        )
