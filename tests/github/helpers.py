"""Helpers for the GitHub tool tests: the token, what reached GitHub; `run`/`preview` come from tests.tool_calls."""

from __future__ import annotations

from typing import Any

from tests.fakes.github import FakeGitHub

TOKEN = "test-token"


def sent(gh: FakeGitHub, method: str, path_end: str) -> list[Any]:
    return [r for r in gh.requests if r.method == method and r.path.endswith(path_end)]
