"""What a failed `opsbot check` probe says: what happened and what to do, in words (`GitHub refused GITHUB_TOKEN
(401 Bad credentials) — …`, `cannot reach GitHub at … (name or service not known) — …`), never an exception's
class name. The Slack sentences are `opsbot run`'s own (bot.app.cli_commands)."""

from __future__ import annotations

from collections.abc import Callable

import openai
import requests
from github.GithubException import GithubException

from bot.app.cli_commands import StartupError, _reason, slack_failure
from bot.app.settings import Settings
from bot.core.errors import UserFacingError

_GITHUB_API = "GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3; unset means https://api.github.com)"
_APP_KEY = "check GITHUB_APP_ID and the App's private key (App settings → Private keys), and this machine's clock"
_RENEW = "create a new token (GitHub → Settings → Developer settings → Personal access tokens), put it in GITHUB_TOKEN"


def probe_failure(part: str, exc: Exception, settings: Settings) -> str | None:
    """The words for `part`'s failure (`slack`, `github`, `planner`), or None to keep the probe's own line."""
    if part == "slack":
        return str(slack_failure(exc, settings))
    if part == "github":
        return str(github_failure(exc, settings))
    if part == "planner":
        return str(model_failure(exc, settings))
    return None


def github_failure(exc: Exception, settings: Settings) -> StartupError:
    url = settings.github_api_url
    answer = _cause(exc, lambda e: isinstance(e, GithubException))
    if isinstance(answer, GithubException):
        status, message = answer.status, _github_message(answer)
        if status == 401 and settings.github_app_id is not None:
            return StartupError(f"GitHub refused the App's JWT (401 {message})", _APP_KEY)
        if status == 401:
            return StartupError(f"GitHub refused GITHUB_TOKEN (401 {message})", _RENEW)
        if status == 403:
            return StartupError(
                f"GitHub refused GITHUB_TOKEN (403 {message})",
                "wait for the rate limit to reset, or give the token the permissions opsbot needs (README)",
            )
        if status == 404:
            return StartupError(f"GitHub at {url} has no /user (404)", f"check {_GITHUB_API}")
        return StartupError(f"GitHub at {url} answered {status} ({message})", "try again in a minute")
    network = network_reason(exc)
    if network is not None:
        return StartupError(
            f"cannot reach GitHub at {url} ({network})", f"check the network (DNS, proxy, firewall) and {_GITHUB_API}"
        )
    return StartupError(f"GitHub at {url} failed ({_words(exc)})", "run again with OPSBOT_LOG_LEVEL=DEBUG for details")


def model_failure(exc: Exception, settings: Settings) -> StartupError:
    where = settings.openai_base_url or "OpenAI"
    answer = _cause(exc, lambda e: isinstance(e, openai.APIStatusError))
    if isinstance(answer, openai.APIStatusError):
        status = answer.status_code
        if status in (401, 403):
            return StartupError(
                f"the model server at {where} refused OPENAI_API_KEY ({status})", "put a valid key in OPENAI_API_KEY"
            )
        return StartupError(
            f"the model server at {where} answered {status}",
            "check OPENAI_BASE_URL (it usually ends in /v1) and OPSBOT_MODEL, or try again in a minute",
        )
    network = network_reason(exc)
    if network is None and isinstance(exc, openai.APIConnectionError):
        network = "connection failed"
    if network is not None:
        return StartupError(
            f"cannot reach the model server at {where} ({network})",
            "check the network (DNS, proxy, firewall) and OPENAI_BASE_URL (unset means OpenAI)",
        )
    return StartupError(
        f"the model server at {where} failed ({_words(exc)})", "run again with OPSBOT_LOG_LEVEL=DEBUG for details"
    )


def network_reason(exc: BaseException) -> str | None:
    """`connection refused`, `name or service not known`, `timed out`: the socket's own words, from anywhere in the
    chain of causes (PyGithub, requests and urllib3 wrap it three deep), or None when it was not the network."""
    if _cause(exc, lambda e: isinstance(e, (TimeoutError, requests.Timeout, openai.APITimeoutError))):
        return "timed out"
    found = _cause(exc, lambda e: isinstance(e, OSError) and isinstance(e.errno, int))
    return _reason(found) if found is not None else None


def _cause(exc: BaseException, match: Callable[[BaseException], bool]) -> BaseException | None:
    current: BaseException | None = exc
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        if match(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _github_message(exc: GithubException) -> str:
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    return str(message).strip().rstrip(".")[:120] if message else "no message"


def _words(exc: Exception) -> str:
    if isinstance(exc, UserFacingError):
        return exc.message.rstrip(".")[:160]
    return type(exc).__name__
