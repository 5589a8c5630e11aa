"""Runbooks: declarative multi-step workflows (YAML) run durably with approvals where the policy asks."""
