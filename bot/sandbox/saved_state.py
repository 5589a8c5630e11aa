"""`opsbot sandbox --data DIR`: what the sandbox keeps across restarts, in DIR.

DIR/opsbot.sqlite is the bot's database (approvals, audit, digests, as in production); DIR/slack.json the fake
Slack's conversations (so the page shows earlier messages and their cards); DIR/github.json what the demo GitHub
changed (merged pull requests, re-runs, dispatches, created and closed issues), so it agrees with the database.
The JSON files are written when the sandbox stops and read when it starts; the demo Odoo starts from its demo data
each time.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from bot.app.cli_commands import StartupError, _reason
from bot.core.jsonvalue import Json, JsonObject, number, obj, objects, optional_text, text
from bot.sandbox.fakes.github import FakeGitHub
from bot.sandbox.fakes.github.github_state import FakeIssue, RecordedMerge
from bot.sandbox.fakes.slack_api import FakeSlackApi

log = logging.getLogger(__name__)

DATABASE = "opsbot.sqlite"
SLACK = "slack.json"
GITHUB = "github.json"
_TODO = "pass --data a directory this user can write (it is made if missing), or leave --data out"


class DataDirError(StartupError):
    """DIR cannot be used: one line `opsbot: …`, exit 2 (a bad option, like a bad setting)."""

    exit_code = 2


def prepare(data: Path) -> Path:
    """DIR (absolute), made if missing and checked writable (before anything starts: a bad DIR is all that is said)."""
    probe = data / ".opsbot-write-check"
    try:
        data.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DataDirError(f"cannot keep the sandbox's state in {data} ({_reason(exc)})", _TODO) from exc
    return data.resolve()


def load(data: Path, slack: FakeSlackApi, github: FakeGitHub | None) -> None:
    """What an earlier run saved in DIR, over the freshly seeded fakes (nothing when DIR is new)."""
    saved, changed = _read(data / SLACK), _read(data / GITHUB)
    try:
        slack.restore(saved)
        if github is not None:
            _restore_github(github, changed)
    except (ValueError, TypeError) as exc:  # a file edited by hand: a key that is not a number
        raise DataDirError(
            f"cannot read the state saved in {data} ({exc})", "delete the JSON files to start afresh"
        ) from exc


def save(data: Path, slack: FakeSlackApi, github: FakeGitHub | None) -> None:
    """Write the fakes' state to DIR, each file whole or not at all; a failure is logged (the sandbox is stopping)."""
    try:
        _write(data / SLACK, slack.snapshot())
        if github is not None:
            _write(data / GITHUB, _github_snapshot(github))
    except OSError as exc:
        log.warning("could not save the sandbox's state in %s (%s)", data, _reason(exc))


def _read(path: Path) -> JsonObject:
    try:
        found: Json = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DataDirError(f"cannot read {path} ({_reason(exc)})", "delete it to start afresh") from exc
    if not isinstance(found, dict):
        raise DataDirError(f"cannot read {path} (not a JSON object)", "delete it to start afresh")
    return found


def _write(path: Path, value: JsonObject) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=1), encoding="utf-8")
    os.replace(partial, path)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _github_snapshot(github: FakeGitHub) -> JsonObject:
    repos: JsonObject = {}
    for name, repo in github.repos.items():
        pulls: JsonObject = {
            str(p.number): {"state": p.state, "merged": p.merged, "by": p.merged_by, "closed_at": _when(p.closed_at)}
            for p in repo.pulls.values()
        }
        runs: JsonObject = {
            str(r.id): {"status": r.status, "conclusion": r.conclusion, "attempt": r.attempt}
            for r in repo.runs.values()
        }
        closed: JsonObject = {  # the demo's own issues; the created ones are kept whole, below
            str(i.number): {"state": i.state, "reason": i.state_reason, "by": i.closed_by, "at": _when(i.closed_at)}
            for i in repo.issues.values()
        }
        repos[name] = {"pulls": pulls, "runs": runs, "issues": closed}
    issues: list[Json] = []
    for issue in github.issues:
        where = next((name for name, repo in github.repos.items() if repo.issues.get(issue.number) is issue), "")
        fields: JsonObject = {k: v for k, v in asdict(issue).items() if isinstance(v, str | int | None)}
        issues.append(
            {**fields, "repo": where, "created_at": issue.created_at.isoformat(), "closed_at": _when(issue.closed_at)}
        )
    return {
        "repos": repos,
        "issues": issues,
        "merges": [
            {"repo": m["repo"], "number": m["number"], "method": m["method"], "sha": m["sha"]} for m in github.merges
        ],
        "reruns": [{"repo": r["repo"], "run_id": r["run_id"]} for r in github.reruns],
        "dispatches": [
            {"repo": d["repo"], "workflow": d["workflow"], "ref": d["ref"], "inputs": d["inputs"]}
            for d in github.dispatches
        ],
    }


def _restore_github(github: FakeGitHub, saved: JsonObject) -> None:
    for name, kept in obj(saved.get("repos")).items():
        if (repo := github.repos.get(name)) is None:
            continue
        for key, pull in obj(obj(kept).get("pulls")).items():
            if (p := repo.pulls.get(int(key))) is not None:
                fields = obj(pull)
                p.state, p.merged = text(fields.get("state"), p.state), fields.get("merged") is True
                p.merged_by, p.closed_at = optional_text(fields.get("by")), _parsed(fields.get("closed_at"))
        for key, run in obj(obj(kept).get("runs")).items():
            if (r := repo.runs.get(int(key))) is not None:
                fields = obj(run)
                r.status, r.conclusion = text(fields.get("status"), r.status), optional_text(fields.get("conclusion"))
                r.attempt = number(fields.get("attempt")) or r.attempt
        for key, was in obj(obj(kept).get("issues")).items():
            if (i := repo.issues.get(int(key))) is not None:
                fields = obj(was)
                i.state, i.state_reason = text(fields.get("state"), i.state), optional_text(fields.get("reason"))
                i.closed_by, i.closed_at = optional_text(fields.get("by")), _parsed(fields.get("at"))
    for fields in objects(saved.get("issues")):
        issue = FakeIssue(
            number=number(fields.get("number")) or 0,
            title=text(fields.get("title")),
            body=optional_text(fields.get("body")),
            user=text(fields.get("user")),
            created_at=_parsed(fields.get("created_at")) or github.now(),
            state=text(fields.get("state"), "open"),
            state_reason=optional_text(fields.get("state_reason")),
            closed_at=_parsed(fields.get("closed_at")),
            closed_by=optional_text(fields.get("closed_by")),
        )
        github.issues.append(issue)
        if (repo := github.repos.get(text(fields.get("repo")))) is not None:
            repo.issues[issue.number] = issue
    for m in objects(saved.get("merges")):
        merge: RecordedMerge = {
            "repo": text(m.get("repo")),
            "number": number(m.get("number")) or 0,
            "method": text(m.get("method")),
            "sha": optional_text(m.get("sha")),
        }
        github.merges.append(merge)
    github.reruns.extend(
        {"repo": text(r.get("repo")), "run_id": number(r.get("run_id")) or 0} for r in objects(saved.get("reruns"))
    )
    for d in objects(saved.get("dispatches")):
        inputs: JsonObject = {k: v for k, v in obj(d.get("inputs")).items() if isinstance(v, str)}
        github.dispatches.append(
            {
                "repo": text(d.get("repo")),
                "workflow": text(d.get("workflow")),
                "ref": text(d.get("ref")),
                "inputs": inputs,
            }
        )


def _parsed(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
