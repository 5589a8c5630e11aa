"""Webhook endpoints (GitHub, Alertmanager): verify first, store the event in the inbox, ack; work comes later."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web

from bot.core import metrics
from bot.core.domain import Event
from bot.edges.hook_events import BadPayload, alertmanager_event, github_event, parse_object
from bot.edges.signing import verify_github

log = logging.getLogger(__name__)

Accept = Callable[[Event], Awaitable[bool]]

SENDERS = {"github": "a GitHub", "alertmanager": "an Alertmanager"}  # for the log lines
GITHUB_MAX_BODY = 25 * 1024 * 1024  # GitHub caps a delivery at 25 MB; the app's default (1 MiB) is Slack's
EVENT_NAME = re.compile(r"[a-z_]{1,64}")  # `X-GitHub-Event`: pull_request, workflow_run, …
DELIVERY_ID = re.compile(r"[\x21-\x7e]{1,128}")  # `X-GitHub-Delivery`: a GUID


@dataclass(frozen=True, kw_only=True)
class HookConfig:
    github_secret: str
    alertmanager_token: str
    team_id: Callable[[], str]


def webhook_routes(accept: Accept, config: HookConfig) -> list[web.RouteDef]:
    async def github(request: web.Request) -> web.Response:
        if not config.github_secret:
            log.warning("refused a GitHub webhook: GITHUB_WEBHOOK_SECRET is not set")
            return _refused("github")
        body = await request.clone(client_max_size=GITHUB_MAX_BODY).read()
        if not verify_github(config.github_secret, request.headers.get("X-Hub-Signature-256"), body):
            log.warning("refused a GitHub webhook: bad or missing X-Hub-Signature-256")
            return _refused("github")
        name = request.headers.get("X-GitHub-Event", "")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not EVENT_NAME.fullmatch(name) or not DELIVERY_ID.fullmatch(delivery):
            return _bad("github", "missing or malformed X-GitHub-Event or X-GitHub-Delivery")
        if name == "ping":
            metrics.WEBHOOKS.labels("github", "ping").inc()
            return web.json_response({"ok": True, "pong": True})
        try:
            sent = _github_body(body, request.content_type)
            event = github_event(name, delivery, sent, parse_object(sent), team_id=config.team_id())
        except BadPayload as exc:
            return _bad("github", str(exc))
        return await _store(accept, event)

    async def alertmanager(request: web.Request) -> web.Response:
        body = await request.read()
        if not config.alertmanager_token or not _bearer_ok(request.headers.get("Authorization"), config):
            log.warning("refused an Alertmanager webhook: bad or missing bearer token (or none configured)")
            return _refused("alertmanager")
        try:
            event = alertmanager_event(parse_object(body), team_id=config.team_id())
        except BadPayload as exc:
            return _bad("alertmanager", str(exc))
        return await _store(accept, event)

    return [web.post("/webhooks/github", github), web.post("/webhooks/alertmanager", alertmanager)]


def _refused(sender: str) -> web.Response:
    metrics.WEBHOOKS.labels(sender, "rejected").inc()
    return web.json_response({"error": "unauthorized"}, status=401)


def _bad(sender: str, problem: str) -> web.Response:
    """A signed body we cannot use: 400 (neither sender retries a 4xx) and one log line; nothing is stored."""
    metrics.WEBHOOKS.labels(sender, "malformed").inc()
    log.warning("ignored %s webhook: %s", SENDERS[sender], problem)
    return web.json_response({"error": problem}, status=400)


def _bearer_ok(header: str | None, config: HookConfig) -> bool:
    scheme, _, token = (header or "").partition(" ")
    expected = config.alertmanager_token.encode()
    sent = token.strip().encode("utf-8", "surrogateescape")  # a header of any bytes is refused, never a crash
    return scheme.lower() == "bearer" and hmac.compare_digest(sent, expected)


def _github_body(body: bytes, content_type: str) -> bytes:
    """GitHub sends JSON, or a form with the JSON in `payload` when the hook says so."""
    if content_type != "application/x-www-form-urlencoded":
        return body
    try:
        values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100).get("payload") or [""]
    except ValueError:  # more fields than any form GitHub sends
        raise BadPayload("not GitHub's form (one `payload` field)") from None
    return values[0].encode()


async def _store(accept: Accept, event: Event) -> web.Response:
    try:
        stored = await accept(event)
    except Exception:
        log.exception("could not store a %s webhook", event.source)
        metrics.WEBHOOKS.labels(event.source.value, "failed").inc()
        return web.json_response({"error": "try again"}, status=503)
    metrics.WEBHOOKS.labels(event.source.value, "accepted" if stored else "duplicate").inc()
    if not stored:
        return web.json_response({"ok": True, "duplicate": True}, status=200)
    return web.json_response({"ok": True}, status=202)
