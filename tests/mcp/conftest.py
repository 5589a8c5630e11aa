from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import Harness


@pytest.fixture
async def menv(db_url: str) -> AsyncIterator[Harness]:
    """opsbot with its MCP endpoint on (OPSBOT_MCP=on), and a PR to act on."""
    async with Harness(db_url, opsbot_mcp=True, opsbot_mcp_allowed_origins="https://ops.example.com") as harness:
        harness.github.add_pr("acme/api", 7, "Add rate limiting", author="octocat", head="feat/rate-limit")
        yield harness
