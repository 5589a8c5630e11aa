"""Who may ask for an action: the policy's `requesters` (every tool, reads included) and `external_users`, checked
before a step runs or its approval card is posted. A refusal names the rule and who may ask."""

from __future__ import annotations

from bot.approvals.membership import LookupFailed, Membership, describe_specs
from bot.core.approval_rules import ANYONE, CHANNEL, ApprovalRules, Asker, is_erp
from bot.core.mrkdwn import escape


async def ask_refusal(
    tool: str, rules: ApprovalRules, asker: Asker, *, risky: bool, external: bool, membership: Membership
) -> str | None:
    """Why `asker` may not ask for `tool` under `rules`, or None.

    A person of another organisation (Slack Connect) may ask for write, dangerous and ERP tools only where the rule
    says `external_users: allow`; then everyone must be one of the rule's `requesters` (by default anyone, and for
    the ERP's tools a member of the channel asked in — so not in a direct message, which is nobody's channel).
    A failed Slack lookup refuses (fail closed)."""
    where = f"policy rule `{escape(rules.rule)}`"
    if external and (risky or is_erp(tool)) and not rules.external_users:
        return (
            f"You're in another organisation (Slack Connect), and {where} lets only people of this workspace ask "
            f"for `{tool}`."
        )
    allowed = rules.who_may_ask(tool)
    if allowed == (ANYONE,):
        return None
    direct = bool(asker.channel and asker.channel.startswith("D"))  # a DM: nobody's channel to be a member of
    try:
        if await membership.may_decide(asker.user, allowed, None if direct else asker.channel):
            return None
    except LookupFailed:
        return f"I couldn't check who may ask for `{tool}` (a Slack lookup failed), so I won't run it."
    elsewhere = " in a channel, not in a direct message" if direct and CHANNEL in allowed else ""
    return f"Only {describe_requesters(allowed)} may ask for `{tool}`{elsewhere} ({where})."


def describe_requesters(requesters: tuple[str, ...]) -> str:
    """In Slack words: <@U5>, @release-managers, members of this channel."""
    return ", ".join("members of this channel" if s == CHANNEL else describe_specs([s]) for s in requesters)
