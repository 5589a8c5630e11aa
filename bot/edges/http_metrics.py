"""Every HTTP answer counted by route and status class (opsbot_http_responses_total): the 5xx alert reads it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.core.metrics import http_answered, known_routes


@web.middleware
async def count_responses(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = _route(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a 404 for an unknown path, a 405, a 413 for a body too large…
        http_answered(route, exc.status)
        raise
    except Exception:  # aiohttp answers 500
        http_answered(route, 500)
        raise
    http_answered(route, response.status)
    return response


def _route(request: web.Request) -> str:
    """The route's template (`/webhooks/github`), never the path as sent: an unknown path is `other`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "other"


def count_http_responses(app: web.Application) -> None:
    """Count `app`'s answers from now on; its routes are listed at 0 from the start (call it after adding them)."""
    known_routes(sorted({resource.canonical for resource in app.router.resources()} | {"other"}))
    app.middlewares.append(count_responses)
