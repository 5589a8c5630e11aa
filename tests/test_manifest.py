"""manifest.yml asks for exactly what the code uses, and (with the upstream corpus) validates against Slack's schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests import upstream

ROOT = Path(__file__).resolve().parents[1]
# Slack's app-manifest JSON Schema (slackapi/manifest-schema) is not shipped by slack_sdk, slack_bolt or any PyPI
# package we found; it is read from the upstream corpus when present, and those two tests skip without it.
SCHEMA = "slack/manifest.schema.1.0.0.json"

# Which code path needs each scope / event: a manifest entry nobody uses is a test failure, and so is a use
# the manifest forgot.
SCOPE_USES = {
    "app_mentions:read": r'app\.event\("app_mention"\)',
    "channels:read": r"conversations_(members|info)\(",
    "channels:history": r"conversations_(replies|history)\(",
    "groups:history": r"conversations_(replies|history)\(",
    "groups:read": r"conversations_(members|info)\(",
    "usergroups:read": r"usergroups_(list|users_list)\(",
    "users:read": r"users_list\(",
    "chat:write": r"chat_(postMessage|update|postEphemeral)\(",
    "commands": r'app\.command\("/ops"\)',
    "im:history": r'channel_type"\) == "im"',
    "reactions:read": r'app\.event\("reaction_added"\)|reactions_get\(',
}
EVENT_USES = {
    "app_mention": r'app\.event\("app_mention"\)',
    "message.im": r'app\.event\("message"\)',
    "reaction_added": r'app\.event\("reaction_added"\)',
}


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return loaded


def schema() -> dict[str, Any]:
    found: dict[str, Any] = upstream.json_file(SCHEMA, what="manifest.yml against Slack's app-manifest JSON Schema")
    return found


def code() -> str:
    return "\n".join(p.read_text() for d in ("bot", "handlers", "integrations") for p in (ROOT / d).rglob("*.py"))


def test_manifest_validates_against_slacks_schema() -> None:
    jsonschema.validate(manifest(), schema())


def test_schema_rejects_a_bad_manifest() -> None:
    bad = manifest()
    bad["settings"]["bad_param"] = True
    with pytest.raises(jsonschema.ValidationError, match="bad_param"):
        jsonschema.validate(bad, schema())
    no_name = manifest()
    del no_name["display_information"]["name"]
    with pytest.raises(jsonschema.ValidationError, match="'name' is a required property"):
        jsonschema.validate(no_name, schema())


def test_every_scope_is_used_and_every_use_has_its_scope() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == set(SCOPE_USES)
    source = code()
    for scope, pattern in SCOPE_USES.items():
        assert re.search(pattern, source), f"{scope} is requested but no code uses it"


def test_every_event_is_handled_and_no_channel_message_subscription() -> None:
    settings = manifest()["settings"]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert events == set(EVENT_USES)
    assert "message.channels" not in events  # a mention would arrive twice
    source = code()
    for event, pattern in EVENT_USES.items():
        assert re.search(pattern, source), f"{event} is subscribed but not handled"
    assert settings["interactivity"]["is_enabled"] is True


def test_one_url_for_events_commands_and_interactivity() -> None:
    m = manifest()
    urls = {
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in m["features"]["slash_commands"]),
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/ops"]
