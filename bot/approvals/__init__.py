"""The approval rules, pure: the action hash and the one check every click must pass (click_checks), the quorum,
who may decide (membership, through the Directory port), who may ask (requesters), and the approval policy file
(policy_*), resolved for the runner (resolved_policy). Imports only bot.core and the integrations' registry."""
