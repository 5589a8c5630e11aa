"""Argument models of the GitHub tools; their JSON schemas are what the LLM sees."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")  # a GitHub user name (`none`: nobody, to GitHub)
PR_NUMBER_MAX = 2**31 - 1  # pull request and issue numbers are 32-bit on GitHub
RUN_ID_MAX = 2**63 - 1  # workflow run ids are 64-bit
_OUT_OF_RANGE = {"greater_than_equal", "less_than_equal", "int_parsing_size"}


def _between_1_and(high: int) -> WrapValidator:
    """One clear message for a number out of range, however it was out (too small, too large, 5,000 digits)."""

    def check(value: object, handler: ValidatorFunctionWrapHandler) -> int:
        if isinstance(value, bool):  # pydantic would read true as 1: never a pull request number
            raise PydanticCustomError("int_type", "must be a whole number, not true or false")
        try:
            number: int = handler(value)
        except ValidationError as exc:
            if any(error["type"] in _OUT_OF_RANGE for error in exc.errors()):
                raise PydanticCustomError("number_range", "must be between 1 and {high}", {"high": high}) from None
            raise
        return number

    return WrapValidator(check)


PrNumber = Annotated[int, Field(ge=1, le=PR_NUMBER_MAX), _between_1_and(PR_NUMBER_MAX)]
RunId = Annotated[int, Field(ge=1, le=RUN_ID_MAX), _between_1_and(RUN_ID_MAX)]


class RepoArgs(BaseModel):
    """Arguments that name a repository; every GitHub tool has them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    repo: str = Field(description="The repository as `owner/name`, for example `acme/api`.")

    @field_validator("repo")
    @classmethod
    def _owner_slash_name(cls, value: str) -> str:
        if not REPO_NAME.fullmatch(value) or value.endswith((".", "/")):
            raise PydanticCustomError(
                "repo_format", "use `owner/name`, for example `acme/api` (got {value!r})", {"value": value}
            )
        return value


class ListPullRequestsArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: Literal["open", "closed", "all"] = Field("open", description="Which pull requests to list.")
    limit: int = Field(20, ge=1, le=100, description="At most this many, newest first.")


class ListIssuesArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: Literal["open", "closed", "all"] = Field("open", description="Which issues to list.")
    label: str | None = Field(
        None, min_length=1, max_length=100, description="Only issues with this label, by its name (e.g. `bug`)."
    )
    assignee: str | None = Field(
        None, description="Only issues assigned to this GitHub login (e.g. `ana`); `none` for unassigned ones."
    )
    limit: int = Field(20, ge=1, le=50, description="At most this many, newest first.")

    @field_validator("assignee")
    @classmethod
    def _a_login(cls, value: str | None) -> str | None:
        login = None if value is None else value.removeprefix("@")
        if login is None or LOGIN.fullmatch(login):
            return login
        raise PydanticCustomError("login_format", "use a GitHub login, e.g. `ana` (got {value!r})", {"value": value})


class GetPullRequestArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: PrNumber = Field(description="The pull request number, e.g. 42 for #42.")


class ListFailedWorkflowRunsArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    branch: str | None = Field(None, min_length=1, description="Only runs on this branch; all if omitted.")
    limit: int = Field(10, ge=1, le=100, description="At most this many, newest first.")


class CreateIssueArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=256, description="The issue title.")
    body: str | None = Field(None, max_length=65536, description="The issue text, in GitHub Markdown.")


class CommentArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: PrNumber = Field(description="The issue or pull request number.")
    body: str = Field(min_length=1, max_length=65536, description="The comment, in GitHub Markdown.")


class CloseIssueArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: PrNumber = Field(description="The issue number (a pull request's number closes the pull request).")
    reason: Literal["completed", "not_planned"] = Field("completed", description="Why it is closed.")
    comment: str | None = Field(
        None, min_length=1, max_length=65536, description="A comment to post before closing, in GitHub Markdown."
    )


class RerunFailedJobsArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    run_id: RunId | None = Field(None, description="The workflow run id. Give this or `pr`, not both.")
    pr: PrNumber | None = Field(
        None, description="A pull request number: re-run its latest failed run. Give this or `run_id`."
    )

    @model_validator(mode="after")
    def _run_or_pull(self) -> Self:
        if (self.run_id is None) == (self.pr is None):
            raise PydanticCustomError("run_or_pr", "give exactly one of `run_id` or `pr`")
        return self


class MergePullRequestArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: PrNumber = Field(description="The pull request number.")
    method: Literal["merge", "squash", "rebase"] = Field("merge", description="How to merge.")
    commit_message: str | None = Field(None, max_length=65536, description="Extra text for the merge commit.")


class DispatchWorkflowArgs(RepoArgs):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    workflow: str = Field(min_length=1, description="The workflow file name (e.g. `deploy.yml`) or its id.")
    ref: str = Field("main", min_length=1, description="The branch or tag to run the workflow on.")
    inputs: dict[str, str] = Field(default_factory=dict, description="Its `workflow_dispatch` inputs.")
