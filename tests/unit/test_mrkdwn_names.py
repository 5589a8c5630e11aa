"""Mentions stay mentions where opsbot means them, and stored Slack ids are shown as names, never as bare ids."""

from __future__ import annotations

import pytest

from bot.core.jsonvalue import dig, text
from bot.core.mrkdwn import channel, escape, mention, readable, seal, slack_refs, unmark_json
from bot.slack_ui.block_kit import as_dicts, error_blocks

NAMES = {"U2": "Ben Keller", "C1": "ops"}


def test_escaping_a_message_of_ours_keeps_its_mentions_and_escapes_the_rest() -> None:
    said = escape(f"Only {mention('U2')} & <@U9> may ask in {channel('C1')} <!channel>")
    assert seal(said) == "Only <@U2> &amp; &lt;@U9&gt; may ask in <#C1> &lt;!channel&gt;"


def test_an_error_naming_someone_shows_the_mention_in_its_blocks() -> None:
    [block] = as_dicts(error_blocks(f"Only {mention('U5')} may ask for `merge_pull_request`."))
    assert seal(text(dig(block, "text", "text"))) == ":warning: Only <@U5> may ask for `merge_pull_request`."


def test_a_forged_mark_is_still_escaped() -> None:
    forged = "\x020000000000000000<!channel>\x030000000000000000"
    assert seal(escape(forged)) == "&lt;!channel&gt;"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Only <@U2>, <@U3> can decide on this.", "Only @Ben Keller, someone can decide on this."),
        ("asked in <#C1> and <#C9|launch>", "asked in #ops and #launch"),
        ("<@U4|dee> said no", "@dee said no"),
        ("<#C9> <@C1> <!channel>", "a channel <@C1> <!channel>"),  # not ids of people or channels: left to escape
        ("no ids here", "no ids here"),
    ],
)
def test_readable_names_the_ids_of_stored_text(stored: str, shown: str) -> None:
    assert readable(stored, NAMES) == shown


def test_readable_output_is_still_outside_text() -> None:
    shown = seal(escape(readable("<@U2> wrote <!here> <https://evil.example|x>", NAMES)))
    assert shown == "@Ben Keller wrote &lt;!here&gt; &lt;https://evil.example|x&gt;"


def test_slack_refs_finds_the_people_and_channels_named() -> None:
    assert slack_refs("Only <@U2>, <@W3|x> in <#C1> and <#G2|secret>, not <@C4>") == ({"U2", "W3"}, {"C1", "G2"})


def test_what_is_stored_carries_no_mark() -> None:
    stored = unmark_json({"reason": f"Only {mention('U2')}", "list": [mention("U3")], "n": 1})
    assert stored == {"reason": "Only <@U2>", "list": ["<@U3>"], "n": 1}
