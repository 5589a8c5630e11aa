"""`opsbot sandbox` as a user starts it: a subprocess in an empty folder prints the page URL and serves it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


async def test_opsbot_sandbox_prints_a_url_that_serves_the_page(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "sandbox", "--port", "0",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(60):
            lines: list[str] = []
            while not (match := re.search(r"open (http://127\.0\.0\.1:\d+/)", "".join(lines))):
                line = (await proc.stdout.readline()).decode()
                assert line, f"sandbox exited: {''.join(lines)}"
                lines.append(line)
        assert "demo GitHub (acme/api), offline command grammar" in "".join(lines)
        async with aiohttp.ClientSession() as http:
            async with http.get(match.group(1)) as page:
                assert page.status == 200
                assert "opsbot sandbox" in await page.text()
            async with http.get(match.group(1) + "api/state?user=U3") as state:
                body = await state.json()
                assert [c["id"] for c in body["conversations"]] == ["C1", "D3"]
                assert body["github"]["merges"] == 0
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            code = await proc.wait()
    assert code == 0
