"""JSON from outside, bounded before anything else reads it: parsed once, at most `MAX_DEPTH` levels deep, only
finite numbers, and only strings both databases can store (no NUL character, no lone surrogate); and how a
problem in it is named in a log line (`describe`, `shown`).

Python's parser raises `RecursionError` on deep nesting, accepts `NaN` and `Infinity`, and lets `"\\u0000"` and
half a surrogate pair through; PostgreSQL refuses the last three in a JSON column, so an event carrying one could
never be stored. Here each of those is a `BadJson` with a reason fit for a log line.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from bot.core.jsonvalue import Json

_PYDANTIC_OBJECT = re.compile(r"a valid dictionary or instance of \w+")
MAX_DEPTH = 64  # Slack's and GitHub's deepest bodies (rich text in a clicked message) are about 12 levels


class BadJson(ValueError):
    """Not JSON, or JSON that no store or reader of ours should be handed."""


def _no_constant(name: str) -> float:
    raise BadJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadJson("a number too large for a float")
    return value


def loads_bounded(raw: bytes | str) -> Json:
    """The JSON value in `raw` (UTF-8, as every sender of ours writes it), or `BadJson` saying why not."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if not isinstance(raw, bytes):
            raw.encode("utf-8")  # a str holding a surrogate would get as far as the database
    except UnicodeError:
        raise BadJson("not UTF-8") from None
    try:
        data: Json = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # not JSON, or an integer of more than 4300 digits
        raise BadJson("not JSON") from None
    # A NUL or a lone surrogate can only come as a \u escape (raw ones are not JSON, or not UTF-8), and nesting
    # deeper than MAX_DEPTH needs more brackets than that: most bodies need no walk at all.
    escaped = "\\u" in text
    if escaped or text.count("[") + text.count("{") > MAX_DEPTH:
        problem = problem_in(data, strings=escaped)
        if problem is not None:
            raise BadJson(problem)
    return data


def problem_in(value: object, *, strings: bool = True) -> str | None:
    """Why `value` (parsed JSON, or form fields) may not be stored, or None: iterative, so never too deep for us.
    With `strings=False` only the depth is checked."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if strings and (problem := _string_problem(item)) is not None:
                return problem
            continue
        if isinstance(item, dict):
            children: list[object] = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        stack.extend((child, depth + 1) for child in children if isinstance(child, str | dict | list))
    return None


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "a string holds a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a string holds half a surrogate pair"
    return None


def shown(text: str, limit: int = 64) -> str:
    """`text` fit for a log line: at most `limit` characters, none of them a newline or another control."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def describe(exc: ValidationError, data: object, *, within: str = "") -> str:
    """`event.user: Input should be a valid string`: the first wrong field, named by its path in the body (under
    `within`, the path of `data` in it)."""
    error = exc.errors(include_url=False)[0]
    path: list[str] = [within] if within else []
    for part in error["loc"]:
        inside = isinstance(data, dict) and part in data
        inside = inside or (isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data))
        if not inside:
            if error["type"] == "missing":
                path.append(str(part))
            break
        data = data[part]  # type: ignore[index]
        path.append(str(part))
    where = shown(".".join(path), 120) or "the body"
    message = _PYDANTIC_OBJECT.sub("an object", error["msg"]).removeprefix("Value error, ")
    return f"`{where}`: {message.replace('Input should be', 'should be')[:120]}"
