"""The layout shows the architecture: each layer imports only from itself and the layers below; module names are
unique; no module outgrows 300 lines; loosely typed dicts stay few and are never aliased."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# bottom to top; a module may import its own layer and any layer before it
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.core",),
    ("integrations",),
    ("bot.approvals",),
    ("bot.store",),
    ("bot.slack_ui",),
    ("bot.orchestration",),
    ("bot.triggers",),
    ("bot.dispatch",),
    ("bot.edges", "handlers"),
    ("bot.app", "bot.sandbox"),  # the sandbox is a way to run the app (`opsbot sandbox`), built by the same wiring
)
PACKAGES = ("bot", "integrations", "handlers")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def layer_of(module: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def imports_of(path: Path) -> set[str]:
    """Every module of ours that `path` imports, anywhere in it (TYPE_CHECKING blocks and functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from bot.x import module`
    known = modules()
    return {name for name in found if name in known and name.split(".")[0] in PACKAGES}


def upward_imports() -> list[str]:
    problems = []
    for module, path in sorted(modules().items()):
        own = layer_of(module)
        if own is None:
            continue
        for target in sorted(imports_of(path)):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                problems.append(f"{module} ({LAYERS[own][0]}) imports {target} ({LAYERS[theirs][0]})")
    return problems


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = [m for m in modules() if m not in PACKAGES and layer_of(m) is None]
    assert unplaced == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "bot" / "core" / "domain.py"
    source = path.read_text()
    extra = "\nfrom bot.app.wiring import build  # noqa\n"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source + extra if self == path else _read(self))
    assert "bot.core.domain (bot.core) imports bot.app.wiring (bot.app)" in upward_imports()


def _read(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        return handle.read()


def test_module_names_are_unique() -> None:
    names = Counter(p.stem for p in modules().values() if p.stem != "__init__" and "migrations" not in p.parts)
    assert [name for name, count in names.items() if count > 1] == []


def test_no_module_outside_the_migrations_exceeds_300_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in modules().values()
        if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > 300
    }
    assert long == {}


def test_loose_dicts_are_few_and_never_aliased() -> None:
    """`dict[str, Any]` is for what a library hands us untyped (Bolt's listener bodies, SQLAlchemy's rows);
    JSON is `bot.core.jsonvalue.JsonObject`, records are dataclasses or pydantic models."""
    loose = 0
    aliases = []
    for path in modules().values():
        text = path.read_text()
        loose += text.count("dict[str, Any]")
        alias = re.compile(r"^\w+(: TypeAlias)? = dict\[str, Any\]", re.M)
        aliases += [f"{path.name}: {m.group(0)}" for m in alias.finditer(text)]
    assert aliases == []
    assert loose < 60
