"""The HTTP edge (aiohttp): verify first, check the body's shape (slack_gate), then hand it to Bolt.

A 5xx means one thing: the request could not be stored, so Slack should send it again. Whatever the body, the
answer is never a 5xx for what Slack sent: a payload opsbot does not handle is acknowledged (200, one INFO line),
a malformed one is refused with one WARNING line (400; 200 for the Events API, which retries anything else).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.clock import Clock
from bot.core.metrics import CONTENT_TYPE, Backlog, scrape, slack_answered
from bot.edges.http_metrics import count_http_responses
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
    backlog: Callable[[], Awaitable[Backlog]] | None = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)

    async def slack_events(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        body = await request.read()
        problem = verify_slack(signing_secret, request.headers, body, clock.now().timestamp())
        if problem is not None:
            slack_answered("unknown", "rejected", started)
            log.warning("rejected a Slack request: %s", problem)
            return web.Response(status=401, text="invalid request")
        gated = gate(body, request.content_type, surfaces)
        if gated.verdict is not Verdict.DISPATCH:
            return _answered_here(gated, started)
        # Bolt takes an already parsed body only in its Socket Mode form; the mode changes nothing else here
        # (its request verification is off: the signature was checked above).
        bolt_request = AsyncBoltRequest(
            body=gated.body, query=request.query_string, headers=dict(request.headers), mode="socket_mode"
        )
        try:
            resp = await bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("could not dispatch a Slack request")
            slack_answered(gated.surface, "failed", started)
            return web.Response(status=503, text="try again")
        if resp.status == 404:  # no listener took it (the gate lets through only what one should)
            log.info("acknowledged a Slack request no listener took")
            slack_answered(gated.surface, "unhandled", started)
            return web.Response(status=200)
        if resp.status >= 500:
            # The inbox could not store it: ask Slack to retry instead of losing it.
            slack_answered(gated.surface, "failed", started)
            return web.Response(status=503, text="try again")
        slack_answered(gated.surface, "accepted" if resp.status < 400 else "malformed", started)
        return await to_aiohttp_response(resp)

    async def readyz(_request: web.Request) -> web.Response:
        """Readiness: started, the database reachable and migrated, not draining (`health`)."""
        ok = await health()
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    async def livez(_request: web.Request) -> web.Response:
        """Liveness: the event loop answers. Never the database: a blip must not restart every replica."""
        return web.json_response({"ok": True})

    async def metrics(_request: web.Request) -> web.Response:
        """Prometheus text; the database gauges are read now (`backlog`), and a database down never fails it."""
        return web.Response(body=await scrape(backlog), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/healthz", readyz)  # an alias of readiness, as before
    app.router.add_get("/metrics", metrics)
    app.add_routes(extra_routes)  # the webhooks (bot/edges/web_hooks.py), each verified before anything else
    count_http_responses(app)  # opsbot_http_responses_total, by route and status class
    return app


def _answered_here(gated: Gated, started: float) -> web.Response:
    if gated.verdict is Verdict.IGNORE:
        slack_answered(gated.surface, "unhandled", started)
        log.info("acknowledged %s", gated.note)
        return web.Response(status=200)
    slack_answered(gated.surface, "malformed", started)
    log.warning("ignored a signed Slack request: %s", gated.note)
    if gated.events_api:
        return web.Response(status=200)  # a 4xx would only make Slack send the same bytes again
    return web.Response(status=400, text="malformed request")
