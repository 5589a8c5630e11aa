"""What scripts/check_image.py reads from the project's container recipe: the Dockerfile's stages and instructions
(`parse_image`), the `.dockerignore` rules, and the build context they give (`build_context`), without a daemon."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the build context


class Failed(Exception):
    """A step failed: `message` says what, `output` is the failing command's output."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.message, self.output = message, output


# -- the Dockerfile ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str  # upper case
    args: str  # continuation lines joined


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str, what: str) -> Instruction:
        found = self.all(keyword)
        if not found:
            raise Failed(f"Dockerfile: the {what} has no {keyword}")
        return found[-1]


def instructions(text: str) -> list[Instruction]:
    """Docker's line rules: `\\` at the end of a line continues it; comment lines (and blank lines) inside a
    continuation are dropped. Heredocs are not supported."""
    out: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not parts:
            start = number
        continued = raw.rstrip().endswith("\\")
        parts.append(raw.rstrip()[:-1].strip() if continued else stripped)
        if continued:
            continue
        keyword, _, args = " ".join(parts).partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
        parts = []
    if parts:
        raise Failed(f"Dockerfile: the instruction on line {start} ends in a line continuation")
    return out


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    for ins in instructions(text):
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else None
            found.append(Stage(image=words[0], name=name))
        elif found:
            found[-1].instructions.append(ins)
    if not found:
        raise Failed("Dockerfile: no FROM")
    return found


def exec_form(ins: Instruction, what: str) -> list[str]:
    try:
        value = json.loads(ins.args)
    except json.JSONDecodeError:
        value = None
    if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
        raise Failed(f"Dockerfile line {ins.line}: {what} is not in exec form (a JSON array of strings): {ins.args}")
    return value


def env_values(stage: Stage) -> dict[str, str]:
    values: dict[str, str] = {}
    for ins in stage.all("ENV"):
        words = shlex.split(ins.args)
        if words and "=" not in words[0]:  # the legacy `ENV KEY value with spaces`
            values[words[0]] = ins.args.split(None, 1)[1] if len(words) > 1 else ""
            continue
        for word in words:
            key, sep, value = word.partition("=")
            if not sep:
                raise Failed(f"Dockerfile line {ins.line}: ENV {word!r} has no value")
            values[key] = value
    return values


def run_flags(ins: Instruction) -> tuple[list[str], str]:
    """A shell-form RUN's leading --flags and its command."""
    rest = ins.args
    flags: list[str] = []
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        flags.append(flag)
        rest = rest.lstrip()
    if rest.startswith("["):
        raise Failed(f"Dockerfile line {ins.line}: RUN in exec form is not supported here")
    return flags, rest


def shell_commands(command: str) -> list[list[str]]:
    """`a && b && c` as word lists; any other shell syntax is refused, so nothing is silently skipped."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for word in lexer:
        if word == "&&":
            commands.append([])
        elif word and set(word) <= set("();<>|&"):
            raise Failed(f"Dockerfile: shell syntax {word!r} in `{command}` (only `&&` chains are understood)")
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def is_pip(words: Sequence[str], sub: str) -> bool:
    if words[:2] == ["pip", sub] or words[:2] == ["pip3", sub]:
        return True
    return len(words) > 3 and words[0].startswith("python") and words[1:4] == ["-m", "pip", sub]


@dataclass(frozen=True)
class Copy:
    sources: list[str]
    dest: str  # absolute, in the stage's filesystem


@dataclass(frozen=True)
class Image:
    python: str  # X.Y of the base image
    copies: list[Copy]
    build_workdir: str
    build_env: dict[str, str]
    wheel: list[str]  # the build stage's pip wheel command
    wheel_dir: str
    env: dict[str, str]  # the final stage's ENV
    install: list[str]  # its pip install command
    mount_target: str  # where the final stage sees the wheels
    volumes: list[str]
    workdir: str
    entrypoint: list[str]
    cmd: list[str]
    healthcheck: list[str]
    healthcheck_timeout: float


def parse_image(text: str) -> Image:
    all_stages = stages(text)
    final = all_stages[-1]
    builds = [s for s in all_stages[:-1] if any(_wheel_command(i) for i in s.all("RUN"))]
    if not builds:
        raise Failed("Dockerfile: no build stage with a `RUN pip wheel …` before the final stage")
    build = builds[-1]
    base = re.fullmatch(r"(?:docker\.io/(?:library/)?)?python:(\d+\.\d+)[.\w-]*(?:@.*)?", final.image)
    if base is None:
        raise Failed(f"Dockerfile: the final stage's base {final.image!r} is not python:X.Y…")

    # the build stage, in order: WORKDIR, the COPYs before the pip wheel, the pip wheel
    workdir, copies, wheel, ins_wheel = "/", [], None, None
    for ins in build.instructions:
        if ins.keyword == "WORKDIR":
            workdir = os.path.normpath(os.path.join(workdir, ins.args.strip()))
        elif ins.keyword == "COPY" and wheel is None:
            copies.append(_copy(ins, workdir))
        elif ins.keyword == "ADD":
            raise Failed(f"Dockerfile line {ins.line}: ADD in the build stage is not reproduced here (use COPY)")
        elif ins.keyword == "RUN":
            commands = shell_commands(run_flags(ins)[1])
            if wheel is not None or len(commands) != 1 or not is_pip(commands[0], "wheel"):
                raise Failed(
                    f"Dockerfile line {ins.line}: the build stage may RUN only `pip wheel …` (nothing else is "
                    f"reproduced here): {ins.args}"
                )
            wheel, ins_wheel = commands[0], ins
    if wheel is None or ins_wheel is None:  # (found above)
        raise Failed("Dockerfile: the build stage's `RUN pip wheel …` is missing")
    if not copies:
        raise Failed("Dockerfile: the build stage copies nothing in before `pip wheel`")
    wheel_dir = _option(wheel, "--wheel-dir", "-w")
    if wheel_dir is None or not wheel_dir.startswith("/"):
        raise Failed(f"Dockerfile line {ins_wheel.line}: `pip wheel` has no absolute --wheel-dir: {ins_wheel.args}")

    # the final stage: the RUN with pip install, its bind mount of the build stage's wheels
    installs = [
        (ins, flags, words)
        for ins in final.all("RUN")
        for flags, command in [run_flags(ins)]
        for words in shell_commands(command)
        if is_pip(words, "install")
    ]
    if len(installs) != 1:
        raise Failed(f"Dockerfile: the final stage must have one `pip install …`, it has {len(installs)}")
    ins_install, flags, install = installs[0]
    mounts = [dict(p.split("=", 1) for p in f.split("=", 1)[1].split(",") if "=" in p) for f in flags if "=" in f]
    mounts = [
        m for m in mounts if m.get("type") == "bind" and m.get("from") in (build.name, str(all_stages.index(build)))
    ]
    if len(mounts) != 1 or "target" not in mounts[0]:
        raise Failed(f"Dockerfile line {ins_install.line}: the pip install has no `--mount=type=bind,from=build,…`")
    source = os.path.normpath(os.path.join("/", mounts[0].get("source", "/")))
    if source != os.path.normpath(wheel_dir):
        raise Failed(
            f"Dockerfile line {ins_install.line}: the bind mount's source {source} is not the wheel dir {wheel_dir}"
        )
    if "--no-index" not in install:
        raise Failed(f"Dockerfile line {ins_install.line}: the pip install is not --no-index: {' '.join(install)}")

    volumes = [v for ins in final.all("VOLUME") for v in _volume(ins)]
    health = final.last("HEALTHCHECK", "final stage")
    flags_h, _, command_h = health.args.partition("CMD")
    timeout = re.search(r"--timeout=(\d+(?:\.\d+)?)s\b", flags_h)
    return Image(
        python=base.group(1),
        copies=copies,
        build_workdir=workdir,
        build_env=env_values(build),
        wheel=wheel,
        wheel_dir=os.path.normpath(wheel_dir),
        env=env_values(final),
        install=install,
        mount_target=os.path.normpath(mounts[0]["target"]),
        volumes=volumes,
        workdir=final.last("WORKDIR", "final stage").args.strip(),
        entrypoint=exec_form(final.last("ENTRYPOINT", "final stage"), "ENTRYPOINT"),
        cmd=exec_form(final.last("CMD", "final stage"), "CMD"),
        healthcheck=exec_form(Instruction(health.line, "HEALTHCHECK", command_h.strip()), "HEALTHCHECK CMD"),
        healthcheck_timeout=float(timeout.group(1)) if timeout else 30.0,
    )


def _wheel_command(ins: Instruction) -> bool:
    with contextlib.suppress(Failed):
        return any(is_pip(words, "wheel") for words in shell_commands(run_flags(ins)[1]))
    return False


def _copy(ins: Instruction, workdir: str) -> Copy:
    words = json.loads(ins.args) if ins.args.startswith("[") else ins.args.split()
    flags = [w for w in words if w.startswith("--")]
    if any(f.startswith("--from") for f in flags):
        raise Failed(f"Dockerfile line {ins.line}: COPY --from in the build stage is not from the build context")
    words = [w for w in words if not w.startswith("--")]
    if len(words) < 2:
        raise Failed(f"Dockerfile line {ins.line}: COPY needs a source and a destination: {ins.args}")
    *sources, dest = words
    absolute = os.path.normpath(os.path.join(workdir, dest)) + ("/" if dest.endswith("/") else "")
    return Copy(sources=sources, dest=absolute)


def _volume(ins: Instruction) -> list[str]:
    if ins.args.startswith("["):
        return exec_form(ins, "VOLUME")
    return ins.args.split()


def _option(words: Sequence[str], *names: str) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


# -- .dockerignore -----------------------------------------------------------------------------------------------


def _pattern(pattern: str) -> re.Pattern[str]:
    """Docker's patterns (moby/patternmatcher): `*` and `?` stay within a path segment, `**` spans segments."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out, i = out + "[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]", end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out, i = out + re.escape(pattern[i + 1]), i + 2
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore(path: Path) -> Callable[[str], bool]:
    """Whether a context-relative path is left out: the last pattern matching it or one of its parents wins."""
    rules: list[tuple[bool, re.Pattern[str]]] = []
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            cleaned = os.path.normpath(line[1:].strip() if negated else line).lstrip("/")
            rules.append((negated, _pattern(cleaned)))

    def ignored(rel: str) -> bool:
        parts = rel.split("/")
        prefixes = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        result = False
        for negated, rx in rules:
            if any(rx.fullmatch(p) for p in prefixes):
                result = not negated
        return result

    return ignored


def build_context(image: Image, root: Path) -> Path:
    """The build stage's filesystem as its COPYs leave it (under `root`); returns its WORKDIR there."""
    ignored = dockerignore(ROOT / ".dockerignore")
    for copy in image.copies:
        matches: list[Path] = []
        for source in copy.sources:
            found = sorted(ROOT.glob(source)) if glob.has_magic(source) else [ROOT / source]
            found = [f for f in found if f.exists() and not ignored(f.relative_to(ROOT).as_posix())]
            if not found:
                raise Failed(
                    f"Dockerfile: COPY source {source!r} is not in the build context (or .dockerignore drops it)"
                )
            matches += found
        dest = root / copy.dest.lstrip("/")
        into_dir = copy.dest.endswith("/") or len(matches) > 1
        for match in matches:
            if match.is_dir():
                for file in sorted(match.rglob("*")):
                    rel = file.relative_to(ROOT).as_posix()
                    if file.is_file() and not ignored(rel):
                        target = dest / file.relative_to(match)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(file, target)
            else:
                target = dest / match.name if into_dir else dest
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(match, target)
    workdir = root / image.build_workdir.lstrip("/")
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir
