"""A click on a "Did you mean …?" button: the command it names, as if the clicker had typed it where they clicked.

The click is planned and authorized like a typed command — same planner, same registry, same approval policy, with
the clicker as the requester — so a suggestion can never do more than typing it would. It is answered where it was
shown: a suggestion under a slash command's private reply answers privately through the click's `response_url`
(which works where opsbot is not a member); one in a thread answers in that thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.core.domain import Event, Source
from bot.core.runbook_model import Runbook
from bot.orchestration.planner.planner_base import RunbookInfo


def as_typed(click: Event) -> Event:
    private = click.payload.get("is_ephemeral") is True
    url = click.payload.get("response_url")
    return replace(
        click,
        source=Source.SLACK_COMMAND if private else Source.SLACK_MENTION,
        type="suggestion",
        text=str(click.payload.get("value") or ""),
        message_ts=None if private else click.message_ts,  # an ephemeral message cannot be replied to
        payload={"suggested": True, **({"response_url": url} if isinstance(url, str) and url else {})},
    )


def is_suggestion(event: Event) -> bool:
    """A clicked suggestion is an exact command: it is never handed to the AI agent as free text."""
    return event.payload.get("suggested") is True


def runbook_infos(books: Iterable[Runbook]) -> tuple[RunbookInfo, ...]:
    """The runbooks as the planner may propose them (those that can run here)."""
    return tuple(
        RunbookInfo(
            name=book.name,
            inputs=tuple(book.spec.inputs),
            required=frozenset(name for name, spec in book.spec.inputs.items() if spec.required),
            choices=tuple((n, tuple(str(c) for c in s.choices)) for n, s in book.spec.inputs.items() if s.choices),
        )
        for book in books
        if not book.unavailable
    )
