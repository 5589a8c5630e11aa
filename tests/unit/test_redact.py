"""Secret scrubbing: token shapes in text, secret-named keys, explicit secrets; everything else untouched."""

from __future__ import annotations

import pytest

from bot.core.redact import MASK, contains_secret, redact, redact_text, scrub

SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-1234567890-0987654321-1111111111-abcdef0123456789"
SLACK_APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef"
GITHUB_PAT = "ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8"
GITHUB_FINE = "github_pat_11ABCDEFG0" + "x" * 60
GITHUB_APP = "ghs_" + "Z9" * 18
OPENAI = "sk-proj-" + "Ab3_-x" * 8
SLACK_SIG = "v0=" + "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"
MCP = "opsbot_mcp_" + "Qw3-_rT9" * 5  # bot.core.mcp_tokens.new_secret's shape


@pytest.mark.parametrize(
    "secret", [SLACK_BOT, SLACK_USER, SLACK_APP, GITHUB_PAT, GITHUB_FINE, GITHUB_APP, OPENAI, SLACK_SIG, MCP]
)
def test_token_shapes_are_masked_in_text(secret: str) -> None:
    text = f"calling with {secret} now"
    assert redact_text(text) == f"calling with {MASK} now"


def test_bearer_header_is_masked() -> None:
    assert redact_text(f"Authorization: {BEARER}") == f"Authorization: {MASK}"


def test_several_secrets_in_one_text() -> None:
    out = redact_text(f"{SLACK_BOT},{GITHUB_PAT}\n{OPENAI}")
    assert out == f"{MASK},{MASK}\n{MASK}"
    for secret in (SLACK_BOT, GITHUB_PAT, OPENAI):
        assert secret not in out


@pytest.mark.parametrize(
    "text",
    [
        "merge pr 42 in acme/api with squash",
        "sk-short",  # too short to be a key
        "xoxb-",
        "ghp_tooShort",
        "the task-force met; risk-free",
        "v0=abc",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "",
    ],
)
def test_non_secrets_are_untouched(text: str) -> None:
    assert redact_text(text) == text


def test_explicit_secrets_are_masked_wherever_they_appear() -> None:
    assert redact_text("pw=hunter2hunter2!", ("hunter2hunter2",)) == f"pw={MASK}!"
    assert redact({"note": "a supersecretvalue b"}, ("supersecretvalue",)) == {"note": f"a {MASK} b"}


def test_short_or_empty_explicit_secrets_are_ignored() -> None:
    # masking "" or "abc" would shred ordinary text
    assert redact_text("abc def", ("", "abc")) == "abc def"


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "bot_token",
        "SLACK_SIGNING_SECRET",
        "password",
        "passwd",
        "api_key",
        "apiKey",
        "api-key",
        "Authorization",
        "x_hub_signature",
    ],
)
def test_secret_named_keys_are_masked(key: str) -> None:
    assert redact({key: "anything at all", "other": "kept"}) == {key: MASK, "other": "kept"}


def test_secret_named_key_masks_a_whole_structure() -> None:
    assert redact({"secrets": {"a": "1"}}) == {"secrets": MASK}


def test_empty_secret_named_values_stay_as_they_are() -> None:
    # nothing to hide; and `None` shows that the setting is absent
    assert redact({"token": None, "secret": ""}) == {"token": None, "secret": ""}


def test_nested_dicts_and_lists() -> None:
    value = {
        "run": {"args": {"repo": "acme/api", "headers": {"Authorization": "token abc"}}},
        "lines": ["ok", f"leaked {SLACK_BOT}", {"api_key": "k", "n": 3}],
        "tuple": ("x", GITHUB_PAT),
        "count": 42,
        "flag": True,
        "none": None,
    }
    assert redact(value) == {
        "run": {"args": {"repo": "acme/api", "headers": {"Authorization": MASK}}},
        "lines": ["ok", f"leaked {MASK}", {"api_key": MASK, "n": 3}],
        "tuple": ["x", MASK],
        "count": 42,
        "flag": True,
        "none": None,
    }


def test_redact_returns_a_copy() -> None:
    value = {"args": {"token": "abc", "list": [SLACK_BOT]}}
    redact(value)
    assert value == {"args": {"token": "abc", "list": [SLACK_BOT]}}


def test_non_string_keys_are_kept() -> None:
    assert redact({1: "one", None: SLACK_BOT}) == {1: "one", None: MASK}


CORPUS = [
    [{"type": "section", "text": {"type": "mrkdwn", "text": "*#42* Fix login redirect — checks passing"}}],
    [{"type": "section", "text": {"type": "mrkdwn", "text": f"the log said {SLACK_BOT} oops"}}],
    [{"type": "context", "elements": [{"type": "mrkdwn", "text": "ok"}, {"type": "mrkdwn", "text": GITHUB_PAT}]}],
    [{"type": "actions", "elements": [{"type": "button", "value": f"x {OPENAI}"}]}],
    {"headers": {"Authorization": "abc"}, "body": "fine"},  # a secret-named key
    {"note": "Bearer\neyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"},  # whitespace inside the match
    ("tuple", ["nested", ("deeper", f"sig {SLACK_SIG}")]),
    {"note": "the password is supersecretvalue"},  # only an explicit secret
    {"numbers": [1, 2.5, None, True], "text": "nothing here"},
    {"message": "you sent supersecr…"},  # an explicit secret cut short by a shortened message
    {"message": "you sent ghp_A1b2C3d4…"},  # a token shape cut short
    {"ref": "task-1234-improve-logging-now"},  # a shape inside a word
    [],
]


def as_lists(value: object) -> object:
    """redact() returns tuples as lists; compare like with like."""
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_lists(v) for v in value]
    return value


@pytest.mark.parametrize("value", CORPUS)
def test_contains_secret_says_whether_redact_would_change_anything(value: object) -> None:
    extra = ("supersecretvalue",)
    assert contains_secret(value, extra) == (redact(value, extra) != as_lists(value))


@pytest.mark.parametrize(
    "text",
    [
        "dispatch deploy.yml on task-1234-improve-logging-now",  # `sk-…` inside a word is no OpenAI key
        "branch risk-assessment-for-q3-2026",
        "see desk-booking-service-v2-rollout",
        "abcghp_" + "A1b2C3d4E5" * 3,
    ],
)
def test_a_token_shape_inside_a_word_is_not_a_token(text: str) -> None:
    assert redact_text(text) == text
    assert not contains_secret({"ref": text})


def test_a_token_after_an_escaped_newline_is_still_one() -> None:
    # the JSON of a tool call's arguments, kept as a string in an agent's stored conversation
    arguments = '{"body": "line one\\n' + GITHUB_PAT + '"}'
    assert redact_text(arguments) == '{"body": "line one\\n' + MASK + '"}'


def test_a_configured_secret_is_masked_whole_before_the_shapes() -> None:
    # a shape inside a configured secret must not leave the rest of the secret beside a mask
    secret = "prefix-sk-" + "a1" * 10
    assert redact_text(f"key={secret};", (secret,)) == f"key={MASK};"
    # and of two configured secrets, one inside the other, the longer is masked whole
    assert redact_text("x hunter2hunter2-and-more y", ("hunter2hunter2", "hunter2hunter2-and-more")) == f"x {MASK} y"


def test_a_secret_cut_short_by_a_shortened_message_is_masked() -> None:
    secret = "am-scan-token-4c1e9a77d2"
    cut = f"GitHub said: you sent {secret[:18]}…"
    assert redact_text(cut, (secret,)) == f"GitHub said: you sent {MASK}…"
    assert contains_secret({"message": cut}, (secret,))
    assert redact_text(f"only {secret[:5]}…", (secret,)) == f"only {secret[:5]}…"  # too little to mean anything
    assert redact_text(f"{secret[:10]}x…", (secret,)) == f"{secret[:10]}x…"  # not what the secret goes on with
    assert redact_text("GitHub said: ghp_A1b2C3…") == f"GitHub said: {MASK}…"  # a token shape cut short


SCRUB = (
    {"tokens": 1234, "max_tokens": 40_000, "token": "kept: not secret-shaped", "api_key": None, "ok": True},
    {"nested": [{"text": f"leaked {SLACK_BOT}"}, ("t", 2.5)], f"key {GITHUB_PAT}": 1},
)


def test_scrub_masks_secret_values_and_keeps_every_type() -> None:
    clean, leaky = SCRUB
    assert scrub(clean, ("supersecretvalue",)) is clean  # nothing to mask: the same object, no copy
    assert scrub(leaky) == {"nested": [{"text": f"leaked {MASK}"}, ["t", 2.5]], f"key {MASK}": 1}
    assert scrub({"note": "the supersecretvalue here", "n": 3}, ("supersecretvalue",)) == {
        "note": f"the {MASK} here",
        "n": 3,
    }
    assert scrub(f"just {OPENAI}") == f"just {MASK}"
    assert scrub(None) is None and scrub(42) == 42


def test_scrub_does_not_mask_for_a_keys_name() -> None:
    # unlike `redact` (audit rows, Slack): what is stored is read back, and a runbook's input named `token` is data
    value = {"inputs": {"token_name": "deploy-bot", "tokens": 3}}
    assert scrub(value) is value
    assert redact(value) == {"inputs": {"token_name": MASK, "tokens": MASK}}
