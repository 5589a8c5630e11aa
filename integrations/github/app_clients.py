"""opsbot's PyGithub clients (read-only retries, no sleeps) and which a call uses: the personal token's, or those of
the App installation that owns the repository — found once per owner and cached, its token shared by its clients and
refreshed by PyGithub's AppInstallationAuth before it expires (GitHub's last an hour)."""

from __future__ import annotations

import asyncio

from github import Auth, Github, GithubIntegration
from github.GithubException import GithubException
from urllib3.util.retry import Retry

from bot.core.errors import NotFound, PermissionDenied, ToolError
from integrations.github.app_auth import AppCredentials
from integrations.github.daemon_calls import in_daemon_thread
from integrations.github.github_pool import ClientPool

TIMEOUT_SECONDS = 15
PER_PAGE = 100
APPS = "https://github.com/apps"


def read_only_retry() -> Retry:
    """Retry 5xx and dropped connections for GET/HEAD only: a retried POST can create a duplicate issue.

    No Retry-After sleeping and no rate-limit handling here: that is done with the injected clock.
    """
    return Retry(
        total=2,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=0.1,
        backoff_max=1.0,
        respect_retry_after_header=False,
        raise_on_status=False,
    )


def github_client(base_url: str, auth: Auth.Auth | None) -> Github:
    return Github(
        base_url=base_url.rstrip("/"),
        auth=auth,
        retry=read_only_retry(),
        timeout=TIMEOUT_SECONDS,
        per_page=PER_PAGE,
        lazy=True,
        # PyGithub would time.sleep between requests; rate limits are handled by the gateway instead
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


class GitHubClients:
    """`await clients.pool(repo)`: the pool of clients whose credentials may act on `repo` (None: no repository)."""

    def __init__(self, *, base_url: str, token: str | None, app: AppCredentials | None, size: int) -> None:
        self.base_url, self.app, self._size = base_url, app, size
        self._token_pool = ClientPool(lambda: github_client(base_url, Auth.Token(token) if token else None), size)
        self._app_auth = Auth.AppAuth(app.app_id, app.private_key) if app is not None else None
        self._installations: dict[str, int] = {}  # owner (lower case) → installation id
        self._auths: dict[int, Auth.AppInstallationAuth] = {}
        self._pools: dict[int, ClientPool] = {}
        self._lookups: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def integration(self) -> GithubIntegration:
        """PyGithub's client for the App itself (JWT): `/app`, its installations, their tokens."""
        assert self._app_auth is not None
        return GithubIntegration(
            base_url=self.base_url.rstrip("/"),
            auth=self._app_auth,
            retry=read_only_retry(),
            timeout=TIMEOUT_SECONDS,
            seconds_between_requests=None,  # as for the clients: no time.sleep between requests
            seconds_between_writes=None,
        )

    async def pool(self, repo: str | None) -> ClientPool:
        if self.app is None:
            return self._token_pool
        return self._installation_pool(await self.installation_id(repo))

    async def installation_token(self, repo: str) -> str | None:
        """A token of the App installation that covers `repo` (minted or refreshed if need be); None without an App."""
        if self.app is None:
            return None
        auth = self._auth(await self.installation_id(repo))
        return await in_daemon_thread(lambda: auth.token, name="opsbot-github-token")

    async def installation_id(self, repo: str | None) -> int:
        assert self.app is not None
        if self.app.installation_id is not None:
            return self.app.installation_id
        if repo is None or "/" not in repo:
            raise NotFound(
                "Name the repository (owner/name): opsbot's GitHub App acts on an installation, found per owner."
            )
        owner, name = repo.split("/", 1)
        key = owner.lower()
        if self._loop is not asyncio.get_running_loop():  # a lock belongs to one loop; a gateway may outlive one
            self._loop, self._lookups = asyncio.get_running_loop(), {}
        async with self._lookups.setdefault(key, asyncio.Lock()):  # one lookup per owner, however many ask
            if key not in self._installations:
                self._installations[key] = await self._look_up(owner, name)
        return self._installations[key]

    async def _look_up(self, owner: str, name: str) -> int:
        integration = self.integration
        try:
            found = await in_daemon_thread(
                lambda: integration.get_repo_installation(owner, name).id, name="opsbot-github-app"
            )
        except GithubException as exc:
            raise app_refused(exc, owner, name, await self._install_page(integration)) from exc
        return int(found)

    async def _install_page(self, integration: GithubIntegration) -> str:
        """Where to install the App: its page on GitHub (`GET /app`), or where to find it."""
        try:
            page = await in_daemon_thread(lambda: integration.get_app().html_url, name="opsbot-github-app")
        except GithubException:
            return f"install it from its page on GitHub ({APPS}/<the App's slug>/installations/new)"
        return f"install it from {page}/installations/new"

    def _auth(self, installation: int) -> Auth.AppInstallationAuth:
        auth = self._auths.get(installation)
        if auth is None:
            assert self._app_auth is not None
            auth = self._app_auth.get_installation_auth(installation, requester=self.integration.requester)
            self._auths[installation] = auth
        return auth

    def _installation_pool(self, installation: int) -> ClientPool:
        pool = self._pools.get(installation)
        if pool is None:
            auth = self._auth(installation)  # one per installation: its clients share one token
            pool = ClientPool(lambda: github_client(self.base_url, auth), self._size)
            self._pools[installation] = pool
        return pool


def app_refused(exc: GithubException, owner: str, name: str, install: str) -> ToolError:
    """A failed installation lookup in words: not installed there, or the App's own credentials refused."""
    if exc.status == 404:
        return NotFound(
            f"opsbot's GitHub App is not installed on {owner} (or not given access to {owner}/{name}); {install}.",
        )
    if exc.status == 401:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        return PermissionDenied(
            f"GitHub refused opsbot's GitHub App credentials (401 {message or 'Unauthorized'}).",
            hint="Check GITHUB_APP_ID and the App's private key, and that this machine's clock is right.",
        )
    return PermissionDenied(f"GitHub would not say which installation of opsbot's App covers {owner}/{name}.")


def app_token_refused(exc: GithubException) -> PermissionDenied:
    """GitHub refused an installation token: revoked (the App uninstalled), or expired by a wrong clock."""
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    return PermissionDenied(
        f"GitHub refused opsbot's GitHub App installation token (401 {message or 'Bad credentials'}).",
        hint="Check that the App is still installed, GITHUB_APP_ID and its private key, and this machine's clock.",
    )
