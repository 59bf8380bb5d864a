"""Run a `/ticket` command for a slash command or a button, and answer the person privately.

Discord gives an interaction 3 seconds for its first answer. The desk usually answers in
milliseconds; when it has not answered within `defer_after` seconds, the interaction is
deferred (Discord shows "deskbot is thinking…" to that person only) and the answer follows.

An interaction's id is its command's dedupe key: delivered again (a gateway replaying
events), it changes nothing and is not answered again, since Discord takes one answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import discord

from bot.adapters.discord import limits
from bot.adapters.discord.inbound import PLATFORM, location_of, person, workspace
from handlers.desk import Desk
from handlers.models import Command, Person, Place, Reply
from handlers.texts import Texts

log = logging.getLogger(__name__)

DEFER_AFTER = 1.0


def place_of(interaction: discord.Interaction) -> Place:
    """Where an interaction happened: a channel, or a ticket's thread under its channel."""
    found = location_of(interaction.channel)
    if found is not None:
        return found.place
    return Place(workspace(interaction.guild_id or 0), str(interaction.channel_id))


class InteractionDesk:
    """The desk as interactions see it: commands in, private answers out."""

    def __init__(self, desk: Desk, defer_after: float = DEFER_AFTER) -> None:
        self.desk = desk
        self.defer_after = defer_after
        self.texts = desk.settings.texts_for(PLATFORM)

    async def run(
        self, interaction: discord.Interaction, text: str, mentions: tuple[Person, ...] = ()
    ) -> None:
        """Run `/ticket <text>` as the interaction's user and answer them."""
        key = f"{PLATFORM}:interaction:{interaction.id}"
        command = Command(person(interaction.user), place_of(interaction), text, mentions, key)
        await answer(interaction, self.desk.execute(command), self.defer_after, self.texts)


def desk_of(interaction: discord.Interaction) -> InteractionDesk:
    """The desk of the client an interaction came to (buttons are classes, not closures)."""
    found = getattr(interaction.client, "interaction_desk", None)
    if not isinstance(found, InteractionDesk):
        raise TypeError(f"{type(interaction.client).__name__} has no interaction_desk")
    return found


async def answer(
    interaction: discord.Interaction, work: Awaitable[Reply], defer_after: float, texts: Texts
) -> None:
    """Answer with the desk's reply, deferring first if the desk takes its time."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=defer_after)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        reply = await task
    except Exception:
        log.exception("A /ticket interaction failed unexpectedly")
        reply = Reply(texts.unexpected_failure(), ok=False)
    if reply.repeated and not interaction.response.is_done():
        log.info("Interaction %s was delivered again; it was answered already", interaction.id)
        return
    await _say(interaction, reply)


async def _say(interaction: discord.Interaction, reply: Reply) -> None:
    quiet = discord.AllowedMentions.none()
    for piece in limits.chunks(reply.text):
        if interaction.response.is_done():
            await interaction.followup.send(
                piece, ephemeral=reply.ephemeral, allowed_mentions=quiet
            )
        else:
            await interaction.response.send_message(
                piece, ephemeral=reply.ephemeral, allowed_mentions=quiet
            )
