"""Blocking calls in a daemon thread of their own, awaited from the event loop.

`asyncio.to_thread` uses the loop's default executor, and `asyncio.run` waits for that executor's threads before
the process can exit: a GitHub call stuck on a slow server kept a stopping opsbot alive until the HTTP timeout. A
daemon thread never holds the process up. Cancelling the await leaves the call running to its end (a thread cannot
be stopped); its result is dropped. `done` runs on the loop once the call has ended, whether or not anyone still
awaits it: a resource the call uses (a pooled GitHub client) is handed back only when no thread touches it any more."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def in_daemon_thread(
    fn: Callable[[], T], *, name: str = "opsbot-call", done: Callable[[], None] | None = None
) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def work() -> None:
        try:
            value = fn()
        except Exception as exc:  # handed to the awaiting task, raised there
            error = exc
            _call_soon(loop, lambda: settle(lambda: future.set_exception(error)))
        else:
            _call_soon(loop, lambda: settle(lambda: future.set_result(value)))
        finally:
            if done is not None:
                _call_soon(loop, done)

    context = contextvars.copy_context()  # the log ids and the current span, as asyncio.to_thread would copy them
    try:
        threading.Thread(target=context.run, args=(work,), name=name, daemon=True).start()
    except BaseException:
        if done is not None:  # no thread: nothing runs the call, so nothing else will say it has ended
            done()
        raise
    return await future


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits for this result any more
        loop.call_soon_threadsafe(callback)
