"""`GET /repos/{repo}/contents/{path}`: the fake's workflow files, written from each workflow's triggers and inputs.

Only the files under `.github/workflows/` exist; a ref that is not one of the repository's branches is GitHub's 404
"No commit found for the ref …", any other path a plain 404. The file's YAML says what the fake's dispatch route
enforces: `workflow_dispatch` only when the workflow is dispatchable, and the inputs it declares.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.github_state import Call, FakeRepo, FakeWorkflow, Reply
from bot.sandbox.fakes.github.shapes import WEB
from bot.sandbox.fakes.github.wire import DOCS, NOT_FOUND, error

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

WORKFLOWS = ".github/workflows/"


def workflow_source(item: FakeWorkflow) -> str:
    """The workflow file: `on: push` only, or with `workflow_dispatch` and its inputs."""
    lines = [f"name: {item.name}", "on:", "  push:", "    branches: [main]"]
    if item.dispatchable:
        lines.append("  workflow_dispatch:")
        declared = [(name, True) for name in item.required_inputs] + [(n, False) for n in item.optional_inputs]
        if declared:
            lines.append("    inputs:")
        for name, required in declared:
            flag = "true" if required else "false"
            lines += [f"      {name}:", f"        description: {name.title()}", f"        required: {flag}"]
    lines += ["jobs:", "  run:", "    runs-on: ubuntu-latest", "    steps:", "      - run: echo run"]
    return "\n".join(lines) + "\n"


def content_file(repo: FakeRepo, path: str, source: str, *, ref: str, api: str) -> JsonObject:
    """The "content-file" shape, base64 with GitHub's line breaks every 60 characters."""
    raw = source.encode()
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
    encoded = base64.b64encode(raw).decode()
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
    url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    git = f"{api}/repos/{repo.full_name}/git/blobs/{blob}"
    html = f"{WEB}/{repo.full_name}/blob/{ref}/{path}"
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(raw),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": wrapped,
        "sha": blob,
        "url": url,
        "git_url": git,
        "html_url": html,
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        "_links": {"self": url, "git": git, "html": html},
    }


def get_content(gh: FakeGitHub, call: Call) -> Reply:
    assert call.repo is not None
    repo, path = call.repo, call.params["path"]
    ref = call.query.get("ref") or "main"
    if ref not in repo.branches:
        return Reply(status=404, body=error(f"No commit found for the ref {ref}", f"{DOCS}/repos/contents"))
    workflow = next((w for w in repo.workflows if path == WORKFLOWS + w.file), None)
    if workflow is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    return Reply(status=200, body=content_file(repo, path, workflow_source(workflow), ref=ref, api=gh.url))
