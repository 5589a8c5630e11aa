"""The one way into third-party recorded corpora: `OPSBOT_UPSTREAM_FIXTURES`, or ../shared/fixtures beside us.

Those corpora (Slack's, GitHub's, OpenAI's and Odoo's own recordings) are an extra check, never a requirement: a
test that replays one calls `upstream.json(...)` (or `text`, `files`); without the folder the test is skipped with
one line saying what would have run and how to get it. With the folder present, a missing file is a failure, not
a skip. Every other test reads only files inside the checkout: `guard` (installed by tests/conftest.py) records any
open inside the corpus that did not go through this module, and tests/test_upstream.py checks statically that no
test module builds a path out of the checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = "OPSBOT_UPSTREAM_FIXTURES"
HOW = (
    f"set {ENV} to a folder of the upstream recorded corpora (default: ../shared/fixtures beside the checkout) "
    "to replay them"
)


def folder() -> Path | None:
    """The corpus folder, or None when there is none (a fresh clone)."""
    configured = os.environ.get(ENV)
    if configured:
        path = Path(configured).expanduser().resolve()
        return path if path.is_dir() else None
    default = ROOT.parent / "shared" / "fixtures"
    return default if default.is_dir() else None


def _path(relative: str, what: str) -> Path:
    base = folder()
    if base is None:
        pytest.skip(f"upstream corpus absent: {what} ({relative}) would be replayed; {HOW}")
    path = base / relative
    if not path.exists():
        pytest.fail(f"upstream corpus at {base} has no {relative} (needed to replay {what})")
    return path


def text(relative: str, *, what: str) -> str:
    """The text of one corpus file; `what` says, for the skip line, what the test would have checked."""
    path = _path(relative, what)
    with guard.allowed():
        return path.read_text(encoding="utf-8")


def json_file(relative: str, *, what: str) -> Any:
    return json.loads(text(relative, what=what))


def files(relative: str, pattern: str = "*", *, what: str) -> dict[str, str]:
    """Every file of a corpus folder matching `pattern`, by name → text (sorted by name)."""
    path = _path(relative, what)
    with guard.allowed():
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(path.glob(pattern)) if p.is_file()}


def every_file(*, what: str) -> dict[str, bytes]:
    """The whole corpus, by path relative to it → bytes."""
    base = _path(".", what)
    with guard.allowed():
        return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


class Guard:
    """An audit hook that records every open or listing inside a corpus folder made outside `allowed()`."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self._allowed = 0
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            sys.addaudithook(self._hook)
            self._installed = True

    @contextlib.contextmanager
    def allowed(self) -> Iterator[None]:
        self._allowed += 1
        try:
            yield
        finally:
            self._allowed -= 1

    def take(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self._allowed or event not in ("open", "os.listdir", "os.scandir"):
            return
        raw = args[0] if args else None
        if not isinstance(raw, str | bytes | os.PathLike):
            return  # a file descriptor
        target = os.fsdecode(raw)
        if not os.path.isabs(target):
            target = os.path.join(os.getcwd(), target)
        target = os.path.normpath(target)
        if forbidden(target):
            self.violations.append(target)


def forbidden(path: str) -> bool:
    """The corpus (../shared beside the checkout, or the configured folder): only this module may read there."""
    corpora = [str(ROOT.parent / "shared")]
    configured = os.environ.get(ENV)
    if configured:
        corpora.append(os.path.normpath(os.path.abspath(os.path.expanduser(configured))))
    return any(path == c or path.startswith(c + os.sep) for c in corpora)


guard = Guard()
