"""Hypothesis strategies for tests/test_edge_fuzz.py: signed-body material for the three HTTP edges.

Each case starts from a body the edge handles (our builders, in the documented shapes) and changes one to three
of its fields: a value replaced by JSON of any type (a string by another id, or by text with NUL characters and
lone surrogates where free text goes), a key removed, a key added; or it is not a payload at all (any JSON value,
nesting thousands deep, random bytes). Ids stay ones the fakes know, so that what is stored can be answered.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes.github import webhooks
from handlers.surfaces import SURFACES

FREE_TEXT = {"text", "value", "title", "body", "message", "summary", "description", "challenge", "private_metadata"}
NONCE = "NONCExNONCE"  # tests/test_edge_fuzz.py puts a new number here in each request: a replayed case is new
TOO_LONG = "x" * 40
PEOPLE = ["U1", "U2", "", TOO_LONG]  # members of C1 and C2 in the fake: what is stored can be answered there
IDS = {
    "user": PEOPLE, "user_id": PEOPLE, "item_user": PEOPLE,
    "channel": ["C1", "C2", "D1", "", TOO_LONG], "channel_id": ["C1", "C2", "D1", "", TOO_LONG],
    "team": ["T111", "", TOO_LONG], "team_id": ["T111", "", TOO_LONG],
}  # fmt: skip
OTHER_IDS = ["1.000001", "", TOO_LONG, "opsbot.approve", "a/b"]

any_text = st.text(st.characters(exclude_categories=()), max_size=12)  # NUL and lone surrogates included
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10,
)
deep = st.integers(60, 5000).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n])
)


@dataclass(frozen=True)
class Case:
    body: bytes
    content_type: str
    event: str = ""  # GitHub's X-GitHub-Event

    def __repr__(self) -> str:  # what hypothesis prints for a failing case
        return f"Case({self.content_type}, {self.event!r}, {self.body[:600]!r}{'…' if len(self.body) > 600 else ''})"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in children:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


def _replacement(original: Any, path: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    key = path[-1]
    if isinstance(original, str) and key in FREE_TEXT:
        return st.one_of(any_text, json_values)
    if isinstance(original, str):
        owner = path[-2] if key == "id" and len(path) > 1 else key  # `user.id` is a user's id
        ids = IDS.get(str(owner), OTHER_IDS)
        return st.one_of(st.sampled_from(ids), json_values.filter(lambda v: not isinstance(v, str)))
    return json_values


def _form_value(key: Any) -> st.SearchStrategy[str]:
    """A slash command's field is text; its ids stay ones the fakes know (or are malformed)."""
    return st.sampled_from(IDS[key]) if key in IDS else any_text


@st.composite
def mutated(draw: st.DrawFn, template: Any, strings_only: bool = False) -> Any:
    body = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        operation = draw(st.sampled_from(["replace", "replace", "delete", "insert"]))
        if operation == "delete":
            del parent[key]
        elif operation == "insert" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(any_text if strings_only else json_values)
        else:
            parent[key] = draw(_form_value(key) if strings_only else _replacement(parent[key], path))
    return body


def _not_a_payload(content_type: str) -> st.SearchStrategy[Case]:
    dumped = json_values.map(lambda v: json.dumps(v).encode())
    raw = st.one_of(dumped, deep.map(str.encode), st.binary(max_size=64))
    return raw.map(lambda b: Case(b, content_type))


# -- Slack -----------------------------------------------------------------------------------------------


def slack_templates(hooks_url: str) -> tuple[list[Any], list[Any], list[dict[str, str]]]:
    """(Events API bodies, interactivity payloads, slash-command forms) opsbot handles, and a few it does not."""

    def envelope(event: Any, n: int) -> Any:
        return bodies.event_callback(event, team_id="T111", bot_user_id="W111", event_id=f"Ev{n}", event_time=1)

    mention = bodies.message_event(
        "<@W111> help", user="U1", channel="C1", ts="1.1", team="T111", client_msg_id="m", type="app_mention"
    )
    dm = bodies.message_event("list prs", user="U1", channel="D1", ts="1.2", team="T111", client_msg_id="d")
    dm["channel_type"] = "im"
    reaction = bodies.reaction_added("eyes", user="U1", channel="C1", item_ts="1.3", item_user="U2", event_ts="1.4")
    events = [envelope(e, n) for n, e in enumerate([mention, dm, reaction])]
    events += [bodies.url_verification("challenge"), envelope({"type": "app_home_opened", "user": "U1"}, 9)]
    clicks = []
    for action_id in [*sorted(SURFACES.actions), "opsbot.renamed"]:
        action = bodies.button_action(action_id, "ap_1", block_id="b", action_ts="1.5")
        message = bodies.button_message(action, ts="1.6", user="W111", bot_id="B111", team="T111")
        clicks.append(
            bodies.block_actions(
                action, user="U2", channel="C1", team_id="T111", message=message, trigger_id="t.1",
                response_url=f"{hooks_url}/actions/T111/1/x",
            )
        )  # fmt: skip
    metadata = json.dumps({"approval": "ap_1", "channel": "C1"})
    views = []
    for callback_id in [*sorted(SURFACES.views), "someone.elses"]:
        view = bodies.submitted_view(
            callback_id, {"reason": {"value": "no"}}, view_id="V1", team_id="T111", bot_id="B111",
            private_metadata=metadata,
        )  # fmt: skip
        views.append(bodies.view_submission(view, user="U2", team_id="T111", trigger_id="t.2"))
    other = {"type": "shortcut", "callback_id": "x", "user": {"id": "U1"}, "trigger_id": "t.3"}
    commands = [
        bodies.slash_command(
            text, command=name, user="U1", channel="C1", team_id="T111", trigger_id="t.4",
            response_url=f"{hooks_url}/commands/T111/1/x",
        )
        for text, name in (("help", "/ops"), ("list prs", "/ops"), ("x", "/deploy"))
    ]  # fmt: skip
    return events, [*clicks, *views, other], commands


def _fresh(template: Any) -> Any:
    """The template with a nonce in the ids a dedupe key is made of, so that every request (a replay too) is
    a new event for the inbox, not a duplicate."""
    body = copy.deepcopy(template)
    for key in ("event_id", "trigger_id"):
        if key in body:
            body[key] = f"{body[key]}.{NONCE}"
    for action in body.get("actions") or []:
        action["action_ts"] = f"1.{NONCE}"
    if isinstance(body.get("view"), dict):
        body["view"]["id"] = f"V{NONCE}"
    return body


def _renewed(templates: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([_fresh(t) for t in templates])


def slack_cases(hooks_url: str) -> st.SearchStrategy[Case]:
    events, payloads, commands = slack_templates(hooks_url)
    as_event = _renewed(events).flatmap(mutated).map(lambda b: Case(json.dumps(b).encode(), "application/json"))
    as_payload = st.one_of(_renewed(payloads).flatmap(mutated), json_values).map(
        lambda p: Case(("payload=" + quote(json.dumps(p))).encode(), "application/x-www-form-urlencoded")
    )
    as_command = (
        _renewed(commands)
        .flatmap(lambda c: mutated(c, strings_only=True))
        .map(lambda f: Case(urlencode(f, errors="surrogatepass").encode(), "application/x-www-form-urlencoded"))
    )
    return st.one_of(
        as_event, as_payload, as_command, _not_a_payload("application/json"), _not_a_payload("text/plain")
    )


# -- the webhooks ------------------------------------------------------------------------------------------


def github_cases() -> st.SearchStrategy[Case]:
    hooks = [
        webhooks.pull_request(),
        webhooks.pull_request("closed", merged=True),
        webhooks.workflow_run_completed(),
        webhooks.workflow_job_completed(),
        webhooks.check_run_completed(),
        webhooks.issue_comment_created(),
        webhooks.push(),
    ]
    for hook in hooks:
        hook.payload["opsbot_fuzz"] = NONCE  # GitHub deliveries are deduplicated by their bytes
    changed = st.sampled_from(hooks).flatmap(
        lambda h: mutated(h.payload).map(lambda p: Case(json.dumps(p).encode(), "application/json", h.event))
    )
    names = st.sampled_from([h.event for h in hooks])
    other = st.tuples(_not_a_payload("application/json"), names).map(lambda t: Case(t[0].body, t[0].content_type, t[1]))
    return st.one_of(changed, other)


def alertmanager_cases(notification: Any) -> st.SearchStrategy[Case]:
    notification = {**notification, "groupKey": f"{notification['groupKey']}:{NONCE}"}  # a new group each time
    changed = mutated(notification).map(lambda p: Case(json.dumps(p).encode(), "application/json"))
    return st.one_of(changed, _not_a_payload("application/json"))
