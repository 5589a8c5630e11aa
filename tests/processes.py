"""`opsbot run` as a real subprocess: started, read all along (a chatty log never fills a pipe), signalled, and
never left running after the test."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 60.0  # a cold start imports slack_bolt, SQLAlchemy, alembic and PyGithub


class OpsbotProcess:
    def __init__(self, *args: str, env: Mapping[str, str], cwd: Path) -> None:
        self.args = args
        self.env = dict(env)
        self.cwd = cwd
        self.stdout: list[str] = []
        self.stderr = bytearray()
        self._proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._lines = asyncio.Condition()

    @property
    def proc(self) -> asyncio.subprocess.Process:
        assert self._proc is not None, "not started"
        return self._proc

    async def __aenter__(self) -> OpsbotProcess:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.app.cli",
            *self.args,
            env=self.env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read_stdout(self._proc.stdout)),
            asyncio.create_task(self._read_stderr(self._proc.stderr)),
        ]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await self._proc.wait()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)

    async def _read_stdout(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            async with self._lines:
                self.stdout.append(raw.decode())
                self._lines.notify_all()
        async with self._lines:
            self._lines.notify_all()

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.stderr.extend(chunk)

    async def wait_for_line(self, words: str, timeout: float = START_TIMEOUT) -> str:
        """The first stdout line containing `words`; fails with what was printed if the process ends first."""

        def found() -> str | None:
            return next((line for line in self.stdout if words in line), None)

        try:
            async with asyncio.timeout(timeout), self._lines:
                await self._lines.wait_for(lambda: found() is not None or self._readers[0].done())
        except TimeoutError:
            pass
        line = found()
        if line is None:
            raise AssertionError(f"no {words!r} line; stdout={self.stdout!r} stderr={self.stderr.decode()!r}")
        return line

    def signal(self, sig: signal.Signals = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    async def exit_code(self, timeout: float) -> int:
        async with asyncio.timeout(timeout):
            code = await self.proc.wait()
            await asyncio.gather(*self._readers)
        return code

    def output(self) -> str:
        return "".join(self.stdout) + self.stderr.decode()
