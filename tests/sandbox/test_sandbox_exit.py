"""`opsbot sandbox` as a user runs it (a subprocess): `.env` copied from `.env.example` keeps the demo GitHub and says
why; Ctrl-C with the page's event stream open exits within 2 s, saying so; a busy port is one stderr line (issue 15,
item 7)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # a cold start imports slack_bolt, SQLAlchemy, alembic and PyGithub
CTRL_C_DEADLINE = 2.0


def sandbox_env() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
    }


@contextlib.asynccontextmanager
async def sandbox(cwd: Path, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "sandbox", *args,
        cwd=cwd, env=sandbox_env(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


async def read_until(stream: asyncio.StreamReader, pattern: str) -> tuple[str, re.Match[str]]:
    lines: list[str] = []
    async with asyncio.timeout(START_TIMEOUT):
        while not (match := re.search(pattern, "".join(lines))):
            line = (await stream.readline()).decode()
            assert line, f"the sandbox exited before printing {pattern!r}: {''.join(lines)}"
            lines.append(line)
    return "".join(lines), match


async def test_example_env_keeps_the_demo_github_and_ctrl_c_exits_within_2_s(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    async with sandbox(tmp_path, "--port", "0") as proc:
        assert proc.stdout is not None and proc.stderr is not None
        banner, match = await read_until(proc.stdout, r"open (http://127\.0\.0\.1:\d+/)")
        assert (
            "opsbot sandbox: demo GitHub (acme/api; GITHUB_TOKEN in .env is the example placeholder, ignored), "
            "offline command grammar" in banner
        )
        url = match.group(1)
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "api/state?user=U1") as state:
                demos = (await state.json())["demos"]
            assert demos == {"ci-failure": None, "digest": None, "erp-overdue": None}  # none disabled
            async with http.get(url + "api/events") as stream:
                assert (await stream.content.readline()).startswith(b"data: ")  # the page's live updates: open
                pressed = time.monotonic()
                proc.send_signal(signal.SIGINT)
                async with asyncio.timeout(30):  # a bound for the failure message; the deadline is asserted below
                    rest, err = await asyncio.gather(proc.stdout.read(), proc.stderr.read())
                    code = await proc.wait()
                took = time.monotonic() - pressed
    assert took < CTRL_C_DEADLINE, f"Ctrl-C took {took:.1f} s"
    assert code == 0, err.decode()
    assert rest.decode().splitlines() == ["opsbot sandbox: stopped"]
    assert "Traceback" not in err.decode()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


async def test_a_busy_port_is_one_stderr_line_and_exit_1(tmp_path: Path, busy_port: int) -> None:
    async with sandbox(tmp_path, "--port", str(busy_port)) as proc:
        async with asyncio.timeout(START_TIMEOUT):
            out, err = await proc.communicate()
    assert proc.returncode == 1
    assert out == b""
    assert err.decode().splitlines() == [
        f"opsbot: cannot listen on 127.0.0.1:{busy_port} (address already in use) — stop what listens there "
        "(another `opsbot sandbox`?), or pass --port 0 to pick a free port"
    ]
