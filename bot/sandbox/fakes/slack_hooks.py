"""The fake Slack's response_urls. The driver mints them (`hook_path`) naming the person and channel they answer;
a post to one is shown to that person in that channel (`response_type` "ephemeral", the default) or posted in the
channel ("in_channel"), even where the bot is not a member, as Slack does. Five uses within 30 minutes, then
404 `used_url` / `expired_url`; the fault injection (`fail_next("response_url", …)`) applies. Answers are plain
text, as Slack's are: `ok`, or the error."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.slack_faults import RESET, Fault

HOOK_USES = 5
HOOK_LIFETIME = 30 * 60.0  # seconds


def hook_path(kind: str, team: str, channel: str, user: str, minted: float) -> str:
    """The path (under the hooks base) of a response_url for `user` in `channel`, minted at `minted` (unix time)."""
    return f"{kind}/{team}/{channel}.{user}.{int(minted)}/{uuid.uuid4().hex[:24]}"


def hook_user(path: str) -> str | None:
    """The person a response_url at `path` (as `hook_path` made it) answers; None for another shape."""
    parts = path.split("/")
    where = parts[2].split(".") if len(parts) == 4 else []
    return where[1] if len(where) == 3 else None


class SlackHooks:
    """Mixed into FakeSlackApi, over SlackMethods' state."""

    hook_now: Callable[[], float] = time.time  # the clock response_urls expire on (a test may set its own)
    _hook_uses: defaultdict[str, int]
    _ephemeral: defaultdict[str, list[JsonObject]]
    _history: defaultdict[str, list[JsonObject]]

    if TYPE_CHECKING:  # given by SlackMethods and SlackFaults (stubs here would shadow them)

        def _next_ts(self) -> str: ...

        def _bot_message(self, params: JsonObject, ts: str) -> JsonObject: ...

        def _take_fault(self, method: str) -> Fault | None: ...

    def _hook_answer(self, path: str, params: JsonObject) -> tuple[int, dict[str, str], str]:
        """(status, headers, text) for a post to the response_url at `path`; a status of RESET closes the socket."""
        fault = self._take_fault("response_url")
        if fault is not None:
            if fault.status == 429:
                return 429, {"Retry-After": str(fault.retry_after)}, "rate_limited"
            return fault.status, {}, fault.error or "internal_error"
        parts = path.split("/")
        where = parts[2].split(".") if len(parts) == 4 else []
        if len(where) != 3 or not where[2].isdigit():
            return 404, {}, "invalid_url"
        channel, user, minted = where[0], where[1], int(where[2])
        if self.hook_now() - minted > HOOK_LIFETIME:
            return 404, {}, "expired_url"
        if self._hook_uses[path] >= HOOK_USES:
            return 404, {}, "used_url"
        self._hook_uses[path] += 1
        if not params.get("text") and not params.get("blocks"):
            return 400, {}, "no_text"
        message: JsonObject = {"channel": channel, **self._bot_message(params, self._next_ts())}
        if params.get("response_type") == "in_channel":
            self._history[channel].append(message)
        else:
            self._ephemeral[user].append(message)
        return 200, {}, "ok"


__all__ = ["HOOK_LIFETIME", "HOOK_USES", "RESET", "SlackHooks", "hook_path", "hook_user"]
