"""A loopback fake of the OpenAI chat completions API that serves a script of checked responses."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.openai_payloads import (
    JSON,
    PayloadError,
    check_completion,
    check_error,
    check_sse,
    error_body,
    length_response,
    refusal_response,
    sse,
    text_chunks,
    text_response,
    tool_call_chunks,
    tool_call_response,
)

# the builders are re-exported: tests script the fake with them
__all__ = ["SSE", "Delay", "FakeOpenAI", "Fault", "PayloadError", "RecordedRequest", "error_body", "length_response"]
__all__ += ["refusal_response", "text_chunks", "text_response", "tool_call_chunks", "tool_call_response"]
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
    """A `stream: true` answer: chunks (`tool_call_chunks(...)`, `text_chunks(...)`) sent as SSE, or raw SSE text."""

    source: str | Sequence[JSON]

    def text(self) -> str:
        return self.source if isinstance(self.source, str) else sse(self.source)


Responder = Callable[[JSON], JSON | Fault]
Step = JSON | Responder | Fault | Delay | SSE


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names; Authorization is left out, see `authorized`
    authorized: bool  # the bearer token matched the fake's api_key
    json: Any  # the parsed body, or None when it was empty or not JSON


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
        self._recorded = asyncio.Condition()
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
        """Queue answers; each is checked against the `openai` types first, so a bad script fails right here."""
        for step in steps:
            _check_step(step, f"scripted step {step!r:.200}")
        self._steps.extend(copy.deepcopy(step) if isinstance(step, dict) else step for step in steps)  # as checked

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

    async def wait_for_requests(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until `count` requests have arrived (answered or still held back by a Delay)."""
        async with asyncio.timeout(timeout), self._recorded:
            await self._recorded.wait_for(lambda: len(self.requests) >= count)

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
        async with self._recorded:
            self._recorded.notify_all()
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
            return _json(500, error_body(500, "fake OpenAI: script exhausted"), NO_RETRY)
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
                _check_step(step, "the answer of a scripted responder")
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
        return _json(200, copy.deepcopy(step))


def _check_step(step: Step, what: str) -> None:
    """Raise PayloadError for an answer the real API would not send (raw str Fault bodies are left as they are)."""
    if isinstance(step, dict):
        check_completion(step, what)
    elif isinstance(step, SSE):
        check_sse(step.text(), what)
    elif isinstance(step, Fault) and isinstance(step.body, dict):
        check_error(step.body, what)


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
