"""The fake Slack Web API's answers: Slack's recorded response bodies, and its errors in their recorded shapes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

JsonDict = dict[str, Any]
FIXTURES = Path(__file__).resolve().parents[1] / "recorded" / "slack" / "web_api"
_ERROR_TEMPLATES = {
    "invalid_auth": "auth_test_invalid_auth",
    "channel_not_found": "conversations_history_channel_not_found",
    "cant_update_message": "chat_update_error_cant_update_message",
    "user_not_in_channel": "chat_postEphemeral_error_user_not_in_channel",
    "already_reacted": "reactions_add_error_already_reacted",
    "invalid_arguments": "views_open_error_invalid_arguments",
    "too_many_attachments": "chat_postMessage_error_too_many_attachments",
}


@cache
def _fixture(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def template(name: str) -> JsonDict:
    """A fresh copy of a recorded response body, e.g. ``template("chat_postMessage_ok")``."""
    loaded: JsonDict = json.loads(_fixture(name))
    return loaded


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error

    def body(self) -> JsonDict:
        name = _ERROR_TEMPLATES.get(self.error)
        return template(name) if name else {"ok": False, "error": self.error}
