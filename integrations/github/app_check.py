"""What `opsbot check` says of a GitHub App: its name and slug (`GET /app`), each installation and its permissions
(`GET /app/installations`) — never the key, the JWT or a token."""

from __future__ import annotations

from dataclasses import dataclass

from github import GithubIntegration

from integrations.github.daemon_calls import in_daemon_thread

MAX_INSTALLATIONS_SHOWN = 20


@dataclass(frozen=True, kw_only=True)
class InstalledOn:
    id: int
    account: str
    selection: str  # "all" or "selected" repositories
    permissions: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class AppSummary:
    id: int
    name: str
    slug: str
    installations: tuple[InstalledOn, ...]

    def lines(self) -> list[str]:
        head = f"GitHub: App {self.name} ({self.slug}, id {self.id}), installed on {_count(len(self.installations))}"
        shown = [
            f"  installation {i.id} on {i.account} ({_selection(i)}): {_permissions(i)}" for i in self.installations
        ]
        more = len(self.installations) - MAX_INSTALLATIONS_SHOWN
        return [head, *shown[:MAX_INSTALLATIONS_SHOWN], *([f"  … and {more} more"] if more > 0 else [])]


def read_app(integration: GithubIntegration) -> AppSummary:
    """Blocking: `GET /app` and every page of `GET /app/installations`, with the App's JWT."""
    app = integration.get_app()
    installations = tuple(
        InstalledOn(
            id=i.id,
            account=i.account.login if i.account is not None else "?",
            selection=str(i.raw_data.get("repository_selection") or "all"),
            permissions=dict(i.permissions or {}),
        )
        for i in integration.get_installations()
    )
    return AppSummary(id=app.id, name=app.name, slug=app.slug, installations=installations)


async def describe_app(integration: GithubIntegration) -> str:
    summary = await in_daemon_thread(lambda: read_app(integration), name="opsbot-github-app")
    return "\n".join(summary.lines())


async def app_login(integration: GithubIntegration) -> str:
    """The login GitHub shows on what the App does: `<slug>[bot]`."""
    slug = await in_daemon_thread(lambda: integration.get_app().slug, name="opsbot-github-app")
    return f"{slug}[bot]"


def _count(n: int) -> str:
    return (
        "no account yet (install it: README, 'Running as a GitHub App')" if n == 0 else f"{n} account" + "s" * (n > 1)
    )


def _selection(i: InstalledOn) -> str:
    return "all repositories" if i.selection == "all" else "selected repositories"


def _permissions(i: InstalledOn) -> str:
    return ", ".join(f"{name} {level}" for name, level in sorted(i.permissions.items())) or "no permissions"
