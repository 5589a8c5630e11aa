"""The shapes of the Slack payloads opsbot handles, as Slack documents them, checked before Bolt sees a body.

Bolt reads `team`, `user`, `channel`, `event`, `authorizations`… in every body (and in the objects inside it) to
build its context, and indexes into them without checking types: an `event` that is a list or a `user` that is a
number makes it raise. `Context` holds those keys to their documented types; the models below add what each
payload opsbot stores needs, so the inbox holds only events whose every field has the type its reader expects.
Ids and timestamps are bounded by the columns that keep them (32 characters), the parts of a dedupe key so that
the key fits its column (255).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(max_length=32)]  # a team, user or channel id, or a message ts
Key = Annotated[str, StringConstraints(max_length=128)]  # an event id, a trigger id: part of a dedupe key
Present = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Name = Annotated[str, StringConstraints(max_length=255)]  # Slack's limit for action ids and callback ids


class Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Ref(Shape):
    """`{"id": …}`: a user, team, channel or enterprise in an interactivity payload."""

    id: Id | None = None
    team_id: Id | None = None
    enterprise_id: Id | None = None


class Context(Shape):
    """The keys Bolt's context reads, here and in every object it descends into (event, item, message…)."""

    type: Name | None = None
    team: Id | Ref | None = None
    user: Id | Ref | None = None
    channel: Id | Ref | None = None
    enterprise: Id | Ref | None = None
    team_id: Id | None = None
    user_id: Id | None = None
    channel_id: Id | None = None
    enterprise_id: Id | None = None
    user_team: Id | None = None
    context_team_id: Id | None = None
    context_enterprise_id: Id | None = None
    app_installed_team_id: Id | None = None
    thread_ts: Id | None = None
    ts: Id | None = None
    event_ts: Id | None = None
    is_ext_shared_channel: bool | None = None
    response_url: str | None = None
    function_execution_id: str | None = None
    bot_access_token: str | None = None
    event: Context | None = None
    item: Context | None = None
    message: Context | None = None
    previous_message: Context | None = None
    assistant_thread: Context | None = None
    view: Context | None = None
    function_data: Context | None = None
    authorizations: list[Context] | None = None
    response_urls: list[Context] | None = None

    @model_validator(mode="before")
    @classmethod
    def _event_is_never_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and "event" in data and data["event"] is None:
            raise ValueError("`event` is null")  # Bolt reads body.get("event", {}).get(…)
        return data


class MessageEvent(Context):
    """`app_mention`, or a `message` (opsbot acts on those in a DM)."""

    type: Literal["app_mention", "message"]
    user: Id | None = None
    channel: Id | None = None
    text: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    channel_type: str | None = None

    @model_validator(mode="after")
    def _a_persons_message_says_where(self) -> Self:
        if self.user and not (self.bot_id or self.subtype) and not (self.channel and self.ts):
            raise ValueError("a person's message without its `channel` and `ts`")
        return self


class ReactedItem(Context):
    type: Name | None = None
    channel: Id | None = None
    ts: Id | None = None


class ReactionEvent(Context):
    type: Literal["reaction_added"]
    user: Id | None = None
    reaction: Name | None = None
    item_user: Id | None = None
    item: ReactedItem | None = None

    @model_validator(mode="after")
    def _a_reaction_says_on_what(self) -> Self:
        item = self.item
        if self.user and item is not None and item.type == "message" and not (item.channel and item.ts):
            raise ValueError("a reaction to a message without the message's `channel` and `ts`")
        return self


class EventCallback(Context):
    type: Literal["event_callback"]
    event: Context
    event_id: Key | None = None


class UrlVerification(Context):
    type: Literal["url_verification"]
    challenge: str


class Actor(Ref):
    """The person who clicked or submitted: interactivity payloads always name them."""

    id: Present


class Action(Shape):
    action_id: Name
    block_id: Name | None = None
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
    action_ts: Id | None = None
    type: Name | None = None


class Container(Shape):
    type: Name | None = None
    channel_id: Id | None = None
    message_ts: Id | None = None


class BlockActions(Context):
    type: Literal["block_actions"]
    user: Actor
    actions: Annotated[list[Action], Field(min_length=1)]
    channel: Id | Ref | None = None
    container: Container | None = None
    trigger_id: Key | None = None

    @model_validator(mode="after")
    def _a_click_has_an_id(self) -> Self:
        if not (self.trigger_id or self.actions[0].action_ts):
            raise ValueError("a click without `trigger_id` or `action_ts`")
        return self


class InputState(Shape):
    value: str | None = None


class ViewState(Shape):
    values: dict[str, dict[str, InputState]] | None = None


class SubmittedView(Context):
    callback_id: Name
    id: Key | None = None
    private_metadata: Annotated[str, StringConstraints(max_length=3000)] | None = None
    state: ViewState | None = None


class ViewSubmission(Context):
    type: Literal["view_submission"]
    user: Actor
    view: SubmittedView
    trigger_id: Key | None = None

    @model_validator(mode="after")
    def _a_submission_has_an_id(self) -> Self:
        if not (self.trigger_id or self.view.id):
            raise ValueError("a submission without `trigger_id` or `view.id`")
        return self


class SlashCommand(Shape):
    """A slash command's form fields (strings by construction)."""

    command: Name
    user_id: Present
    team_id: Id = ""
    channel_id: Id | None = None
    trigger_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    text: str = ""
    response_url: str | None = None


EVENTS: dict[str, type[Context]] = {
    "app_mention": MessageEvent,
    "message": MessageEvent,
    "reaction_added": ReactionEvent,
}
PAYLOADS: dict[str, type[Context]] = {
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
}
