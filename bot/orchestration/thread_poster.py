"""Posting in a run's thread: the first message of a run without a thread starts one, and the run remembers it.

A message Slack refuses because opsbot is not in the channel (a private channel it was never invited to, a DM
between people, a channel it was removed from) is not lost: it goes privately to the person waiting for it — the
one whose command or click is being handled, through its response_url — and to the run's requester, with what to
do about it. An approval card is the exception (`post_card`): nobody could decide on a private one."""

from __future__ import annotations

import logging

from bot.core import reply_route
from bot.core.domain import RunRecord, Source
from bot.core.errors import NotInChannel
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import escape, mention
from bot.core.ports import Chat, Messages, Store

log = logging.getLogger(__name__)

ASKED_BY_A_PERSON = ("slack.", "mcp")  # runs a person asked for (in Slack, or through their MCP client); a webhook
# rule's run names the Slack person mapped from a GitHub login, who may not be in the channel at all


class ThreadPoster:
    def __init__(self, *, store: Store, chat: Chat, messages: Messages) -> None:
        self.store = store
        self.chat = chat
        self.messages = messages

    async def post(self, run: RunRecord, text: str, blocks: list[JsonObject]) -> str:
        """Post in the run's thread; '' when it went privately instead (opsbot is not in the channel). A slash
        command's answer that starts a thread says who asked: Slack shows the command to its sender only."""
        try:
            return await self._post(run, text, blocks, say_who=run.source == Source.SLACK_COMMAND.value)
        except NotInChannel as exc:
            await self._privately(run, text, blocks, exc.channel)
            return ""

    async def post_card(self, run: RunRecord, text: str, blocks: list[JsonObject]) -> str:
        """Post in the run's thread, starting the thread with this message when there is none yet; raises
        NotInChannel where Slack refuses the channel (a card says who asked itself)."""
        return await self._post(run, text, blocks, say_who=False)

    async def _post(self, run: RunRecord, text: str, blocks: list[JsonObject], *, say_who: bool) -> str:
        if run.channel is None:
            return ""
        thread = run.thread_ts
        if thread is None:  # the record may predate an earlier post of this run that started the thread
            stored = await self.store.run(run.id)
            thread = stored.thread_ts if stored is not None else None
        if say_who and thread is None:
            typed = escape(" ".join(run.text.split())[:200].replace("`", "'"))
            blocks = [*blocks, *self.messages.status(f"Asked by {mention(run.actor)}: `/ops {typed}`")]
        ts = await self.chat.post(run.channel, text, blocks, thread_ts=thread)
        if thread is None:
            await self.store.set_run_thread(run.id, ts)
        return ts

    async def _privately(self, run: RunRecord, text: str, blocks: list[JsonObject], channel: str) -> None:
        note = "Only you can see this: I'm not a member of this channel, so I couldn't post it there."
        shown = [*blocks, *self.messages.status(f"{note} {reply_route.closed_hint(channel)}")]
        route = reply_route.current()
        answered = None
        if route is not None and route.channel == channel and await self._theirs(route, run):
            await self.chat.ephemeral(channel, route.user, text, shown, response_url=route.response_url)
            answered = route.user
        if run.actor != answered and run.source.startswith(ASKED_BY_A_PERSON):
            # the requester (an approver's click is being handled): chat.postEphemeral fails there too, so Slack's
            # refusal turns it into a direct message (bot.core.ports.Chat.ephemeral)
            await self.chat.ephemeral(channel, run.actor, text, shown)
        elif answered is None:
            log.warning("run %s: a message for %s was not posted (opsbot is not in %s)", run.id, run.actor, channel)

    async def _theirs(self, route: reply_route.ReplyRoute, run: RunRecord) -> bool:
        """Whether the person being answered may read this run's messages: their own run, or the one whose approval
        card they clicked — not another run the same handling moved on (the request queued next in a thread)."""
        if route.user == run.actor:
            return True
        approval = await self.store.approval(route.approval) if route.approval else None
        return approval is not None and approval.run_id == run.id
