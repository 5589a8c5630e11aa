"""A real Tryton server for the tests: a SQLite database in a temporary folder, served on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "opsbot"
ADMIN_PASSWORD = "admin-test-password"
MODULES = ("sale", "purchase")
READY_TIMEOUT = 60.0
ADMIN_TIMEOUT = 600.0


@dataclass
class TrytonServer:
    url: str
    database: str
    user: str
    password: str
    process: subprocess.Popen[bytes]
    workdir: Path
    timings: dict[str, float]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join((self.workdir / "server.log").read_text(errors="replace").splitlines()[-lines:])


def executable(name: str) -> str:
    """The script installed beside this Python (a venv need not be on PATH), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: pip install -e '.[dev]' (or '.[erp]')")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(workdir: Path, port: int) -> Path:
    config = workdir / "trytond.conf"
    config.write_text(f"[database]\nuri = sqlite://\npath = {workdir}\n[web]\nlisten = 127.0.0.1:{port}\n")
    return config


def create_database(workdir: Path, config: Path) -> None:
    """`trytond-admin --all -u sale purchase --activate-dependencies` on an empty SQLite file."""
    (workdir / f"{DATABASE}.sqlite").touch()
    password_file = workdir / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    env = {**os.environ, "TRYTONPASSFILE": str(password_file)}
    command = [executable("trytond-admin"), "-c", str(config), "-d", DATABASE, "--all", "-u", *MODULES]
    command += ["--activate-dependencies", "--email", "admin@example.com"]
    done = subprocess.run(command, env=env, capture_output=True, timeout=ADMIN_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"trytond-admin failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")


def wait_until_listening(process: subprocess.Popen[bytes], port: int, workdir: Path) -> None:
    """Poll the port (bounded by a deadline), and fail at once if the server exits."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (workdir / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"trytond exited with {process.returncode}:\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            # connect() is refused at once until trytond listens: wait on the process, not a fixed sleep
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
    raise RuntimeError(f"trytond did not listen on 127.0.0.1:{port} within {READY_TIMEOUT:.0f}s")


def start_tryton(workdir: Path) -> TrytonServer:
    timings: dict[str, float] = {}
    started = time.monotonic()
    port = free_port()
    config = write_config(workdir, port)
    create_database(workdir, config)
    timings["create_database"] = time.monotonic() - started
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [executable("trytond"), "-c", str(config), "-d", DATABASE], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_listening(process, port, workdir)
    except BaseException:
        process.kill()
        process.wait()
        raise
    timings["start_server"] = time.monotonic() - started - timings["create_database"]
    return TrytonServer(
        url=f"http://127.0.0.1:{port}",
        database=DATABASE,
        user="admin",
        password=ADMIN_PASSWORD,
        process=process,
        workdir=workdir,
        timings=timings,
    )
