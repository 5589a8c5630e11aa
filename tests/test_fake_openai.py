"""The fake OpenAI server, driven through the real `openai.AsyncOpenAI` client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from tests.fakes.openai_payloads import MODEL, SYSTEM_FINGERPRINT, tool_call, usage
from tests.fakes.openai_server import (
    SSE,
    Delay,
    FakeOpenAI,
    Fault,
    length_response,
    refusal_response,
    text_chunks,
    text_response,
    tool_call_chunks,
    tool_call_response,
)

KEY = "sk-test-opsbot-0123456789"
ASK: list[ChatCompletionMessageParam] = [{"role": "user", "content": "merge pr 7 in acme/api"}]
MERGE_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "merge_pr",
        "parameters": {
            "type": "object",
            "properties": {"repo": {"type": "string"}, "number": {"type": "integer"}},
            "required": ["repo", "number"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key=KEY) as server:
        yield server


def client(fake: FakeOpenAI, *, max_retries: int = 0, timeout: float = 10.0, api_key: str = KEY) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=fake.url, api_key=api_key, max_retries=max_retries, timeout=timeout, _strict_response_validation=True
    )


async def ask(fake: FakeOpenAI, **kwargs: Any) -> openai.types.chat.ChatCompletion:
    async with client(fake, **kwargs) as llm:
        return await llm.chat.completions.create(model=MODEL, messages=ASK, tools=[MERGE_TOOL])


async def test_url_is_a_v1_base_on_loopback(fake: FakeOpenAI) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/v1")


async def test_a_tool_call_parses_and_the_request_is_recorded(fake: FakeOpenAI) -> None:
    fake.script(tool_call_response(("merge_pr", {"repo": "acme/api", "number": 7})))

    completion = await ask(fake)

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    call = choice.message.tool_calls[0] if choice.message.tool_calls else None
    assert call is not None and call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "merge_pr"
    assert json.loads(call.function.arguments) == {"repo": "acme/api", "number": 7}
    assert (completion.model, completion.system_fingerprint) == (MODEL, SYSTEM_FINGERPRINT)
    assert completion.usage is not None and completion.usage.total_tokens > completion.usage.prompt_tokens
    assert completion.id.startswith("chatcmpl-")

    sent = fake.requests[0]
    assert (sent.method, sent.path, sent.authorized) == ("POST", "/v1/chat/completions", True)
    assert "authorization" not in sent.headers
    assert fake.messages_sent(0) == ASK
    assert fake.tools_offered(0) == ["merge_pr"]
    fake.assert_script_consumed()


async def test_several_calls_in_one_message_get_unique_ids_and_raw_arguments_stay_raw(fake: FakeOpenAI) -> None:
    fake.script(tool_call_response(("merge_pr", {"number": 7}), ("merge_pr", '{"number": 8'), content="Merging."))

    message = (await ask(fake)).choices[0].message

    calls = [call for call in message.tool_calls or [] if call.type == "function"]
    assert len({call.id for call in calls}) == 2
    assert all(call.id.startswith("call_") for call in calls)
    assert [call.function.arguments for call in calls] == ['{"number":7}', '{"number": 8']
    assert message.content == "Merging."


async def test_a_scripted_body_is_served_as_written(fake: FakeOpenAI) -> None:
    body = tool_call_response(("get_weather", {"city": "Lisbon"}), ("get_stock_price", {"ticker": "ACME"}))
    body["choices"][0]["message"]["tool_calls"][1] = tool_call("get_stock_price", {"ticker": "ACME"}, id="call_ours")
    body["usage"] = usage(prompt_tokens=150, completion_tokens=40)
    fake.script(body)

    completion = await ask(fake)

    assert (completion.id, completion.created) == (body["id"], body["created"])
    served = [call for call in completion.choices[0].message.tool_calls or [] if call.type == "function"]
    first = body["choices"][0]["message"]["tool_calls"][0]["id"]
    assert [(c.id, c.function.name) for c in served] == [(first, "get_weather"), ("call_ours", "get_stock_price")]
    assert json.loads(served[1].function.arguments) == {"ticker": "ACME"}
    assert completion.usage is not None and completion.usage.total_tokens == 190


async def test_text_refusal_and_length(fake: FakeOpenAI) -> None:
    fake.script(text_response("PR 7 is merged.", usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}))
    fake.script(refusal_response("I can't help with that."), length_response("Open PRs in acme/api:\n- #7 Add"))

    text, refusal, cut = await ask(fake), await ask(fake), await ask(fake)

    assert (text.choices[0].finish_reason, text.choices[0].message.content) == ("stop", "PR 7 is merged.")
    assert text.usage is not None and text.usage.total_tokens == 3
    assert refusal.choices[0].message.refusal == "I can't help with that."
    assert refusal.choices[0].message.content is None
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == "Open PRs in acme/api:\n- #7 Add"
    fake.assert_script_consumed()


async def test_a_429_then_success_is_retried_by_the_client(fake: FakeOpenAI) -> None:
    fake.script(Fault(429), text_response("ok"))

    completion = await ask(fake, max_retries=2)

    assert completion.choices[0].message.content == "ok"
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]
    fake.assert_script_consumed()


async def test_a_429_carries_openai_rate_limit_error(fake: FakeOpenAI) -> None:
    fake.script(Fault(429))

    with pytest.raises(openai.RateLimitError) as caught:
        await ask(fake)

    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after-ms"] == "1"


async def test_500s_exhaust_the_clients_retries(fake: FakeOpenAI) -> None:
    fake.script(Fault(500), Fault(503), Fault(500))

    with pytest.raises(openai.InternalServerError):
        await ask(fake, max_retries=2)

    assert len(fake.requests) == 3
    fake.assert_script_consumed()


async def test_a_wrong_key_is_an_authentication_error_and_consumes_no_step(fake: FakeOpenAI) -> None:
    fake.script(text_response("never served"))

    with pytest.raises(openai.AuthenticationError) as caught:
        await ask(fake, api_key="sk-wrong-key-000000000000")

    assert caught.value.code == "invalid_api_key"
    assert "sk-wrong-key-000000000000" not in str(caught.value)
    assert fake.requests[0].authorized is False
    assert "authorization" not in fake.requests[0].headers
    assert fake.remaining == 1


async def test_running_past_the_script_is_recorded_and_fails_the_check(fake: FakeOpenAI) -> None:
    with pytest.raises(openai.InternalServerError, match="script exhausted"):
        await ask(fake, max_retries=2)

    assert len(fake.requests) == 1  # the fake tells the client not to retry an overrun
    assert fake.overruns == [fake.requests[0].json]
    with pytest.raises(AssertionError, match="after the script ran out"):
        fake.assert_script_consumed()


async def test_unused_steps_fail_the_check(fake: FakeOpenAI) -> None:
    fake.script(text_response("one"), text_response("two"))
    await ask(fake)

    with pytest.raises(AssertionError, match="1 scripted step"):
        fake.assert_script_consumed()


async def test_a_callable_step_builds_its_answer_from_the_request(fake: FakeOpenAI) -> None:
    def echo(request: dict[str, Any]) -> dict[str, Any]:
        return text_response(f"{request['model']}: {request['messages'][-1]['content']}")

    fake.script(echo)

    completion = await ask(fake)

    assert completion.choices[0].message.content == f"{MODEL}: merge pr 7 in acme/api"
    fake.assert_script_consumed()


async def test_a_callable_that_raises_fails_the_check_without_retries(fake: FakeOpenAI) -> None:
    def broken(request: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("nope")

    fake.script(broken)

    with pytest.raises(openai.InternalServerError):
        await ask(fake, max_retries=2)

    assert len(fake.requests) == 1
    with pytest.raises(AssertionError, match="KeyError"):
        fake.assert_script_consumed()


PARALLEL = [("merge_pr", {"repo": "acme/api", "number": 7}), ("merge_pr", {"repo": "acme/web", "number": 12})]


@pytest.mark.parametrize("calls", [PARALLEL[:1], PARALLEL], ids=["one call", "parallel calls"])
async def test_streamed_tool_calls_reassemble_through_the_client(
    fake: FakeOpenAI, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    fake.script(SSE(tool_call_chunks(*calls)))
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    finish_reasons = []
    usages = []

    async with client(fake) as llm:
        stream = await llm.chat.completions.create(
            model=MODEL, messages=ASK, tools=[MERGE_TOOL], stream=True, stream_options={"include_usage": True}
        )
        async for chunk in stream:
            usages.append(chunk.usage)
            for choice in chunk.choices:
                finish_reasons.append(choice.finish_reason)
                for delta in choice.delta.tool_calls or []:
                    if delta.function and delta.function.name:
                        names[delta.index] = delta.function.name
                    if delta.function and delta.function.arguments:
                        arguments[delta.index] = arguments.get(delta.index, "") + delta.function.arguments

    assert [(names[i], json.loads(arguments[i])) for i in sorted(names)] == calls
    assert finish_reasons[-1] == "tool_calls"
    assert usages[-1] is not None and all(u is None for u in usages[:-1])  # only the last chunk has usage
    assert fake.requests[0].json["stream"] is True
    fake.assert_script_consumed()


async def test_a_streamed_text_answer_reassembles(fake: FakeOpenAI) -> None:
    fake.script(SSE(text_chunks("PR 7 in acme/api is merged and CI is green.", piece=5)))

    async with client(fake) as llm:
        stream = await llm.chat.completions.create(model=MODEL, messages=ASK, stream=True)
        parts = [choice.delta.content or "" async for chunk in stream for choice in chunk.choices]

    assert "".join(parts) == "PR 7 in acme/api is merged and CI is green."
    assert len(parts) > 3


async def test_streaming_needs_an_sse_step_and_vice_versa(fake: FakeOpenAI) -> None:
    fake.script(text_response("not a stream"))

    async with client(fake, max_retries=2) as llm:
        with pytest.raises(openai.BadRequestError):
            await llm.chat.completions.create(model=MODEL, messages=ASK, stream=True)

    assert fake.remaining == 1
    with pytest.raises(AssertionError, match="stream=True"):
        fake.assert_script_consumed()


async def test_a_delay_longer_than_the_client_timeout_is_a_timeout(fake: FakeOpenAI) -> None:
    fake.script(Delay(60), text_response("too late"))

    with pytest.raises(openai.APITimeoutError):
        await ask(fake, timeout=0.2)

    assert fake.remaining == 0  # the held-back answer belonged to the request that timed out


async def test_a_short_delay_still_answers(fake: FakeOpenAI) -> None:
    fake.script(Delay(0.01), text_response("late but fine"))

    completion = await ask(fake)

    assert completion.choices[0].message.content == "late but fine"


async def test_all_text_sent_covers_every_request(fake: FakeOpenAI) -> None:
    fake.script(text_response("a"), text_response("b"))
    await ask(fake)
    async with client(fake) as llm:
        await llm.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "deploy with xoxb-123"}])

    sent = fake.all_text_sent()
    assert "merge pr 7 in acme/api" in sent
    assert "xoxb-123" in sent
    assert KEY not in sent
    assert fake.tools_offered(1) == []


async def test_other_endpoints_are_not_found(fake: FakeOpenAI) -> None:
    async with client(fake) as llm:
        with pytest.raises(openai.NotFoundError):
            await llm.models.list()

    assert fake.requests[0].path == "/v1/models"
