"""Every GraphQL query opsbot sends to GitHub, in one place (tests validate each against GitHub's schema)."""

from __future__ import annotations

PAGE_SIZE = 100  # the most GitHub's connections give per page

# One page of a repository's pull requests with all that the list and the digests show: no call per pull request.
PULL_REQUESTS = """
query OpsbotPullRequests($owner: String!, $name: String!, $states: [PullRequestState!], $first: Int!, $after: String) {
  rateLimit { limit remaining resetAt cost }
  repository(owner: $owner, name: $name) {
    pullRequests(states: $states, first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        title
        url
        createdAt
        isDraft
        headRefOid
        mergeable
        reviewDecision
        author { login }
        reviewRequests(first: 50) {
          nodes {
            requestedReviewer {
              __typename
              ... on User { login }
              ... on Bot { login }
              ... on Mannequin { login }
              ... on Team { slug }
            }
          }
        }
        commits(last: 1) { nodes { commit { statusCheckRollup { state } } } }
      }
    }
  }
}
"""

QUERIES: dict[str, str] = {"OpsbotPullRequests": PULL_REQUESTS}
