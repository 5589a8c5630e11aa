"""The installation opsbot serves: the workspace (and Enterprise Grid organisation) its bot token belongs to, learned
once from `auth.test` at start. A Slack request for any other workspace or enterprise is refused before anything
runs; a person whose home team is neither (a Slack Connect guest of another organisation) is *external*."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Installation:
    team_id: str
    enterprise_id: str | None = None

    @classmethod
    def from_auth(cls, auth: Mapping[str, object]) -> Installation | None:
        """From an `auth.test` answer; None before it answered (or when it named no workspace)."""
        team, enterprise = auth.get("team_id"), auth.get("enterprise_id")
        if not isinstance(team, str) or not team:
            return None
        return cls(team_id=team, enterprise_id=enterprise if isinstance(enterprise, str) and enterprise else None)

    def mismatch(self, *, team_id: str, enterprise_id: str | None) -> str | None:
        """Why a request naming this workspace and enterprise is not for this installation, or None when it is.

        The workspace must be ours (a request naming none, or two, is refused); an enterprise, when the request
        names one, must be ours too (a request from outside Enterprise Grid names none)."""
        if team_id != self.team_id:
            return f"workspace {team_id or '(none)'} is not {self.team_id}"
        if enterprise_id is not None and enterprise_id != self.enterprise_id:
            return f"enterprise {enterprise_id} is not {self.enterprise_id or '(none)'}"
        return None

    def is_external(self, user_team_id: str | None) -> bool:
        """Whether a person's home team is another organisation's. Unknown (None) is the request's own workspace,
        which `mismatch` has matched; a person of our enterprise whose home is the enterprise itself is ours."""
        return user_team_id is not None and user_team_id not in (self.team_id, self.enterprise_id)


InstallationSource = Callable[[], Installation | None]
"""How the installation reaches the service, the decider and the policy: read when needed (after `auth.test`)."""
