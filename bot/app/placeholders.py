"""Example values: a setting that still holds a placeholder like the ones in `.env.example` (`xoxb-your-bot-token`,
`ghp_your-token`, `changeme`, `<token>`, `xapp-...`) is found by one generic rule, so `opsbot check`, `run` and
`sandbox` say so instead of sending it to Slack or GitHub.

The rule (`is_placeholder`), on the value compared case-insensitively and cut into words at anything but a letter
or a digit: it is wrapped in `<…>` or ends with `...`/`…`; or one of its words is `your`; or a word is only x's
(`xxxx`); or its words spell a stock filler (`changeme`, `change-me`, `replace-me`, `choose-one`, `placeholder`,
`secret`, `password`, `token`, `todo`, `…random-string`). In the Slack-id settings (OPSBOT_CHANNEL_REPOS,
OPSBOT_APPROVERS, OPSBOT_REFUSE_DOUBLE_TEXTS_IN) an id is an example when it is shorter than a real one (9
characters) or counts `0123456` (`C0123456789`, `U0123`). The rule applies to every secret (each `SecretStr`
setting, found by type) and to those id lists, never to URLs or paths. `.env.example` is not read at run time (it
is not installed): tests/test_placeholders.py checks that the rule catches every value in it.

What it means: a placeholder in a setting the mode needs (the Slack tokens, and OPSBOT_APPROVERS, which would
otherwise silently change who may approve) stops `opsbot run` with one line; any other one is ignored as if unset,
with a warning (`ignore_placeholders`); the sandbox ignores them all (`without_placeholders`).
"""

from __future__ import annotations

import logging
import re
from typing import TypeVar

from pydantic import BaseModel, SecretStr

from bot.core.errors import ConfigurationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

EXAMPLE = "the example value from .env.example"
_FILLERS = frozenset(
    {"changeme", "replaceme", "chooseone", "placeholder", "secret", "password", "token", "todo", "tbd", "fixme"}
)
_SLACK_ID = re.compile(r"[CDGUW][A-Z0-9]+")
ID_LISTS = ("opsbot_channel_repos", "opsbot_approvers", "opsbot_refuse_double_texts_in")
_WHAT = {  # what belongs in a required setting, and the other way out, for the one-line error
    "SLACK_BOT_TOKEN": ("your app's Bot User OAuth Token (xoxb-…, on its OAuth & Permissions page)", ""),
    "SLACK_SIGNING_SECRET": ("your app's Signing Secret (on its Basic Information page)", ""),
    "SLACK_APP_TOKEN": ("your app-level token (xapp-…)", "remove the line to serve HTTP instead of Socket Mode"),
    "OPSBOT_APPROVERS": ("the Slack user ids (U…) of the people who may approve", "remove the line"),
}


def is_placeholder(value: str) -> bool:
    """True when `value` looks like an example rather than a real secret (the rule in this module's docstring)."""
    text = value.strip().lower()
    if not text:
        return False
    if (text.startswith("<") and text.endswith(">")) or text.endswith(("...", "…")):
        return True
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    if "your" in words or any(len(w) >= 3 and set(w) == {"x"} for w in words):
        return True
    joined = "".join(words)
    return joined in _FILLERS or "randomstring" in joined


def is_example_slack_id(item: str) -> bool:
    """`C0123456789`, `U0123`: too short for a Slack id (real ones have 9 or more characters), or counting up."""
    item = item.strip()
    return bool(_SLACK_ID.fullmatch(item)) and (len(item) < 9 or "0123456" in item)


def _id_list_is_example(text: str) -> bool:
    items = [part.strip() for part in re.split(r"[,;=\s]+", text) if part.strip()]
    return is_placeholder(text) or any(is_example_slack_id(item) for item in items)


def placeholders(settings: BaseModel) -> list[str]:
    """The environment names of the settings that hold an example value, in the order the settings declare them."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            example = is_placeholder(value.get_secret_value())
        else:
            example = name in ID_LISTS and isinstance(value, str) and _id_list_is_example(value)
        if example:
            found.append(name.upper())
    return found


def required_names(settings: BaseModel) -> frozenset[str]:
    """The settings whose example value stops `opsbot run`: what the chosen mode needs, and the approvers."""
    socket_mode = getattr(settings, "slack_app_token", None) is not None
    needed = {"SLACK_BOT_TOKEN", "OPSBOT_APPROVERS"} | ({"SLACK_APP_TOKEN"} if socket_mode else set())
    return frozenset(needed if socket_mode else needed | {"SLACK_SIGNING_SECRET"})


def required_placeholders(settings: BaseModel) -> list[str]:
    needed = required_names(settings)
    return [name for name in placeholders(settings) if name in needed]


def placeholder_error(names: list[str]) -> ConfigurationError:
    """`SLACK_BOT_TOKEN still holds the example value from .env.example — put your app's … there`."""
    if len(names) == 1:
        what, other = _WHAT.get(names[0], ("a real value", ""))
        todo = f"put {what} there" + (f", or {other}" if other else "")
        return ConfigurationError(f"{names[0]} still holds {EXAMPLE} — {todo}")
    each = [f"{_WHAT.get(name, ('a real value', ''))[0]} in {name}" for name in names]
    return ConfigurationError(
        f"{', '.join(names[:-1])} and {names[-1]} still hold the example values from .env.example — put "
        + ", ".join(each[:-1])
        + f" and {each[-1]}"
    )


def without_placeholders(settings: M, names: list[str] | None = None) -> M:
    """A copy with each named setting (default: every one holding an example value) back to its default, unset."""
    fields = type(settings).model_fields
    chosen = placeholders(settings) if names is None else names
    return settings.model_copy(update={name.lower(): fields[name.lower()].default for name in chosen})


def ignore_placeholders(settings: M) -> M:
    """For `opsbot run`, after `require_for_run()`: every other example value unset, one WARNING line for each."""
    needed = required_names(settings)
    ignored = [name for name in placeholders(settings) if name not in needed]
    for name in ignored:
        log.warning("%s holds %s: ignored, as if unset", name, EXAMPLE)
    return without_placeholders(settings, ignored)
