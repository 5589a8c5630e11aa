"""Only tests/upstream.py reaches outside the checkout; without a corpus its users skip, with one none do."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests import upstream

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "upstream.py"


def test_the_guard_records_a_direct_read_of_the_corpus() -> None:
    target = ROOT.parent / "shared" / "fixtures" / "slack" / "signing_vector.json"
    try:
        with open(target, encoding="utf-8"):  # the very thing the guard must see
            pass
    except OSError:
        pass  # a fresh clone has no corpus: the open is still seen before it fails
    assert str(target) in upstream.guard.take()


def test_reads_through_the_helper_are_not_recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "x.json").write_text('{"ok": true}', encoding="utf-8")
    monkeypatch.setenv(upstream.ENV, str(tmp_path))
    assert upstream.json_file("slack/x.json", what="a probe") == {"ok": True}
    assert upstream.files("slack", "*.json", what="a probe") == {"x.json": '{"ok": true}'}
    assert upstream.guard.take() == []
    with open(tmp_path / "slack" / "x.json", encoding="utf-8"):
        pass
    assert upstream.guard.take() == [str(tmp_path / "slack" / "x.json")]


def test_without_a_corpus_its_users_skip_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(upstream.ENV, str(tmp_path / "absent"))
    assert upstream.folder() is None
    with pytest.raises(pytest.skip.Exception, match=r"upstream corpus absent: the thing \(a/b.json\) would be"):
        upstream.json_file("a/b.json", what="the thing")


def test_with_a_corpus_a_missing_file_fails_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(upstream.ENV, str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"has no a/b\.json"):
        upstream.text("a/b.json", what="the thing")


def _escapes(node: ast.AST, module: Path) -> str | None:
    """A path built upward from __file__ past the checkout, or a literal naming the shared corpus."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        depth = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(depth, int) and depth >= len(module.relative_to(ROOT).parts):
            return f"parents[{depth}]"
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        chain, inner = 0, node.value
        while isinstance(inner, ast.Attribute) and inner.attr == "parent":
            chain, inner = chain + 1, inner.value
        if isinstance(inner, ast.Name) and inner.id == "ROOT" and chain >= 0:
            return "ROOT.parent"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.replace(os.sep, "/")
        if "shared/fixtures" in text or text.startswith("../"):
            return repr(node.value)
    return None


def test_no_test_module_builds_a_path_out_of_the_checkout() -> None:
    found = []
    for module in sorted((ROOT / "tests").rglob("*.py")):
        if module in (HELPER, Path(__file__).resolve()):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            reason = _escapes(node, module)
            if reason:
                found.append(f"{module.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}: {reason}")
    assert found == [], "read the upstream corpus through tests/upstream.py only:\n" + "\n".join(found)


def _canonical(name: str, data: bytes) -> str | None:
    """A JSON file's content in one canonical form (so a re-serialised copy still matches), else None."""
    if not name.endswith(".json"):
        return None
    try:
        return json.dumps(json.loads(data), sort_keys=True)
    except ValueError:
        return None


def _ours() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout (a plain copy): every file but the usual build output
        skip = {".git", ".venv", "test-artifacts", "__pycache__"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [ROOT / line for line in listed.stdout.splitlines() if (ROOT / line).is_file()]


def test_no_file_in_the_repository_is_a_copy_of_an_upstream_corpus_file() -> None:
    corpus = upstream.every_file(what="a comparison of every repository file with the recorded corpora")
    digests = {hashlib.sha256(data).hexdigest(): name for name, data in corpus.items() if data.strip()}
    shapes = {c: name for name, data in corpus.items() if (c := _canonical(name, data)) and len(c) > 64}
    copies = []
    for path in _ours():
        data = path.read_bytes()
        match = digests.get(hashlib.sha256(data).hexdigest()) or shapes.get(_canonical(path.name, data) or "")
        if match:
            copies.append(f"{path.relative_to(ROOT)} is {match}")
    assert copies == [], "copies of upstream files in the repository:\n" + "\n".join(copies)
