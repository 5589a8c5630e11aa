"""Outbox keys (bot.core.delivery): the same work for the same event makes the same keys, in any order; identical
messages in one event are told apart by their occurrence; outside an event every key is new."""

from __future__ import annotations

from bot.core import delivery


def keys(scope: str | None, messages: list[tuple[str, str]]) -> list[str]:
    def made() -> list[str]:
        return [delivery.message_key("chat.postMessage", channel, "1.0", {"text": text}) for channel, text in messages]

    if scope is None:
        return made()
    with delivery.scope(scope):
        return made()


def test_the_same_event_run_again_makes_the_same_keys_in_any_order() -> None:
    messages = [("C1", "a"), ("C1", "b"), ("C1", "a"), ("C2", "a")]
    first = keys("event:1", messages)
    assert len(set(first)) == 4  # the second "a" in C1 is occurrence 1
    assert keys("event:1", messages) == first  # a fresh scope counts afresh
    assert sorted(keys("event:1", [messages[1], messages[0], messages[3], messages[2]])) == sorted(first)
    assert set(keys("event:2", messages)).isdisjoint(first)
    assert all(len(k) <= 255 for k in keys("x" * 300, messages))


def test_outside_an_event_every_key_is_new() -> None:
    assert len(set(keys(None, [("C1", "a"), ("C1", "a")]) + keys(None, [("C1", "a")]))) == 3
