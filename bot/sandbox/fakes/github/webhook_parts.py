"""What every GitHub webhook body we build shares: the delivery, the repository envelope, a pull request's ref."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.github_state import FakeRepo
from bot.sandbox.fakes.github.shapes import API, ORGS, number_of, organization, repository, sha, simple_user

REPO = "acme/api"
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class Webhook:
    """One delivery: `event` goes in the X-GitHub-Event header, `payload` is the JSON body."""

    event: str
    payload: JsonObject

    @property
    def name(self) -> str:
        """`pull_request.opened`, `ping`: the event and its action, as the bot names event types."""
        action = self.payload.get("action")
        return f"{self.event}.{action}" if action else self.event


def repo_of(full_name: str) -> FakeRepo:
    return FakeRepo(full_name=full_name, id=number_of(full_name))


def now_or(at: datetime | None) -> datetime:
    return at or datetime.now(UTC).replace(microsecond=0)


def envelope(repo: FakeRepo, sender: str) -> JsonObject:
    """What every repository webhook carries: the repository, its organization and who caused the event."""
    owner = repo.full_name.split("/")[0]
    data = repository(repo.full_name, repo.id, private=repo.private) | {"custom_properties": {}}
    body: JsonObject = {"repository": data, "sender": simple_user(sender)}
    return body | ({"organization": organization(owner)} if owner in ORGS else {})


def pull_minimal(repo: FakeRepo, number: int, head: str, head_sha: str, base: str) -> JsonObject:
    """A pull request as a check run or workflow run names it: its number and branches."""
    ref: JsonObject = {"id": repo.id, "url": f"{API}/repos/{repo.full_name}", "name": repo.full_name.split("/")[1]}
    return {
        "id": repo.id * 1000 + number,
        "number": number,
        "url": f"{API}/repos/{repo.full_name}/pulls/{number}",
        "head": {"ref": head, "sha": head_sha, "repo": ref},
        "base": {"ref": base, "sha": sha(f"{repo.full_name}@{base}"), "repo": ref},
    }
