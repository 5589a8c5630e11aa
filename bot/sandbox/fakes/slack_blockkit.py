"""Block Kit checked by slack_sdk's own models: each block and view parsed, validated and round-tripped unchanged."""

from __future__ import annotations

import copy

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View, ViewState


def block_problems(blocks: object, *, where: str = "blocks") -> list[str]:
    """What slack_sdk finds wrong with a list of blocks (empty when every block is valid and survives a round trip).

    A block is wrong when slack_sdk does not know its type, when one of its validators refuses it (a required
    field missing, a text too long), or when ``to_dict()`` does not give back exactly what was sent (a field
    slack_sdk's model does not have, so Slack would not have it either, or a value of the wrong shape).
    """
    if not isinstance(blocks, list):
        return [f"{where}: not a list"]
    problems: list[str] = []
    for index, raw in enumerate(blocks):
        problems.extend(_one_block(raw, f"{where}[{index}]"))
    return problems


# Fields Slack adds to the views it answers with, that slack_sdk's View (a model of what an app sends) lacks.
ANSWERED_VIEW_FIELDS = frozenset({"app_installed_team_id"})


def view_problems(view: object, *, where: str = "view", extra: frozenset[str] = frozenset()) -> list[str]:
    """The same for a view (a modal or a Home tab): the view's own validators, then each of its blocks.

    A key that is not a field of slack_sdk's ``View`` is a problem, unless it is one of ``extra`` (pass
    ``ANSWERED_VIEW_FIELDS`` for a view Slack answered with).
    """
    if not isinstance(view, dict):
        return [f"{where}: not an object"]
    if view.get("type") is None:
        return [f"{where}: type is missing"]
    try:
        parsed = View(**copy.deepcopy(view))
        rendered = parsed.to_dict()
    except (SlackObjectFormationError, TypeError, KeyError) as exc:
        return [f"{where}: {exc}"]
    problems = [f"{where}.{k}: not in slack_sdk's model" for k in view if k not in View.attributes | extra]
    problems.extend(block_problems(view.get("blocks", []), where=f"{where}.blocks"))
    shown = {k: v for k, v in view.items() if k in View.attributes and k not in ("blocks", "state") and v is not None}
    problems.extend(_differences(shown, {k: v for k, v in rendered.items() if k not in ("blocks", "state")}, where))
    if "state" in view:
        problems.extend(state_problems(view["state"], where=f"{where}.state"))
    return problems


def state_problems(state: object, *, where: str = "state") -> list[str]:
    """A view's ``state`` (``{"values": {block_id: {action_id: value}}}``) through slack_sdk's ``ViewState``."""
    if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
        return [f"{where}: values is missing"]
    try:
        rendered = ViewState(**copy.deepcopy(state)).to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError) as exc:
        return [f"{where}: {exc}"]
    return _differences(state, rendered, where)


def check_blocks(blocks: object) -> None:
    """Raise ``SlackObjectFormationError`` listing every problem (for tests that want an exception)."""
    problems = block_problems(blocks)
    if problems:
        raise SlackObjectFormationError("; ".join(problems))


def check_view(view: object) -> None:
    problems = view_problems(view)
    if problems:
        raise SlackObjectFormationError("; ".join(problems))


def _one_block(raw: object, where: str) -> list[str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return [f"{where}: not a block (an object with a type)"]
    try:
        parsed = Block.parse(copy.deepcopy(raw))
        if parsed is None or type(parsed) is Block:
            return [f"{where}: slack_sdk knows no block of type {raw['type']!r}"]
        rendered = parsed.to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
        return [f"{where} ({raw['type']}): {exc}"]
    return _differences(raw, rendered, where)


def _differences(sent: object, rendered: object, where: str) -> list[str]:
    """Where the round trip changed what was sent: dropped keys, added keys, changed values."""
    if isinstance(sent, dict) and isinstance(rendered, dict):
        # slack_sdk leaves empty values out ("", [], {}), so only a non-empty value that vanished was dropped
        found = [
            f"{where}.{k}: not in slack_sdk's model (dropped)"
            for k, v in sent.items()
            if k not in rendered and v not in ("", [], {})
        ]
        found += [f"{where}.{k}: added by slack_sdk (a required field left out?)" for k in rendered if k not in sent]
        for key in sent.keys() & rendered.keys():
            found.extend(_differences(sent[key], rendered[key], f"{where}.{key}"))
        return found
    if isinstance(sent, list) and isinstance(rendered, list) and len(sent) == len(rendered):
        pairs = enumerate(zip(sent, rendered, strict=True))
        return [p for i, (a, b) in pairs for p in _differences(a, b, f"{where}[{i}]")]
    return [] if sent == rendered else [f"{where}: sent {sent!r}, slack_sdk reads {rendered!r}"]
