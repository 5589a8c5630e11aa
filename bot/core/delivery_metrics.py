"""The outbox's metrics (integrations.slack_outbox), on opsbot's one registry (bot.core.metrics.REGISTRY)."""

from __future__ import annotations

import itertools

from prometheus_client import Counter

from bot.core.metrics import REGISTRY

OUTBOX_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
OUTBOX_OUTCOMES = ("delivered", "adopted", "retried", "dead", "refused")

OUTBOX_MESSAGES = Counter(
    "opsbot_outbox_messages_total",
    "Messages to Slack through the outbox, by method and outcome: delivered (Slack took it), adopted (an earlier "
    "attempt had reached Slack: its message was found and kept, not posted again), retried (an attempt refused "
    "with 429, 5xx, a connection error or a timeout, tried again later), dead (not delivered before its deadline: "
    "dead-lettered), refused (a permanent Slack error such as channel_not_found)",
    ["method", "outcome"],
    registry=REGISTRY,
)
OUTBOX_DEAD = Counter(
    "opsbot_outbox_dead_letters_total",
    "Outbox messages dead-lettered: Slack did not take them before the delivery deadline "
    "(OPSBOT_SLACK_DELIVERY_DEADLINE_SECONDS); each one is also in the audit log as outbox.dead",
    registry=REGISTRY,
)
for _labels in itertools.product(OUTBOX_METHODS, OUTBOX_OUTCOMES):
    OUTBOX_MESSAGES.labels(*_labels)


def counted(method: str, outcome: str) -> None:
    OUTBOX_MESSAGES.labels(method, outcome).inc()
    if outcome == "dead":
        OUTBOX_DEAD.inc()
