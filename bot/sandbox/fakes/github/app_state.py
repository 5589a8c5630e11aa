"""The fake GitHub's App: its identity and public key, its installations, the tokens it minted, and GitHub's checks
of an App's JWT (RS256 over the App's public key, `iss`, the `iat`/`exp` window)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt

JWT_DRIFT = 60  # seconds of clock drift GitHub forgives either side
JWT_MAX_LIFETIME = 600  # GitHub refuses an `exp` more than ten minutes after `iat`
TOKEN_LIFETIME = timedelta(hours=1)  # an installation token's life, as GitHub mints it

# What GitHub answers (401) for a JWT it does not accept
JWT_UNDECODABLE = "A JSON web token could not be decoded"
JWT_EXPIRED = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion "
    "expires"
)
JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future"
JWT_IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
JWT_ISSUER = "'Issuer' claim ('iss') must be an Integer"
NOT_ACCESSIBLE = "Resource not accessible by integration"

APP_PERMISSIONS = {
    "actions": "write",
    "checks": "read",
    "contents": "read",
    "deployments": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "read",
}
APP_EVENTS = [
    "check_run",
    "deployment_protection_rule",
    "deployment_status",
    "issue_comment",
    "pull_request",
    "workflow_job",
    "workflow_run",
]


@dataclass(kw_only=True)
class FakeApp:
    id: int
    slug: str
    name: str
    owner: str
    public_key: str  # PEM: what GitHub keeps of the key pair; the private half stays with the test
    token_lifetime: timedelta = TOKEN_LIFETIME
    permissions: dict[str, str] = field(default_factory=lambda: dict(APP_PERMISSIONS))
    events: list[str] = field(default_factory=lambda: list(APP_EVENTS))


@dataclass(kw_only=True)
class FakeInstallation:
    id: int
    account: str  # the owner's login
    repos: list[str] | None = None  # full names; None: every repository of the account
    permissions: dict[str, str] = field(default_factory=lambda: dict(APP_PERMISSIONS))
    events: list[str] = field(default_factory=lambda: list(APP_EVENTS))

    def covers(self, full_name: str) -> bool:
        owner = full_name.split("/", 1)[0].lower()
        if self.repos is None:
            return owner == self.account.lower()
        return full_name.lower() in {r.lower() for r in self.repos}


@dataclass(frozen=True, kw_only=True)
class MintedToken:
    token: str
    installation: int
    expires_at: datetime


@dataclass(kw_only=True)
class AppState:
    app: FakeApp | None = None
    installations: dict[int, FakeInstallation] = field(default_factory=dict)
    tokens: dict[str, MintedToken] = field(default_factory=dict)
    minted: list[MintedToken] = field(default_factory=list)  # every token, in the order minted

    def mint(self, installation: int, now: datetime, lifetime: timedelta) -> MintedToken:
        token = MintedToken(token="ghs_" + secrets.token_hex(18), installation=installation, expires_at=now + lifetime)
        self.tokens[token.token] = token
        self.minted.append(token)
        return token

    def installation_for(self, full_name: str) -> FakeInstallation | None:
        return next((i for i in self.installations.values() if i.covers(full_name)), None)


def jwt_refusal(token: str, app: FakeApp, now: datetime) -> str | None:
    """Why GitHub would refuse `token` as this App's JWT, in GitHub's words; None when it accepts it."""
    try:
        if jwt.get_unverified_header(token).get("alg") != "RS256":
            return JWT_UNDECODABLE
        claims = jwt.decode(
            token,
            app.public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return JWT_UNDECODABLE
    issuer, issued, expires = claims.get("iss"), claims.get("iat"), claims.get("exp")
    if str(issuer) != str(app.id) or not str(issuer).isdigit():
        return JWT_ISSUER
    if not isinstance(issued, int) or issued > now.timestamp() + JWT_DRIFT:
        return JWT_IAT
    if not isinstance(expires, int) or expires < now.timestamp() - JWT_DRIFT:
        return JWT_EXPIRED
    if expires - issued > JWT_MAX_LIFETIME:
        return JWT_TOO_LONG
    return None


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")
