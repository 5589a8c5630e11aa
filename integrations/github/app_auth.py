"""A GitHub App's credentials from the settings: its id, its private key (checked once, a secret) and, when pinned,
its installation; and the one-line `opsbot: …` errors for a key that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from bot.core.errors import ConfigurationError

KEY_HELP = "the .pem file GitHub's App settings page downloads (Private keys → Generate a private key)"


@dataclass(frozen=True, kw_only=True)
class AppCredentials:
    """What opsbot signs its JWT with; `private_key` never shows in a repr."""

    app_id: int
    private_key: str = field(repr=False)
    installation_id: int | None = None  # None: each repository owner's installation is looked up


def app_credentials(
    app_id: int | None, key: str | None, key_file: str | None, installation_id: int | None
) -> AppCredentials | None:
    """The App's credentials, or None when no App is configured; a ConfigurationError (one line, no key in it)
    when the settings name an App that cannot be used."""
    if app_id is None:
        if installation_id is not None:
            raise ConfigurationError("GITHUB_APP_INSTALLATION_ID is set without GITHUB_APP_ID: set the App's id.")
        return None  # a key alone names no App: opsbot uses GITHUB_TOKEN, as without one
    if key and key_file:
        raise ConfigurationError(
            "GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are both set: keep one of them."
        )
    if key_file:
        key, where = read_key_file(key_file), f"GITHUB_APP_PRIVATE_KEY_FILE ({key_file})"
    else:
        where = "GITHUB_APP_PRIVATE_KEY"
    if not key:
        raise ConfigurationError(
            "GITHUB_APP_ID is set without a private key: set GITHUB_APP_PRIVATE_KEY_FILE to " + KEY_HELP + "."
        )
    check_private_key(key, where)
    return AppCredentials(app_id=app_id, private_key=key, installation_id=installation_id)


def read_key_file(path: str) -> str:
    file = Path(path).expanduser()
    try:
        return file.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigurationError(f"GITHUB_APP_PRIVATE_KEY_FILE: {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigurationError(f"GITHUB_APP_PRIVATE_KEY_FILE: {path} is a directory, not a .pem file.") from None
    except PermissionError:
        raise ConfigurationError(f"GITHUB_APP_PRIVATE_KEY_FILE: opsbot may not read {path}.") from None
    except (UnicodeDecodeError, OSError) as exc:
        # no `from exc`: a decoding error quotes the bytes it could not read
        raise ConfigurationError(
            f"GITHUB_APP_PRIVATE_KEY_FILE: {path} could not be read ({type(exc).__name__})."
        ) from None


def check_private_key(key: str, where: str) -> None:
    """A PEM RSA private key (GitHub signs App JWTs with RS256 only), or a ConfigurationError that never quotes it."""
    try:
        loaded = load_pem_private_key(key.strip().encode("ascii", "replace") + b"\n", password=None)
    except TypeError:
        raise ConfigurationError(f"{where} is encrypted: GitHub's App keys are not; use {KEY_HELP}.") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigurationError(
            f"{where} is not a PEM private key (the text between BEGIN and END RSA PRIVATE KEY lines): use {KEY_HELP}."
        ) from None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{where} is not an RSA key: GitHub Apps sign with RS256; use {KEY_HELP}.")
