"""REST reads that remain are conditional: a repeated read within a minute is a 304, served from the ETag cache."""

from __future__ import annotations

from github import Github
from github.Auth import AppAuth, AppInstallationAuth, Token

from bot.core.metrics import REGISTRY
from integrations.github import GitHubGateway
from integrations.github.etag_cache import Cached, EtagCache, credential
from tests.fakes.github import FakeGitHub


async def test_a_repeated_read_within_a_minute_is_served_by_304s(gw: GitHubGateway, gh: FakeGitHub) -> None:
    # a pull request without its checks (the read before a re-run), and a commit's checks (the deployment gate's);
    # `pr details`, with its checks, is one GraphQL query instead (tests/github/test_pr_detail_query.py)
    sha = gh.add_pr("acme/api", 7, "Ship it", checks="failing").head_sha
    first = (await gw.get_pull_request("acme/api", 7, with_checks=False), await gw.checks("acme/api", sha))
    spent = gh.remaining_requests
    asked = len(gh.requests)
    seen = REGISTRY.get_sample_value("opsbot_github_not_modified_total") or 0

    # (the clock stays: the fake stamps check runs with its `now`, so a later read would be a changed answer)
    again = (await gw.get_pull_request("acme/api", 7, with_checks=False), await gw.checks("acme/api", sha))

    assert again == first
    repeated = gh.requests[asked:]
    assert [r.path for r in repeated] == [
        "/repos/acme/api/pulls/7",
        f"/repos/acme/api/commits/{sha}/status",
        f"/repos/acme/api/commits/{sha}/check-runs",
    ]
    assert all(r.headers.get("If-None-Match", "").startswith('W/"') for r in repeated)
    assert gh.remaining_requests == spent  # three 304s, none counted against the rate limit
    assert REGISTRY.get_sample_value("opsbot_github_rate_limit_remaining", {"resource": "core"}) == spent
    assert REGISTRY.get_sample_value("opsbot_github_not_modified_total") == seen + 3


async def test_a_changed_resource_is_read_again(gw: GitHubGateway, gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 7, "Ship it")
    await gw.get_pull_request("acme/api", 7, with_checks=False)
    await gw.checks("acme/api", pull.head_sha)
    pull.title = "Ship it now"
    spent = gh.remaining_requests

    again = await gw.get_pull_request("acme/api", 7, with_checks=False)
    await gw.checks("acme/api", pull.head_sha)

    assert again.title == "Ship it now"
    assert gh.remaining_requests == spent - 1  # the pull request again (200); its checks unchanged (304s)


def test_the_cache_is_bounded_least_recently_used_out() -> None:
    cache = EtagCache(max_entries=2)
    for name in ("a", "b"):
        cache.put(("token", name), Cached(etag=name, data=name))
    assert cache.get(("token", "a")) is not None  # a is now the most recent
    cache.put(("token", "c"), Cached(etag="c", data="c"))
    assert (cache.get(("token", "b")), len(cache)) == (None, 2)
    assert cache.get(("token", "a")) is not None and cache.get(("token", "c")) is not None


def test_entries_belong_to_their_credential_and_never_name_a_secret() -> None:
    token = Github(auth=Token("ghp_secret")).requester
    assert credential(token) == "token"
    app = Github(auth=AppInstallationAuth(_app_auth(), 42)).requester
    assert credential(app) == "installation 42"


def _app_auth() -> AppAuth:
    return AppAuth(1, "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----")
