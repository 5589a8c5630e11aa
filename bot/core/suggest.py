"""Did-you-mean suggestions for tool names, commands and repositories."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[h] for h in hits]
