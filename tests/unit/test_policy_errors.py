"""Policy file errors: each names the file and the line, unknown tools get a suggestion, at most five are shown."""

from __future__ import annotations

import pytest

from bot.approvals.policy import Policy, PolicyError
from tests.unit.policy_fixtures import real_tool_names


def error_of(text: str, *, source: str = "policy.yaml", known_tools: list[str] | None = None) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        Policy.from_yaml(text, source=source, known_tools=known_tools)
    return caught.value


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
