"""The approval policy (OPSBOT_POLICY): who approves write/dangerous actions, where; reads never need approval."""

from bot.approvals.policy_model import Policy, load_policy
from bot.approvals.policy_rules import PolicyRule
from bot.core.durations import format_duration, parse_duration
from bot.core.yaml_source import PolicyError, Problem

__all__ = ["Policy", "PolicyError", "PolicyRule", "Problem", "format_duration", "load_policy", "parse_duration"]
