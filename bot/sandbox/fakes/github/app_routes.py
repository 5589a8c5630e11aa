"""The fake GitHub as a GitHub App sees it: `/app`, its installations, installation tokens, and who may call what."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core.jsonvalue import Json, JsonObject
from bot.sandbox.fakes.github.app_state import (
    JWT_UNDECODABLE,
    NOT_ACCESSIBLE,
    AppState,
    FakeApp,
    FakeInstallation,
    jwt_refusal,
    looks_like_jwt,
)
from bot.sandbox.fakes.github.github_state import Call, RecordedRequest, Reply
from bot.sandbox.fakes.github.shapes import WEB, node_id, simple_user, stamp
from bot.sandbox.fakes.github.wire import BAD_CREDENTIALS, DOCS, NOT_FOUND, error, paged

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

APP_DOCS = f"{DOCS}/apps/apps"
REQUIRES_AUTHENTICATION = "Requires authentication"
CREATED = datetime.fromisoformat("2024-05-02T10:00:00+00:00")
# Where a JWT is the credential: everything else wants a token (personal or an installation's)
JWT_PATHS = re.compile(r"/app(/.*)?|/repos/[^/]+/[^/]+/installation|/orgs/[^/]+/installation|/users/[^/]+/installation")
INSTALLATION_PATHS = frozenset({"/graphql", "/installation/repositories"})  # an installation token's, not a repo's
REPO_PATH = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(/.*)?")


class GitHubApps:
    """Mixed into FakeGitHub: `add_app` makes it know one App (by its public key), `add_installation` installs it."""

    url: str
    token: str | None
    now: Callable[[], datetime]
    apps: AppState

    def add_app(self, *, app_id: int, public_key: str, slug: str = "opsbot", name: str = "opsbot") -> FakeApp:
        self.apps.app = FakeApp(id=app_id, slug=slug, name=name, owner="acme", public_key=public_key)
        return self.apps.app

    def add_installation(self, installation_id: int, account: str, *, repos: list[str] | None = None) -> None:
        """The App installed on `account`, for `repos` only when given (else for all of its repositories)."""
        self.apps.installations[installation_id] = FakeInstallation(id=installation_id, account=account, repos=repos)

    def app_refusal(self, path: str, header: str | None) -> Reply | None:
        """GitHub's answer to an App's credentials it refuses; None when they pass, or are not an App's at all
        (a personal token is the fake's `token` check's to judge)."""
        app = self.apps.app
        credential = (header or "").partition(" ")[2].strip()
        if app is None:
            return None
        if JWT_PATHS.fullmatch(path):
            refusal = jwt_refusal(credential, app, self.now()) if credential else REQUIRES_AUTHENTICATION
            return None if refusal is None else Reply(status=401, body=error(refusal))
        if not credential:
            return None
        if looks_like_jwt(credential):  # a JWT where a token is wanted
            return Reply(status=401, body=error(JWT_UNDECODABLE))
        minted = self.apps.tokens.get(credential)
        if minted is None:
            return Reply(status=401, body=dict(BAD_CREDENTIALS)) if credential.startswith("ghs_") else None
        if minted.expires_at <= self.now():
            return Reply(status=401, body=dict(BAD_CREDENTIALS))
        installation = self.apps.installations.get(minted.installation)
        repo = REPO_PATH.fullmatch(path)
        if installation is None:
            return Reply(status=401, body=dict(BAD_CREDENTIALS))
        if repo is None:  # `/user` and the like: GitHub's answer to an installation token
            return None if path in INSTALLATION_PATHS else Reply(status=403, body=error(NOT_ACCESSIBLE))
        if not installation.covers(f"{repo['owner']}/{repo['name']}"):
            return Reply(status=404, body=dict(NOT_FOUND))  # as for a private repository one cannot see
        return None

    def recorded(self, request: web.Request, body: Json) -> RecordedRequest:
        """What the fake keeps of a request: never the credential, only whose it was."""
        header = request.headers.get("Authorization") or ""
        credential = header.partition(" ")[2].strip()
        minted = self.apps.tokens.get(credential)
        by = "nobody" if not credential else "token"
        if minted is not None:
            by = f"installation {minted.installation}"
        elif self.apps.app is not None and looks_like_jwt(credential):
            by = "app"
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        return RecordedRequest(
            method=request.method, path=request.path, query=dict(request.query), json=body, headers=headers, by=by
        )

    def credentials_refusal(self, path: str, header: str | None) -> Reply | None:
        """401 for credentials GitHub would not take: an App's (`app_refusal`), or another token than `token` (when
        set: token=None accepts any other credentials)."""
        if (refused := self.app_refusal(path, header)) is not None:
            return refused
        credential = (header or "").partition(" ")[2].strip()
        if self.apps.app is not None and (looks_like_jwt(credential) or credential in self.apps.tokens):
            return None
        if self.token is None or header in (f"token {self.token}", f"Bearer {self.token}"):
            return None
        return Reply(status=401, body=dict(BAD_CREDENTIALS))

    def app_json(self) -> JsonObject:
        app = self.apps.app
        assert app is not None
        return {
            "id": app.id,
            "slug": app.slug,
            "node_id": node_id("A", app.id),
            "client_id": f"Iv23li{app.id:010d}",
            "owner": simple_user(app.owner, api=self.url),
            "name": app.name,
            "description": "Slack ChatOps: approvals for merges, deploys and re-runs",
            "external_url": "https://opsbot.example.com",
            "html_url": f"{WEB}/apps/{app.slug}",
            "created_at": stamp(CREATED),
            "updated_at": stamp(CREATED),
            "permissions": dict(app.permissions),
            "events": list(app.events),
            "installations_count": len(self.apps.installations),
        }

    def installation_json(self, installation: FakeInstallation) -> JsonObject:
        app = self.apps.app
        assert app is not None
        account = simple_user(installation.account, api=self.url)
        return {
            "id": installation.id,
            "account": account,
            "repository_selection": "all" if installation.repos is None else "selected",
            "access_tokens_url": f"{self.url}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{self.url}/installation/repositories",
            "html_url": f"{WEB}/organizations/{installation.account}/settings/installations/{installation.id}",
            "app_id": app.id,
            "app_slug": app.slug,
            "target_id": account["id"],
            "target_type": account["type"],
            "permissions": dict(installation.permissions),
            "events": list(installation.events),
            "created_at": stamp(CREATED),
            "updated_at": stamp(CREATED),
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }


# -- endpoints (a JWT has been checked before any of these runs) ------------------------------------------


def _no_app(gh: FakeGitHub) -> Reply | None:
    return Reply(status=404, body=dict(NOT_FOUND)) if gh.apps.app is None else None


def get_app(gh: FakeGitHub, call: Call) -> Reply:
    return _no_app(gh) or Reply(status=200, body=gh.app_json())


def list_installations(gh: FakeGitHub, call: Call) -> Reply:
    found = [gh.installation_json(i) for i in sorted(gh.apps.installations.values(), key=lambda i: i.id)]
    return _no_app(gh) or paged(gh.url, call, found)


def repo_installation(gh: FakeGitHub, call: Call) -> Reply:
    assert call.repo is not None
    installation = gh.apps.installation_for(call.repo.full_name)
    if installation is None:
        docs = f"{APP_DOCS}#get-a-repository-installation-for-the-authenticated-app"
        return Reply(status=404, body=error("Not Found", docs))
    return _no_app(gh) or Reply(status=200, body=gh.installation_json(installation))


def account_installation(gh: FakeGitHub, call: Call) -> Reply:
    account = call.params["account"].lower()
    found = next((i for i in gh.apps.installations.values() if i.account.lower() == account), None)
    if found is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    return _no_app(gh) or Reply(status=200, body=gh.installation_json(found))


def access_token(gh: FakeGitHub, call: Call) -> Reply:
    app, installation = gh.apps.app, gh.apps.installations.get(int(call.params["installation"]))
    if app is None or installation is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    minted = gh.apps.mint(installation.id, gh.now(), app.token_lifetime)
    body: JsonObject = {
        "token": minted.token,
        "expires_at": stamp(minted.expires_at),
        "permissions": dict(installation.permissions),
        "repository_selection": "all" if installation.repos is None else "selected",
    }
    return Reply(status=201, body=body)


APP_ROUTES: list[tuple[str, str, Callable[[FakeGitHub, Call], Reply]]] = [
    ("GET", r"/app", get_app),
    ("GET", r"/app/installations", list_installations),
    ("POST", r"/app/installations/(?P<installation>\d+)/access_tokens", access_token),
    ("GET", r"/repos/(?P<repo>[^/]+/[^/]+)/installation", repo_installation),
    ("GET", r"/orgs/(?P<account>[^/]+)/installation", account_installation),
    ("GET", r"/users/(?P<account>[^/]+)/installation", account_installation),
]
