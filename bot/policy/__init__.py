"""The approval policy (OPSBOT_POLICY): who approves write/dangerous actions, where; reads never need approval."""

from bot.policy.durations import format_duration, parse_duration
from bot.policy.model import Policy, load_policy
from bot.policy.rules import PolicyRule
from bot.policy.source import PolicyError, Problem

__all__ = ["Policy", "PolicyError", "PolicyRule", "Problem", "format_duration", "load_policy", "parse_duration"]
