"""Strict checks of a body against githubkit's models: strict types, every required field, and no unknown key.

The fake answers as GitHub's REST API version 2022-11-28 (what PyGithub gets: it names no version), so that
version's models are the reference, for REST answers and webhook bodies alike; githubkit generates them from
GitHub's published OpenAPI description and webhook schemas. `latest` (2026-03-10) dropped a few fields (a pull
request's `assignee` and `merge_commit_sha`); a body is also parsed with it to show it still fits.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from githubkit_schemas.v2022_11_28 import models
from githubkit_schemas.v2022_11_28 import webhooks as webhook_events
from pydantic import BaseModel, TypeAdapter

__all__ = ["API_VERSION", "models", "unknown_keys", "validate", "webhook_event"]
API_VERSION: Literal["2022-11-28"] = "2022-11-28"


def webhook_event(event: str) -> Any:
    """githubkit's union of every action of one event (`pull_request` → PullRequestEvent)."""
    return getattr(webhook_events, "".join(part.title() for part in event.split("_")) + "Event")


def validate(model: Any, raw: bytes | str) -> Any:
    """The wire bytes as `model` (a githubkit model, list or union): strict JSON types, then no key it lacks.

    pydantic already fails on a missing required field or a wrong type; `strict=True` refuses coercions (a "7"
    for an int), and the key walk refuses a field the schema does not have (a typo, or a field of another shape).
    """
    value = TypeAdapter(model).validate_json(raw, strict=True)
    unknown = unknown_keys(value, json.loads(raw))
    if unknown:
        raise AssertionError(f"not in {getattr(model, '__name__', model)}: {', '.join(unknown)}")
    return value


def unknown_keys(value: Any, data: Any, path: str = "$") -> list[str]:
    """The JSON paths of keys in `data` that the validated `value`'s model does not declare."""
    if isinstance(value, BaseModel) and isinstance(data, dict):
        if value.model_config.get("extra") == "allow":
            return []
        fields = {(info.alias or name): name for name, info in type(value).model_fields.items()}
        found: list[str] = []
        for key, item in data.items():
            if key not in fields:
                found.append(f"{path}.{key}")
            else:
                found += unknown_keys(getattr(value, fields[key]), item, f"{path}.{key}")
        return found
    if isinstance(value, list) and isinstance(data, list):
        pairs = enumerate(zip(value, data, strict=True))
        return [key for i, (v, d) in pairs for key in unknown_keys(v, d, f"{path}[{i}]")]
    return []
