"""`opsbot check`: what is configured, and whether Slack, GitHub and the database answer. No secrets printed."""

from __future__ import annotations

import aiohttp
from sqlalchemy import text

from bot.clock import SystemClock
from bot.errors import OpsbotError
from bot.settings import Settings
from bot.store.engine import make_engine
from integrations.erp import erp_from_settings
from integrations.github import GitHubGateway
from integrations.slack import make_client


def _mark(ok: bool) -> str:
    return "ok  " if ok else "FAIL"


async def run_checks(settings: Settings) -> bool:
    results: list[tuple[bool, str]] = []
    try:
        settings.require_for_run()
        results.append((True, f"settings: {'Socket Mode' if settings.socket_mode else 'HTTP mode'}"))
    except OpsbotError as exc:
        results.append((False, f"settings: {exc}"))
    results.append(await _check_database(settings))
    results.append(await _check_slack(settings))
    results.append(await _check_github(settings))
    results.append(await _check_model(settings))
    results.append(await _check_erp(settings))
    results.extend(_check_policy(settings))
    results.extend(_check_rules(settings))
    repos = settings.channel_repos
    results.append((True, f"channel repositories: {len(repos)} configured"))
    results.append((True, f"approvers: {', '.join(sorted(settings.approvers)) or 'anyone but the requester'}"))
    for ok, line in results:
        print(f"[{_mark(ok)}] {line}")
    return all(ok for ok, _ in results)


def _check_policy(settings: Settings) -> list[tuple[bool, str]]:
    from datetime import timedelta

    from bot.policy import load_policy

    where = settings.opsbot_policy or "none (OPSBOT_POLICY unset: defaults)"
    try:
        policy = load_policy(
            settings.opsbot_policy,
            approvers=tuple(sorted(settings.approvers)),
            ttl=timedelta(minutes=settings.opsbot_approval_ttl_minutes),
        )
    except OpsbotError as exc:
        return [(False, f"policy: {exc}".replace("\n", " | "))]
    return [(True, f"policy: {where}"), *((True, f"  rule {line}") for line in policy.describe())]


def _check_rules(settings: Settings) -> list[tuple[bool, str]]:
    from bot.triggers.rules import load_rules

    try:
        rules = load_rules(settings.opsbot_rules)
    except OpsbotError as exc:
        return [(False, f"rules: {exc}".replace("\n", " | "))]
    github = "verified" if settings.github_webhook_secret else "refused (GITHUB_WEBHOOK_SECRET unset)"
    alerts = "verified" if settings.opsbot_alertmanager_token else "refused (OPSBOT_ALERTMANAGER_TOKEN unset)"
    return [
        (True, f"rules: {settings.opsbot_rules or 'none (OPSBOT_RULES unset: webhooks are stored, nothing posted)'}"),
        *((True, f"  {line}") for line in rules.describe()),
        (True, f"webhooks: GitHub {github}, Alertmanager {alerts}"),
    ]


async def _check_database(settings: Settings) -> tuple[bool, str]:
    engine = make_engine(settings.async_database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True, f"database: {where}"
    except Exception as exc:
        return False, f"database: {where} unreachable ({type(exc).__name__})"
    finally:
        await engine.dispose()


async def _check_slack(settings: Settings) -> tuple[bool, str]:
    if settings.slack_bot_token is None:
        return False, "slack: SLACK_BOT_TOKEN is not set"
    async with aiohttp.ClientSession() as session:
        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url, session)
        try:
            resp = await client.auth_test()
        except Exception as exc:
            return False, f"slack: auth.test failed at {settings.slack_api_url} ({_reason(exc)})"
    return True, f"slack: bot {resp.get('user')} ({resp.get('user_id')}) in team {resp.get('team')}"


async def _check_github(settings: Settings) -> tuple[bool, str]:
    if settings.github_token is None:
        return False, "github: GITHUB_TOKEN is not set"
    gateway = GitHubGateway(
        token=settings.github_token.get_secret_value(), base_url=settings.github_api_url, clock=SystemClock()
    )
    try:
        return True, await gateway.check()
    except Exception as exc:
        return False, f"github: {settings.github_api_url} ({_reason(exc)})"


async def _check_erp(settings: Settings) -> tuple[bool, str]:
    async with aiohttp.ClientSession() as session:
        try:
            erp = erp_from_settings(settings, session)
            if erp is None:
                return True, "erp: none configured (set TRYTON_URL or ODOO_URL for the ERP tools)"
            return True, f"erp: {erp.name} adapter, reachable: {await erp.check()}"
        except OpsbotError as exc:
            return False, f"erp: unreachable or refused ({exc})".replace("\n", " ")


async def _check_model(settings: Settings) -> tuple[bool, str]:
    if settings.openai_api_key is None:
        return True, "planner: command grammar (set OPENAI_API_KEY for the AI agent)"
    from integrations.openai_model import OpenAIModel

    model = OpenAIModel(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        model=settings.opsbot_model,
    )
    try:
        return True, f"planner: AI agent, {await model.check()}"
    except Exception as exc:
        return False, f"planner: AI agent, model server at {settings.openai_base_url or 'OpenAI'} ({_reason(exc)})"
    finally:
        await model.close()


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    error = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(error or type(exc).__name__)
