"""SQL for MCP clients' tokens (bot.core.mcp_tokens): create one (only its secret's hash is stored), find the live
one a secret names, list, revoke, and note when it was last used."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.core.errors import UserFacingError
from bot.core.mcp_tokens import McpToken, NameTaken, checked_name, checked_tools, new_secret, token_hash
from bot.store.database import rowcount
from bot.store.models import mcp_tokens as tokens
from bot.store.table_rows import Rows

TOUCH_EVERY = timedelta(minutes=1)  # last_used_at moves at most this often: a busy client is not a write per call
LIVE = tokens.c.revoked_at.is_(None)


class McpTokenStore(Rows):
    """`McpTokenStore(engine, secrets)`. Nothing it writes may hold a configured secret or a token shape: such a
    name or pattern is refused (scrubbing it would store a name no one typed)."""

    async def create(
        self,
        *,
        name: str,
        user_id: str,
        team_id: str,
        channel: str | None,
        tools: Iterable[str],
        created_by: str,
        now: datetime,
    ) -> tuple[McpToken, str]:
        """A new live token and its secret, which the caller shows once; refuses a name `user_id` already has live."""
        token = McpToken(
            id=secrets.token_hex(8), name=checked_name(name), user_id=user_id, team_id=team_id, channel=channel,
            tools=checked_tools(tools), created_at=now, created_by=created_by,
        )  # fmt: skip
        secret = new_secret()
        values = {**token_values(token), "token_hash": token_hash(secret)}
        if self._clean(values) != values:
            raise UserFacingError("That name or tool pattern looks like a secret, so I won't store it.")

        def op(conn: Connection) -> bool:
            taken = select(tokens.c.id).where(tokens.c.user_id == user_id, tokens.c.name == token.name, LIVE)
            if conn.execute(taken).first() is not None:
                return False
            conn.execute(insert(tokens).values(**values))
            return True

        try:
            created = await self.db.write(op)
        except IntegrityError:  # another replica created the same name between the check and the insert
            created = False
        if not created:
            raise NameTaken(token.name, user_id)
        return token, secret

    async def by_secret(self, secret: str) -> McpToken | None:
        """The live token `secret` is the secret of; None for an unknown or revoked one."""
        row = await self._one(select(tokens).where(tokens.c.token_hash == token_hash(secret), LIVE))
        return None if row is None else token_record(row)

    async def of_user(self, user_id: str) -> list[McpToken]:
        stmt = select(tokens).where(tokens.c.user_id == user_id, LIVE).order_by(tokens.c.created_at, tokens.c.name)
        return [token_record(row) for row in await self._all(stmt)]

    async def all_live(self) -> list[McpToken]:
        stmt = select(tokens).where(LIVE).order_by(tokens.c.user_id, tokens.c.created_at, tokens.c.name)
        return [token_record(row) for row in await self._all(stmt)]

    async def revoke(self, *, name: str, user_id: str | None, now: datetime) -> McpToken | None:
        """Revoke `user_id`'s live token `name` (None: an admin's, by name alone, refused when several people have
        one of that name); the token as revoked, or None when there was none (or it was revoked meanwhile)."""

        def op(conn: Connection) -> Sequence[Mapping[str, Any]]:
            stmt = select(tokens).where(tokens.c.name == name, LIVE).order_by(tokens.c.user_id)
            if user_id is not None:
                stmt = stmt.where(tokens.c.user_id == user_id)
            found = [dict(row) for row in conn.execute(stmt).mappings()]
            if len(found) == 1:
                moved = conn.execute(update(tokens).where(tokens.c.id == found[0]["id"], LIVE).values(revoked_at=now))
                return found if moved.rowcount == 1 else []
            return found

        found = await self.db.write(op)
        if len(found) > 1:
            users = ", ".join(str(row["user_id"]) for row in found)
            raise UserFacingError(
                f"{len(found)} people have a live MCP token named `{name}` ({users}).", hint="Say whose: --user U…"
            )
        return token_record({**found[0], "revoked_at": now}) if found else None

    async def touch(self, token_id: str, now: datetime) -> None:
        """Note that the token was used `now` (at most every TOUCH_EVERY: it never moves back, a revoked one stays)."""
        stale = or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at <= now - TOUCH_EVERY)
        stmt = update(tokens).where(tokens.c.id == token_id, LIVE, stale).values(last_used_at=now)
        await self.db.write(rowcount(stmt))


def token_values(token: McpToken) -> dict[str, object]:
    return {
        "id": token.id, "name": token.name, "user_id": token.user_id, "team_id": token.team_id,
        "channel": token.channel, "tools": list(token.tools), "created_at": token.created_at,
        "created_by": token.created_by, "revoked_at": token.revoked_at, "last_used_at": token.last_used_at,
    }  # fmt: skip


def token_record(row: Mapping[str, Any]) -> McpToken:
    return McpToken(
        id=row["id"], name=row["name"], user_id=row["user_id"], team_id=row["team_id"], channel=row["channel"],
        tools=tuple(str(t) for t in row["tools"] or ()), created_at=row["created_at"], created_by=row["created_by"],
        revoked_at=row["revoked_at"], last_used_at=row["last_used_at"],
    )  # fmt: skip
