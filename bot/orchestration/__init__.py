"""Runs: the runner and a step's execution, approval cards, decisions, edits, recovery, timers, and the planners that
drive runs (planner/ the command grammar, agent/ the LLM loop, runbooks/). It reaches the store, the audit log and
Slack only through bot.core.ports: no SQLAlchemy, no slack_sdk (tests/unit/test_core_purity.py)."""
