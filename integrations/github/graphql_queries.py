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

# One pull request with its head commit's checks, each context by name and state (what the REST reads of the pull
# request, its commit statuses and its check runs gave). No reviewers: a team's slug needs read:org, which REST did not.
PULL_REQUEST = """
query OpsbotPullRequest($owner: String!, $name: String!, $number: Int!) {
  rateLimit { limit remaining resetAt cost }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      title
      body
      url
      state
      merged
      mergeable
      mergeStateStatus
      headRefName
      headRefOid
      baseRefName
      author { login }
      commits(last: 1) {
        nodes {
          commit {
            statusCheckRollup {
              contexts(first: 100) {
                nodes {
                  __typename
                  ... on CheckRun { name status conclusion }
                  ... on StatusContext { context state }
                }
              }
            }
          }
        }
      }
    }
  }
}
"""

QUERIES: dict[str, str] = {"OpsbotPullRequests": PULL_REQUESTS, "OpsbotPullRequest": PULL_REQUEST}
