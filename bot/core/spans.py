"""Spans: one trace per event, its root in bot.edges.worker, with children for planning, each tool call and each
Slack post.

Through the OpenTelemetry API, which records nothing until a tracer provider is set (bot.app.tracing does, when
OTEL_EXPORTER_OTLP_ENDPOINT is set and the `otel` extra is installed): without one a span is a no-op object."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context

Attribute = str | int | float | bool
TRACER = "opsbot"

_provider: trace.TracerProvider | None = None


def use_provider(provider: trace.TracerProvider | None) -> None:
    """Record into `provider` rather than the global one (which a process can set only once): for tests."""
    global _provider
    _provider = provider


def _tracer() -> trace.Tracer:
    return (_provider or trace.get_tracer_provider()).get_tracer(TRACER)


def _clean(attributes: Mapping[str, Attribute | None] | None) -> dict[str, Attribute]:
    return {k: v for k, v in (attributes or {}).items() if v is not None}


@contextmanager
def span(name: str, attributes: Mapping[str, Attribute | None] | None = None) -> Iterator[trace.Span]:
    """A child of the current span (a root when there is none); an exception leaving it is recorded on it."""
    with _tracer().start_as_current_span(name, attributes=_clean(attributes)) as current:
        yield current


@contextmanager
def root_span(name: str, attributes: Mapping[str, Attribute | None] | None = None) -> Iterator[trace.Span]:
    """A new trace whatever is current; linked to the current span when there is one (the HTTP request that
    delivered the event, when the aiohttp server is instrumented)."""
    parent = trace.get_current_span().get_span_context()
    links = [trace.Link(parent)] if parent.is_valid else None
    tracer = _tracer()
    with tracer.start_as_current_span(
        name, context=Context(), kind=trace.SpanKind.CONSUMER, attributes=_clean(attributes), links=links
    ) as current:
        yield current


def record_failure(current: trace.Span, exc: BaseException) -> None:
    """Mark a span failed with an exception that was handled inside it (so did not leave it)."""
    current.record_exception(exc)
    current.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
