"""Our Slack Web API answers and Block Kit structures, checked by slack_sdk's and Bolt's own models and readers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.models.blocks import Block, RichTextBlock, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes import slack_payloads as answers
from bot.sandbox.fakes.slack_blockkit import (
    ANSWERED_VIEW_FIELDS,
    block_problems,
    check_blocks,
    check_view,
    state_problems,
    view_problems,
)
from tests.fakes.slack_api import FakeSlackApi

TOKEN = "xoxb-schema-token"
SECTION: dict[str, Any] = {
    "type": "section",
    "block_id": "s1",
    "text": {"type": "mrkdwn", "text": "*Merge #42* into `main`?"},
}
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "opsbot.reject",
    "title": {"type": "plain_text", "text": "Reject request"},
    "submit": {"type": "plain_text", "text": "Reject"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Reason"},
            "element": {"type": "plain_text_input", "action_id": "value"},
            "optional": True,
        }
    ],
    "private_metadata": '{"approval": "ap_1"}',
}
IDS = {"view_id": "V0001", "team_id": "T111", "bot_id": "B111", "hash": "1700000000.V0001.0"}


def response(body: dict[str, Any], status: int = 200) -> AsyncSlackResponse:
    """The answer as slack_sdk's client wraps it."""
    return AsyncSlackResponse(
        client=AsyncWebClient(token=TOKEN),
        http_verb="POST",
        api_url="http://fake/api/x",
        req_args={},
        data=body,
        headers={},
        status_code=status,
    )


def validated(answer: AsyncSlackResponse) -> AsyncSlackResponse:
    """slack_sdk's own check of an answer: ok, and a 200 (raises SlackApiError otherwise)."""
    checked: AsyncSlackResponse = answer.validate()  # type: ignore[no-untyped-call]
    return checked


def message() -> dict[str, Any]:
    posted = answers.bot_message(text="Merge #42?", ts="1700000000.000100", user="W111", bot_id="B111", team="T111")
    return posted | {"blocks": [SECTION]}


OK_ANSWERS: dict[str, dict[str, Any]] = {
    "auth.test": answers.auth_test(team="Acme", team_id="T111", user_id="W111", bot_id="B111"),
    "chat.postMessage": answers.posted("C1", message()),
    "chat.update": answers.updated("C1", message()),
    "chat.postEphemeral": answers.ephemeral_posted("1700000000.000200"),
    "reactions.add": answers.done(),
    "reactions.get": answers.reactions_of("C1", message()),
    "conversations.history": answers.messages_page([message()], pin_count=0),
    "conversations.replies": answers.messages_page([message()]),
    "conversations.members": answers.members_page(["U1", "U2"]),
    "conversations.info": answers.channel_info("C1", name="ops"),
    "users.info": answers.user_info("U1", team_id="T111", name="ana", real_name="Ana"),
    "users.list": answers.users_page(
        [answers.member("U1", team_id="T111", name="ana", real_name="Ana Lima", display_name="Ána")],
        cache_ts=1700000000,
    ),
    "usergroups.list": answers.usergroups([answers.usergroup("S1", team_id="T111", handle="oncall", users=["U2"])]),
    "usergroups.users.list": answers.usergroup_users(["U2"]),
    "views.open": answers.view_opened(MODAL, **IDS),
}


@pytest.mark.parametrize("method", sorted(OK_ANSWERS))
def test_every_ok_answer_passes_slack_sdks_validate_and_its_blocks_and_views_parse(method: str) -> None:
    body = OK_ANSWERS[method]
    assert validated(response(body)).data is body
    if "message" in body:
        assert block_problems(body["message"].get("blocks", [])) == []
    for each in body.get("messages", []):
        assert block_problems(each.get("blocks", [])) == []
    if "view" in body:
        assert view_problems(body["view"], extra=ANSWERED_VIEW_FIELDS) == []
    cursor = (body.get("response_metadata") or {}).get("next_cursor")
    assert cursor in (None, "") and body.get("has_more", False) is False  # a last page: iteration stops


def test_auth_test_is_read_by_bolts_authorize_result() -> None:
    result = AuthorizeResult.from_auth_test_response(bot_token=TOKEN, auth_test_response=OK_ANSWERS["auth.test"])
    assert (result.team_id, result.bot_user_id, result.bot_id, result.user_id) == ("T111", "W111", "B111", None)
    assert result.enterprise_id is None and result.url == "https://t111.slack.com/"


def test_a_user_carries_its_names_as_slack_normalizes_them() -> None:
    [ana] = OK_ANSWERS["users.list"]["members"]
    assert (ana["id"], ana["name"], ana["deleted"], ana["is_bot"]) == ("U1", "ana", False, False)
    assert ana["profile"] == {
        "real_name": "Ana Lima",
        "real_name_normalized": "Ana Lima",
        "display_name": "Ána",
        "display_name_normalized": "Ana",
    }
    assert answers.cursor_user(answers.user_cursor("U061NFTT2")) == "U061NFTT2"
    assert answers.user_cursor("U061NFTT2") == "dXNlcjpVMDYxTkZUVDI="  # the example in Slack's users.list reference
    assert answers.cursor_user("not a cursor") is None


def test_a_page_with_a_cursor_says_it_has_more() -> None:
    page: dict[str, Any] = answers.messages_page([message()], next_cursor="dGVhbTpDMQ==")
    assert page["has_more"] is True and page["response_metadata"]["next_cursor"] == "dGVhbTpDMQ=="


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (answers.error("invalid_auth"), 200),
        (answers.error("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"]), 200),
        (answers.error("missing_scope", needed="chat:write", provided="commands"), 200),
        (answers.rate_limited(3)[2], 429),
    ],
    ids=["invalid_auth", "invalid_arguments", "missing_scope", "ratelimited"],
)
def test_every_error_is_an_slack_api_error_with_its_code(body: dict[str, Any], status: int) -> None:
    with pytest.raises(SlackApiError) as refused:
        validated(response(body, status))
    assert refused.value.response["ok"] is False and refused.value.response["error"] == body["error"]
    assert set(body) <= {"ok", "error", "response_metadata", "needed", "provided"}


def test_the_429_has_a_retry_after_in_whole_seconds() -> None:
    status, headers, body = answers.rate_limited(3)
    assert (status, int(headers["Retry-After"]), body) == (429, 3, {"ok": False, "error": "ratelimited"})


# -- Block Kit the fakes carry -------------------------------------------------------------------------------


def test_a_typed_message_has_the_rich_text_block_slack_adds() -> None:
    block: dict[str, Any] = bodies.rich_text("<@W111> merge pr 42 in acme/api")
    parsed = Block.parse(block)
    assert isinstance(parsed, RichTextBlock) and parsed.to_dict() == block
    assert block_problems([block]) == []
    assert block["elements"][0]["elements"][0] == {"type": "user", "user_id": "W111"}


def test_the_clicked_button_message_parses_and_round_trips() -> None:
    action = bodies.button_action("opsbot.approve", "ap_1", block_id="opsbot.actions", action_ts="1.2")
    clicked: dict[str, Any] = bodies.button_message(action, ts="1.000001", user="W111", bot_id="B111", team="T111")
    [block] = clicked["blocks"]
    parsed = Block.parse(block)
    assert isinstance(parsed, SectionBlock) and parsed.to_dict() == block
    check_blocks(clicked["blocks"])


def test_views_we_build_and_answer_parse_through_view() -> None:
    answered: dict[str, Any] = answers.view_object(MODAL, **IDS)
    parsed = View(**answered)
    parsed.validate_json()
    assert parsed.id == "V0001" and parsed.callback_id == "opsbot.reject"
    assert view_problems(answered, extra=ANSWERED_VIEW_FIELDS) == []
    check_view(MODAL)
    submitted = bodies.submitted_view(
        "opsbot.edit", {"branch": {"value": "main"}}, view_id="V2", team_id="T111", bot_id="B111"
    )
    assert view_problems(submitted, extra=ANSWERED_VIEW_FIELDS) == [] and state_problems(submitted["state"]) == []


# -- a deliberately broken payload fails ---------------------------------------------------------------------


def test_a_section_without_its_required_text_is_refused() -> None:
    broken = {k: v for k, v in SECTION.items() if k != "text"}
    assert block_problems([broken]) == ["blocks[0] (section): text or fields attribute must be specified"]
    with pytest.raises(SlackObjectFormationError, match="text or fields attribute must be specified"):
        check_blocks([broken])


def test_a_view_without_its_type_or_with_a_misspelt_field_is_refused() -> None:
    assert view_problems({k: v for k, v in MODAL.items() if k != "type"}) == ["view: type is missing"]
    assert view_problems(MODAL | {"titel": MODAL["title"]}) == ["view.titel: not in slack_sdk's model"]
    input_without_element = {k: v for k, v in MODAL["blocks"][0].items() if k != "element"}
    [problem] = block_problems([input_without_element])
    assert problem.startswith("blocks[0] (input):") and "argument: 'element'" in problem


def test_an_unknown_block_type_and_a_dropped_field_are_refused() -> None:
    assert block_problems([{"type": "sektion", "text": SECTION["text"]}]) == [
        "blocks[0]: slack_sdk knows no block of type 'sektion'"
    ]
    assert block_problems([SECTION | {"colour": "red"}]) == ["blocks[0].colour: not in slack_sdk's model (dropped)"]


@pytest.fixture
async def strict_slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(TOKEN) as fake:
        fake.check_blocks = True
        yield fake


async def test_the_fake_with_checks_on_refuses_broken_blocks_as_slack_does(strict_slack: FakeSlackApi) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=strict_slack.url)
    assert (await client.chat_postMessage(channel="C1", text="ok", blocks=[SECTION]))["ok"]
    broken = {k: v for k, v in SECTION.items() if k != "text"}
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="broken", blocks=[broken])
    assert refused.value.response["error"] == "invalid_blocks"
    assert "text or fields attribute must be specified" in refused.value.response["errors"][0]
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await client.views_open(trigger_id="1.2.x", view={k: v for k, v in MODAL.items() if k != "type"})
    assert [m["text"] for m in strict_slack.messages("C1")] == ["ok"]


async def test_users_list_pages_as_slack_sdks_cursor_iteration_reads_them(strict_slack: FakeSlackApi) -> None:
    slack, client = strict_slack, AsyncWebClient(token=TOKEN, base_url=strict_slack.url)
    for n, name in enumerate(("ana", "ben", "cy", "dee", "eve"), start=1):
        slack.add_person(f"U{n}", name, display_name=name.title(), deleted=name == "dee")
    first = await client.users_list(limit=2)
    assert [m["id"] for m in first["members"]] == ["W111", "U1"] and first["members"][0]["is_bot"] is True
    assert first["response_metadata"]["next_cursor"]
    pages = [[m["name"] for m in page["members"]] async for page in await client.users_list(limit=2)]
    assert pages == [["w111", "ana"], ["ben", "cy"], ["dee", "eve"]]  # slack_sdk follows the cursor to the end
    listed = (await client.users_list())["members"]  # no limit: everyone, deleted accounts too, as Slack lists them
    assert len(listed) == 6 and [m["name"] for m in listed if m["deleted"]] == ["dee"]
    assert [c.params.get("limit") for c in slack.calls_to("users.list")] == ["2", "2", "2", "2", None]
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        await client.users_list(cursor="bm90IGEgdXNlcg==")
    assert (await client.users_info(user="U2"))["user"]["profile"]["display_name"] == "Ben"
