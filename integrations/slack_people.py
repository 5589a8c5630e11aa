"""Who a `@handle` is: the workspace's people (users.list members), by handle, display name and id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.core.errors import AmbiguousHandle
from bot.core.jsonvalue import dig, text


def key(handle: str) -> str:
    """How a handle is compared: without its `@`, the spaces around it and case."""
    return handle.strip().removeprefix("@").strip().casefold()


@dataclass(frozen=True, kw_only=True)
class People:
    """`handles`: each `name` (unique in a workspace) → id. `shown`: each display name, in its form and its
    normalized form (the real name for who has none, as Slack shows them then) → the ids that go by it.
    `names`: id → what Slack shows. Deleted accounts are left out."""

    handles: Mapping[str, str] = field(default_factory=dict)
    shown: Mapping[str, frozenset[str]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, members: Iterable[object]) -> People:
        handles: dict[str, str] = {}
        shown: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        for member in members:
            user = text(dig(member, "id"))
            if not user or dig(member, "deleted") is True:
                continue
            handle = text(dig(member, "name"))
            display = [text(dig(member, "profile", f)) for f in ("display_name", "display_name_normalized")]
            if not any(display):  # Slack shows (and autocompletes) the real name of who set no display name
                display = [text(dig(member, "profile", f)) for f in ("real_name", "real_name_normalized")]
                display.append(text(dig(member, "real_name")))
            if handle:
                handles[key(handle)] = user
            for each in {key(d) for d in display if key(d)}:
                shown.setdefault(each, set()).add(user)
            names[user] = next((d.strip() for d in display if d.strip()), handle)
        return cls(handles=handles, shown={k: frozenset(v) for k, v in shown.items()}, names=names)

    def find(self, handle: str) -> str | None:
        """The handle's owner first (handles are unique), else the one person who goes by that display name."""
        wanted = key(handle)
        if wanted in self.handles:
            return self.handles[wanted]
        users = self.shown.get(wanted, frozenset())
        if len(users) > 1:
            raise AmbiguousHandle(handle.strip().removeprefix("@"), tuple(sorted(users)))
        return next(iter(users), None)
