"""github-app.yml: GitHub's App-manifest fields only, permission and event names GitHub has, and every permission and
event opsbot's tools and webhook handlers need — and the fake's App grants the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from githubkit_schemas.v2022_11_28 import webhooks
from githubkit_schemas.v2022_11_28.models import AppPermissions

from bot.core.clock import FakeClock
from bot.edges.hook_shapes import EVENT_SHAPES
from bot.sandbox.fakes.github.app_state import APP_EVENTS, APP_PERMISSIONS
from integrations.github import GitHubGateway, github_tools

MANIFEST = Path(__file__).resolve().parents[2] / "github-app.yml"
# https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#github-app-manifest-parameters
MANIFEST_FIELDS = {
    "name",
    "url",
    "hook_attributes",
    "redirect_url",
    "callback_urls",
    "setup_url",
    "description",
    "public",
    "default_events",
    "default_permissions",
    "request_oauth_on_install",
    "setup_on_update",
}
LEVELS = {"read": 1, "write": 2}
# what each tool does on GitHub, as an installation's permission
TOOL_NEEDS = {
    "list_pull_requests": {"pull_requests": "read", "checks": "read", "statuses": "read"},
    "get_pull_request": {"pull_requests": "read", "checks": "read", "statuses": "read"},
    "list_failed_workflow_runs": {"actions": "read"},
    "list_issues": {"issues": "read"},
    "create_issue": {"issues": "write"},
    "comment": {"issues": "write"},
    "close_issue": {"issues": "write"},
    "rerun_failed_jobs": {"actions": "write"},
    "merge_pull_request": {"pull_requests": "write", "contents": "read"},
    "dispatch_workflow": {"actions": "write", "contents": "read"},
}
# deployment gates (issue 18): the protection rule's callback, and the deployment's outcome
GATE_NEEDS = {"deployments": "write"}
GATE_EVENTS = {"deployment_protection_rule", "deployment_status", "issue_comment"}


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_has_githubs_fields_only() -> None:
    app = manifest()
    assert set(app) <= MANIFEST_FIELDS
    assert {"name", "url", "hook_attributes", "default_permissions", "default_events"} <= set(app)
    assert app["hook_attributes"]["url"].endswith("/webhooks/github") and app["hook_attributes"]["active"] is True


def test_its_permissions_and_events_are_names_github_has() -> None:
    app = manifest()
    assert set(app["default_permissions"]) <= set(AppPermissions.model_fields)
    assert set(app["default_permissions"].values()) <= set(LEVELS)
    for event in app["default_events"]:
        assert hasattr(webhooks, "".join(part.title() for part in event.split("_")) + "Event"), event


def test_it_grants_what_every_tool_and_handler_needs() -> None:
    app = manifest()
    granted: dict[str, str] = app["default_permissions"]
    tools = {t.name for t in github_tools(GitHubGateway(None, "http://127.0.0.1:9", FakeClock()))}
    assert tools == set(TOOL_NEEDS), "a GitHub tool without its permissions listed here"
    for needs in [*TOOL_NEEDS.values(), GATE_NEEDS, {"metadata": "read"}]:
        for name, level in needs.items():
            assert LEVELS.get(granted.get(name, ""), 0) >= LEVELS[level], f"{name}: {level}"
    assert set(EVENT_SHAPES) | GATE_EVENTS <= set(app["default_events"])


def test_the_fakes_app_is_the_manifests() -> None:
    app = manifest()
    assert (APP_PERMISSIONS, sorted(APP_EVENTS)) == (app["default_permissions"], sorted(app["default_events"]))
