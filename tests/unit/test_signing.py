"""Request signatures: Slack's v0 HMAC with its 300 s window, and GitHub's sha256, on published vectors."""

from __future__ import annotations

from typing import Any

import pytest

from bot.edges.signing import SLACK_WINDOW_SECONDS, github_signature, slack_signature, verify_github, verify_slack
from tests import upstream

# Slack's documentation page "Verifying requests from Slack" (api.slack.com/authentication/verifying-requests-from-
# slack) works one request through: this signing secret, timestamp and slash-command body give this signature.
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TIMESTAMP = "1531420618"
SLACK_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
SLACK_HEADERS = {"X-Slack-Request-Timestamp": SLACK_TIMESTAMP, "X-Slack-Signature": SLACK_SIGNATURE}
SLACK_NOW = float(SLACK_TIMESTAMP)  # a clock at the moment the vector was signed

# GitHub's documentation page "Validating webhook deliveries" (docs.github.com/en/webhooks/using-webhooks/
# validating-webhook-deliveries) gives this secret and payload, and the X-Hub-Signature-256 they make.
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_PAYLOAD = "Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def headers(ts: str, signature: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


# -- Slack ----------------------------------------------------------------------------------------------

BODY = SLACK_BODY.encode()


def test_slack_window_is_300_seconds() -> None:
    assert SLACK_WINDOW_SECONDS == 300  # "more than five minutes from local time": the docs' replay window


def test_slack_signature_matches_the_vector() -> None:
    assert slack_signature(SLACK_SECRET, SLACK_TIMESTAMP, BODY) == SLACK_SIGNATURE


def test_slack_vector_verifies() -> None:
    assert verify_slack(SLACK_SECRET, SLACK_HEADERS, BODY, SLACK_NOW) is None


def test_slack_tampered_body_is_refused() -> None:
    assert verify_slack(SLACK_SECRET, SLACK_HEADERS, BODY + b"------", SLACK_NOW) == "bad signature"


def test_slack_vector_is_stale_today() -> None:
    today = 1_800_000_000.0  # 2027; the vector dates from 2018
    assert verify_slack(SLACK_SECRET, SLACK_HEADERS, BODY, today) == "stale timestamp"


@pytest.mark.parametrize(
    ("skew", "expected"),
    [
        (0, None),
        (300, None),
        (-300, None),
        (301, "stale timestamp"),
        (-301, "stale timestamp"),
        (300.5, "stale timestamp"),
    ],
)
def test_slack_window_both_sides(skew: float, expected: str | None) -> None:
    assert verify_slack(SLACK_SECRET, SLACK_HEADERS, BODY, SLACK_NOW + skew) == expected


def test_slack_signature_from_another_secret_is_refused() -> None:
    forged = slack_signature("not-the-secret", SLACK_TIMESTAMP, BODY)
    assert verify_slack(SLACK_SECRET, headers(SLACK_TIMESTAMP, forged), BODY, SLACK_NOW) == "bad signature"


def test_slack_timestamp_is_part_of_the_signature() -> None:
    # replaying a genuine signature with a fresh timestamp fails
    later = str(int(SLACK_TIMESTAMP) + 1000)
    assert verify_slack(SLACK_SECRET, headers(later, SLACK_SIGNATURE), BODY, float(later)) == "bad signature"


@pytest.mark.parametrize("ts", ["abc", "1531420618.0", "-1531420618", " 1531420618", "0x5b47"])
def test_slack_non_numeric_timestamp(ts: str) -> None:
    assert verify_slack(SLACK_SECRET, headers(ts, SLACK_SIGNATURE), BODY, SLACK_NOW) == "non-numeric timestamp"


def test_slack_unicode_digit_timestamp_is_refused_not_raised() -> None:
    assert verify_slack(SLACK_SECRET, headers("²", SLACK_SIGNATURE), BODY, SLACK_NOW) is not None


@pytest.mark.parametrize(
    "hdrs",
    [
        {},
        {"X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1531420618"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
    ],
)
def test_slack_missing_headers(hdrs: dict[str, str]) -> None:
    assert verify_slack(SLACK_SECRET, hdrs, BODY, SLACK_NOW) == "missing signature headers"


def test_slack_empty_secret_refuses_everything() -> None:
    # even a request correctly signed with the empty key
    signed_with_empty = headers(SLACK_TIMESTAMP, slack_signature("", SLACK_TIMESTAMP, BODY))
    for hdrs in (SLACK_HEADERS, signed_with_empty, {}):
        assert verify_slack("", hdrs, BODY, SLACK_NOW) == "no signing secret configured"


# -- GitHub ---------------------------------------------------------------------------------------------

PAYLOAD = GITHUB_PAYLOAD.encode()


def test_github_signature_matches_the_vector() -> None:
    assert github_signature(GITHUB_SECRET, PAYLOAD) == GITHUB_SIGNATURE


def test_github_vector_verifies() -> None:
    assert verify_github(GITHUB_SECRET, GITHUB_SIGNATURE, PAYLOAD) is True


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    ],
)
def test_github_wrong_or_missing_header(header: str | None) -> None:
    assert verify_github(GITHUB_SECRET, header, PAYLOAD) is False


def test_github_tampered_body_or_wrong_secret() -> None:
    assert verify_github(GITHUB_SECRET, GITHUB_SIGNATURE, PAYLOAD + b"!") is False
    assert verify_github("another secret", GITHUB_SIGNATURE, PAYLOAD) is False


def test_github_empty_secret_refuses_everything() -> None:
    assert verify_github("", github_signature("", PAYLOAD), PAYLOAD) is False


# -- the corpus copies of these vectors, when present (an extra: they should say the same) -------------------


def test_the_corpus_slack_vector_is_the_documented_one() -> None:
    vector: dict[str, Any] = upstream.json_file(
        "slack/signing_vector.json", what="Slack's signing vector as recorded by python-slack-sdk's tests"
    )
    assert (vector["signing_secret"], vector["timestamp"], vector["body"]) == (
        SLACK_SECRET,
        SLACK_TIMESTAMP,
        SLACK_BODY,
    )
    assert vector["expected_signature"] == SLACK_SIGNATURE == vector["headers"]["X-Slack-Signature"]
    assert vector["max_timestamp_skew_seconds"] == SLACK_WINDOW_SECONDS
    (tampered,) = [c for c in vector["negative_cases"] if "body" in c]
    assert verify_slack(SLACK_SECRET, SLACK_HEADERS, tampered["body"].encode(), SLACK_NOW) == "bad signature"


def test_the_corpus_github_vector_is_the_documented_one() -> None:
    vector: dict[str, Any] = upstream.json_file(
        "github/webhook_signature_vector.json", what="GitHub's webhook signature vector from its docs"
    )
    assert vector["header"] == "X-Hub-Signature-256"
    assert (vector["secret"], vector["payload"], vector["expected_signature"]) == (
        GITHUB_SECRET,
        GITHUB_PAYLOAD,
        GITHUB_SIGNATURE,
    )
