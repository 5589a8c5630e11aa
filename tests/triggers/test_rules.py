"""The rules file: a complete example loads; every mistake is named with its file and line; matching and templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import Settings
from bot.triggers.trigger_rules import Facts, RulesError, load_rules, matches, parse_rules, render
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import cli_env, opsbot, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("create_issue", "dispatch_workflow", "rerun_failed_jobs", "list_failed_workflow_runs")


def test_the_documented_example_loads() -> None:
    rules = load_rules(str(ROOT / "examples" / "rules.yaml"), known_tools=TOOLS)
    assert [r.name for r in rules.routes] == [
        "api-github",
        "api-main-failures-to-issue",
        "critical-alerts",
        "other-alerts",
    ]
    [probe] = rules.probes
    assert (probe.every.total_seconds(), probe.window.total_seconds(), probe.p95_ms) == (30, 300, 800)
    assert any("probe api-health" in line for line in rules.describe())


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("routes:\n  - notfy: C1\n", 2, "unknown key `notfy` (did you mean `notify`?)"),
        ("routes:\n  - name: a\n    notify: '#api'\n", 3, "must be a channel id"),
        ("routes:\n  - when:\n      source: gitlab\n    notify: C1\n", 3, "unknown source `gitlab`"),
        ("routes:\n  - when: {source: schedule}\n    notify: C1\n", 2, "use a digest: `/ops digest add"),
        ("routes:\n  - notify: C1\n    run:\n      tool: merge_everything\n", 4, "unknown tool `merge_everything`"),
        ("probes:\n  - name: p\n    url: http://x\n    every: soon\n", 4, "not a duration"),
        ("probes:\n  - name: p\n    url: ftp://x\n", 3, "`url` is not valid"),
        ("probes:\n  - {name: p, url: 'http://x'}\n  - {name: p, url: 'http://y'}\n", 3, "probe `p` is twice"),
        ("routes: [\n", 2, "not valid YAML"),
    ],
)
def test_mistakes_are_named_with_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "rules.yaml", known_tools=TOOLS)
    assert f"rules.yaml, line {line}: " in str(caught.value)
    assert problem in str(caught.value)


def test_the_first_matching_route_wins_and_patterns_are_case_insensitive() -> None:
    rules = parse_rules(
        "routes:\n"
        "  - {name: main, when: {source: github, repos: ['ACME/*'], branches: [main]}, notify: C1}\n"
        "  - {name: any, when: {source: github}, notify: C2}\n"
        "  - {name: sev, when: {source: alertmanager, labels: {team: api}, severity: [crit*]}, notify: C3}\n",
        "r.yaml",
    )
    on_main = Facts(source="github", type="push", repo="acme/api", branch="main")
    assert (route := rules.route(on_main)) is not None and route.name == "main"
    assert (route := rules.route(Facts(source="github", type="push", repo="acme/api", branch="dev"))) is not None
    assert route.name == "any"
    alert = Facts(source="alertmanager", type="alert.firing", labels={"team": "api"}, severity="critical")
    assert (route := rules.route(alert)) is not None and route.name == "sev"
    assert rules.route(Facts(source="alertmanager", type="alert.firing", labels={"team": "web"})) is None
    assert matches(rules.routes[1].when, on_main)


def test_templates_fill_values_and_keep_types() -> None:
    values = {"repo": "acme/api", "run_id": 42, "branch": "main"}
    args = {"repo": "{repo}", "run_id": "{run_id}", "title": "CI failed on {branch}", "n": 1}
    assert render(args, values) == {"repo": "acme/api", "run_id": 42, "title": "CI failed on main", "n": 1}


async def test_start_up_refuses_an_invalid_rules_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("routes:\n  - notify: general\n", encoding="utf-8")
    env = cli_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=sqlite_url(tmp_path),
        OPSBOT_RULES=str(bad),
    )
    result = await opsbot("run", env=env, cwd=tmp_path)
    assert result.code != 0
    assert "rules.yaml, line 2: `notify` must be a channel id" in result.stderr


def test_opsbot_check_reports_the_rules(tmp_path: Path) -> None:
    from bot.app.checks import _check_rules

    ok = _check_rules(Settings(_env_file=None, opsbot_rules=str(ROOT / "examples" / "rules.yaml")))
    assert ok[0][0] and any("api-github" in line for _, line in ok)
    bad = tmp_path / "rules.yaml"
    bad.write_text("routes:\n  - notify: general\n", encoding="utf-8")
    [(passed, line)] = _check_rules(Settings(_env_file=None, opsbot_rules=str(bad)))
    assert passed == "FAIL" and "line 2" in line


def test_the_readme_example_loads() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Rules", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    rules = parse_rules(example, "README.md", known_tools=TOOLS)
    assert len(rules.routes) == 3 and rules.probes[0].name == "api-health"
