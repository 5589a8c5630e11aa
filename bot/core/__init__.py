"""The core, below everything: the domain records and enums, errors, JSON types, the clock, the one transition
table, the ports (protocols of the store, the audit log, Slack, the model, the policy), the tool registry, and the
plain values the layers above share (approval rules, runbook and trigger records, durations, YAML reading). It
imports nothing of opsbot's outside itself, and neither SQLAlchemy nor slack_sdk."""
