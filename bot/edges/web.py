"""The HTTP edge (aiohttp): verify first, then hand the request to Bolt; never a 500 to Slack."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.clock import Clock
from bot.core.metrics import METRICS
from bot.edges.signing import verify_slack

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


def build_web_app(
    bolt: AsyncApp,
    *,
    signing_secret: str,
    clock: Clock,
    health: Callable[[], Awaitable[bool]],
    extra_routes: Sequence[web.RouteDef] = (),
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)

    async def slack_events(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        problem = verify_slack(signing_secret, request.headers, body, clock.now().timestamp())
        if problem is not None:
            METRICS.inc("opsbot_slack_rejected_total")
            log.warning("rejected a Slack request: %s", problem)
            return web.Response(status=401, text="invalid request")
        METRICS.inc("opsbot_slack_requests_total")
        try:
            text = body.decode("utf-8")
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=dict(request.headers))
        except ValueError:  # not UTF-8, not JSON, not a form: nothing to retry
            log.warning("a signed Slack request had a body that could not be parsed")
            return web.Response(status=400, text="malformed request")
        try:
            resp = await bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("could not dispatch a Slack request")
            return web.Response(status=503, text="try again")
        if resp.status == 404 and _is_event_callback(text):
            # An event we subscribe to but do not act on: a 404 would make Slack retry it.
            return web.Response(status=200)
        if resp.status >= 500:
            # The inbox could not store it: ask Slack to retry instead of losing it.
            return web.Response(status=503, text="try again")
        return await to_aiohttp_response(resp)

    async def healthz(_request: web.Request) -> web.Response:
        ok = await health()
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=METRICS.render(), content_type="text/plain")

    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.add_routes(extra_routes)  # the webhooks (bot/web_hooks.py), each verified before anything else
    return app


def _is_event_callback(text: str) -> bool:
    if not text.startswith("{"):
        return False
    try:
        return bool(json.loads(text).get("type") == "event_callback")
    except (ValueError, AttributeError):
        return False
