"""Extra check: OpenAI's recorded answers (upstream corpus) replayed through our fake, openai's client and the agent."""

from __future__ import annotations

import json
from typing import Any

import openai
from openai.lib.streaming.chat import ChatCompletionStreamState

from integrations.openai_model import OpenAIModel
from tests import upstream
from tests.fakes.openai_payloads import JSON, MODEL, check_sse, tool_call_chunks
from tests.fakes.openai_server import (
    SSE,
    FakeOpenAI,
    length_response,
    refusal_response,
    text_response,
    tool_call_response,
)
from tests.harness import Harness

KEY = "sk-test-opsbot-upstream-0123"
COMPLETIONS = "OpenAI's recorded chat completions, served by the fake to openai's client and our model adapter"
STREAMS = "OpenAI's recorded SSE streams, served by the fake and reassembled by openai's client"
PARALLEL = "openai/chat_completion_parallel_tool_calls.json"


def recorded_completions(what: str = COMPLETIONS) -> dict[str, JSON]:
    found = upstream.files("openai", "chat_completion_*.json", what=what)
    assert found, "the corpus has no openai/chat_completion_*.json"
    return {name: json.loads(text) for name, text in found.items()}


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in a payload, list items merged (`choices[].message.tool_calls[].id`)."""
    if isinstance(value, dict):
        return {p for key, item in value.items() for p in {prefix + key} | key_paths(item, f"{prefix}{key}.")}
    if isinstance(value, list):
        return {p for item in value for p in key_paths(item, prefix.removesuffix(".") + "[].")}
    return set()


def ours_like(recorded: JSON) -> JSON:
    """Our builder's answer for the same situation as a recorded one."""
    [choice] = recorded["choices"]
    message = choice["message"]
    if message.get("tool_calls"):
        return tool_call_response(*(("merge_pr", {"number": n}) for n, _ in enumerate(message["tool_calls"])))
    if message.get("refusal"):
        return refusal_response()
    return length_response() if choice["finish_reason"] == "length" else text_response("ok")


async def test_every_recorded_completion_passes_the_fakes_check_and_parses_unchanged() -> None:
    completions = recorded_completions()
    async with (
        FakeOpenAI(api_key=KEY) as fake,
        openai.AsyncOpenAI(base_url=fake.url, api_key=KEY, max_retries=0, _strict_response_validation=True) as llm,
    ):
        fake.script(*completions.values())  # each checked strictly against ChatCompletion
        for name, body in completions.items():
            completion = await llm.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": name}])
            assert completion.model_dump(mode="json", exclude_unset=True) == body, name
        fake.assert_script_consumed()


async def test_our_model_adapter_reads_every_recorded_completion() -> None:
    completions = recorded_completions()
    async with FakeOpenAI(api_key=KEY) as fake:
        model = OpenAIModel(api_key=KEY, model=MODEL, base_url=fake.url, max_retries=0)
        fake.script(*completions.values())
        for name, body in completions.items():
            reply = await model.complete([{"role": "user", "content": name}], [])
            [choice] = body["choices"]
            calls = choice["message"].get("tool_calls") or []
            assert reply.finish_reason == choice["finish_reason"], name
            assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
                (c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls
            ], name
            assert (reply.content, reply.refusal) == (choice["message"]["content"], choice["message"].get("refusal"))
            assert reply.tokens == body["usage"]["total_tokens"], name
        await model.close()
        fake.assert_script_consumed()


def test_our_builders_send_every_field_the_recorded_answers_have() -> None:
    for name, body in recorded_completions("our builders' fields compared with OpenAI's recorded completions").items():
        missing = key_paths(body) - key_paths(ours_like(body))
        assert not missing, f"{name}: our builder sends no {sorted(missing)}"


async def test_every_recorded_stream_passes_the_fakes_check_and_reassembles() -> None:
    streams = upstream.files("openai", "*.sse", what=STREAMS)
    assert streams, "the corpus has no openai/*.sse"
    async with FakeOpenAI(api_key=KEY) as fake, openai.AsyncOpenAI(base_url=fake.url, api_key=KEY) as llm:
        for name, text in streams.items():
            expected: ChatCompletionStreamState[None] = ChatCompletionStreamState()
            for chunk in check_sse(text, name):
                expected.handle_chunk(chunk)
            fake.script(SSE(text))
            served: ChatCompletionStreamState[None] = ChatCompletionStreamState()
            stream = await llm.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": name}], stream=True
            )
            async for chunk in stream:
                served.handle_chunk(chunk)
            want, got = expected.get_final_completion(), served.get_final_completion()
            assert got.model_dump() == want.model_dump(), name
            calls = got.choices[0].message.tool_calls or []
            assert calls and all(isinstance(json.loads(c.function.arguments), dict) for c in calls), name
            ours = {p for c in tool_call_chunks(*(("merge_pr", {}) for _ in calls)) for p in key_paths(c)}
            theirs = {
                p for line in text.split("\n\n") if line.startswith("data: {") for p in key_paths(json.loads(line[6:]))
            }
            assert theirs <= ours, f"{name}: our chunks send no {sorted(theirs - ours)}"
        fake.assert_script_consumed()


async def test_the_agent_never_runs_the_unknown_tools_of_the_recorded_parallel_answer(db_url: str) -> None:
    recorded = upstream.json_file(PARALLEL, what="the agent given OpenAI's recorded parallel tool calls")
    async with Harness(db_url, model=True) as env:
        assert env.model is not None
        env.model.script(recorded, text_response("I can't check the weather."))
        await env.driver.mention("what's the weather in Edinburgh and the AAPL price?", user="U1")
        await env.settle()
        results = [json.loads(m["content"]) for m in env.model.requests[1].json["messages"] if m["role"] == "tool"]
        assert len(results) == 2 and all(r["untrusted_data"]["error"] == "unknown_tool" for r in results)
        assert all(r.method == "GET" for r in env.github.requests)
        env.model.assert_script_consumed()
