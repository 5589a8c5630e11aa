"""The approval policy file: parsing, matching, inheritance, and errors that name their line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.approvals.policy import Policy, PolicyError, format_duration, load_policy, parse_duration
from bot.core.approval_rules import ApprovalRules
from bot.core.mrkdwn import seal
from tests.unit.policy_fixtures import real_tool_names

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.yaml"

BRIEF_POLICY = """\
# opsbot approval policy
defaults:
  approvers: channel
  required: 1
  expires_after: 2h
  remind_before: 30m
  requester_may_approve: false
rules:
  - name: releases
    tools: [merge_pull_request]
    repos: ["acme/*"]
    approvers: ["@release-managers"]
    required: 2
    expires_after: 2h
    remind_before: 30m
    escalate_to: ["@oncall"]
  - name: issues
    tools: [create_issue]
    approvers: channel
    required: 1
  - name: deploys-only-in-deploys
    tools: [dispatch_workflow]
    only_in: ["#deploys", "C0DEPLOYS"]
    approvers: ["U0AAA", "U0BBB"]
"""




@pytest.fixture
def policy() -> Policy:
    return Policy.from_yaml(BRIEF_POLICY, known_tools=real_tool_names())




# --- matching ---------------------------------------------------------------------------------------------------


def test_a_merge_in_acme_needs_two_release_managers(policy: Policy) -> None:
    rules = policy.rules_for("merge_pull_request", {"repo": "acme/api", "number": 7}, channel_id="C1")
    assert rules == ApprovalRules(
        approvers=("group:release-managers",),
        required=2,
        requester_may_approve=False,
        ttl=timedelta(hours=2),
        remind_before=timedelta(minutes=30),
        escalate_to=("group:oncall",),
        only_in=(),
        rule="releases",
    )


def test_repo_patterns_ignore_case(policy: Policy) -> None:
    assert policy.rules_for("merge_pull_request", {"repo": "Acme/API"}, channel_id="C1").rule == "releases"


def test_a_merge_elsewhere_falls_back_to_the_defaults(policy: Policy) -> None:
    rules = policy.rules_for("merge_pull_request", {"repo": "other/api", "number": 7}, channel_id="C1")
    assert rules == ApprovalRules(
        approvers=("channel",), required=1, remind_before=timedelta(minutes=30), rule="default"
    )


def test_a_rule_with_repos_does_not_match_an_action_without_a_repo(policy: Policy) -> None:
    assert policy.rules_for("merge_pull_request", {}, channel_id="C1").rule == "default"


def test_create_issue_needs_one_approval_from_the_channel(policy: Policy) -> None:
    rules = policy.rules_for("create_issue", {"repo": "acme/api", "title": "x"}, channel_id="C1")
    assert rules.rule == "issues"
    assert (rules.approvers, rules.required) == (("channel",), 1)
    assert (rules.ttl, rules.remind_before) == (timedelta(hours=2), timedelta(minutes=30))  # inherited


def test_a_tool_no_rule_names_gets_the_defaults(policy: Policy) -> None:
    rules = policy.rules_for("rerun_failed_jobs", {"repo": "acme/api", "run_id": 1}, channel_id="C1")
    assert rules.rule == "default"
    assert rules.approvers == ("channel",)


def test_dispatch_workflow_is_allowed_in_deploys_by_id_and_by_name(policy: Policy) -> None:
    rules = policy.rules_for("dispatch_workflow", {"repo": "acme/api"}, channel_id="C0DEPLOYS")
    assert rules.rule == "deploys-only-in-deploys"
    assert rules.approvers == ("U0AAA", "U0BBB")
    assert rules.only_in == ("#deploys", "C0DEPLOYS")
    assert policy.allowed_in(rules, channel_id="C0DEPLOYS", channel_name=None) is None
    assert policy.allowed_in(rules, channel_id="C0OTHER", channel_name="deploys") is None
    assert policy.allowed_in(rules, channel_id="C0OTHER", channel_name="#Deploys") is None


def test_dispatch_workflow_is_refused_elsewhere_with_a_reason(policy: Policy) -> None:
    rules = policy.rules_for("dispatch_workflow", {"repo": "acme/api"}, channel_id="C0GENERAL")
    reason = policy.allowed_in(rules, channel_id="C0GENERAL", channel_name="general")
    assert reason is not None and seal(reason) == "`dispatch_workflow` is only allowed in #deploys or <#C0DEPLOYS>."
    assert policy.allowed_in(rules, channel_id=None, channel_name=None) == reason
    named = policy.allowed_in(rules, channel_id="D1", channel_name=None, tool="deploy")
    assert named is not None and named.startswith("`deploy` is only allowed")


def test_actions_without_only_in_are_allowed_anywhere(policy: Policy) -> None:
    rules = policy.rules_for("create_issue", {"repo": "acme/api"}, channel_id=None)
    assert policy.allowed_in(rules, channel_id=None, channel_name=None) is None


def test_first_matching_rule_wins_and_globs_match_tools() -> None:
    policy = Policy.from_yaml(
        'rules:\n  - name: a\n    tools: ["merge_*"]\n    repos: ["acme/api"]\n'
        '  - name: b\n    tools: ["*"]\n    required: 1\n'
    )
    assert policy.rules_for("merge_pull_request", {"repo": "acme/api"}, channel_id=None).rule == "a"
    assert policy.rules_for("merge_pull_request", {"repo": "acme/web"}, channel_id=None).rule == "b"
    assert policy.rules_for("comment", {}, channel_id=None).rule == "b"


def test_channels_restrict_where_a_rule_applies() -> None:
    policy = Policy.from_yaml('rules:\n  - name: ops\n    tools: ["*"]\n    channels: ["#ops"]\n    required: 1\n')
    assert policy.rules_for("comment", {}, channel_id="C9", channel_name="ops").rule == "ops"
    assert policy.rules_for("comment", {}, channel_id="C9", channel_name="general").rule == "default"


def test_unnamed_rules_are_called_by_their_position() -> None:
    policy = Policy.from_yaml("rules:\n  - tools: [comment]\n  - tools: [create_issue]\n")
    assert policy.rules_for("create_issue", {}, channel_id=None).rule == "rule 2"


def test_approver_forms_are_normalised() -> None:
    policy = Policy.from_yaml(
        "rules:\n  - tools: [x]\n"
        '    approvers: [U0AAA, W0BBB, S0GROUP, "@Release-Managers", "group:oncall", channel]\n'
        '    escalate_to: ["@oncall", S0GROUP, U0AAA]\n'
    )
    rules = policy.rules_for("x", {}, channel_id=None)
    assert rules.approvers == ("U0AAA", "W0BBB", "group:S0GROUP", "group:release-managers", "group:oncall", "channel")
    assert rules.escalate_to == ("group:oncall", "group:S0GROUP", "U0AAA")


def test_anyone_means_anyone_but_the_requester() -> None:
    policy = Policy.from_yaml("defaults:\n  approvers: anyone\n  requester_may_approve: true\n")
    rules = policy.rules_for("x", {}, channel_id=None)
    assert (rules.approvers, rules.requester_may_approve) == ((), True)


# --- defaults without a file ------------------------------------------------------------------------------------


def test_without_a_policy_file_the_settings_apply() -> None:
    policy = load_policy(None, approvers=("U0AAA", "U0BBB"), ttl=timedelta(minutes=45))
    rules = policy.rules_for("merge_pull_request", {"repo": "acme/api"}, channel_id="C1")
    assert rules == ApprovalRules(approvers=("U0AAA", "U0BBB"), required=1, ttl=timedelta(minutes=45), rule="default")
    assert load_policy(None).rules_for("comment", {}, channel_id=None) == ApprovalRules()
    assert load_policy("").rules_for("comment", {}, channel_id=None) == ApprovalRules()  # OPSBOT_POLICY=


def test_the_file_overrides_the_settings_only_where_it_speaks(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("defaults:\n  required: 1\nrules:\n  - tools: [comment]\n    approvers: channel\n")
    policy = load_policy(str(path), approvers=("U0AAA",), ttl=timedelta(minutes=45))
    assert policy.rules_for("create_issue", {}, channel_id=None).approvers == ("U0AAA",)
    assert policy.rules_for("comment", {}, channel_id=None).approvers == ("channel",)
    assert policy.rules_for("comment", {}, channel_id=None).ttl == timedelta(minutes=45)


def test_an_empty_file_means_the_defaults() -> None:
    assert Policy.from_yaml("# nothing yet\n").rules_for("x", {}, channel_id=None) == ApprovalRules()


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as caught:
        load_policy(str(missing))
    assert caught.value.file == str(missing)
    assert caught.value.line is None
    assert str(caught.value).startswith(f"{missing}: can't read the policy file")


# --- durations --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1d 2h", timedelta(hours=26)),
        ("2H", timedelta(hours=2)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "2 hours", "h", "30m1h", "1h1h", "0m", "-1h", "1.5h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero"):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [(90, "1m30s"), (7200, "2h"), (5400, "1h30m"), (93600, "1d2h")])
def test_durations_format_shortest(seconds: int, text: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == text
    assert parse_duration(text) == timedelta(seconds=seconds)


# --- describe ---------------------------------------------------------------------------------------------------


def test_describe_gives_one_line_per_rule_then_the_defaults(policy: Policy) -> None:
    assert policy.describe() == [
        "releases: merge_pull_request in acme/* → 2 of @release-managers, expires 2h, reminder 30m before, "
        "escalate to @oncall",
        "issues: create_issue → 1 approval from anyone in the channel, expires 2h, reminder 30m before",
        "deploys-only-in-deploys: dispatch_workflow → 1 of U0AAA, U0BBB, expires 2h, reminder 30m before, "
        "only in #deploys, C0DEPLOYS",
        "default (any other action) → write and dangerous: 1 approval from anyone in the channel, expires 2h, "
        "reminder 30m before; asked by anyone (erp_*: anyone in the channel); external users (Slack Connect) "
        "not allowed",
    ]


def test_describe_the_built_in_policy() -> None:
    assert Policy.default().describe() == [
        "default (any other action) → write and dangerous: 1 approval from anyone but the requester, expires 2h; "
        "asked by anyone (erp_*: anyone in the channel); external users (Slack Connect) not allowed"
    ]


# --- the shipped example ----------------------------------------------------------------------------------------


def test_the_example_file_loads_with_the_real_tool_names() -> None:
    policy = load_policy(str(EXAMPLE), known_tools=real_tool_names())
    assert [rule.name for rule in policy.rules] == ["releases", "other-merges", "issues", "deploys-only-in-deploys"]
    assert policy.rules_for("merge_pull_request", {"repo": "acme/api"}, channel_id="C1").required == 2
    assert policy.rules_for("merge_pull_request", {"repo": "else/api"}, channel_id="C1").rule == "other-merges"
    deploy = policy.rules_for("dispatch_workflow", {"repo": "acme/api"}, channel_id="C1")
    assert policy.allowed_in(deploy, channel_id="C1", channel_name="general") is not None
    assert len(policy.describe()) == len(policy.rules) + 1


GATE_POLICY = """\
rules:
  - name: production-deploys
    tools: [review_deployment]
    environments: [production, "prod-*"]
    approvers: ["@release-managers"]
    required: 2
  - name: other-deploys
    tools: [review_deployment]
    approvers: channel
"""


def test_a_rule_can_match_the_environment_a_deployment_goes_to() -> None:
    policy = Policy.from_yaml(GATE_POLICY, known_tools=[*real_tool_names(), "review_deployment"])
    to_prod = policy.rules_for("review_deployment", {"repo": "acme/api", "environment": "Production"}, channel_id="C1")
    to_eu = policy.rules_for("review_deployment", {"repo": "acme/api", "environment": "prod-eu"}, channel_id="C1")
    to_staging = policy.rules_for("review_deployment", {"repo": "acme/api", "environment": "staging"}, channel_id="C1")
    assert to_prod.approvers == to_eu.approvers == ("group:release-managers",) and to_prod.required == 2
    assert to_staging.approvers == ("channel",) and to_staging.required == 1
    said = policy.describe()[0]
    assert said.startswith("production-deploys: review_deployment to production, prod-* → 2 of @release-managers")
