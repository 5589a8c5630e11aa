"""A GitHub App for the tests: a key pair made here (never a key file in the repository), the fake GitHub knowing its
public half, installed on acme and globex, and a clock the fake reads that tests can move."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github.Auth import AppAuth

from tests.fakes.github import FakeGitHub

APP_ID = 4242
ACME, GLOBEX = 11, 22
PERSONAL = "ghp_personalTOKEN0000000000000000000000"  # the fake's personal token: App calls must not use it


@cache
def private_key(name: str = "app") -> str:
    """A fresh RSA key per name and test run, PEM as GitHub's App settings download it (PKCS#1)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def public_key(pem: str) -> str:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def app_jwt(app_id: int = APP_ID) -> str:
    """The JWT PyGithub would sign for the App now (what githubkit sends as is)."""
    return AppAuth(app_id, private_key()).create_jwt()


@dataclass
class Shift:
    """The fake's clock: real time (PyGithub signs its JWT and judges a token's age with it) plus `by`."""

    by: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.by


def app_github(shift: Shift) -> FakeGitHub:
    gh = FakeGitHub(token=PERSONAL, now=shift.now)
    gh.add_app(app_id=APP_ID, public_key=public_key(private_key()), slug="opsbot-acme", name="opsbot (acme)")
    for repo in ("acme/api", "acme/web", "globex/site", "initech/app"):
        gh.add_repo(repo)
    gh.add_installation(ACME, "acme")
    gh.add_installation(GLOBEX, "globex", repos=["globex/site"])
    return gh
