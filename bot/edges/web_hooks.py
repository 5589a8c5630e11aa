"""Webhook endpoints (GitHub, Alertmanager): verify first, store the event in the inbox, ack; work comes later."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web

from bot.core.domain import Event
from bot.core.metrics import METRICS
from bot.edges.hook_events import BadPayload, alertmanager_event, github_event, parse_object
from bot.edges.signing import verify_github

log = logging.getLogger(__name__)

Accept = Callable[[Event], Awaitable[bool]]


@dataclass(frozen=True, kw_only=True)
class HookConfig:
    github_secret: str
    alertmanager_token: str
    team_id: Callable[[], str]


def webhook_routes(accept: Accept, config: HookConfig) -> list[web.RouteDef]:
    async def github(request: web.Request) -> web.Response:
        body = await request.read()
        if not config.github_secret:
            log.warning("refused a GitHub webhook: GITHUB_WEBHOOK_SECRET is not set")
            return _refused("github")
        if not verify_github(config.github_secret, request.headers.get("X-Hub-Signature-256"), body):
            log.warning("refused a GitHub webhook: bad or missing X-Hub-Signature-256")
            return _refused("github")
        name = request.headers.get("X-GitHub-Event", "")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not name or not delivery:
            return web.json_response({"error": "missing X-GitHub-Event or X-GitHub-Delivery"}, status=400)
        if name == "ping":
            return web.json_response({"ok": True, "pong": True})
        try:
            payload = parse_object(_github_body(body, request.content_type))
        except BadPayload as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return await _store(accept, github_event(name, delivery, payload, team_id=config.team_id()))

    async def alertmanager(request: web.Request) -> web.Response:
        body = await request.read()
        if not config.alertmanager_token or not _bearer_ok(request.headers.get("Authorization"), config):
            log.warning("refused an Alertmanager webhook: bad or missing bearer token (or none configured)")
            return _refused("alertmanager")
        try:
            event = alertmanager_event(parse_object(body), team_id=config.team_id())
        except BadPayload as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return await _store(accept, event)

    return [web.post("/webhooks/github", github), web.post("/webhooks/alertmanager", alertmanager)]


def _refused(sender: str) -> web.Response:
    METRICS.inc(f"opsbot_{sender}_webhooks_rejected_total")
    return web.json_response({"error": "unauthorized"}, status=401)


def _bearer_ok(header: str | None, config: HookConfig) -> bool:
    scheme, _, token = (header or "").partition(" ")
    expected = config.alertmanager_token.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


def _github_body(body: bytes, content_type: str) -> bytes:
    """GitHub sends JSON, or a form with the JSON in `payload` when the hook says so."""
    if content_type != "application/x-www-form-urlencoded":
        return body
    values = parse_qs(body.decode("utf-8", "replace")).get("payload") or [""]
    return values[0].encode()


async def _store(accept: Accept, event: Event) -> web.Response:
    try:
        stored = await accept(event)
    except Exception:
        log.exception("could not store a %s webhook", event.source)
        return web.json_response({"error": "try again"}, status=503)
    METRICS.inc(f"opsbot_{event.source.value}_webhooks_total")
    if not stored:
        return web.json_response({"ok": True, "duplicate": True}, status=200)
    return web.json_response({"ok": True}, status=202)
