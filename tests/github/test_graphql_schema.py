"""Every GraphQL query opsbot sends is valid against GitHub's published schema (npm's @octokit/graphql-schema).

The schema is installed at test time by scripts/graphql-schema.sh into a cache outside the checkout (CI runs it
first; here it runs when the file is missing). The test skips only when the file is absent and npm is not there.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from integrations.github.graphql_queries import PULL_REQUESTS, QUERIES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "graphql-schema.sh"
# a field GitHub's PullRequest does not have (its checks are on the head commit's statusCheckRollup)
WRONG = PULL_REQUESTS.replace("isDraft", "isDraft checksState")


@functools.cache
def github_schema() -> GraphQLSchema:
    if shutil.which("npm") is None:
        cache = os.environ.get("OPSBOT_GRAPHQL_SCHEMA_CACHE") or str(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "opsbot-graphql-schema"
        )
        if not (Path(cache) / "node_modules" / "@octokit" / "graphql-schema" / "schema.graphql").is_file():
            pytest.skip(f"GitHub's GraphQL schema is not in {cache} and npm is not installed to fetch it")
    installed = subprocess.run(["bash", str(SCRIPT)], check=True, capture_output=True, text=True, timeout=300)
    path = Path(installed.stdout.strip().splitlines()[-1])
    # the published SDL defines a few EnterpriseOwnerInfo fields twice (15.26.1), which graphql-core's SDL check
    # refuses; the duplicates are identical, and the schema itself is still checked when `validate` runs
    return build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_is_valid_against_githubs_schema(name: str) -> None:
    errors = validate(github_schema(), parse(QUERIES[name]))
    assert [e.message for e in errors] == []


def test_a_field_github_does_not_have_fails() -> None:
    assert WRONG != PULL_REQUESTS
    errors = validate(github_schema(), parse(WRONG))
    assert [e.message for e in errors] == [
        "Cannot query field 'checksState' on type 'PullRequest'. Did you mean 'checksUrl'?"
    ]


def test_the_fakes_schema_is_githubs_cut_down() -> None:
    """The fake's SDL only names what GitHub has: each query it answers is also valid on GitHub's schema."""
    from bot.sandbox.fakes.github.graphql_routes import SCHEMA

    for query in QUERIES.values():
        assert validate(SCHEMA, parse(query)) == []
        assert validate(github_schema(), parse(query)) == []
