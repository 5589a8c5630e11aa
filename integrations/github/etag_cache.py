"""Conditional REST reads: the last answer to each GET kept with its ETag; a 304 is served from here, for free.

GitHub does not count a 304 to an authorized request against the rate limit. One cache per credential (a token, or
an App installation): what one may read, another may not. Bounded, least recently used out first; shared by the
gateway's worker threads, hence the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from github.Auth import AppInstallationAuth
from github.Requester import Requester

from bot.core.github_metrics import NOT_MODIFIED

T = TypeVar("T")

MAX_ENTRIES = 512


@dataclass(frozen=True)
class Cached:
    etag: str
    data: Any


class EtagCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("an ETag cache needs room for at least one answer")
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], Cached] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str]) -> Cached | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], entry: Cached) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def get_json(
    requester: Requester,
    cache: EtagCache,
    path: str,
    shape: Callable[[Any], T],
    params: dict[str, Any] | None = None,
) -> T:
    """`shape` of GET `path`'s JSON (under the client's base URL), asked with If-None-Match when this credential's
    answer is cached. The shaped value is what is kept (plain, immutable values, not the whole JSON: a page of check
    runs is ~100 KB)."""
    key = (credential(requester), f"{requester.base_url}{path}?{urlencode(sorted((params or {}).items()))}")
    cached = cache.get(key)
    headers = {"If-None-Match": cached.etag} if cached is not None else None
    answer_headers, data = requester.requestJsonAndCheck("GET", path, parameters=params, headers=headers)
    if cached is not None and data is None:  # 304 Not Modified: no body
        NOT_MODIFIED.inc()
        return cast(T, cached.data)
    value = shape(data)
    etag = answer_headers.get("etag")
    if isinstance(etag, str) and etag:
        cache.put(key, Cached(etag=etag, data=value))
    return value


def credential(requester: Requester) -> str:
    """Whose answers these are, without the secret: an App installation by id, else the gateway's one token."""
    auth = requester.auth
    return f"installation {auth.installation_id}" if isinstance(auth, AppInstallationAuth) else "token"
