"""GitHub's shared JSON shapes (users, teams, repositories) built from our own values, for REST and webhooks."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime

from bot.core.jsonvalue import JsonObject

API = "https://api.github.com"  # the API root a webhook body names; the fake puts its own URL instead
WEB = "https://github.com"
REPO_CREATED = datetime(2023, 3, 14, 9, 30, tzinfo=UTC)  # when our demo repositories were made
REPO_PUSHED = datetime(2025, 2, 3, 16, 5, tzinfo=UTC)
ORGS = frozenset({"acme", "github"})  # owners that are organizations; any other login is a user


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(seed: str) -> str:
    """A stable 40-hex commit id for a seed."""
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def number_of(seed: str) -> int:
    """A stable numeric id for a login, a slug or a name."""
    return zlib.crc32(seed.encode()) % 90_000_000 + 1_000_000


def node_id(kind: str, number: int) -> str:
    """GitHub's global ids are opaque strings with a type prefix; ours only need to be stable and distinct."""
    return f"{kind}_kwDO{number:08X}"


def user_kind(login: str) -> str:
    if login in ORGS:
        return "Organization"
    return "Bot" if login.endswith("[bot]") or login == "dependabot" else "User"


def simple_user(login: str, *, api: str = API) -> JsonObject:
    """The "simple-user" shape: the author of a pull request, a comment's user, a webhook's sender."""
    uid, base = number_of(login), f"{api}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("U", uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": user_kind(login),
        "user_view_type": "public",
        "site_admin": False,
    }


def private_user(login: str, *, api: str = API, now: datetime) -> JsonObject:
    """`GET /user`: the authenticated user's own profile ("private-user")."""
    return {
        **simple_user(login, api=api),
        "name": login.title(),
        "company": "Acme",
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": "Acme's operations bot",
        "twitter_username": None,
        "notification_email": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": stamp(REPO_CREATED),
        "updated_at": stamp(now),
        "private_gists": 0,
        "total_private_repos": 2,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        "plan": {"name": "free", "space": 976562499, "private_repos": 10000, "collaborators": 0},
    }


def team_simple(org: str, slug: str, *, api: str = API) -> JsonObject:
    """The "team-simple" shape, as in a pull request's requested_teams."""
    team_id, org_id = number_of(f"{org}/{slug}"), number_of(org)
    base = f"{api}/organizations/{org_id}/team/{team_id}"
    return {
        "id": team_id,
        "node_id": node_id("T", team_id),
        "url": base,
        "html_url": f"{WEB}/orgs/{org}/teams/{slug}",
        "name": slug.replace("-", " ").title(),
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{base}/members{{/member}}",
        "repositories_url": f"{base}/repos",
        "type": "organization",
        "organization_id": org_id,
    }


_REPO_LINKS = {  # GitHub's hypermedia templates under /repos/{owner}/{name}
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}
# the fields "minimal-repository" (in a workflow run or a combined status) does not have
_NOT_MINIMAL = (
    "allow_squash_merge",
    "allow_merge_commit",
    "allow_rebase_merge",
    "allow_auto_merge",
    "allow_update_branch",
)


def repository(full_name: str, repo_id: int, *, private: bool = False, api: str = API) -> JsonObject:
    """The "repository" shape (a pull request's head and base repo, `GET /user/repos`, webhooks)."""
    owner, name = full_name.split("/")
    base = f"{api}/repos/{full_name}"
    return {
        "id": repo_id,
        "node_id": node_id("R", repo_id),
        "name": name,
        "full_name": full_name,
        "private": private,
        "owner": simple_user(owner, api=api),
        "html_url": f"{WEB}/{full_name}",
        "description": f"Acme's {name} service",
        "fork": False,
        "url": base,
        **{key: base + path for key, path in _REPO_LINKS.items()},
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"{WEB}/{full_name}.git",
        "svn_url": f"{WEB}/{full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 3,
        "watchers_count": 3,
        "watchers": 3,
        "size": 2048,
        "default_branch": "main",
        "open_issues_count": 0,
        "open_issues": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_downloads": True,
        "has_pages": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if private else "public",
        "pushed_at": stamp(REPO_PUSHED),
        "created_at": stamp(REPO_CREATED),
        "updated_at": stamp(REPO_PUSHED),
        "license": None,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_rebase_merge": True,
        "allow_auto_merge": False,
        "allow_update_branch": False,
        "delete_branch_on_merge": True,
    }


def full_repository(full_name: str, repo_id: int, *, private: bool = False, api: str = API) -> JsonObject:
    """`GET /repos/{owner}/{repo}` ("full-repository"): the repository and what the token may do there."""
    return {
        **repository(full_name, repo_id, private=private, api=api),
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
        "network_count": 0,
        "subscribers_count": 2,
    }


def minimal_repository(full_name: str, repo_id: int, *, private: bool = False, api: str = API) -> JsonObject:
    """The "minimal-repository" shape, as in a workflow run or a commit's combined status."""
    data = repository(full_name, repo_id, private=private, api=api)
    for key in _NOT_MINIMAL:
        del data[key]
    return data


def repository_links(full_name: str, repo_id: int, *, private: bool = False, api: str = API) -> JsonObject:
    """The repository as a workflow_run webhook names it: identity, owner and the hypermedia links only."""
    owner = full_name.split("/")[0]
    base = f"{api}/repos/{full_name}"
    return {
        "id": repo_id,
        "node_id": node_id("R", repo_id),
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "private": private,
        "owner": simple_user(owner, api=api),
        "html_url": f"{WEB}/{full_name}",
        "description": f"Acme's {full_name.split('/')[1]} service",
        "fork": False,
        "url": base,
        **{key: base + path for key, path in _REPO_LINKS.items()},
    }


def organization(login: str, *, api: str = API) -> JsonObject:
    """The organization a webhook's repository belongs to ("organization-simple")."""
    org_id, base = number_of(login), f"{api}/orgs/{login}"
    return {
        "login": login,
        "id": org_id,
        "node_id": node_id("O", org_id),
        "url": base,
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events",
        "hooks_url": f"{base}/hooks",
        "issues_url": f"{base}/issues",
        "members_url": f"{base}/members{{/member}}",
        "public_members_url": f"{base}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
        "description": f"{login.title()}, Inc.",
    }
