"""The LLM adapter: openai's AsyncOpenAI against any OpenAI-compatible server (OPENAI_BASE_URL)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import openai

from bot.errors import ModelUnavailable
from bot.ports import ModelReply, ModelToolCall
from integrations.registry import Tool

log = logging.getLogger(__name__)


def tool_schema(tool: Tool) -> dict[str, Any]:
    """The function tool the model sees: strict JSON schema from the pydantic Args model, never by hand."""
    try:
        schema: dict[str, Any] = dict(
            openai.pydantic_function_tool(tool.args, name=tool.name, description=tool.description)
        )
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


class OpenAIModel:
    """Implements bot.ports.Model. Retries (429, 5xx, timeouts) are the client's, bounded by `max_retries`."""

    def __init__(
        self, *, api_key: str, model: str, base_url: str | None = None, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self.name = model
        self.client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    async def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> ModelReply:
        try:
            response = await self.client.chat.completions.create(
                model=self.name,
                messages=list(messages),  # type: ignore[arg-type]
                tools=[tool_schema(t) for t in tools],  # type: ignore[misc]
                parallel_tool_calls=True,
            )
        except openai.APIStatusError as exc:
            log.warning("model call failed with HTTP %s", exc.status_code)
            raise ModelUnavailable(f"The language model didn't answer (HTTP {exc.status_code}).") from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            log.warning("model call failed: %s", type(exc).__name__)
            raise ModelUnavailable("The language model didn't answer in time.") from None
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
