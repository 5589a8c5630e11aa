"""What a finished runbook says in its thread, and how `/ops runbooks` lists them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.core.jsonvalue import JsonObject
from bot.core.runbook_model import Runbook
from bot.core.runbook_state import Failure
from bot.slack_ui.block_kit import as_dicts, context, escape, fields_block, section


def finish_blocks(name: str, failure: Failure | None, outputs: Mapping[str, object]) -> tuple[str, list[JsonObject]]:
    if failure is not None:
        text = f"⚠️ Runbook *{escape(name)}* failed at `{escape(failure.step)}`: " + escape(
            failure.message or failure.error
        )
    else:
        text = f"✅ Runbook *{escape(name)}* finished."
    blocks = [section(text)]
    if outputs:
        blocks.append(fields_block((k, escape(str(v))[:500]) for k, v in outputs.items()))
    return text, as_dicts(blocks)


def list_blocks(books: Iterable[Runbook]) -> tuple[str, list[JsonObject]]:
    lines = []
    for book in books:
        inputs = ", ".join(
            f"`{n}`" + (" (required)" if f.required else "") + (f"={f.default}" if f.default is not None else "")
            for n, f in book.spec.inputs.items()
        )
        note = f" _(unavailable: {book.unavailable})_" if book.unavailable else ""
        lines.append(f"• *{book.name}*{note} — {escape(book.spec.description)}\n      inputs: {inputs or 'none'}")
    if not lines:
        return "No runbooks yet.", as_dicts(
            [section("No runbooks yet. Put YAML files in `OPSBOT_RUNBOOKS` (default `runbooks/`).")]
        )
    text = f"{len(lines)} runbook{'s' if len(lines) != 1 else ''}"
    return text, as_dicts([section("\n".join(lines)), context("Start one: `/ops run <name> key=value …`")])
