"""MCP tokens in the store, on SQLite and PostgreSQL: only the secret's hash is stored; a secret finds its live token
and nothing else; a person's live tokens have distinct names (in the code and in the schema); revoking by name, for
one person or (an admin) for whoever has it; `touch` notes the last use at most once a minute."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.core.errors import UserFacingError
from bot.core.mcp_tokens import PREFIX, McpToken, NameTaken, split_tools, token_hash, unmatched
from bot.store.engine import make_engine
from bot.store.mcp_token_rows import McpTokenStore, token_values
from bot.store.models import mcp_tokens

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CONFIGURED = "plain-configured-secret-42"


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[McpTokenStore]:
    engine = make_engine(db_url)
    tokens = McpTokenStore(engine, (CONFIGURED,))
    yield tokens
    tokens.db.dispose()
    await engine.dispose()


async def create(
    store: McpTokenStore, name: str = "claude-laptop", user: str = "U1", **more: object
) -> tuple[McpToken, str]:
    values: dict[str, object] = {"team_id": "T1", "channel": None, "tools": (), "created_by": user, "now": NOW}
    values.update(more)
    return await store.create(name=name, user_id=user, **values)  # type: ignore[arg-type]


async def stored_rows(store: McpTokenStore) -> list[str]:
    async with store.engine.connect() as conn:
        return [json.dumps(dict(row), default=str) for row in (await conn.execute(select(mcp_tokens))).mappings()]


async def test_a_created_token_is_found_by_its_secret_and_only_its_hash_is_stored(store: McpTokenStore) -> None:
    token, secret = await create(store, channel="C1", tools=("list_*", "get_pull_request"))
    assert secret.startswith(PREFIX) and len(secret) > len(PREFIX) + 40
    assert token.user_id == "U1" and token.team_id == "T1" and token.channel == "C1"
    assert token.tools == ("list_*", "get_pull_request") and token.created_at == NOW and token.revoked_at is None
    assert await store.by_secret(secret) == token
    assert await store.by_secret(secret + "x") is None and await store.by_secret("") is None
    [row] = await stored_rows(store)
    assert secret not in row and token_hash(secret) in row


async def test_a_live_name_is_a_persons_own_and_free_again_once_revoked(store: McpTokenStore) -> None:
    first, _ = await create(store)
    with pytest.raises(NameTaken):
        await create(store)
    other, _ = await create(store, user="U2")  # another person may use the same name
    assert other.user_id == "U2"
    revoked = await store.revoke(name="claude-laptop", user_id="U1", now=NOW + timedelta(hours=1))
    assert revoked is not None and revoked.id == first.id and revoked.revoked_at == NOW + timedelta(hours=1)
    again, _ = await create(store)
    assert again.id != first.id
    assert [t.id for t in await store.of_user("U1")] == [again.id]


async def test_the_schema_itself_refuses_a_second_live_name(store: McpTokenStore) -> None:
    """Two replicas that both passed the check: the partial unique index keeps the second out."""
    token, _ = await create(store)
    twin = {**token_values(token), "id": "twin", "token_hash": "0" * 64}
    async with store.engine.begin() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(insert(mcp_tokens).values(**twin))
    revoked_twin = {**twin, "revoked_at": NOW}
    async with store.engine.begin() as conn:  # a revoked one of the same name is no clash
        await conn.execute(insert(mcp_tokens).values(**revoked_twin))


async def test_a_revoked_token_is_found_by_nothing(store: McpTokenStore) -> None:
    _, secret = await create(store)
    assert await store.revoke(name="claude-laptop", user_id="U1", now=NOW) is not None
    assert await store.by_secret(secret) is None
    assert await store.of_user("U1") == [] and await store.all_live() == []
    assert await store.revoke(name="claude-laptop", user_id="U1", now=NOW) is None  # twice: nothing the second time


async def test_revoking_someone_elses_or_an_unknown_name_changes_nothing(store: McpTokenStore) -> None:
    _, secret = await create(store)
    assert await store.revoke(name="claude-laptop", user_id="U2", now=NOW) is None
    assert await store.revoke(name="nope", user_id="U1", now=NOW) is None
    assert await store.by_secret(secret) is not None


async def test_an_admin_revokes_by_name_and_is_asked_whose_when_several_have_it(store: McpTokenStore) -> None:
    await create(store, user="U1")
    await create(store, user="U2")
    await create(store, name="ci-bot", user="U2")
    with pytest.raises(UserFacingError, match=r"2 people .*\(U1, U2\)"):
        await store.revoke(name="claude-laptop", user_id=None, now=NOW)
    assert len(await store.all_live()) == 3
    gone = await store.revoke(name="ci-bot", user_id=None, now=NOW)
    assert gone is not None and gone.user_id == "U2"
    assert [(t.user_id, t.name) for t in await store.all_live()] == [("U1", "claude-laptop"), ("U2", "claude-laptop")]


async def test_listing_shows_each_persons_live_tokens_in_creation_order(store: McpTokenStore) -> None:
    await create(store, name="b-second", now=NOW + timedelta(minutes=1))
    await create(store, name="a-first")
    await create(store, name="other", user="U2")
    assert [t.name for t in await store.of_user("U1")] == ["a-first", "b-second"]
    assert [t.name for t in await store.of_user("U3")] == []


async def test_touch_notes_the_last_use_at_most_once_a_minute_and_never_back(store: McpTokenStore) -> None:
    token, secret = await create(store)
    await store.touch(token.id, NOW + timedelta(seconds=5))
    await store.touch(token.id, NOW + timedelta(seconds=30))  # within the minute: not written again
    found = await store.by_secret(secret)
    assert found is not None and found.last_used_at == NOW + timedelta(seconds=5)
    await store.touch(token.id, NOW + timedelta(minutes=2))
    await store.touch(token.id, NOW)  # an older time (another replica's late call) does not move it back
    found = await store.by_secret(secret)
    assert found is not None and found.last_used_at == NOW + timedelta(minutes=2)


async def test_bad_names_patterns_and_secret_looking_values_are_refused(store: McpTokenStore) -> None:
    for name in ("", "-dash-first", "has space", "x" * 64, "<!channel>"):
        with pytest.raises(UserFacingError, match="can't be an MCP token's name"):
            await create(store, name=name)
    with pytest.raises(UserFacingError, match="not a tool name or pattern"):
        await create(store, tools=("list_*", "Merge_PR"))
    with pytest.raises(UserFacingError, match="looks like a secret"):
        await create(store, name=CONFIGURED)
    assert await stored_rows(store) == []


def test_tool_patterns_are_split_checked_and_matched_against_the_registry() -> None:
    assert split_tools("list_*, get_pull_request,list_*") == ("list_*", "get_pull_request")
    assert unmatched(("list_*", "merge_[pq]r", "nothing_*"), ["list_issues", "merge_pr"]) == ("nothing_*",)
    token = McpToken(
        id="t", name="n", user_id="U1", team_id="T1", channel=None, tools=("list_*",), created_at=NOW, created_by="U1"
    )
    assert token.allows("list_issues") and not token.allows("merge_pull_request")
