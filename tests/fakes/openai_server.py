"""A loopback fake of the OpenAI chat completions API that replays a script of recorded-shape responses."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import itertools
import json
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "openai"
JSON = dict[str, Any]
# openai-python treats `retry-after: 0` as "no advice" and falls back to 0.5 s, 1 s, ... of backoff; one
# millisecond is honoured as is, so retry tests stay fast.
RETRY_NOW = {"retry-after-ms": "1"}
NO_RETRY = {"x-should-retry": "false"}  # the client obeys this before looking at the status


# -- script steps ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """An HTTP error. The body defaults to OpenAI's error shape for the status (`error_body`); the headers default
    to `RETRY_NOW` for statuses the client retries (408, 409, 429, 5xx). Pass `headers={}` for none."""

    status: int
    body: JSON | str | None = None
    headers: dict[str, str] | None = None

    def reply_headers(self) -> dict[str, str]:
        if self.headers is not None:
            return dict(self.headers)
        retryable = self.status in (408, 409, 429) or self.status >= 500
        return dict(RETRY_NOW) if retryable else {}


@dataclass(frozen=True)
class Delay:
    """Hold the next step's answer back this long (the step is consumed by this request even if it times out)."""

    seconds: float


@dataclass(frozen=True)
class SSE:
    """A `stream: true` answer: a recorded file name ("stream_single_tool_call"), a Path, or raw SSE text."""

    source: str | Path

    def text(self) -> str:
        if isinstance(self.source, Path):
            return self.source.read_text(encoding="utf-8")
        if self.source.startswith("data:") or "\n" in self.source:
            return self.source
        name = self.source if self.source.endswith(".sse") else f"{self.source}.sse"
        return (FIXTURES / name).read_text(encoding="utf-8")


Responder = Callable[[JSON], JSON | Fault]
Step = JSON | Responder | Fault | Delay | SSE


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names; Authorization is left out, see `authorized`
    authorized: bool  # the bearer token matched the fake's api_key
    json: Any  # the parsed body, or None when it was empty or not JSON


# -- responses in the shape of the recorded ones ------------------------------------------------------


@functools.cache
def _fixture_text(name: str) -> str:
    name = name if name.endswith(".json") else f"{name}.json"
    return (FIXTURES / name).read_text(encoding="utf-8")


def recorded(name: str) -> JSON:
    """A fresh copy of a recorded response, verbatim (e.g. "chat_completion_parallel_tool_calls")."""
    body: JSON = json.loads(_fixture_text(name))
    return body


_call_ids = itertools.count(1)


def _fresh(template: str) -> JSON:
    body = recorded(template)
    body["id"] = f"chatcmpl-fake{uuid.uuid4().hex[:25]}"
    body["created"] = int(time.time())
    return body


def _message(body: JSON) -> JSON:
    message: JSON = body["choices"][0]["message"]
    return message


def tool_call_response(*calls: tuple[str, JSON | str], content: str | None = None, usage: JSON | None = None) -> JSON:
    """One assistant message calling each (name, arguments) in order; a str argument is sent raw (even if invalid)."""
    if not calls:
        raise ValueError("tool_call_response needs at least one (name, arguments) call")
    body = _fresh("chat_completion_parallel_tool_calls" if len(calls) > 1 else "chat_completion_single_tool_call")
    message = _message(body)
    message["content"] = content
    message["tool_calls"] = [
        {
            "id": f"call_fake{next(_call_ids):020d}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": args if isinstance(args, str) else json.dumps(args, separators=(",", ":")),
            },
        }
        for name, args in calls
    ]
    if usage is not None:
        body["usage"] = copy.deepcopy(usage)
    return body


def text_response(text: str, usage: JSON | None = None) -> JSON:
    body = _fresh("chat_completion_plain_text")
    _message(body)["content"] = text
    if usage is not None:
        body["usage"] = copy.deepcopy(usage)
    return body


def refusal_response(text: str = "I'm very sorry, but I can't assist with that.") -> JSON:
    body = _fresh("chat_completion_refusal")
    _message(body)["refusal"] = text
    return body


def length_response(content: str = '{"') -> JSON:
    body = _fresh("chat_completion_finish_reason_length")
    _message(body)["content"] = content
    return body


def error_body(status: int, message: str | None = None) -> JSON:
    """OpenAI's error envelope; messages and types follow its documented errors (not recorded here)."""
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


def _masked(key: str) -> str:
    return f"{key[:3]}{'*' * max(len(key) - 7, 0)}{key[-4:]}" if len(key) > 8 else "*" * len(key)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# -- the server ----------------------------------------------------------------------------------------


class FakeOpenAI:
    """`async with FakeOpenAI(api_key=...) as fake:` serves `fake.url` (ends in /v1) from `fake.script(...)`."""

    def __init__(self, *, api_key: str = "sk-test-fake-openai-key") -> None:
        self.api_key = api_key
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self.overruns: list[Any] = []  # bodies of requests that arrived after the script ran out
        self.problems: list[str] = []  # stream/step mismatches and responder exceptions
        self._steps: list[Step] = []
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # -- lifecycle --

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/v1"

    async def stop(self) -> None:
        self._stopping.set()  # releases any Delay still holding a response
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- the script --

    def script(self, *steps: Step) -> None:
        self._steps.extend(steps)

    @property
    def remaining(self) -> int:
        return len(self._steps)

    def assert_script_consumed(self) -> None:
        failures = []
        if self._steps:
            failures.append(f"{len(self._steps)} scripted step(s) never requested: {self._steps!r}")
        if self.overruns:
            failures.append(f"{len(self.overruns)} request(s) after the script ran out: {self.overruns!r}")
        failures.extend(self.problems)
        if failures:
            raise AssertionError("fake OpenAI script:\n" + "\n".join(failures))

    # -- what was sent --

    def messages_sent(self, i: int = -1) -> list[JSON]:
        messages: list[JSON] = self.requests[i].json["messages"]
        return messages

    def tools_offered(self, i: int = -1) -> list[str]:
        return [tool["function"]["name"] for tool in self.requests[i].json.get("tools") or []]

    def all_text_sent(self) -> str:
        return "\n".join(text for request in self.requests for text in _strings(request.json))

    # -- handlers --

    async def _record(self, request: web.Request) -> RecordedRequest:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        recorded_request = RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"},
            authorized=request.headers.get("Authorization") == f"Bearer {self.api_key}",
            json=body,
        )
        self.requests.append(recorded_request)
        return recorded_request

    def _unauthorized(self, request: web.Request) -> web.Response:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        message = (
            f"Incorrect API key provided: {_masked(sent)}. "
            "You can find your API key at https://platform.openai.com/account/api-keys."
        )
        return _json(401, error_body(401, message))

    async def _unknown(self, request: web.Request) -> web.Response:
        recorded_request = await self._record(request)
        if not recorded_request.authorized:
            return self._unauthorized(request)
        return _json(404, error_body(404, f"Unknown request URL: {request.method} {request.path}."))

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        sent = await self._record(request)
        if not sent.authorized:
            return self._unauthorized(request)
        if not isinstance(sent.json, dict):
            return _json(400, error_body(400, "We could not parse the JSON body of your request."))
        streaming = sent.json.get("stream") is True
        delays = list(itertools.takewhile(lambda step: isinstance(step, Delay), self._steps))
        if len(delays) == len(self._steps):
            del self._steps[:]
            await self._hold(delays)
            self.overruns.append(sent.json)
            # x-should-retry: an overrun is a test bug, so the client fails at once instead of backing off
            exhausted = {"error": {"message": "script exhausted", "type": "server_error"}}
            return _json(500, exhausted, NO_RETRY)
        step = self._steps[len(delays)]
        if not isinstance(step, Fault) and streaming != isinstance(step, SSE):
            problem = f"request {len(self.requests) - 1} has stream={streaming} but the next step is {step!r}"
            self.problems.append(problem)
            return _json(400, error_body(400, f"fake OpenAI: {problem}"))
        del self._steps[: len(delays) + 1]
        await self._hold(delays)
        return await self._serve(step, sent.json, request)

    async def _hold(self, delays: list[Step]) -> None:
        seconds = sum(step.seconds for step in delays if isinstance(step, Delay))
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)  # sleep-ok: latency injection

    async def _serve(self, step: Step, body: JSON, request: web.Request) -> web.StreamResponse:
        if callable(step):
            try:
                step = step(body)
            except Exception:
                self.problems.append(f"a scripted responder raised:\n{traceback.format_exc()}")
                return _json(500, error_body(500, "fake OpenAI: scripted responder raised"), NO_RETRY)
        if isinstance(step, Fault):
            payload = error_body(step.status) if step.body is None else step.body
            return _json(step.status, payload, step.reply_headers())
        if isinstance(step, SSE):
            return await _stream(step.text(), request)
        if isinstance(step, Delay):
            raise TypeError("a Delay cannot be returned by a responder")
        response = copy.deepcopy(step)
        response.setdefault("id", f"chatcmpl-fake{uuid.uuid4().hex[:25]}")
        response.setdefault("created", int(time.time()))
        return _json(200, response)


def _request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def _json(status: int, payload: JSON | str, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = {"x-request-id": _request_id(), **(headers or {})}
    if isinstance(payload, str):
        return web.Response(status=status, text=payload, headers=all_headers)
    return web.json_response(payload, status=status, headers=all_headers)


async def _stream(text: str, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        status=200, headers={"content-type": "text/event-stream; charset=utf-8", "x-request-id": _request_id()}
    )
    await response.prepare(request)
    for event in text.split("\n\n"):
        if event.strip():
            await response.write(f"{event}\n\n".encode())
    await response.write_eof()
    return response
