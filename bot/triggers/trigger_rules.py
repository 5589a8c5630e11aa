"""The rules file (OPSBOT_RULES): route events to channels, tools or the planner, and declare HTTP probes."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic_core import ErrorDetails

from bot.core.durations import parse_duration
from bot.core.errors import ConfigurationError
from bot.core.jsonvalue import JsonObject
from bot.core.suggest import did_you_mean
from bot.core.yaml_source import Document, PolicyError, Problem, explain, read_yaml

SOURCES = ("github", "alertmanager", "probe")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")
TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


class RulesError(PolicyError):
    """The rules file can't be used: `file, line N: problem`."""


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _channel(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not CHANNEL_ID.match(value.strip()):
        raise ValueError(f"`{info.field_name}` must be a channel id like C0123ABCD (names can change), not {value!r}")
    return value.strip()


def _duration(value: object, info: ValidationInfo) -> timedelta:
    if not isinstance(value, str):
        raise ValueError(f"`{info.field_name}` must be a duration like 30s or 5m, not {value!r}")
    return parse_duration(value)


Patterns = Annotated[list[str], BeforeValidator(_as_list)]
Channel = Annotated[str, BeforeValidator(_channel)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(Strict):
    source: Annotated[list[str], BeforeValidator(_as_list)] = Field(default_factory=list)
    events: Patterns = Field(default_factory=list)
    repos: Patterns = Field(default_factory=list)
    branches: Patterns = Field(default_factory=list)
    environments: Patterns = Field(default_factory=list)  # a deployment's environment (deployment gates)
    labels: dict[str, str] = Field(default_factory=dict)
    severity: Patterns = Field(default_factory=list)
    probes: Patterns = Field(default_factory=list)


class ToolAction(Strict):
    tool: str
    args: dict[str, object] = Field(default_factory=dict)  # YAML: JSON, and perhaps a date


class RouteSpec(Strict):
    name: str | None = None
    when: When = Field(default_factory=When)
    notify: Channel | None = None
    run: ToolAction | None = None
    ask: str | None = None


class ProbeSpec(Strict):
    name: str = Field(pattern=r"^[\w.-]{1,64}$")
    url: str = Field(pattern=r"^https?://")
    every: Duration = timedelta(seconds=30)
    timeout: Duration = timedelta(seconds=10)
    window: Duration = timedelta(minutes=5)
    p95_ms: int | None = Field(None, ge=1)
    failures: int = Field(3, ge=1)
    notify: Channel | None = None
    on_slow: ToolAction | None = None


class RulesFile(Strict):
    routes: list[RouteSpec] = Field(default_factory=list)
    probes: list[ProbeSpec] = Field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What rules can match on, and the values their templates can use."""

    source: str
    type: str
    repo: str | None = None
    branch: str | None = None
    environment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    severity: str | None = None
    probe: str | None = None
    values: JsonObject = field(default_factory=dict)


def _any(patterns: list[str], value: str | None) -> bool:
    if not patterns:
        return True
    return value is not None and any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def matches(when: When, facts: Facts) -> bool:
    return (
        (not when.source or facts.source in when.source)
        and _any(when.events, facts.type)
        and _any(when.repos, facts.repo)
        and _any(when.branches, facts.branch)
        and _any(when.environments, facts.environment)
        and _any(when.severity, facts.severity)
        and _any(when.probes, facts.probe)
        and all(facts.labels.get(k) == v for k, v in when.labels.items())
    )


def render(value: object, values: Mapping[str, object]) -> object:
    """Fill `{name}` placeholders from the event; a whole-string placeholder keeps the value's type."""
    if isinstance(value, dict):
        return render_args(value, values)
    if isinstance(value, list):
        return [render(v, values) for v in value]
    if not isinstance(value, str):
        return value
    whole = TEMPLATE_FIELD.fullmatch(value)
    if whole is not None:
        return values.get(whole.group(1))
    return render_text(value, values)


def render_args(args: Mapping[str, object], values: Mapping[str, object]) -> dict[str, object]:
    """A tool's arguments with their placeholders filled."""
    return {k: render(v, values) for k, v in args.items()}


def render_text(template: str, values: Mapping[str, object]) -> str:
    """A text with its placeholders filled by the values' text (a missing one by nothing)."""
    return TEMPLATE_FIELD.sub(lambda m: str(values.get(m.group(1), "")), template)


@dataclass(frozen=True)
class Rules:
    routes: tuple[RouteSpec, ...] = ()
    probes: tuple[ProbeSpec, ...] = ()
    source: str = "(none)"

    def route(self, facts: Facts) -> RouteSpec | None:
        """The first route whose `when` matches (rules are read top to bottom)."""
        return next((r for r in self.routes if matches(r.when, facts)), None)

    def describe(self) -> list[str]:
        lines = [
            f"{r.name or f'route {i}'}: → {r.notify or 'no channel'}" + (f", run {r.run.tool}" if r.run else "")
            for i, r in enumerate(self.routes, 1)
        ]
        return lines + [f"probe {p.name}: {p.url} every {int(p.every.total_seconds())}s" for p in self.probes]


def load_rules(path: str | None, *, known_tools: tuple[str, ...] = ()) -> Rules:
    if not path:
        return Rules()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"OPSBOT_RULES: can't read {path} ({exc.strerror}).") from None
    return parse_rules(text, path, known_tools=known_tools)


def parse_rules(text: str, source: str, *, known_tools: tuple[str, ...] = ()) -> Rules:
    try:
        doc = read_yaml(text, source)
    except PolicyError as exc:
        raise RulesError(source, exc.line, exc.problem) from None
    if doc.data is not None and not isinstance(doc.data, dict):
        raise RulesError(source, 1, "the rules file must be a mapping with `routes:` and `probes:`")
    try:
        parsed = RulesFile.model_validate(doc.data or {})
    except ValidationError as exc:
        problems = [Problem(line=doc.line(tuple(e["loc"])), problem=_explain(e)) for e in exc.errors()]
        raise RulesError.of(source, doc.problems + problems) from None
    problems = doc.problems + _semantic_problems(parsed, doc, known_tools)
    if problems:
        raise RulesError.of(source, problems)
    return Rules(routes=tuple(parsed.routes), probes=tuple(parsed.probes), source=source)


def _explain(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        known = [*When.model_fields, *RouteSpec.model_fields, *ProbeSpec.model_fields, *RulesFile.model_fields]
        hint = did_you_mean(key, sorted(set(known)), limit=1)
        return f"unknown key `{key}`" + (f" (did you mean `{hint[0]}`?)" if hint else "")
    if err["type"] == "string_pattern_mismatch":
        return f"`{err['loc'][-1]}` is not valid: {err['input']!r}"
    return explain(err)


def _semantic_problems(parsed: RulesFile, doc: Document, known_tools: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    for i, route in enumerate(parsed.routes):
        bad = [s for s in route.when.source if s not in SOURCES]
        if bad:
            line = doc.line(("routes", i, "when", "source"))
            why = f"unknown source `{bad[0]}`: use one of {', '.join(SOURCES)}"
            if bad[0] == "schedule":  # schedules post digests; no event comes from them for a route to match
                why += " (for something on a schedule, use a digest: `/ops digest add daily 09:00 UTC prs acme/api`)"
            problems.append(Problem(line=line, problem=why))
        if route.run is not None and known_tools and route.run.tool not in known_tools:
            hint = did_you_mean(route.run.tool, list(known_tools), limit=1)
            line = doc.line(("routes", i, "run", "tool"))
            extra = f" (did you mean `{hint[0]}`?)" if hint else ""
            problems.append(Problem(line=line, problem=f"unknown tool `{route.run.tool}`{extra}"))
    names = [p.name for p in parsed.probes]
    for i, probe in enumerate(parsed.probes):
        if names.index(probe.name) != i:
            problems.append(Problem(line=doc.line(("probes", i, "name")), problem=f"probe `{probe.name}` is twice"))
        if probe.on_slow is not None and known_tools and probe.on_slow.tool not in known_tools:
            line = doc.line(("probes", i, "on_slow", "tool"))
            problems.append(Problem(line=line, problem=f"unknown tool `{probe.on_slow.tool}`"))
    return problems
