"""The OpenTelemetry SDK set up (the `otel` extra; imported only by bot.app.tracing, and only when tracing is on).

A tracer provider named OTEL_SERVICE_NAME (`opsbot`), a batch processor sending to the OTLP/HTTP endpoint, and the
instrumentations: aiohttp's client (Slack's Web API) and server (the HTTP edges), requests (PyGithub) and
SQLAlchemy. Health and metrics probes start no trace. The other OTEL_* variables (OTEL_EXPORTER_OTLP_HEADERS,
OTEL_RESOURCE_ATTRIBUTES, …) are read by the SDK itself."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from bot.app.settings import Settings
from bot.edges.access_log import PROBES

log = logging.getLogger(__name__)


class Instrumentor(Protocol):
    def uninstrument(self) -> None: ...


class SkipProbes(Sampler):
    """Every trace but those a probe's request would start (`/healthz`, `/metrics`, …: asked every few seconds)."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if _path(attributes) in PROBES:
            return SamplingResult(Decision.DROP)
        return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "SkipProbes"


def _path(attributes: Mapping[str, object] | None) -> str | None:
    for key in ("url.path", "http.target"):  # the current HTTP conventions, and the older ones
        value = (attributes or {}).get(key)
        if isinstance(value, str):
            return value.partition("?")[0]
    return None


@dataclass(kw_only=True)
class Started:
    provider: TracerProvider
    endpoint: str
    instrumentors: list[Instrumentor] = field(default_factory=list)

    def stop(self) -> None:
        """Undo the instrumentations and send what is left."""
        for instrumentor in self.instrumentors:
            try:
                instrumentor.uninstrument()
            except Exception as exc:  # SQLAlchemy's listeners on an engine already disposed of, for one
                log.debug("could not undo %s: %s", type(instrumentor).__name__, exc)
        self.provider.shutdown()


def traces_url(endpoint: str) -> str:
    """OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; traces go to its `/v1/traces`."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def provider_for(settings: Settings) -> TracerProvider:
    return TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name}),
        sampler=ParentBased(root=SkipProbes(), remote_parent_sampled=SkipProbes()),  # a probe sending traceparent
    )


def start(settings: Settings, exporter: SpanExporter | None = None) -> Started:
    """Set the global tracer provider (once a process) and instrument the libraries opsbot calls out with: before
    the app, its database engine and its HTTP sessions are made, which the instrumentations hook into."""
    assert settings.otel_exporter_otlp_endpoint
    url = traces_url(settings.otel_exporter_otlp_endpoint)
    provider = provider_for(settings)
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter(endpoint=url)))
    trace.set_tracer_provider(provider)
    started = Started(provider=provider, endpoint=url)
    for instrumentor in (AioHttpClientInstrumentor(), AioHttpServerInstrumentor(), RequestsInstrumentor()):
        instrumentor.instrument(tracer_provider=provider)
        started.instrumentors.append(instrumentor)
    # its declared range ends below SQLAlchemy 2.1, which opsbot runs on; the engine events it hooks are unchanged
    sql = SQLAlchemyInstrumentor()
    sql.instrument(tracer_provider=provider, skip_dep_check=True)
    started.instrumentors.append(sql)
    return started
