"""The image's install and entrypoint commands, run in clean venvs: CI's stand-in for `docker build` and `docker run`
where no container daemon runs. Everything is read from the Dockerfile, so this cannot drift from it:

1. the build stage's COPY sources (filtered by .dockerignore, as Docker filters the context) are copied into an
   empty folder that stands for its WORKDIR, and its `RUN pip wheel …` runs there with a clean venv's pip (the
   normal pip cache and pip configuration are used, so PIP_NO_CACHE_DIR from its ENV is left out: only speed);
2. a second clean venv runs the final stage's `pip install --no-index --find-links=/wheels …` with the bind-mounted
   /wheels replaced by the wheels of step 1 and no pip configuration at all (every dependency must be a wheel there);
3. from an empty working directory (the image's WORKDIR holds nothing), with only the final stage's ENV (its VOLUME
   paths moved to a temporary folder, HOST 127.0.0.1, PORT a free port) and the Slack settings pointing at a fake
   Slack in this process: `ENTRYPOINT + ["db", "upgrade"]` (docker-compose.yml's migrate service), then
   `ENTRYPOINT + CMD` until it listens, the HEALTHCHECK's exec-form command, SIGTERM, exit 0 within the drain.

The base image's Python version (`FROM python:X.Y…`) must be on PATH as pythonX.Y. The final stage's other shell
commands (the user, /data and /app) need root and are not run. Prints one line per step; on a failure, the failing
command's output, and exits 1. Takes about two minutes on two cores, most of it the wheel build and the
install.
    python scripts/check_image.py
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from image_recipe import Failed, Image, build_context, parse_image  # scripts/, beside this file

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
BOT_TOKEN = "xoxb-check-image"  # noqa: S105 - a placeholder for the fake Slack
SIGNING_SECRET = "check-image-signing-secret"  # noqa: S105 - a placeholder for the fake Slack
DRAIN_SECONDS = 1
START_TIMEOUT = 90.0  # a cold start imports slack_bolt, SQLAlchemy, alembic and PyGithub
BUILD_TIMEOUT = 900.0
INSTALL_TIMEOUT = 300.0
# the host's pip settings the wheel build may need (an index mirror, a CA bundle, a proxy); the install gets none
PASSED_TO_BUILD = re.compile(r"(PIP_.*|(?i:https?_proxy|no_proxy)|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)")


# -- running -----------------------------------------------------------------------------------------------------


def rewrite(words: Sequence[str], old: str, new: str) -> list[str]:
    """`old` (a path) as a whole word, a prefix of one, or the value of `--flag=old…`, replaced by `new`."""

    def one(word: str) -> str:
        if word == old or word.startswith(old + "/"):
            return new + word[len(old) :]
        flag, sep, value = word.partition("=")
        if flag.startswith("-") and sep:
            return f"{flag}={one(value)}"
        return word

    return [one(w) for w in words]


def expand(words: Sequence[str]) -> list[str]:
    """The shell's globbing of words with wildcards (a word that matches nothing is an error here)."""
    out: list[str] = []
    for word in words:
        if glob.has_magic(word) and not word.startswith("-"):
            found = sorted(glob.glob(word))
            if not found:
                raise Failed(f"no file matches {word}")
            out += found
        else:
            out.append(word)
    return out


def run(
    step: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(  # noqa: S603 - the Dockerfile's own commands
            list(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        raise Failed(f"{step}: `{shlex.join(argv)}` took more than {timeout:.0f}s", output) from exc
    if done.returncode != 0:
        raise Failed(f"{step}: `{shlex.join(argv)}` exited {done.returncode}", done.stdout + done.stderr)
    return done


def venv(python: str, path: Path) -> Path:
    run("venv", [python, "-m", "venv", str(path)], env=base_env(), cwd=path.parent, timeout=120)
    return path / "bin"


def base_env(**values: str) -> dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update(values)
    return env


def in_venv(words: Sequence[str], bin_dir: Path) -> list[str]:
    program = bin_dir / words[0]
    if not program.exists():
        raise Failed(f"{words[0]} is not in the clean venv ({bin_dir})")
    return [str(program), *words[1:]]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def container_env(image: Image, bin_dir: Path, tmp: Path, slack_url: str, port: int) -> dict[str, str]:
    """The final stage's ENV with its VOLUME paths moved under `tmp`, plus what `docker run --env-file` would add."""
    env = {}
    for key, value in image.env.items():
        for volume in image.volumes:
            value = re.sub(rf"(?<![\w.-]){re.escape(volume.rstrip('/'))}(?=/|$)", str(tmp / volume.strip("/")), value)
        env[key] = value
    for volume in image.volumes:
        (tmp / volume.strip("/")).mkdir(parents=True, exist_ok=True)
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update(
        PATH=f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",  # the image's PATH, with its Python being the clean venv
        LANG="C.UTF-8",
        HOME=str(home),
        HOST="127.0.0.1",
        PORT=str(port),
        OPSBOT_DRAIN_SECONDS=str(DRAIN_SECONDS),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url,
    )
    return env


def resolve(words: Sequence[str], env: dict[str, str], bin_dir: Path) -> list[str]:
    """The exec form's program looked up on the container's PATH, which must find the clean venv's."""
    program = shutil.which(words[0], path=env["PATH"])
    if program is None or Path(program).parent != bin_dir:
        raise Failed(f"`{words[0]}` resolves to {program}, not to the clean venv's {bin_dir}")
    return [program, *words[1:]]


async def serve_and_stop(image: Image, env: dict[str, str], cwd: Path, bin_dir: Path) -> float:
    """`ENTRYPOINT + CMD` until it listens, the HEALTHCHECK, SIGTERM; returns the seconds from SIGTERM to exit 0."""
    argv = resolve(image.entrypoint + image.cmd, env, bin_dir)
    step = f"`{shlex.join(image.entrypoint + image.cmd)}`"
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    output: list[str] = []
    listening = asyncio.Event()

    async def read(stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace")
            output.append(line)
            if "listening on" in line:
                listening.set()

    reader = asyncio.create_task(read(proc.stdout))
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(START_TIMEOUT):
                await asyncio.wait(
                    [asyncio.ensure_future(listening.wait()), reader], return_when=asyncio.FIRST_COMPLETED
                )
        if not listening.is_set():
            state = f"exited {await proc.wait()}" if reader.done() else f"not within {START_TIMEOUT:.0f}s"
            raise Failed(f"{step}: no 'listening on' line ({state})", "".join(output))

        health = resolve(image.healthcheck, env, bin_dir)
        check = await asyncio.create_subprocess_exec(
            *health, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with asyncio.timeout(image.healthcheck_timeout):
                health_out, _ = await check.communicate()
        except TimeoutError:
            check.kill()
            await check.wait()
            raise Failed(f"HEALTHCHECK: no answer within {image.healthcheck_timeout:.0f}s", "".join(output)) from None
        if check.returncode != 0:
            raise Failed(f"HEALTHCHECK exited {check.returncode}", health_out.decode() + "".join(output))

        limit = DRAIN_SECONDS + 10
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(limit):
                code = await proc.wait()
                await reader
        except TimeoutError:
            raise Failed(f"{step}: still running {limit}s after SIGTERM", "".join(output)) from None
        took = time.monotonic() - sent
        if code != 0:
            raise Failed(f"{step}: exited {code} after SIGTERM", "".join(output))
        return took
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def entrypoint_steps(
    image: Image, migrate: list[str], tmp: Path, bin_dir: Path, ok: Callable[[str], None]
) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bot.sandbox.fakes.slack_api import FakeSlackApi

    app = tmp / image.workdir.lstrip("/")  # the image's WORKDIR: empty
    app.mkdir(parents=True)
    async with FakeSlackApi(BOT_TOKEN) as slack:
        env = container_env(image, bin_dir, tmp, slack.url, free_port())

        # the clean venv must not see the checkout: opsbot is imported from its site-packages
        where = run("import", resolve(["python", "-c", "import bot; print(bot.__file__)"], env, bin_dir), env=env,
                    cwd=app, timeout=60)  # fmt: skip
        if not Path(where.stdout.strip()).is_relative_to(bin_dir.parent):
            raise Failed(f"the clean venv imports opsbot from {where.stdout.strip()}, not from its own site-packages")

        argv = resolve(image.entrypoint + migrate, env, bin_dir)
        name = shlex.join(image.entrypoint + migrate)
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, cwd=app, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with asyncio.timeout(START_TIMEOUT):
                out, _ = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise Failed(f"`{name}` took more than {START_TIMEOUT:.0f}s") from None
        if proc.returncode != 0:
            raise Failed(f"`{name}` exited {proc.returncode}", out.decode(errors="replace"))
        ok(name)

        took = await serve_and_stop(image, env, app, bin_dir)
        ok(f"{shlex.join(image.entrypoint + image.cmd)}: listening, healthcheck ok, SIGTERM → exit 0 in {took:.1f}s")


def migrate_command() -> list[str]:
    """docker-compose.yml's migrate service's command (what runs before opsbot starts)."""
    import yaml

    services = (yaml.safe_load(COMPOSE.read_text(encoding="utf-8")) or {}).get("services") or {}
    command = (services.get("migrate") or {}).get("command")
    if not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
        raise Failed("docker-compose.yml: no migrate service with a command list")
    return command


@contextlib.contextmanager
def timed() -> Iterator[Callable[[], float]]:
    start = time.monotonic()
    yield lambda: time.monotonic() - start


def interpreter(version: str) -> str:
    """pythonX.Y from PATH, as the real executable (a pyenv shim needs the environment this script has)."""
    found = shutil.which(f"python{version}")
    if found is None:
        raise Failed(f"python{version} (the image's Python) is not on PATH")
    where = subprocess.run(  # noqa: S603 - the interpreter just found on PATH
        [found, "-c", "import sys; print(getattr(sys, '_base_executable', sys.executable))"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if where.returncode != 0:
        raise Failed(f"{found} does not run", where.stdout + where.stderr)
    return where.stdout.strip()


def check(tmp: Path, ok: Callable[[str], None]) -> None:
    image = parse_image(DOCKERFILE.read_text(encoding="utf-8"))
    migrate = migrate_command()
    python = interpreter(image.python)

    # stage 1: the context, a clean venv, pip wheel (the host's pip settings: an index mirror, a CA bundle)
    with timed() as took:
        workdir = build_context(image, tmp / "build")
        build_bin = venv(python, tmp / "build-venv")
        wheels = tmp / "wheels"
        env = {k: v for k, v in os.environ.items() if PASSED_TO_BUILD.fullmatch(k)}
        env |= {k: v for k, v in image.build_env.items() if k != "PIP_NO_CACHE_DIR"}
        env |= base_env(PATH=f"{build_bin}:/usr/local/bin:/usr/bin:/bin", HOME=os.environ.get("HOME", str(tmp)))
        wheel = in_venv(rewrite(image.wheel, image.wheel_dir, str(wheels)), build_bin)
        run("pip wheel", wheel, env=env, cwd=workdir, timeout=BUILD_TIMEOUT)
        if not list(wheels.glob("*.whl")):
            raise Failed(f"`{shlex.join(wheel)}` built no wheel")
    ok(f"wheels built ({took():.1f}s, {len(list(wheels.glob('*.whl')))} wheels)")

    # stage 2: another clean venv, the final stage's pip install from those wheels only, with no pip configuration
    run_bin = venv(python, tmp / "venv")
    home = tmp / "home"
    home.mkdir()
    env = base_env(**image.env) | base_env(PATH=f"{run_bin}:/usr/local/bin:/usr/bin:/bin", HOME=str(home))
    env["PIP_CONFIG_FILE"] = os.devnull  # no find-links, index or constraints from this machine's pip.conf
    install = in_venv(expand(rewrite(image.install, image.mount_target, str(wheels))), run_bin)
    run("pip install", install, env=env, cwd=home, timeout=INSTALL_TIMEOUT)
    version = run("python", [str(run_bin / "python"), "--version"], env=env, cwd=home, timeout=30).stdout
    if not version.startswith(f"Python {image.python}."):
        raise Failed(f"the clean venv runs {version.strip()}, the image Python {image.python}")
    ok("installed from wheels only")

    asyncio.run(entrypoint_steps(image, migrate, tmp, run_bin, ok))


def main() -> int:
    started = time.monotonic()

    def ok(what: str) -> None:
        print(f"ok    {what}", flush=True)

    try:
        with tempfile.TemporaryDirectory(prefix="opsbot-check-image-") as tmp:
            check(Path(tmp), ok)
    except Failed as failure:
        print(f"FAIL  {failure.message}")
        for line in failure.output.rstrip().splitlines():
            print(f"      {line}")
        print(f"check_image: failed ({time.monotonic() - started:.1f}s)")
        return 1
    print(f"check_image: all steps passed ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
