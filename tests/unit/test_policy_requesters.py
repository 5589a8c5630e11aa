"""Who may ask: the policy's `requesters` and `external_users`, per rule and inherited from the defaults."""

from __future__ import annotations

from bot.approvals.policy import Policy

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
