"""What opsbot listens to in Slack: the handlers register exactly these (tests/test_edge_shapes.py checks it), and
the HTTP edge (bot/edges/slack_gate.py) acknowledges anything else itself, with 200 and one INFO line, instead of
handing Bolt a request it has no listener for."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack_ui.block_kit import ActionId, ViewId


@dataclass(frozen=True, kw_only=True)
class Surfaces:
    commands: frozenset[str]
    events: frozenset[str]  # Events API event types
    actions: frozenset[str]  # block_actions action ids
    views: frozenset[str]  # view_submission callback ids


SURFACES = Surfaces(
    commands=frozenset({"/ops"}),
    events=frozenset({"app_mention", "message", "reaction_added"}),
    actions=frozenset(a.value for a in ActionId),
    views=frozenset(v.value for v in ViewId),
)
