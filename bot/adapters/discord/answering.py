"""The card's Reply button on Discord: a modal to write the answer, run as `/ticket reply`.

A press of Reply is answered with the modal (a modal must be an interaction's first
answer, so the press runs nothing). Submitting it runs `reply <id> <answer>` as whoever
submitted, the same command agents type: the desk decides who may answer, and posts the
answer in the ticket's conversation (its thread, or the customer's direct messages).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord import replies
from bot.adapters.discord.comments import DESCRIPTION, LABEL, MODAL_TIMEOUT, TEXT_INPUT, TITLE
from bot.adapters.discord.replies import InteractionDesk
from handlers import texts as wording

REPLY = "reply"


class ReplyModal(discord.ui.Modal):
    """One answer to the ticket's customer."""

    def __init__(self, desk: InteractionDesk, ticket_id: int) -> None:
        texts = desk.texts
        super().__init__(
            title=wording.shorten(texts.reply_title(), TITLE),
            timeout=MODAL_TIMEOUT,
            custom_id=f"deskbot:reply-form:{ticket_id}",
        )
        self.desk = desk
        self.ticket_id = ticket_id
        self.answer = discord.ui.TextInput[Any](
            style=discord.TextStyle.paragraph,
            custom_id="answer",
            required=True,
            max_length=TEXT_INPUT,
        )
        self.add_item(
            discord.ui.Label[Any](
                text=wording.shorten(texts.reply_label(ticket_id), LABEL),
                description=wording.shorten(texts.reply_hint(), DESCRIPTION),
                component=self.answer,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.desk.run(interaction, f"{REPLY} {self.ticket_id} {self.answer.value}")


async def ask(interaction: discord.Interaction, ticket_id: int) -> None:
    """Answer a press of the card's Reply with the modal that takes the answer."""
    await interaction.response.send_modal(ReplyModal(replies.desk_of(interaction), ticket_id))
