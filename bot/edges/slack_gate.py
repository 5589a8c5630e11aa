"""What a signed Slack body is, decided before Bolt sees it: a payload opsbot handles (checked against the shape
Slack documents, bot/edges/slack_shapes.py), one it does not handle, or not a Slack payload at all.

The body is parsed once here, as Bolt would (JSON, a form with the JSON in `payload`, or a slash command's form
fields), bounded (bot/edges/bounded_json.py), and handed to Bolt already parsed, so Bolt never meets a body it
would raise on. What comes as JSON is the Events API, which retries anything but a 2xx three times: the HTTP
edge answers those 200 even when it does nothing. Commands and interactivity are never retried, so a malformed
one gets a 400.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from pydantic import ValidationError

from bot.core.jsonvalue import JsonObject, items
from bot.edges.bounded_json import BadJson, describe, loads_bounded, problem_in, shown
from bot.edges.slack_shapes import EVENTS, PAYLOADS, Shape, SlashCommand
from handlers.surfaces import Surfaces

MAX_FORM_FIELDS = 200  # a slash command has about 12


class Verdict(enum.Enum):
    DISPATCH = "dispatch"  # a payload opsbot handles, of the documented shape: for Bolt
    IGNORE = "ignore"  # a payload opsbot does not handle (an old card's button, a shortcut…): 200, one INFO line
    REJECT = "reject"  # not the shape Slack documents: one WARNING line, nothing stored


@dataclass(frozen=True, kw_only=True)
class Gated:
    verdict: Verdict
    note: str = ""  # what it is (IGNORE) or what is wrong with it (REJECT), for the log line
    body: JsonObject = field(default_factory=dict)  # the parsed body, for Bolt (DISPATCH)
    events_api: bool = False  # it came as JSON: Slack retries a non-2xx answer
    surface: str = "unknown"  # what kind of request it is, for the metrics (`surface_of`)


def gate(raw: bytes, content_type: str | None, surfaces: Surfaces) -> Gated:
    """Never raises: every body is one of the three verdicts."""
    as_json = content_type == "application/json" or raw.startswith(b"{")
    try:
        body = _parse(raw, as_json)
    except BadJson as exc:
        return Gated(verdict=Verdict.REJECT, note=str(exc), events_api=as_json)
    if "ssl_check" in body and not as_json:  # Slack checking the certificate: Bolt answers it
        return Gated(verdict=Verdict.DISPATCH, body=body, surface="other")
    gated = _classify(body, surfaces)
    return Gated(verdict=gated.verdict, note=gated.note, body=gated.body, events_api=as_json, surface=surface_of(body))


SURFACE_OF_TYPE = {
    "event_callback": "event",
    "url_verification": "event",
    "app_rate_limited": "event",
    "block_actions": "action",
    "interactive_message": "action",
    "view_submission": "view",
    "view_closed": "view",
    "block_suggestion": "options",
    "shortcut": "shortcut",
    "message_action": "shortcut",
}


def surface_of(body: JsonObject) -> str:
    """The kind of Slack request (bot.core.metrics.SLACK_SURFACES): command, event, action, view, options,
    shortcut, or other."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    return SURFACE_OF_TYPE.get(kind, "other") if isinstance(kind, str) else "other"


def _parse(raw: bytes, as_json: bool) -> JsonObject:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("not UTF-8") from None
    if as_json:
        return _object(loads_bounded(text))
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
    except ValueError:
        raise BadJson(f"a form of more than {MAX_FORM_FIELDS} fields") from None
    if "payload" in fields:  # interactivity: the JSON is in one field
        return _object(loads_bounded(fields["payload"]))
    problem = problem_in(fields)
    if problem is not None:
        raise BadJson(problem)
    return dict(fields)


def _object(data: object) -> JsonObject:
    if not isinstance(data, dict):
        raise BadJson("not a JSON object")
    return data


def _classify(body: JsonObject, surfaces: Surfaces) -> Gated:
    if "command" in body:  # Bolt's test for a slash command
        command = body.get("command")
        if isinstance(command, str) and command not in surfaces.commands:
            return Gated(verdict=Verdict.IGNORE, note=f"the slash command `{shown(command)}`, not one of opsbot's")
        return _checked(SlashCommand, body, body=body)
    kind = body.get("type")
    if not isinstance(kind, str):
        return Gated(verdict=Verdict.REJECT, note="neither a slash command nor a payload with a `type`")
    route = _route(kind, body)
    if isinstance(route, Gated):
        return route
    if route is not None and route not in _handled(kind, surfaces):
        return Gated(verdict=Verdict.IGNORE, note=_what(kind, route))
    shape = PAYLOADS.get(kind)
    if shape is None:
        return Gated(verdict=Verdict.IGNORE, note=f"a payload of type `{shown(kind)}`, which opsbot does not handle")
    checked = _checked(shape, body, body=body)
    if checked.verdict is Verdict.DISPATCH and kind == "event_callback" and route is not None:
        checked = _checked(EVENTS[route], body.get("event"), body=body, within="event")
    return checked


def _route(kind: str, body: JsonObject) -> str | Gated | None:
    """What names the listener: the event type, the action id, the callback id (None for other payloads);
    a REJECT when the field that would name it is not there or not a string."""
    if kind == "event_callback":
        event = body.get("event")
        name = event.get("type") if isinstance(event, dict) else None
        problem = "`event` is not an object with a string `type`"
    elif kind == "block_actions":
        first = items(body.get("actions"))[:1]
        name = first[0].get("action_id") if first and isinstance(first[0], dict) else None
        problem = "`actions` is not a list of objects with a string `action_id`"
    elif kind == "view_submission":
        view = body.get("view")
        name = view.get("callback_id") if isinstance(view, dict) else None
        problem = "`view` is not an object with a string `callback_id`"
    else:
        return None
    return name if isinstance(name, str) else Gated(verdict=Verdict.REJECT, note=problem)


def _handled(kind: str, surfaces: Surfaces) -> frozenset[str]:
    routes = {"event_callback": surfaces.events, "block_actions": surfaces.actions, "view_submission": surfaces.views}
    return routes.get(kind, frozenset())


def _what(kind: str, route: str) -> str:
    if kind == "event_callback":
        return f"an event of type `{shown(route)}`, which opsbot does not handle"
    if kind == "block_actions":
        return f"a click on `{shown(route)}`, a button opsbot does not know (a card from an older version?)"
    return f"a submission of the modal `{shown(route)}`, which opsbot does not know"


def _checked(shape: type[Shape], data: object, *, body: JsonObject, within: str = "") -> Gated:
    """DISPATCH `body` if `data` (the body, or the part of it at `within`) has the shape, else REJECT."""
    try:
        shape.model_validate(data)
    except ValidationError as exc:
        problem = describe(exc, data, within=within)
        return Gated(verdict=Verdict.REJECT, note=f"not the shape Slack documents: {problem}")
    return Gated(verdict=Verdict.DISPATCH, body=body)
