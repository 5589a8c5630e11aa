"""Turn what a person typed ("office chairs", "oakline supplies") into one ERP record, or a clear error."""

from __future__ import annotations

import re

from bot.core.errors import InvalidArguments
from bot.core.suggest import did_you_mean
from integrations.erp.erp_errors import not_found

CODE_PREFIX = re.compile(r"^\[[^\]]*\]\s*")


def variants(query: str) -> list[str]:
    """The query, then its singular ("20 office chairs" names the product "Office Chair")."""
    query = " ".join(query.split())
    forms = [query]
    for ending, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if query.lower().endswith(ending) and len(query) > len(ending) + 2:
            forms.append(query[: -len(ending)] + replacement)
    return list(dict.fromkeys(forms))


def plain(name: str) -> str:
    return CODE_PREFIX.sub("", name).strip()


def choose(kind: str, query: str, found: list[tuple[int, str]], known: list[str]) -> tuple[int, str]:
    """One record among those the ERP found for `query`; several that fit equally well is a question back."""
    if not found:
        raise not_found(kind, query, did_you_mean(query, [plain(n) for n in known]))
    if len(found) == 1:
        return found[0]
    wanted = {v.lower() for v in variants(query)}
    exact = [(i, n) for i, n in found if plain(n).lower() in wanted or n.lower() in wanted]
    if len(exact) == 1:
        return exact[0]
    names = ", ".join(f"`{n}`" for _, n in found[:5])
    raise InvalidArguments(f"`{query}` matches several {kind.lower()}s: {names}. Which one?")
