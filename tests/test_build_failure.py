"""A composition that fails (a broken policy file) closes the HTTP session and the engine it made: one clear error,
no 'Unclosed client session' after it."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.app import wiring
from bot.app.settings import Settings
from bot.core.errors import ConfigurationError


async def test_a_broken_policy_file_leaves_no_open_session(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[aiohttp.ClientSession] = []

    real = aiohttp.ClientSession

    def recorded(**kwargs: object) -> aiohttp.ClientSession:
        made.append(real(**kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(aiohttp, "ClientSession", recorded)
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - tools: [merge_pull_request]\n    approvers: 12\n", encoding="utf-8")
    settings = Settings(
        _env_file=None, database_url=db_url, opsbot_policy=str(policy), github_api_url="http://127.0.0.1:9"
    )
    with pytest.raises(ConfigurationError):
        await wiring.build(settings, migrate=False)
    assert made and all(session.closed for session in made)
