"""The HTTP edge (aiohttp): verify first, check the body's shape (slack_gate), then hand it to Bolt.

A 5xx means one thing: the request could not be stored, so Slack should send it again. Whatever the body, the
answer is never a 5xx for what Slack sent: a payload opsbot does not handle is acknowledged (200, one INFO line),
a malformed one is refused with one WARNING line (400; 200 for the Events API, which retries anything else).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.clock import Clock
from bot.core.metrics import METRICS
from bot.edges.signing import verify_slack
from bot.edges.slack_gate import Gated, Verdict, gate
from handlers.surfaces import SURFACES, Surfaces

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's requests are small; the webhooks that need more raise it for their route


def build_web_app(
    bolt: AsyncApp,
    *,
    signing_secret: str,
    clock: Clock,
    health: Callable[[], Awaitable[bool]],
    extra_routes: Sequence[web.RouteDef] = (),
    surfaces: Surfaces = SURFACES,
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
        gated = gate(body, request.content_type, surfaces)
        if gated.verdict is not Verdict.DISPATCH:
            return _answered_here(gated)
        # Bolt takes an already parsed body only in its Socket Mode form; the mode changes nothing else here
        # (its request verification is off: the signature was checked above).
        bolt_request = AsyncBoltRequest(
            body=gated.body, query=request.query_string, headers=dict(request.headers), mode="socket_mode"
        )
        try:
            resp = await bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("could not dispatch a Slack request")
            return web.Response(status=503, text="try again")
        if resp.status == 404:  # no listener took it (the gate lets through only what one should)
            log.info("acknowledged a Slack request no listener took")
            return web.Response(status=200)
        if resp.status >= 500:
            # The inbox could not store it: ask Slack to retry instead of losing it.
            return web.Response(status=503, text="try again")
        return await to_aiohttp_response(resp)

    async def readyz(_request: web.Request) -> web.Response:
        """Readiness: started, the database reachable and migrated, not draining (`health`)."""
        ok = await health()
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    async def livez(_request: web.Request) -> web.Response:
        """Liveness: the event loop answers. Never the database: a blip must not restart every replica."""
        return web.json_response({"ok": True})

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=METRICS.render(), content_type="text/plain")

    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/healthz", readyz)  # an alias of readiness, as before
    app.router.add_get("/metrics", metrics)
    app.add_routes(extra_routes)  # the webhooks (bot/edges/web_hooks.py), each verified before anything else
    return app


def _answered_here(gated: Gated) -> web.Response:
    if gated.verdict is Verdict.IGNORE:
        METRICS.inc("opsbot_slack_unhandled_total")
        log.info("acknowledged %s", gated.note)
        return web.Response(status=200)
    METRICS.inc("opsbot_slack_malformed_total")
    log.warning("ignored a signed Slack request: %s", gated.note)
    if gated.events_api:
        return web.Response(status=200)  # a 4xx would only make Slack send the same bytes again
    return web.Response(status=400, text="malformed request")
