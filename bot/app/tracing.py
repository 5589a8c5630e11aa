"""Tracing, optional: with OTEL_EXPORTER_OTLP_ENDPOINT set, `opsbot run` sends one trace per event over OTLP.

The spans themselves are opened through the OpenTelemetry API (bot.core.spans), which is a no-op until a tracer
provider is set; this sets one (bot.app.otel_sdk) when the endpoint is configured. The SDK, the exporter and the
instrumentations are the `otel` extra (`pip install 'opsbot[otel]'`): without them opsbot logs one warning saying
so and runs untraced, since tracing is never a reason not to serve."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.settings import Settings

log = logging.getLogger(__name__)

MISSING = (
    "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not installed (no module %s): "
    "running without tracing — pip install 'opsbot[otel]'"
)


@contextmanager
def tracing(settings: Settings) -> Iterator[bool]:
    """For the length of `opsbot run`: the SDK set up (True) or nothing (False); spans are flushed on exit."""
    if not settings.otel_exporter_otlp_endpoint:
        yield False
        return
    try:
        import bot.app.otel_sdk as otel_sdk
    except ImportError as exc:
        log.warning(MISSING, exc.name)
        yield False
        return
    started = otel_sdk.start(settings)
    log.info("tracing to %s as %s", started.endpoint, settings.otel_service_name)
    try:
        yield True
    finally:
        started.stop()
