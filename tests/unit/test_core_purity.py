"""The core imports no I/O library (checked with `ast`, following bot.* imports), and nothing runs at import."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_sdk", "slack_bolt", "sqlalchemy", "openai", "github", "aiohttp", "asyncpg", "aiosqlite")
OURS = ("bot", "integrations", "handlers")
PURE = sorted(
    {
        # the core and the approval rules: below everything
        *(str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "core").glob("*.py")),
        *(str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "approvals").glob("*.py")),
        # the orchestration: it reaches the store, the audit log and Slack only through bot.core.ports
        *(str(p.relative_to(ROOT)) for p in (ROOT / "bot" / "orchestration").rglob("*.py")),
        "bot/edges/signing.py",
    }
)
ORCHESTRATION = (
    "bot/orchestration/runner.py",
    "bot/orchestration/decisions.py",
    "bot/orchestration/agent/agent_loop.py",
    "bot/orchestration/runbooks/runbook_engine.py",
)


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, absolute, including `from pkg import submodule` and relative imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            found.add(base)
            for alias in node.names:
                if module_file(f"{base}.{alias.name}") is not None:
                    found.add(f"{base}.{alias.name}")
    return found


def forbidden_chains(start: Path) -> list[str]:
    """Import chains from `start` to a forbidden library, following our own modules transitively."""
    chains: list[str] = []
    seen: set[Path] = set()
    todo: list[tuple[Path, list[str]]] = [(start, [module_name(start)])]
    while todo:
        path, chain = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for imported in sorted(imports_of(path)):
            top = imported.split(".")[0]
            if top in FORBIDDEN:
                chains.append(" → ".join([*chain, imported]))
            elif top in OURS:
                # importing bot.x.y runs bot/__init__ and bot/x/__init__ too
                parts = imported.split(".")
                for i in range(1, len(parts) + 1):
                    target = module_file(".".join(parts[:i]))
                    if target is not None:
                        todo.append((target, [*chain, ".".join(parts[:i])]))
    return chains


def test_the_pure_set_exists() -> None:
    for relative in PURE:
        assert (ROOT / relative).is_file(), relative
    assert "bot/orchestration/planner/grammar.py" in PURE
    assert set(ORCHESTRATION) <= set(PURE)


@pytest.mark.parametrize("relative", PURE)
def test_core_module_imports_no_io_library(relative: str) -> None:
    assert forbidden_chains(ROOT / relative) == []


def test_the_checker_catches_a_transitive_import(tmp_path: Path) -> None:
    # bot/slack_ui/block_kit.py imports slack_sdk; a core module importing it would be caught through the chain
    chains = forbidden_chains(ROOT / "bot" / "slack_ui" / "block_kit.py")
    assert any(c.endswith("slack_sdk.models.blocks") for c in chains)
    assert "bot.store.audit → sqlalchemy" in forbidden_chains(ROOT / "bot" / "store" / "audit.py")


def test_the_checker_sees_relative_and_from_package_imports() -> None:
    found = imports_of(ROOT / "bot" / "orchestration" / "planner" / "grammar.py")
    expected = {"bot.core.domain", "bot.core.errors", "bot.orchestration.planner.planner_base", "bot.core.jsonvalue"}
    assert expected <= found


IMPORT_WIRING = textwrap.dedent(
    """
    import socket

    def refuse(*args, **kwargs):
        raise SystemExit(f"network access at import time: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.getaddrinfo = refuse
    socket.create_connection = refuse

    import bot.app.wiring  # noqa: F401
    import handlers  # noqa: F401
    import bot.app.units  # noqa: F401
    print("imported")
    """
)


def test_importing_the_composition_root_needs_no_environment_and_no_network(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WIRING], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "imported"
    assert list(tmp_path.iterdir()) == []  # no database file, no .env read or written
