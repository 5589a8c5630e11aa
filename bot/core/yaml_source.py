"""Reading the policy YAML with line numbers, and turning every problem into `file, line N: problem`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic_core import ErrorDetails

from bot.core.errors import ConfigurationError

Path = tuple[str | int, ...]
MAX_SHOWN = 5
_MAX_DEPTH = 16


@dataclass(frozen=True, kw_only=True)
class Problem:
    line: int | None
    problem: str


class ConfigFileError(ConfigurationError):
    """A YAML file can't be used; the message names the file, the line and what is wrong (up to 5 problems)."""

    def __init__(self, file: str, line: int | None, problem: str, *, more: Sequence[Problem] = ()) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        self.problems = (Problem(line=line, problem=problem), *more)
        shown = [_where(file, p.line) + p.problem for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            hidden = len(self.problems) - MAX_SHOWN
            shown.append(f"… and {hidden} more problem{'s' if hidden > 1 else ''} in {file}")
        super().__init__("\n".join(shown))

    @classmethod
    def of(cls, file: str, problems: Sequence[Problem]) -> ConfigFileError:
        ordered = sorted(problems, key=lambda p: p.line or 0)
        return cls(file, ordered[0].line, ordered[0].problem, more=ordered[1:])


class PolicyError(ConfigFileError):
    """The policy file can't be used."""


def _where(file: str, line: int | None) -> str:
    return f"{file}, line {line}: " if line is not None else f"{file}: "


@dataclass
class Document:
    """The file as plain data, with the 1-based line of every key and list entry."""

    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest written ancestor (a missing key reports its section)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def read_yaml(text: str, source: str, error: type[ConfigFileError] = PolicyError) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line, problem = _syntax_problem(exc, text)
        raise error(source, line, problem) from None
    except yaml.YAMLError as exc:
        raise error(source, None, f"not valid YAML ({exc})") from None
    doc = Document(lines={(): 1})
    if node is not None:
        doc.data = _Converter(doc).convert(node, (), 0)
    return doc


_COMMENT_IN_LIST = re.compile(r"[\[,][ \t]*#")


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = f"not valid YAML: {exc.problem or exc.context}"
    if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line < exc.problem_mark.line:
        problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
    if "'@'" in str(exc.problem):
        return line, f'{problem}; YAML reserves a leading @, so quote group handles: "@oncall"'
    # a # swallowed as a comment breaks the list somewhere after it: point at the # instead
    comment = _COMMENT_IN_LIST.search(text)
    if comment is not None:
        hint = 'an unquoted # starts a comment in YAML, so quote channel names: ["#deploys"]'
        return text.count("\n", 0, comment.end()) + 1, f"{problem}; {hint}"
    return line, problem


class _Converter:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.scalars = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            self.doc.problems.append(Problem(line=_line(node), problem="nested too deeply"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.doc.lines[(*path, index)] = _line(item)
                items.append(self.convert(item, (*path, index), depth + 1))
            return items
        try:
            return self.scalars.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self.doc.problems.append(Problem(line=_line(node), problem=f"can't read this value: {problem}"))
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.doc.problems.append(Problem(line=_line(key_node), problem="a key must be a plain word"))
                continue
            key = str(key_node.value)
            if key in out:
                first = self.doc.lines[(*path, key)]
                self.doc.problems.append(
                    Problem(line=_line(key_node), problem=f"`{key}` is given twice (also on line {first})")
                )
                continue
            self.doc.lines[(*path, key)] = _line(key_node)
            out[key] = self.convert(value_node, (*path, key), depth + 1)
        return out


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def error_path(err: ErrorDetails) -> Path:
    return tuple(err["loc"])


_TYPES = {
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
}


def explain(err: ErrorDetails) -> str:
    """One validation error in the policy author's words."""
    loc = err["loc"]
    names = [part for part in loc if isinstance(part, str)]
    name = names[-1] if names else "the policy"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key `{name}`"  # each file's own explainer names the keys it knows
    if kind == "missing":
        return f"`{name}` is missing" + (' (use "*" for every tool)' if name == "tools" else "")
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind in _TYPES:
        subject = f"each entry of `{name}`" if isinstance(loc[-1], int) else f"`{name}`"
        return f"{subject} must be {_TYPES[kind]}, not {_show(err['input'])}"
    return f"`{name}`: {err['msg']}"


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
