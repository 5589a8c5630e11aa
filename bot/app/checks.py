"""`opsbot check`: what is configured, and whether the database and each integration (its unit's probe) answer.
No secrets printed."""

from __future__ import annotations

from sqlalchemy import text

from bot.app.settings import Settings
from bot.app.units import probes
from bot.core.errors import OpsbotError
from bot.store.engine import make_engine


def _mark(ok: bool) -> str:
    return "ok  " if ok else "FAIL"


async def run_checks(settings: Settings) -> bool:
    return not await failed_checks(settings)


async def failed_checks(settings: Settings) -> list[str]:
    """Print one `[ok  ]`/`[FAIL]` line per part; return the names of the parts that failed (`slack`, …)."""
    results: list[tuple[bool, str]] = []
    try:
        settings.require_for_run()
        results.append((True, f"settings: {'Socket Mode' if settings.socket_mode else 'HTTP mode'}"))
    except OpsbotError as exc:
        results.append((False, f"settings: {exc}"))
    results.append(await _check_database(settings))
    results.extend((probe.ok, probe.line) for probe in await probes(settings))
    results.extend(_check_policy(settings))
    results.extend(_check_rules(settings))
    repos = settings.channel_repos
    results.append((True, f"channel repositories: {len(repos)} configured"))
    results.append((True, f"approvers: {', '.join(sorted(settings.approvers)) or 'anyone but the requester'}"))
    for ok, line in results:
        print(f"[{_mark(ok)}] {line}", flush=True)
    return [line.split(":", 1)[0].strip() for ok, line in results if not ok]


def _check_policy(settings: Settings) -> list[tuple[bool, str]]:
    from datetime import timedelta

    from bot.approvals.policy import load_policy

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
    from bot.triggers.trigger_rules import load_rules

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
