"""Agent tests: the whole app with a scripted OpenAI-compatible model on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import Harness


@pytest.fixture
async def aenv(db_url: str) -> AsyncIterator[Harness]:
    async with Harness(db_url, model=True) as env:
        yield env
        assert env.model is not None
        env.model.assert_script_consumed()
