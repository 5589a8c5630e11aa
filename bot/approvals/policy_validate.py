"""A policy file checked against its schema: every problem with its line, unknown keys with a did-you-mean."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.approvals import policy_schema as schema
from bot.core.suggest import did_you_mean
from bot.core.yaml_source import Document, PolicyError, Problem, error_path, explain


def validate(doc: Document, source: str) -> schema.PolicyFile:
    """The file as `PolicyFile`, or a PolicyError listing every problem with its line."""
    if doc.data is not None and not isinstance(doc.data, dict):
        raise PolicyError(source, 1, "the policy must be a mapping with `defaults:` and `rules:`")
    try:
        parsed = schema.PolicyFile.model_validate(doc.data or {})
    except ValidationError as exc:
        problems = [Problem(line=doc.line(error_path(err)), problem=explain_policy(err)) for err in exc.errors()]
        raise PolicyError.of(source, doc.problems + problems) from None
    if doc.problems:
        raise PolicyError.of(source, doc.problems)
    return parsed


def explain_policy(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        names = [part for part in err["loc"] if isinstance(part, str)]
        return _unknown_key(names[-1] if names else "the policy", err["loc"])
    return explain(err)


def _unknown_key(key: str, loc: tuple[str | int, ...]) -> str:
    model: type[BaseModel] = schema.PolicyFile
    if loc[0] == "defaults" and len(loc) > 1:
        model = schema.Defaults
    elif loc[0] == "rules" and len(loc) > 2:
        model = schema.Rule
    if model is schema.Defaults and key in schema.MATCHERS:
        return f"`{key}` belongs in a rule, not in `defaults`"
    hint = did_you_mean(key, model.model_fields, limit=1)
    return f"unknown key `{key}`" + (f" (did you mean `{hint[0]}`?)" if hint else "")
