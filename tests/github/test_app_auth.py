"""opsbot as a GitHub App, through PyGithub's real client against the fake GitHub: installation tokens per owner,
refreshed before they expire; the App's JWT checked as GitHub checks it; a repository without an installation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import jwt
import pytest

from bot.core.clock import FakeClock
from bot.core.errors import NotFound, PermissionDenied
from integrations.github import GitHubGateway
from integrations.github.app_auth import AppCredentials
from tests.fakes.github import FakeGitHub
from tests.github.app_fixtures import ACME, APP_ID, GLOBEX, Shift, app_github, private_key
from tests.github.helpers import sent


@pytest.fixture
def shift() -> Shift:
    return Shift()


@pytest.fixture
async def gh(shift: Shift) -> AsyncIterator[FakeGitHub]:
    async with app_github(shift) as fake:
        fake.add_pr("acme/api", 7, "Add rate limiting")
        fake.add_pr("globex/site", 3, "New landing page")
        yield fake


def app_gateway(gh: FakeGitHub, *, key: str | None = None, installation: int | None = None) -> GitHubGateway:
    credentials = AppCredentials(app_id=APP_ID, private_key=key or private_key(), installation_id=installation)
    return GitHubGateway(None, gh.url, FakeClock(), app=credentials)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


async def get(gh: FakeGitHub, path: str, credential: str) -> Answer:
    """A request of our own (not PyGithub's), on the loop the fake serves on."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(gh.url + path, headers={"Authorization": credential}) as r,
    ):
        return Answer(r.status, await r.json())


async def test_a_read_and_a_write_go_through_the_owners_installation_token(gh: FakeGitHub) -> None:
    gw = app_gateway(gh)
    pull = await gw.get_pull_request("acme/api", 7, with_checks=False)
    await gw.comment("acme/api", 7, "Merging after lunch.")
    assert pull.title == "Add rate limiting"
    assert gh.comments[-1]["body"] == "Merging after lunch."
    # one lookup and one token for the owner, reused by both calls (the fake refuses any personal token but its own)
    assert [r.path for r in sent(gh, "GET", "/installation")] == ["/repos/acme/api/installation"]
    assert [t.installation for t in gh.apps.minted] == [ACME]


async def test_a_token_near_its_expiry_is_refreshed_before_the_next_call(gh: FakeGitHub, shift: Shift) -> None:
    assert gh.apps.app is not None
    # PyGithub refreshes a token 20 s before its expires_at, by its own clock: one that lives 15 s is due at once
    gh.apps.app.token_lifetime = timedelta(seconds=15)
    gw = app_gateway(gh)
    await gw.get_pull_request("acme/api", 7, with_checks=False)
    shift.by = timedelta(seconds=16)  # the first token has expired, as far as the fake can tell
    [first] = gh.apps.minted
    assert (await get(gh, "/repos/acme/api", f"token {first.token}")).body["message"] == "Bad credentials"
    await gw.get_pull_request("acme/api", 7, with_checks=False)
    assert len(gh.apps.minted) == 2 and gh.apps.minted[1].token != first.token


async def test_a_token_far_from_its_expiry_is_reused(gh: FakeGitHub) -> None:
    gw = app_gateway(gh)
    for _ in range(3):
        await gw.get_pull_request("acme/api", 7, with_checks=False)
    assert len(gh.apps.minted) == 1


async def test_two_owners_get_their_own_installations_token(gh: FakeGitHub) -> None:
    gw = app_gateway(gh)
    acme, globex = await gw.installation_token("acme/api"), await gw.installation_token("globex/site")
    assert acme is not None and globex is not None and acme != globex
    assert (gh.apps.tokens[acme].installation, gh.apps.tokens[globex].installation) == (ACME, GLOBEX)
    assert (await gw.get_pull_request("globex/site", 3, with_checks=False)).title == "New landing page"
    # an installation's token reaches its own repositories only
    assert (await get(gh, "/repos/globex/site", f"token {acme}")).status == 404
    assert (await get(gh, "/repos/acme/web", f"token {acme}")).status == 200
    assert await gw.installation_token("acme/web") == acme  # one installation per owner, looked up once
    assert len(sent(gh, "GET", "/installation")) == 2


async def test_a_pinned_installation_is_used_without_a_lookup(gh: FakeGitHub) -> None:
    gw = app_gateway(gh, installation=ACME)
    await gw.get_pull_request("acme/api", 7, with_checks=False)
    assert sent(gh, "GET", "/installation") == []
    assert [t.installation for t in gh.apps.minted] == [ACME]


async def test_a_repository_without_the_app_says_where_to_install_it(gh: FakeGitHub) -> None:
    with pytest.raises(NotFound) as caught:
        await app_gateway(gh).get_pull_request("initech/app", 1)
    assert "opsbot's GitHub App is not installed on initech" in caught.value.message
    assert "https://github.com/apps/opsbot-acme/installations/new" in caught.value.message


async def test_a_jwt_signed_with_another_key_is_refused(gh: FakeGitHub) -> None:
    with pytest.raises(PermissionDenied) as caught:
        await app_gateway(gh, key=private_key("someone else's")).get_pull_request("acme/api", 7)
    assert "401 A JSON web token could not be decoded" in caught.value.message
    assert gh.apps.minted == []


def _jwt(**claims: object) -> str:
    now = int(time.time())
    payload = {"iat": now - 60, "exp": now + 540, "iss": str(APP_ID), **claims}
    return "Bearer " + jwt.encode(payload, private_key(), algorithm="RS256")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({}, None),
        ({"iss": "999"}, "'Issuer' claim ('iss') must be an Integer"),
        ({"exp": int(time.time()) + 3600}, "'Expiration time' claim ('exp') is too far in the future"),
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 400}, "'Expiration time' claim ('exp') must be"),
        ({"iat": int(time.time()) + 300, "exp": int(time.time()) + 500}, "'Issued at' claim ('iat') must be"),
    ],
    ids=["accepted", "another app", "exp too far", "expired", "issued in the future"],
)
async def test_the_fake_checks_the_jwt_as_github_does(gh: FakeGitHub, claims: dict[str, object], message: str) -> None:
    answer = await get(gh, "/app", _jwt(**claims))
    if message is None:
        assert (answer.status, answer.body["id"]) == (200, APP_ID)
    else:
        assert answer.status == 401 and answer.body["message"].startswith(message)


async def test_a_jwt_is_no_token_and_a_token_is_no_jwt(gh: FakeGitHub) -> None:
    token = await app_gateway(gh).installation_token("acme/api")
    assert (await get(gh, "/app", "")).body["message"] == "Requires authentication"
    assert (await get(gh, "/repos/acme/api", _jwt())).status == 401
    assert (await get(gh, "/app", f"token {token}")).status == 401
    assert (await get(gh, "/user", f"token {token}")).body["message"] == "Resource not accessible by integration"


async def test_without_an_app_the_personal_token_still_works(gh: FakeGitHub) -> None:
    from tests.github.app_fixtures import PERSONAL

    pull = await GitHubGateway(PERSONAL, gh.url, FakeClock()).get_pull_request("acme/api", 7, with_checks=False)
    assert pull.number == 7 and gh.apps.minted == []
    assert await GitHubGateway(PERSONAL, gh.url, FakeClock()).installation_token("acme/api") is None


async def test_calls_side_by_side_look_the_installation_up_once(gh: FakeGitHub) -> None:
    gw = app_gateway(gh)
    pulls = await asyncio.gather(*(gw.get_pull_request("acme/api", 7, with_checks=False) for _ in range(5)))
    assert {p.number for p in pulls} == {7}
    assert len(sent(gh, "GET", "/installation")) == 1


async def test_a_revoked_installation_token_is_a_clear_refusal(gh: FakeGitHub) -> None:
    gw = app_gateway(gh)
    await gw.get_pull_request("acme/api", 7, with_checks=False)
    gh.apps.tokens.clear()  # the App was uninstalled and installed again: its tokens are gone
    with pytest.raises(PermissionDenied) as caught:
        await gw.get_pull_request("acme/api", 7, with_checks=False)
    assert caught.value.message == "GitHub refused opsbot's GitHub App installation token (401 Bad credentials)."
