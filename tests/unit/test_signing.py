"""Request signatures: Slack's v0 HMAC with its 300 s window, and GitHub's sha256, on published vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.signing import SLACK_WINDOW_SECONDS, github_signature, slack_signature, verify_github, verify_slack

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def load(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / relative).read_text())
    return data


@pytest.fixture(scope="module")
def slack() -> dict[str, Any]:
    return load("slack/signing_vector.json")


@pytest.fixture(scope="module")
def github() -> dict[str, Any]:
    return load("github/webhook_signature_vector.json")


def headers(ts: str, signature: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


# -- Slack -------------------------------------------------------------------------------------------


def test_slack_window_is_300_seconds(slack: dict[str, Any]) -> None:
    assert SLACK_WINDOW_SECONDS == slack["max_timestamp_skew_seconds"] == 300


def test_slack_signature_matches_the_vector(slack: dict[str, Any]) -> None:
    assert slack["basestring"] == f"v0:{slack['timestamp']}:{slack['body']}"
    signature = slack_signature(slack["signing_secret"], slack["timestamp"], slack["body"].encode())
    assert signature == slack["expected_signature"] == slack["headers"]["X-Slack-Signature"]


def test_slack_vector_verifies(slack: dict[str, Any]) -> None:
    problem = verify_slack(
        slack["signing_secret"], slack["headers"], slack["body"].encode(), float(slack["clock_for_valid_check"])
    )
    assert problem is None


def test_slack_tampered_body_is_refused(slack: dict[str, Any]) -> None:
    (case,) = [c for c in slack["negative_cases"] if "body" in c]
    assert case["expected_valid"] is False
    problem = verify_slack(
        slack["signing_secret"], slack["headers"], case["body"].encode(), float(slack["clock_for_valid_check"])
    )
    assert problem == "bad signature"


def test_slack_vector_is_stale_today(slack: dict[str, Any]) -> None:
    today = 1_800_000_000.0  # 2027; the vector dates from 2018
    assert verify_slack(slack["signing_secret"], slack["headers"], slack["body"].encode(), today) == "stale timestamp"


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
def test_slack_window_both_sides(slack: dict[str, Any], skew: float, expected: str | None) -> None:
    now = float(slack["clock_for_valid_check"]) + skew
    assert verify_slack(slack["signing_secret"], slack["headers"], slack["body"].encode(), now) == expected


def test_slack_signature_from_another_secret_is_refused(slack: dict[str, Any]) -> None:
    ts = slack["timestamp"]
    body = slack["body"].encode()
    forged = slack_signature("not-the-secret", ts, body)
    now = float(ts)
    assert verify_slack(slack["signing_secret"], headers(ts, forged), body, now) == "bad signature"


def test_slack_timestamp_is_part_of_the_signature(slack: dict[str, Any]) -> None:
    # replaying a genuine signature with a fresh timestamp fails
    later = str(int(slack["timestamp"]) + 1000)
    body = slack["body"].encode()
    problem = verify_slack(slack["signing_secret"], headers(later, slack["expected_signature"]), body, float(later))
    assert problem == "bad signature"


@pytest.mark.parametrize("ts", ["abc", "1531420618.0", "-1531420618", " 1531420618", "0x5b47"])
def test_slack_non_numeric_timestamp(slack: dict[str, Any], ts: str) -> None:
    problem = verify_slack(
        slack["signing_secret"], headers(ts, slack["expected_signature"]), slack["body"].encode(), 1531420618.0
    )
    assert problem == "non-numeric timestamp"


def test_slack_unicode_digit_timestamp_is_refused_not_raised(slack: dict[str, Any]) -> None:
    problem = verify_slack(
        slack["signing_secret"], headers("²", slack["expected_signature"]), slack["body"].encode(), 1531420618.0
    )
    assert problem is not None


@pytest.mark.parametrize(
    "hdrs",
    [
        {},
        {"X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1531420618"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
    ],
)
def test_slack_missing_headers(slack: dict[str, Any], hdrs: dict[str, str]) -> None:
    problem = verify_slack(slack["signing_secret"], hdrs, slack["body"].encode(), 1531420618.0)
    assert problem == "missing signature headers"


def test_slack_empty_secret_refuses_everything(slack: dict[str, Any]) -> None:
    body = slack["body"].encode()
    ts = slack["timestamp"]
    # even a request correctly signed with the empty key
    signed_with_empty = headers(ts, slack_signature("", ts, body))
    for hdrs in (slack["headers"], signed_with_empty, {}):
        assert verify_slack("", hdrs, body, float(ts)) == "no signing secret configured"


# -- GitHub ------------------------------------------------------------------------------------------


def test_github_signature_matches_the_vector(github: dict[str, Any]) -> None:
    assert github["header"] == "X-Hub-Signature-256"
    assert github_signature(github["secret"], github["payload"].encode()) == github["expected_signature"]


def test_github_vector_verifies(github: dict[str, Any]) -> None:
    assert verify_github(github["secret"], github["expected_signature"], github["payload"].encode()) is True


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
def test_github_wrong_or_missing_header(github: dict[str, Any], header: str | None) -> None:
    assert verify_github(github["secret"], header, github["payload"].encode()) is False


def test_github_tampered_body_or_wrong_secret(github: dict[str, Any]) -> None:
    body = github["payload"].encode()
    assert verify_github(github["secret"], github["expected_signature"], body + b"!") is False
    assert verify_github("another secret", github["expected_signature"], body) is False


def test_github_empty_secret_refuses_everything(github: dict[str, Any]) -> None:
    body = github["payload"].encode()
    assert verify_github("", github_signature("", body), body) is False
