"""Conditional requests on the fake GitHub: an ETag on every GET answered 200, and 304 for a matching If-None-Match.

As on GitHub, a 304 to an authorized request does not count against the rate limit.
"""

from __future__ import annotations

import hashlib
import json

from bot.sandbox.fakes.github.github_state import Reply


def etag_of(body: object) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:40]}"'


def conditional(method: str, if_none_match: str | None, reply: Reply) -> Reply:
    """`reply` with its ETag, or a bodiless 304 when the client already holds this version."""
    if method != "GET" or reply.status != 200 or reply.body is None or isinstance(reply.body, str):
        return reply
    etag = etag_of(reply.body)
    if if_none_match is not None and etag in (t.strip() for t in if_none_match.split(",")):
        return Reply(status=304, headers={"ETag": etag, "Cache-Control": "private, max-age=60, s-maxage=60"})
    return Reply(status=reply.status, body=reply.body, headers={**reply.headers, "ETag": etag})


def spend(remaining: int, reply: Reply) -> int:
    """The rate limit left after answering `reply`: a 304 is free."""
    return remaining if reply.status == 304 else max(0, remaining - 1)
