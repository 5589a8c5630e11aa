"""GitHub's recorded exchanges (PyGithub's replay files): parsed once, used as answer templates."""

from __future__ import annotations

import ast
import copy
import functools
import http
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPLAY_DIR = Path(__file__).resolve().parents[2] / "recorded" / "github" / "replay"
GITHUB_API = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
NOT_FOUND = {"message": "Not Found", "documentation_url": DOCS}
NOT_MERGEABLE = {"message": "Pull Request is not mergeable", "documentation_url": f"{DOCS}/pulls/pulls"}
FORBIDDEN = {"message": "Resource not accessible by personal access token", "documentation_url": DOCS}
WIRE_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "date", "status", "etag", "vary"}

# -- the replay format (see bot/sandbox/recorded/github/replay/FORMAT.md) -------------------------------------


@dataclass(frozen=True, kw_only=True)
class Exchange:
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    headers: list[tuple[str, str]]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def parse_replay(path: Path) -> list[Exchange]:
    """Ten lines per exchange and a blank separator; a short last block means empty trailing lines."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]
    exchanges = []
    for start in range(0, len(lines), 11):
        block = lines[start : start + 10]
        if any(block):
            exchanges.append(_exchange(block + [""] * (10 - len(block))))
    return exchanges


def _exchange(block: list[str]) -> Exchange:
    scheme, method, _host, _port, path, req_headers, req_body, status, headers, body = block
    if scheme not in ("http", "https"):
        raise ValueError(f"not the start of an exchange: {scheme!r}")
    return Exchange(
        method=method,
        path=path,
        request_headers=ast.literal_eval(req_headers),
        request_body=None if req_body == "None" else req_body,
        status=int(status),
        headers=[(str(k), str(v)) for k, v in ast.literal_eval(headers)],
        body=body,
    )


@functools.cache
def _recordings(name: str) -> tuple[Exchange, ...]:
    return tuple(parse_replay(REPLAY_DIR / f"{name}.txt"))


def recorded(name: str, index: int = 0) -> Exchange:
    return _recordings(name)[index]


def recorded_json(name: str, index: int = 0) -> Any:
    """A fresh copy of a recorded response body, to use as a template."""
    return copy.deepcopy(recorded(name, index).json())


def _retarget(value: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: _retarget(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_retarget(v, replacements) for v in value]
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
    return value


def _base_headers() -> list[tuple[str, str]]:
    dispatch_ok = recorded("Workflow.testCreateDispatchWithBranch", 4)
    return [(k, v) for k, v in dispatch_ok.headers if k.lower() not in WIRE_HEADERS and "ratelimit" not in k.lower()]


def _default_fault_body(status: int) -> Any:
    by_status: dict[int, Callable[[], Any]] = {
        401: lambda: recorded_json("Exceptions.testBadAuthentication"),
        403: lambda: dict(FORBIDDEN),
        404: lambda: dict(NOT_FOUND),
        409: lambda: recorded_json("Repository.testMergeWithConflict"),
        422: lambda: recorded_json("Exceptions.testInvalidInput"),
        500: lambda: recorded_json("Retry.testReturnsRepoAfter1Retry"),
        502: lambda: recorded_json("Retry.testRaisesRetryErrorAfterMaxRetries"),
        503: lambda: recorded("Exceptions.testNonJsonDataReturnedByGithub").body,
    }
    return by_status.get(status, lambda: {"message": http.HTTPStatus(status).phrase})()
