"""The LLM adapter: openai's AsyncOpenAI against any OpenAI-compatible server (OPENAI_BASE_URL)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionMessageParam,
)

from bot.core import metrics
from bot.core.errors import ModelUnavailable
from bot.core.jsonvalue import dig, items, text
from bot.core.ports import ModelReply, ModelToolCall
from bot.core.tool_registry import Tool

log = logging.getLogger(__name__)


def tool_schema(tool: Tool) -> ChatCompletionFunctionToolParam:
    """The function tool the model sees: strict JSON schema from the pydantic Args model, never by hand."""
    try:
        schema = openai.pydantic_function_tool(tool.args, name=tool.name, description=tool.description)
    except Exception:  # a model strict mode cannot express: fall back to the plain schema
        schema = {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.args.model_json_schema(),
            },
        }
    return schema


def chat_message(message: Mapping[str, object]) -> ChatCompletionMessageParam:
    """One message of the conversation, as bot.orchestration.agent.conversation builds it in JSON, in the SDK's
    typed form."""
    role, content = message.get("role"), message.get("content")
    if role == "assistant":
        turn: ChatCompletionAssistantMessageParam = {
            "role": "assistant",
            "content": content if isinstance(content, str) else None,
        }
        if "tool_calls" in message:
            turn["tool_calls"] = [tool_call(c) for c in items(message["tool_calls"])]
        return turn
    if role == "tool":
        return {"role": "tool", "tool_call_id": text(message.get("tool_call_id")), "content": text(content)}
    if role == "system":
        return {"role": "system", "content": text(content)}
    if role == "user":
        return {"role": "user", "content": text(content)}
    raise ValueError(f"not a chat message role: {role!r}")


def tool_call(call: object) -> ChatCompletionMessageFunctionToolCallParam:
    """A function call of an earlier assistant turn, as the model made it."""
    function = dig(call, "function")
    return {
        "id": text(dig(call, "id")),
        "type": "function",
        "function": {"name": text(dig(function, "name")), "arguments": text(dig(function, "arguments"))},
    }


class OpenAIModel:
    """Implements bot.core.ports.Model. Retries (429, 5xx, timeouts) are the client's, bounded by `max_retries`."""

    def __init__(
        self, *, api_key: str, model: str, base_url: str | None = None, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self.name = model
        self.client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    async def complete(self, messages: Sequence[Mapping[str, object]], tools: Sequence[Tool]) -> ModelReply:
        conversation = [chat_message(m) for m in messages]
        started = time.perf_counter()
        try:
            response = await self.client.chat.completions.create(
                model=self.name,
                messages=conversation,
                tools=[tool_schema(t) for t in tools],
                parallel_tool_calls=True,
            )
        except openai.APIStatusError as exc:
            metrics.model_answered("error", time.perf_counter() - started)
            log.warning("model call failed with HTTP %s", exc.status_code)
            raise ModelUnavailable(f"The language model didn't answer (HTTP {exc.status_code}).") from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            metrics.model_answered("error", time.perf_counter() - started)
            log.warning("model call failed: %s", type(exc).__name__)
            raise ModelUnavailable("The language model didn't answer in time.") from None
        usage = response.usage
        metrics.model_answered(
            "ok",
            time.perf_counter() - started,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
        if not response.choices:
            raise ModelUnavailable("The language model sent an empty answer.")
        choice = response.choices[0]
        message = choice.message
        calls = tuple(
            ModelToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
            for c in message.tool_calls or []
            if isinstance(c, openai.types.chat.ChatCompletionMessageFunctionToolCall)
        )
        return ModelReply(
            content=message.content,
            tool_calls=calls,
            refusal=getattr(message, "refusal", None),
            finish_reason=str(choice.finish_reason or "stop"),
            tokens=response.usage.total_tokens if response.usage else 0,
        )

    async def close(self) -> None:
        await self.client.close()

    async def check(self) -> str:
        models = await self.client.models.list()
        return f"model server reachable ({len(models.data)} models listed), using {self.name}"
