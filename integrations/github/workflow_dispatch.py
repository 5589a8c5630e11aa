"""Whether GitHub would accept a workflow_dispatch, read from the workflow file at the ref before any card.

GitHub refuses a dispatch (422) when the workflow file at that ref has no `workflow_dispatch` trigger, when the
workflow is disabled, when a required input without a default is missing, or when an input is not declared. Each is
said here in words, before anyone is asked to approve. A file that cannot be read or parsed refuses nothing: GitHub
decides then, and its answer is explained as today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import yaml

from bot.core.deploy_threads import deploy_request_key
from bot.core.jsonvalue import Json
from bot.core.tool_registry import ToolResult
from integrations.github.github_format import escape


@dataclass(frozen=True, kw_only=True)
class WorkflowFile:
    """A workflow as GitHub lists it, and its file's text at the ref (None: unreadable; `at_ref` False: absent)."""

    name: str
    path: str
    state: str
    source: str | None
    at_ref: bool = True


@dataclass(frozen=True, kw_only=True)
class DispatchInput:
    name: str
    required: bool  # required and without a default: GitHub refuses a dispatch that leaves it out
    options: tuple[str, ...] = ()  # a `type: choice` input's allowed values: GitHub refuses any other


def dispatch_inputs(source: str) -> tuple[DispatchInput, ...] | None:
    """The inputs `workflow_dispatch` declares; None when the file has no such trigger (or is not a workflow)."""
    try:
        loaded = yaml.safe_load(source)
    except yaml.YAMLError:
        raise ValueError("unreadable workflow") from None
    if not isinstance(loaded, dict):
        raise ValueError("not a workflow")
    doc = cast(dict[object, Json], loaded)
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as true
    if on == "workflow_dispatch" or (isinstance(on, list) and "workflow_dispatch" in on):
        return ()
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    trigger = on["workflow_dispatch"]
    declared = trigger.get("inputs") if isinstance(trigger, dict) else None
    if not isinstance(declared, dict):
        return ()
    return tuple(
        DispatchInput(name=str(name), required=_required(spec), options=_options(spec))
        for name, spec in declared.items()
    )


def _options(spec: Json) -> tuple[str, ...]:
    options = spec.get("options") if isinstance(spec, dict) and spec.get("type") == "choice" else None
    if not isinstance(options, list):
        return ()
    return tuple(str(option) for option in options if isinstance(option, str | int | float))


def _required(spec: Json) -> bool:
    if not isinstance(spec, dict):
        return False
    return spec.get("required") is True and spec.get("default") in (None, "")


def dispatch_refusal(wf: WorkflowFile, *, repo: str, ref: str, inputs: dict[str, str]) -> str | None:
    """Why GitHub would refuse this dispatch for sure, in words with what to do; None when it may go ahead."""
    name, ref = escape(wf.name), escape(ref)
    where = f"`{escape(wf.path)}` in {repo}"
    if wf.state != "active":
        return (
            f"Workflow *{name}* ({where}) is {wf.state.replace('_', ' ')}: enable it in GitHub"
            " (Actions → the workflow → Enable workflow), then ask again."
        )
    if not wf.at_ref:
        return f"There is no {where} on `{ref}`: check the branch or tag name, or pick a ref that has the workflow."
    if wf.source is None:
        return None
    try:
        declared = dispatch_inputs(wf.source)
    except ValueError:
        return None
    if declared is None:
        return (
            f"Workflow *{name}* ({where}) has no `workflow_dispatch` trigger on `{ref}`, so it cannot be started"
            " from here: add `on: workflow_dispatch` to the workflow, or start one that has it."
        )
    names = [d.name for d in declared]
    missing = [d.name for d in declared if d.required and d.name not in inputs]
    unexpected = [name for name in inputs if name not in names]
    if missing:
        return f"Workflow *{name}* needs {_inputs(missing)}: add `inputs.{escape(missing[0])}=…` to the request."
    if unexpected:
        takes = f"it takes {_inputs(names)}" if names else "it takes no inputs"
        return f"Workflow *{name}* does not declare {_inputs(unexpected)}: {takes}."
    for d in declared:
        if d.options and d.name in inputs and inputs[d.name] not in d.options:
            allowed = ", ".join(f"`{escape(o)}`" for o in d.options)
            return f"`{escape(inputs[d.name])}` is not a choice of input `{escape(d.name)}` of *{name}*: use {allowed}."
    return None


def dispatched(repo: str, workflow: str, ref: str, inputs: dict[str, str]) -> ToolResult:
    """Said once GitHub took the dispatch. A deploy (an `environment` input) is remembered under its key, so the
    gate GitHub then holds it at joins this run's thread (bot.core.deploy_threads)."""
    environment = inputs.get("environment")
    return ToolResult(
        text=f"Started workflow `{escape(workflow)}` on `{escape(ref)}` in `{repo}`.",
        data={"workflow": workflow, "ref": ref, "inputs": dict(inputs)},
        threads=(deploy_request_key(repo, environment, ref),) if environment else (),
    )


def _inputs(names: list[str]) -> str:
    listed = ", ".join(f"`{escape(n)}`" for n in names)
    return f"input {listed}" if len(names) == 1 else f"inputs {listed}"
