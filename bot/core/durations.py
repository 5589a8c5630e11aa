"""Durations in the policy file: `90s`, `30m`, `2h`, `1d` or combinations such as `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_ORDER = "dhms"


def parse_duration(text: str) -> timedelta:
    """Parse `1h30m`-style text; raise ValueError with a sentence a policy author can act on."""
    compact = text.replace(" ", "").lower()
    parts = _PART.findall(compact)
    units = [unit for _, unit in parts]
    in_order = [_ORDER.index(u) for u in units] == sorted({_ORDER.index(u) for u in units})
    if not compact or "".join(n + u for n, u in parts) != compact or not in_order:
        raise ValueError(f"`{text}` is not a duration: write e.g. 90s, 30m, 2h, 1d or 1h30m")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds == 0:
        raise ValueError(f"`{text}` is zero: a duration must be longer than that")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest `1d2h30m` form of a duration (whole seconds)."""
    remaining = int(value.total_seconds())
    if remaining <= 0:
        return "0s"
    out = []
    for unit in _ORDER:
        count, remaining = divmod(remaining, _UNITS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
