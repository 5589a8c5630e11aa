"""Every OpenAI payload the fake sends validates as the `openai` package's own types; a broken one must fail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import openai
import pydantic
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.shared import ErrorObject

from tests.fakes.openai_payloads import (
    DONE,
    JSON,
    MODEL,
    events,
    sse,
    text_chunks,
    tool_call_chunks,
    unknown_fields,
    usage,
)
from tests.fakes.openai_server import (
    NO_RETRY,
    SSE,
    FakeOpenAI,
    Fault,
    PayloadError,
    error_body,
    length_response,
    refusal_response,
    text_response,
    tool_call_response,
)

KEY = "sk-test-opsbot-schemas-0123"
HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
MERGE = ("merge_pull_request", {"repo": "acme/api", "number": 7, "method": "squash", "commit_message": None})
RERUN = ("rerun_failed_jobs", {"repo": "acme/web", "run_id": 501, "pr": 12})
COMPLETIONS: dict[str, Callable[[], JSON]] = {
    "text": lambda: text_response("PR 7 in acme/api is merged."),
    "text with usage": lambda: text_response("ok", usage=usage(prompt_tokens=9, completion_tokens=1)),
    "one tool call": lambda: tool_call_response(MERGE),
    "parallel tool calls": lambda: tool_call_response(MERGE, RERUN, content="Merging and rerunning."),
    "raw invalid arguments": lambda: tool_call_response(("merge_pull_request", '{"number": 8')),
    "refusal": lambda: refusal_response(),
    "length": lambda: length_response(),
}
STREAMS: dict[str, Callable[[], list[JSON]]] = {
    "text": lambda: text_chunks("Ben's PR #12 in acme/web is green.", piece=4),
    "one tool call": lambda: tool_call_chunks(MERGE),
    "parallel tool calls": lambda: tool_call_chunks(MERGE, RERUN, piece=5),
    "without usage": lambda: tool_call_chunks(MERGE, include_usage=False),
}


def strictly(kind: type[ChatCompletion] | type[ChatCompletionChunk], payload: JSON) -> None:
    """Valid under strict validation, nothing undeclared, and the model dumps back to exactly what we send."""
    model = kind.model_validate(payload, strict=True)
    assert unknown_fields(model) == []
    assert model.model_dump(mode="json", exclude_unset=True) == payload


@pytest.mark.parametrize("name", COMPLETIONS)
def test_every_completion_builder_validates_as_chat_completion(name: str) -> None:
    payload = COMPLETIONS[name]()
    strictly(ChatCompletion, payload)
    [choice] = payload["choices"]
    # required-but-nullable in the API reference; openai's models default them to None, so check they are sent
    assert {"index", "message", "logprobs", "finish_reason"} <= choice.keys()
    assert {"role", "content", "refusal"} <= choice["message"].keys()
    calls = choice["message"].get("tool_calls", [])
    assert (choice["finish_reason"] == "tool_calls") == bool(calls)
    assert len({call["id"] for call in calls}) == len(calls)
    used = payload["usage"]
    assert used["total_tokens"] == used["prompt_tokens"] + used["completion_tokens"]


@pytest.mark.parametrize("name", STREAMS)
def test_every_streamed_chunk_validates_as_chat_completion_chunk(name: str) -> None:
    chunks = STREAMS[name]()
    for chunk in chunks:
        strictly(ChatCompletionChunk, chunk)
    assert len({(c["id"], c["created"]) for c in chunks}) == 1
    assert events(sse(chunks))[-1] == DONE
    with_usage = [c for c in chunks if c.get("usage")]
    if name == "without usage":
        assert with_usage == [] and all("usage" not in c for c in chunks)
    else:  # stream_options.include_usage: a last chunk with no choices carries the usage, the others usage: null
        assert with_usage == [chunks[-1]] and chunks[-1]["choices"] == []
        assert all("usage" in c and c["usage"] is None for c in chunks[:-1])


@pytest.mark.parametrize(
    ("chunks", "whole"),
    [
        (lambda: tool_call_chunks(MERGE, RERUN), lambda: tool_call_response(MERGE, RERUN)),
        (lambda: text_chunks("All three PRs are merged.", piece=3), lambda: text_response("All three PRs are merged.")),
    ],
    ids=["parallel tool calls", "text"],
)
def test_a_stream_accumulates_into_the_same_answer_as_the_whole_completion(
    chunks: Callable[[], list[JSON]], whole: Callable[[], JSON]
) -> None:
    state: ChatCompletionStreamState[None] = ChatCompletionStreamState()
    for chunk in chunks():
        state.handle_chunk(ChatCompletionChunk.model_validate(chunk, strict=True))
    streamed = state.get_final_completion().choices[0]
    expected = ChatCompletion.model_validate(whole(), strict=True).choices[0]

    assert streamed.finish_reason == expected.finish_reason
    assert streamed.message.content == expected.message.content
    want = [c for c in expected.message.tool_calls or [] if c.type == "function"]
    got = streamed.message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in got] == [
        (c.function.name, c.function.arguments) for c in want
    ]


# -- a broken payload fails ---------------------------------------------------------------------------


def without(payload: JSON, dotted: str) -> JSON:
    *parents, last = dotted.split(".")
    node: Any = payload
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    del node[last]
    return payload


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "choices.0.finish_reason",
        "choices.0.index",
        "choices.0.message",
        "choices.0.message.role",
        "choices.0.message.tool_calls.0.id",
        "choices.0.message.tool_calls.0.function.name",
        "choices.0.message.tool_calls.0.function.arguments",
        "usage.total_tokens",
    ],
)
def test_a_completion_missing_a_required_field_fails_validation(field: str) -> None:
    broken = without(tool_call_response(MERGE), field)

    with pytest.raises(pydantic.ValidationError) as caught:
        ChatCompletion.model_validate(broken, strict=True)

    first = caught.value.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if not str(part)[:1].isupper())  # drop union member names
    assert (first["type"], where) == ("missing", field)
    # the client builds its responses without validating (a construct), so it would accept this: hence the fake checks
    assert ChatCompletion.model_construct(**broken)


@pytest.mark.parametrize(
    "field", ["id", "object", "choices.0.index", "choices.0.delta", "choices.0.delta.tool_calls.0.index"]
)
def test_a_chunk_missing_a_required_field_fails_validation(field: str) -> None:
    broken = without(tool_call_chunks(MERGE)[1], field)

    with pytest.raises(pydantic.ValidationError, match="Field required"):
        ChatCompletionChunk.model_validate(broken, strict=True)


def test_what_openais_lenient_models_let_through_is_caught_too() -> None:
    misspelt = text_response("hi")
    message = misspelt["choices"][0]["message"]
    message["refusl"] = message.pop("refusal")
    assert unknown_fields(ChatCompletion.model_validate(misspelt, strict=True)) == ["choices[0].message.refusl"]

    stringly = text_response("hi")
    stringly["created"] = str(stringly["created"])
    ChatCompletion.model_validate(stringly)  # lax mode coerces "1700000000" to an int ...
    with pytest.raises(pydantic.ValidationError, match="created\n  Input should be a valid integer"):
        ChatCompletion.model_validate(stringly, strict=True)  # ... strict mode, as the fake uses, does not


# -- the error envelope, as the openai client reads it -------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key=KEY) as server:
        yield server


async def ask(fake: FakeOpenAI) -> ChatCompletion:
    async with openai.AsyncOpenAI(base_url=fake.url, api_key=KEY, max_retries=0, timeout=10) as llm:
        return await llm.chat.completions.create(model=MODEL, messages=HI)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (404, openai.NotFoundError),
        (409, openai.ConflictError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
async def test_an_error_envelope_is_the_clients_exception_with_code_type_and_message(
    fake: FakeOpenAI, status: int, kind: type[openai.APIStatusError]
) -> None:
    body = error_body(status)
    error = ErrorObject.model_validate(body["error"], strict=True)
    assert unknown_fields(error) == []
    fake.script(Fault(status, headers=NO_RETRY))

    with pytest.raises(kind) as caught:
        await ask(fake)

    assert caught.value.status_code == status
    assert (caught.value.code, caught.value.type, caught.value.param) == (error.code, error.type, error.param)
    assert caught.value.message == f"Error code: {status} - {error.message}"
    assert caught.value.body == body["error"]


def test_an_error_envelope_without_message_or_type_fails_validation() -> None:
    for field in ("message", "type"):
        broken = error_body(429)
        del broken["error"][field]
        with pytest.raises(pydantic.ValidationError, match=f"{field}\n  Field required"):
            ErrorObject.model_validate(broken["error"], strict=True)


# -- the fake refuses to serve what the real API would not send ----------------------------------------


async def test_a_script_the_real_api_would_not_send_fails_at_once(fake: FakeOpenAI) -> None:
    no_finish_reason = text_response("fine")
    del no_finish_reason["choices"][0]["finish_reason"]

    with pytest.raises(PayloadError, match=r"choices\.0\.finish_reason\n  Field required"):
        fake.script(text_response("ok"), no_finish_reason)
    with pytest.raises(PayloadError, match=r"must end with exactly one `data: \[DONE\]`"):
        fake.script(SSE(json.dumps(tool_call_chunks(MERGE)[0])))
    with pytest.raises(PayloadError, match=r"event 1 is not a valid ChatCompletionChunk"):
        fake.script(SSE([tool_call_chunks(MERGE)[0], without(tool_call_chunks(MERGE)[1], "choices.0.index")]))
    with pytest.raises(PayloadError, match="not an OpenAI error envelope"):
        fake.script(Fault(500, body={"message": "no envelope"}))

    assert fake.remaining == 0  # nothing of a refused script is queued
    fake.script(Fault(502, body="<html>Bad gateway</html>"))  # a raw (non-JSON) body is sent as written
    assert fake.remaining == 1


async def test_a_responder_whose_answer_is_invalid_fails_the_check(fake: FakeOpenAI) -> None:
    def no_id(request: dict[str, Any]) -> dict[str, Any]:
        body = text_response("answer")
        del body["id"]
        return body

    fake.script(no_id)

    with pytest.raises(openai.InternalServerError):
        await ask(fake)

    assert len(fake.requests) == 1
    with pytest.raises(AssertionError, match=r"PayloadError: the answer of a scripted responder .*\nid\n"):
        fake.assert_script_consumed()
