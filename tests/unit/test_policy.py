"""The approval policy file: parsing, matching, inheritance, and errors that name their line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.approvals.policy import Policy, PolicyError, format_duration, load_policy, parse_duration
from bot.core.approval_rules import ApprovalRules
from bot.core.clock import FakeClock
from bot.core.mrkdwn import seal
from integrations.github import GitHubGateway, github_tools

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


def real_tool_names() -> list[str]:
    return [t.name for t in github_tools(GitHubGateway(None, "http://127.0.0.1:9", FakeClock()))]


@pytest.fixture
def policy() -> Policy:
    return Policy.from_yaml(BRIEF_POLICY, known_tools=real_tool_names())


def error_of(text: str, *, source: str = "policy.yaml", known_tools: list[str] | None = None) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        Policy.from_yaml(text, source=source, known_tools=known_tools)
    return caught.value


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


# --- errors name the file and the line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("rules:\n  - name: x\n    tools: [a\n  - b: 1\n", 4, "not valid YAML"),
        ("rules:\n  - tools: [x]\n    only_in: [#deploys]\n", 3, "quote channel names"),
        ("rules:\n  - tools: [x]\n    only_in:\n      - #deploys\n", 4, "quote channel names"),
        ("rules:\n  - tools: [x]\n    approvers:\n      - @release\n", 4, "quote group handles"),
        ("defaults:\n  required: 1\n  aprovers: channel\n", 3, "unknown key `aprovers` (did you mean `approvers`?)"),
        ("rules:\n  - tools: [x]\n\n    repo: [a/b]\n", 4, "unknown key `repo` (did you mean `repos`?)"),
        ("defaults:\n  tools: [x]\n", 2, "`tools` belongs in a rule"),
        ("defaults:\n  approvers: channel\n  required: two\n", 3, "`required` must be a whole number, not 'two'"),
        ("defaults:\n  requester_may_approve: 1\n", 2, "must be true or false"),
        ("defaults:\n  required: '2'\n", 2, "must be a whole number"),
        ("rules: {name: x}\n", 1, "`rules` must be a list"),
        ("defaults:\n  expires_after: 2 hours\n", 2, "`2 hours` is not a duration"),
        ("defaults:\n  remind_before: 30\n", 2, "must be a duration with a unit"),
        ("defaults:\n  approvers: channel\n\n  required: 0\n", 4, "`required` must be at least 1"),
        ("rules:\n  - tools: [x]\n    approvers: [U0AAA, U0BBB]\n    required: 3\n", 4, "lists only 2 users"),
        ("defaults:\n  required: 2\nrules:\n  - tools: [x]\n    approvers: [U0AAA]\n", 5, "2 (from defaults)"),
        ("defaults:\n  expires_after: 30m\n  remind_before: 30m\n", 3, "must be shorter than `expires_after`"),
        ("defaults:\n  expires_after: 20m\nrules:\n  - tools: [x]\n    remind_before: 1h\n", 5, "20m, from defaults"),
        ("defaults:\n  remind_before: 3h\n", 2, "(2h, not set in the file)"),
        ("rules:\n  - name: x\n    tools: []\n", 3, "`tools` is empty"),
        ("rules:\n  - name: x\n    approvers: channel\n", 2, "`tools` is missing"),
        ("rules:\n  - tools: [x]\n    approvers:\n      - U0AAA\n      - alice\n", 5, "`alice` in `approvers`"),
        ("rules:\n  - tools: [x]\n    approvers: []\n", 3, "`approvers` is empty"),
        ("rules:\n  - tools: [x]\n    approvers: [anyone, U0AAA]\n", 3, "can't be combined"),
        ("rules:\n  - tools: [x]\n    escalate_to: channel\n", 3, "`escalate_to` takes user ids"),
        ("rules:\n  - tools: [x]\n    only_in: [deploys]\n", 3, "`deploys` in `only_in` is not a channel"),
        ("rules:\n  - tools: [x]\n    repos: [acme]\n", 3, "`acme` in `repos` is not a repository"),
        ("defaults:\n  required: 1\n  required: 2\n", 3, "`required` is given twice (also on line 2)"),
        ("rules:\n  - name: a\n    tools: [x]\n  - name: a\n    tools: [y]\n", 4, "already used on line 2"),
        ("rules:\n  - tools: ['*']\n  - name: late\n    tools: [x]\n", 3, "rule `late` can never apply"),
        ("- a\n- b\n", 1, "must be a mapping"),
        ("defaults:\n  required: !!python/name:os.system 1\n", 2, "can't read this value"),
        ("rules:\n  - tools: [x]\n    requesters: []\n", 3, "`requesters` is empty"),
        ("rules:\n  - tools: [x]\n    requesters: [anyone, U0AAA]\n", 3, "can't be combined with other requesters"),
        ("rules:\n  - tools: [x]\n    requesters:\n      - alice\n", 4, "`alice` in `requesters` is not a requester"),
        ("defaults:\n  external_users: yes\n", 2, "`external_users` must be `allow` or `deny`, not True"),
        ("defaults:\n  external_users: maybe\n", 2, "`external_users` must be `allow` or `deny`, not 'maybe'"),
        ("defaults:\n  requesters: channel\n  requestors: [U1]\n", 3, "(did you mean `requesters`?)"),
    ],
)
def test_each_problem_names_its_line(text: str, line: int, words: str) -> None:
    error = error_of(text, source="ops/policy.yaml")
    assert (error.file, error.line) == ("ops/policy.yaml", line), str(error)
    assert words in error.problem
    assert str(error).startswith(f"ops/policy.yaml, line {line}: ")


def test_unknown_tools_are_reported_with_a_suggestion() -> None:
    error = error_of(
        "rules:\n  - tools:\n      - merge_pr\n      - 'rerun_*'\n      - 'deploy_*'\n",
        known_tools=real_tool_names(),
    )
    assert [(p.line, p.problem) for p in error.problems] == [
        (3, "unknown tool `merge_pr` (did you mean `merge_pull_request`?)"),
        (5, "`deploy_*` in `tools` matches no tool"),
    ]


def test_unknown_tools_are_accepted_when_the_tools_are_not_known() -> None:
    Policy.from_yaml("rules:\n  - tools: [merge_pr]\n")


def test_several_problems_are_reported_together_in_line_order() -> None:
    error = error_of("rules:\n  - tools: []\n    required: 0\ndefaults:\n  aprovers: channel\n")
    assert [p.line for p in error.problems] == [2, 3, 5]
    assert str(error).splitlines() == [
        'policy.yaml, line 2: `tools` is empty: name at least one tool, or "*" for every tool',
        "policy.yaml, line 3: `required` must be at least 1, not 0",
        "policy.yaml, line 5: unknown key `aprovers` (did you mean `approvers`?)",
    ]


def test_at_most_five_problems_are_shown() -> None:
    error = error_of("defaults:\n" + "".join(f"  k{i}: 1\n" for i in range(7)))
    lines = str(error).splitlines()
    assert len(lines) == 6
    assert lines[-1] == "… and 2 more problems in policy.yaml"


def test_policy_error_is_a_configuration_error() -> None:
    from bot.core.errors import ConfigurationError

    assert isinstance(error_of("defaults: [x]\n"), ConfigurationError)


# --- who may ask: requesters and external users -------------------------------------------------------------------

ASKING = """\
defaults:
  approvers: channel
rules:
  - name: deploys
    tools: [dispatch_workflow]
    requesters: [U5, "@deployers"]
    external_users: allow
  - name: partners-read-stock
    tools: [erp_stock_level]
    requesters: anyone
    external_users: allow
  - name: issues
    tools: [create_issue]
"""


def test_requesters_and_external_users_are_read_per_rule() -> None:
    policy = Policy.from_yaml(ASKING)
    deploys = policy.rules_for("dispatch_workflow", {"repo": "acme/api"}, channel_id="C1")
    assert (deploys.requesters, deploys.external_users) == (("U5", "group:deployers"), True)
    stock = policy.rules_for("erp_stock_level", {"product": "Desk Lamp"}, channel_id="C1")
    assert (stock.who_may_ask("erp_stock_level"), stock.external_users) == (("anyone",), True)


def test_without_a_word_reads_are_for_anyone_and_erp_tools_for_the_channel() -> None:
    policy = Policy.from_yaml(ASKING)
    issues = policy.rules_for("create_issue", {"repo": "acme/api"}, channel_id="C1")
    assert (issues.requesters, issues.external_users) == (None, False)  # inherited: not set anywhere
    assert issues.who_may_ask("create_issue") == ("anyone",)
    erp = policy.rules_for("erp_overdue_invoices", {}, channel_id="C1")  # no rule: the defaults
    assert (erp.rule, erp.who_may_ask("erp_overdue_invoices"), erp.external_users) == ("default", ("channel",), False)
    assert Policy.default().rules_for("list_pull_requests", {}, channel_id="C1").who_may_ask("list_pull_requests") == (
        "anyone",
    )


def test_rules_inherit_requesters_and_external_users_from_defaults() -> None:
    policy = Policy.from_yaml(
        "defaults:\n  requesters: channel\n  external_users: allow\n"
        "rules:\n  - name: merges\n    tools: [merge_pull_request]\n    external_users: deny\n"
    )
    merges = policy.rules_for("merge_pull_request", {"repo": "acme/api"}, channel_id="C1")
    assert (merges.requesters, merges.external_users) == (("channel",), False)
    reads = policy.rules_for("list_pull_requests", {"repo": "acme/api"}, channel_id="C1")
    assert (reads.who_may_ask("list_pull_requests"), reads.external_users) == (("channel",), True)


def test_describe_says_who_may_ask_and_where_external_users_are_allowed() -> None:
    assert Policy.from_yaml(ASKING).describe() == [
        "deploys: dispatch_workflow → 1 approval from anyone in the channel, expires 2h; asked by U5, @deployers; "
        "external users allowed",
        "partners-read-stock: erp_stock_level → 1 approval from anyone in the channel, expires 2h; asked by anyone; "
        "external users allowed",
        "issues: create_issue → 1 approval from anyone in the channel, expires 2h",
        "default (any other action) → write and dangerous: 1 approval from anyone in the channel, expires 2h; "
        "asked by anyone (erp_*: anyone in the channel); external users (Slack Connect) not allowed",
    ]
    allowed = Policy.from_yaml("defaults:\n  requesters: [U5]\n  external_users: allow\n")
    assert allowed.describe()[-1].endswith("; asked by U5; external users (Slack Connect) allowed")
