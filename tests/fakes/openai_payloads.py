"""OpenAI chat-completion payloads in the documented shape with our values, checked against `openai`'s own types."""

from __future__ import annotations

import copy
import itertools
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import pydantic
from openai import BaseModel
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.shared import ErrorObject

JSON = dict[str, Any]
Call = tuple[str, JSON | str]  # (tool name, arguments); a str is sent raw, even when it is not valid JSON
MODEL = "gpt-4o-2024-08-06"  # what the harness configures as OPSBOT_MODEL
SYSTEM_FINGERPRINT = "fp_opsbot0001"
DONE = "[DONE]"
M = TypeVar("M", bound=BaseModel)

_call_ids = itertools.count(1)


def completion_id() -> str:
    return f"chatcmpl-opsbot{uuid.uuid4().hex[:24]}"


def call_id() -> str:
    return f"call_opsbot{next(_call_ids):013d}"


def usage(prompt_tokens: int = 212, completion_tokens: int = 18, *, reasoning_tokens: int = 0) -> JSON:
    """`usage` of a completion (and of the last streamed chunk); the total is the sum, as the API reports it."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _arguments(arguments: JSON | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, separators=(",", ":"))


def tool_call(name: str, arguments: JSON | str, *, id: str | None = None) -> JSON:
    return {"id": id or call_id(), "type": "function", "function": {"name": name, "arguments": _arguments(arguments)}}


def message(content: str | None = None, *, tool_calls: Sequence[JSON] = (), refusal: str | None = None) -> JSON:
    """The assistant message; `content` and `refusal` are required-nullable in the API reference, so always sent."""
    body: JSON = {"role": "assistant", "content": content, "refusal": refusal, "annotations": []}
    if tool_calls:
        body["tool_calls"] = list(tool_calls)
    return body


def completion(message: JSON, *, finish_reason: str, usage: JSON | None = None, model: str = MODEL) -> JSON:
    """A whole `chat.completion` object with one choice."""
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": copy.deepcopy(usage) if usage is not None else _usage_for(message),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


def _usage_for(message: JSON) -> JSON:
    produced = (message["content"] or "") + (message["refusal"] or "")
    produced += "".join(c["function"]["name"] + c["function"]["arguments"] for c in message.get("tool_calls", []))
    return usage(completion_tokens=max(1, len(produced) // 4))


def tool_call_response(*calls: Call, content: str | None = None, usage: JSON | None = None) -> JSON:
    """One assistant message calling each (name, arguments) in order (several = parallel tool calls)."""
    if not calls:
        raise ValueError("tool_call_response needs at least one (name, arguments) call")
    calls_made = [tool_call(name, arguments) for name, arguments in calls]
    return completion(message(content, tool_calls=calls_made), finish_reason="tool_calls", usage=usage)


def text_response(text: str, usage: JSON | None = None) -> JSON:
    return completion(message(text), finish_reason="stop", usage=usage)


def refusal_response(text: str = "I can't help with that request.") -> JSON:
    return completion(message(refusal=text), finish_reason="stop")


def length_response(content: str = "Here is every open pull request in acme/api:\n- #7 Add retry to") -> JSON:
    """An answer cut off at the token limit (`finish_reason: "length"`), its content ending mid-sentence."""
    return completion(message(content), finish_reason="length", usage=usage(completion_tokens=16))


def error_body(status: int, message: str | None = None) -> JSON:
    """OpenAI's error envelope; messages and types follow its documented errors."""
    kinds: dict[int, tuple[str, str, str | None]] = {
        400: ("Invalid request.", "invalid_request_error", None),
        401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
        404: ("Unknown request URL.", "invalid_request_error", "unknown_url"),
        429: ("Rate limit reached for requests. Please try again in 1ms.", "requests", "rate_limit_exceeded"),
        500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
        503: ("The engine is currently overloaded, please try again later.", "server_error", None),
    }
    fallback = (f"HTTP {status}", "server_error" if status >= 500 else "invalid_request_error", None)
    default, kind, code = kinds.get(status, fallback)
    return {"error": {"message": message or default, "type": kind, "param": None, "code": code}}


# -- streaming (`stream: true`): chat.completion.chunk events, then `data: [DONE]` ----------------------


class _Stream:
    """Chunks sharing one id, creation time and model, as every chunk of one streamed answer does."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.id, self.created, self.model, self.include_usage = completion_id(), int(time.time()), model, include_usage

    def chunk(self, choices: list[JSON], **extra: Any) -> JSON:
        body: JSON = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": choices,
        }
        if self.include_usage:
            body["usage"] = None  # with stream_options.include_usage every chunk but the last has usage: null
        return {**body, **extra}

    def delta(self, delta: JSON, finish_reason: str | None = None) -> JSON:
        return self.chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}])

    def end(self, finish_reason: str, usage_body: JSON) -> list[JSON]:
        last = [self.delta({}, finish_reason)]
        return last + ([self.chunk([], usage=usage_body)] if self.include_usage else [])


def _pieces(text: str, size: int) -> Iterator[str]:
    return (text[i : i + size] for i in range(0, len(text), size))


def text_chunks(
    text: str, *, piece: int = 12, usage: JSON | None = None, include_usage: bool = True, model: str = MODEL
) -> list[JSON]:
    """A streamed text answer: the role, the text a few characters at a time, the stop, then the usage chunk."""
    stream = _Stream(model, include_usage)
    chunks = [stream.delta({"role": "assistant", "content": "", "refusal": None})]
    chunks += [stream.delta({"content": part}) for part in _pieces(text, piece)]
    return chunks + stream.end("stop", usage or _usage_for(message(text)))


def tool_call_chunks(
    *calls: Call, piece: int = 8, usage: JSON | None = None, include_usage: bool = True, model: str = MODEL
) -> list[JSON]:
    """A streamed tool-call answer: each call opens with its index, id and name, then its arguments in pieces."""
    if not calls:
        raise ValueError("tool_call_chunks needs at least one (name, arguments) call")
    stream = _Stream(model, include_usage)
    chunks = [stream.delta({"role": "assistant", "content": None, "refusal": None})]
    made = []
    for index, (name, arguments) in enumerate(calls):
        call = tool_call(name, arguments)
        made.append(call)
        opening = {"index": index, "id": call["id"], "type": "function", "function": {"name": name, "arguments": ""}}
        chunks.append(stream.delta({"tool_calls": [opening]}))
        for part in _pieces(call["function"]["arguments"], piece):
            chunks.append(stream.delta({"tool_calls": [{"index": index, "function": {"arguments": part}}]}))
    return chunks + stream.end("tool_calls", usage or _usage_for(message(tool_calls=made)))


def sse(chunks: Sequence[JSON]) -> str:
    """The `text/event-stream` body: one `data:` event per chunk, then `data: [DONE]`."""
    return "".join(f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n" for chunk in chunks) + f"data: {DONE}\n\n"


# -- the check: the openai package's own types, strictly --------------------------------------------------


class PayloadError(ValueError):
    """A payload that the real OpenAI API would not send (the `openai` types reject it)."""


def unknown_fields(model: pydantic.BaseModel, path: str = "") -> list[str]:
    """Fields the type does not declare (openai's models allow extras, so a misspelt optional field passes)."""
    found = [f"{path}{name}" for name in model.model_extra or {}]
    for name in type(model).model_fields:
        found += _unknown_in(getattr(model, name), f"{path}{name}")
    return found


def _unknown_in(value: Any, path: str) -> list[str]:
    if isinstance(value, pydantic.BaseModel):
        return unknown_fields(value, f"{path}.")
    if isinstance(value, list):
        return [bad for i, item in enumerate(value) for bad in _unknown_in(item, f"{path}[{i}]")]
    return []


def _check(kind: type[M], payload: Any, what: str) -> M:
    try:
        model = kind.model_validate(payload, strict=True)
    except pydantic.ValidationError as exc:
        raise PayloadError(f"{what} is not a valid {kind.__name__}: {exc}") from exc
    if extra := unknown_fields(model):
        raise PayloadError(f"{what} has fields {kind.__name__} does not declare: {', '.join(extra)}")
    return model


def check_completion(payload: Any, what: str = "response") -> ChatCompletion:
    return _check(ChatCompletion, payload, what)


def check_chunk(payload: Any, what: str = "chunk") -> ChatCompletionChunk:
    return _check(ChatCompletionChunk, payload, what)


def check_error(payload: Any, what: str = "error body") -> ErrorObject:
    if not isinstance(payload, dict) or set(payload) != {"error"}:
        raise PayloadError(f"{what} is not an OpenAI error envelope {{'error': {{...}}}}: {payload!r}")
    return _check(ErrorObject, payload["error"], what)


def events(text: str) -> list[str]:
    """The `data:` of each event in an SSE body."""
    found = []
    for event in text.split("\n\n"):
        data = [line.removeprefix("data:").strip() for line in event.splitlines() if line.startswith("data:")]
        if data:
            found.append("\n".join(data))
    return found


def check_sse(text: str, what: str = "stream") -> list[ChatCompletionChunk]:
    """Every event a valid chunk of the same completion, and the stream closed by `data: [DONE]`."""
    data = events(text)
    if not data or data[-1] != DONE or DONE in data[:-1]:
        raise PayloadError(f"{what} must end with exactly one `data: {DONE}` event")
    chunks = [check_chunk(json.loads(item), f"{what} event {i}") for i, item in enumerate(data[:-1])]
    if len({chunk.id for chunk in chunks}) > 1:
        raise PayloadError(f"{what} mixes chunks of different completions")
    return chunks
