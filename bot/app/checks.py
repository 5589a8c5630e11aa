"""`opsbot check`: what is configured, and whether the database and each integration (its unit's probe) answer.
No secrets printed."""

from __future__ import annotations

from sqlalchemy import text

from bot.app.cli_commands import _DATABASE_ERRORS, database_failure, sqlite_file
from bot.app.placeholders import EXAMPLE, placeholders, required_names, without_placeholders
from bot.app.probe_words import probe_failure
from bot.app.settings import Settings
from bot.app.units import probes
from bot.core.errors import OpsbotError
from bot.store.engine import make_engine
from integrations.unit import Probe

OK, OFF, FAIL = "ok  ", "off ", "FAIL"  # `[off ]`: an optional part left unset, not a failure


async def run_checks(settings: Settings) -> bool:
    return not await failed_checks(settings)


async def failed_checks(settings: Settings) -> list[str]:
    """Print one `[ok  ]`/`[off ]`/`[FAIL]` line per part; return the names of the parts that failed (`slack`, …).

    A setting holding an example value from `.env.example` is named: a required one fails (`settings:`, and its
    part), any other is `[off ]`, ignored as `opsbot run` ignores it (bot/app/placeholders.py)."""
    examples = placeholders(settings)
    results: list[tuple[str, str]] = []
    try:
        settings.require_for_run()
        results.append((OK, f"settings: {'Socket Mode' if settings.socket_mode else 'HTTP mode'}"))
    except OpsbotError as exc:
        results.append((FAIL, f"settings: {exc}".replace("\n", " ")))
    usable = without_placeholders(settings, examples)  # never sent anywhere: each is reported below instead
    results.append(await _check_database(usable))
    results.extend(_probe_result(probe, usable) for probe in await probes(usable))
    results.extend(_check_policy(usable))
    results.extend(_check_rules(usable))
    repos = usable.channel_repos
    if repos:
        results.append((OK, f"channel repositories: {len(repos)} configured"))
    else:
        results.append((OFF, "channel repositories: none (OPSBOT_CHANNEL_REPOS unset: requests name the repository)"))
    approvers = ", ".join(sorted(usable.approvers)) or "anyone but the requester (OPSBOT_APPROVERS unset)"
    results.append((OK, f"approvers: {approvers}"))
    results = _name_examples(results, examples, required_names(settings))
    for mark, line in results:
        print(f"[{mark}] {line}", flush=True)
    return [line.split(":", 1)[0].strip() for mark, line in results if mark == FAIL]


def _probe_result(probe: Probe, settings: Settings) -> tuple[str, str]:
    if probe.ok:
        return (OFF if probe.off else OK), probe.line
    part = probe.line.split(":", 1)[0]
    words = probe_failure(part, probe.error, settings) if probe.error is not None else None
    return FAIL, f"{part}: {words}" if words else probe.line


def _name_examples(
    results: list[tuple[str, str]], examples: list[str], required: frozenset[str]
) -> list[tuple[str, str]]:
    """`GITHUB_TOKEN unset` becomes `GITHUB_TOKEN holds the example value from .env.example, ignored` (`[off ]`); a
    required setting's line fails. An example no line mentions gets a line of its own."""
    named: list[tuple[str, str]] = []
    said: set[str] = set()
    for mark, line in results:
        for name in examples:
            if f"{name} unset" in line:
                said.add(name)
                line = line.replace(
                    f"{name} unset", f"{name} holds {EXAMPLE}" + ("" if name in required else ", ignored")
                )
                mark = FAIL if name in required else mark if mark == FAIL else OFF
        named.append((mark, line))
    named.extend(
        (OFF, f"{name}: holds {EXAMPLE}, ignored as if unset") for name in examples if name not in said | required
    )
    return named


def _check_policy(settings: Settings) -> list[tuple[str, str]]:
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
        return [(FAIL, f"policy: {exc}".replace("\n", " | "))]
    return [(OK, f"policy: {where}"), *((OK, f"  rule {line}") for line in policy.describe())]


def _check_rules(settings: Settings) -> list[tuple[str, str]]:
    from bot.triggers.trigger_rules import load_rules

    try:
        rules = load_rules(settings.opsbot_rules)
    except OpsbotError as exc:
        return [(FAIL, f"rules: {exc}".replace("\n", " | "))]
    github = "verified" if settings.github_webhook_secret else "refused (GITHUB_WEBHOOK_SECRET unset)"
    alerts = "verified" if settings.opsbot_alertmanager_token else "refused (OPSBOT_ALERTMANAGER_TOKEN unset)"
    where = settings.opsbot_rules or "none (OPSBOT_RULES unset: webhooks are stored, nothing posted)"
    verified = settings.github_webhook_secret or settings.opsbot_alertmanager_token
    return [
        (OK if settings.opsbot_rules else OFF, f"rules: {where}"),
        *((OK, f"  {line}") for line in rules.describe()),
        (OK if verified else OFF, f"webhooks: GitHub {github}, Alertmanager {alerts}"),
    ]


async def _check_database(settings: Settings) -> tuple[str, str]:
    file = sqlite_file(settings.async_database_url)
    if file is not None and not file.exists():  # not created by a check: `opsbot run` makes and migrates it
        return OK, f"database: {file} is not there yet (`opsbot run` creates it; `opsbot db upgrade` does too)"
    engine = make_engine(settings.async_database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return OK, f"database: {where}"
    except _DATABASE_ERRORS as exc:
        return FAIL, f"database: {database_failure(exc, engine.url)}"
    except Exception as exc:
        return FAIL, f"database: {where} failed ({type(exc).__name__})"
    finally:
        await engine.dispose()
