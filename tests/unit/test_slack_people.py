"""Who a `@handle` is, from users.list members as the fake Slack answers them."""

from __future__ import annotations

import pytest

from bot.core.errors import AmbiguousHandle
from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes import slack_payloads as answers
from integrations.slack_people import People


def person(user: str, name: str, *, display: str = "", real: str = "", deleted: bool = False) -> JsonObject:
    member = answers.member(user, team_id="T1", name=name, real_name=real or name.title(), display_name=display)
    return {**member, "deleted": deleted}


PEOPLE = People.of(
    [
        person("U1", "ana"),
        person("U2", "ben.k", display="Ben Keller"),
        person("U3", "jose", display="José"),
        person("U4", "dee", deleted=True),
        person("U5", "b.keller", display="ben keller"),
        person("U6", "kim", real="Kim Park"),
        "not a member",
    ]
)


@pytest.mark.parametrize(
    ("handle", "user"),
    [
        ("ana", "U1"),
        ("@ANA", "U1"),
        ("ben.k", "U2"),
        (" José ", "U3"),
        ("jose", "U3"),  # the handle, and the display name's normalized form
        ("kim park", "U6"),  # no display name: the real name is what Slack shows
        ("dee", None),  # deleted
        ("zed", None),
    ],
)
def test_a_handle_a_display_name_or_its_normalized_form_finds_the_person(handle: str, user: str | None) -> None:
    assert PEOPLE.find(handle) == user


def test_a_display_name_two_people_share_is_ambiguous_but_their_handles_are_not() -> None:
    with pytest.raises(AmbiguousHandle) as ambiguous:
        PEOPLE.find("@Ben Keller")
    assert ambiguous.value.users == ("U2", "U5") and ambiguous.value.handle == "Ben Keller"
    assert PEOPLE.find("b.keller") == "U5"


def test_names_are_what_slack_shows() -> None:
    assert PEOPLE.names == {"U1": "Ana", "U2": "Ben Keller", "U3": "José", "U5": "ben keller", "U6": "Kim Park"}
