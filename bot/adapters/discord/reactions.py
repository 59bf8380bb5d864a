"""Reactions that work tickets, as on Slack: 🎫 opens one, 👀 claims it, ✅ resolves it.

- 🎫 by anyone, on any message deskbot can read in a guild: the message becomes a ticket and
  its thread the ticket's (in a thread, that thread). A message that already is a ticket
  gets the usual answer.
- 👀 and ✅ by agents and leads, on a ticket's first message, a message in its thread, or its
  card in the triage channel: `/ticket claim` or `/ticket resolve` for that ticket. Anyone
  else's 👀 is just a reaction, and so is one on a message that is no ticket's.

The desk's answer goes to whoever reacted in a direct message, the nearest Discord has to
Slack's private answers (failing that, it is only logged: the reaction itself did its work).
Reactions added while deskbot was offline are not seen: Discord does not replay them.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.adapters.discord import inbound
from bot.adapters.discord.inbound import Location, workspace
from bot.adapters.discord.intake import MessageIntake
from bot.adapters.discord.members import Members
from handlers.desk import Desk
from handlers.models import Command, Person, Place, Reply

log = logging.getLogger(__name__)

TICKET = "\N{TICKET}"
VERBS = {"\N{EYES}": "claim", "\N{WHITE HEAVY CHECK MARK}": "resolve"}

# The custom id of a card's components (`views.CardAction`): `deskbot:<verb>:<ticket id>`.
_CARD_COMPONENT = re.compile(r"deskbot:[a-z]+:(?P<ticket>[0-9]{1,18})")

CANNOT_READ = (
    "I can't read that message, so it can't become a ticket: deskbot's role needs View"
    " Channel and Read Message History in that channel."
)


def emoji_name(emoji: discord.PartialEmoji) -> str | None:
    """The Unicode emoji of a reaction, without the variation selector some clients add."""
    return None if emoji.is_custom_emoji() or emoji.name is None else emoji.name.strip("\ufe0f")


class ReactionIntake:
    """The way from Discord's reactions to the desk."""

    def __init__(
        self, client: discord.Client, desk: Desk, intake: MessageIntake, triage: int | None
    ) -> None:
        self.client = client
        self.desk = desk
        self.intake = intake
        self.triage = triage

    async def added(self, event: discord.RawReactionActionEvent) -> None:
        """Act on a reaction someone added in a guild."""
        name = emoji_name(event.emoji)
        member = event.member  # set for every reaction in a guild
        if member is None or member.bot or (name != TICKET and name not in VERBS):
            return
        await self.intake.until_live()
        where = await self.intake.where(event.channel_id)
        if where is None:
            return
        if name == TICKET:
            await self._ticket(event, member, where)
        else:
            await self._staff(VERBS[name], event, member, where)

    async def _ticket(
        self, event: discord.RawReactionActionEvent, member: discord.Member, where: Location
    ) -> None:
        """🎫 by anyone: the reacted message becomes a ticket, its thread the ticket's."""
        message = await self._fetch(event.channel_id, event.message_id)
        if message is None:
            await self._tell(member, CANNOT_READ)
            return
        author = await Members().author(message)
        result = await self.intake.requested(message, where, author, inbound.person(member))
        if result is not None and result.reply is not None:
            await self._tell(member, result.reply)

    async def _staff(
        self,
        verb: str,
        event: discord.RawReactionActionEvent,
        member: discord.Member,
        where: Location,
    ) -> None:
        """👀 or ✅ by staff on a ticket's message (or its card): claim or resolve it."""
        actor = inbound.person(member)
        if not self.desk.works_tickets(actor):
            return  # everyone else's 👀 is just a reaction: no look-ups, no answer
        if where.thread_id is not None:  # in a ticket's thread (or a post's)
            reply = await self.desk.react(Command(actor, where.place, verb))
        else:
            reply = await self._on_message(actor, verb, event, where)
        if reply is not None and not reply.repeated:  # a redelivered reaction was answered once
            await self._tell(member, reply.text)

    async def _on_message(
        self, actor: Person, verb: str, event: discord.RawReactionActionEvent, where: Location
    ) -> Reply | None:
        """Run what a reaction on a channel's message means, asking Discord only for a card."""
        # The desk checks the ticket in the command's own transaction.
        root = where.place.in_thread(str(event.message_id))
        reply = await self.desk.react(Command(actor, root, verb))
        if reply is not None or event.channel_id != self.triage:
            return reply
        card = await self._fetch(event.channel_id, event.message_id)
        ticket_id = self._card_ticket(card) if card is not None else None
        if ticket_id is None:
            return None
        triage = Place(workspace(where.guild_id), str(where.channel_id))
        return await self.desk.react(Command(actor, triage, f"{verb} {ticket_id}"))

    def _card_ticket(self, message: discord.Message) -> str | None:
        """The ticket a card of deskbot's is about, read from its components' custom ids."""
        if self.client.user is None or message.author.id != self.client.user.id:
            return None
        for row in message.components:
            for item in getattr(row, "children", [row]):
                found = _CARD_COMPONENT.fullmatch(getattr(item, "custom_id", None) or "")
                if found is not None:
                    return found["ticket"]
        return None

    async def _fetch(self, channel_id: int, message_id: int) -> discord.Message | None:
        """The reacted message as Discord has it now; None when deskbot cannot read it."""
        cached = self.client.get_channel(channel_id)
        channel: discord.abc.Messageable
        if isinstance(cached, (discord.TextChannel, discord.Thread)):
            channel = cached  # a forum post's title is its thread's name
        else:
            channel = self.client.get_partial_messageable(channel_id)
        try:
            return await channel.fetch_message(message_id)
        except discord.HTTPException as error:
            log.warning("Cannot read Discord message %s: %s", message_id, error)
            return None

    async def _tell(self, member: discord.Member, text: str) -> None:
        """Answer whoever reacted, privately (a courtesy: failures are only logged)."""
        try:
            await member.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.warning("Cannot answer Discord user %s: %s", member.id, error)
