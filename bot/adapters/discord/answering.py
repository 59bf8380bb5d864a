"""The card's Reply button on Discord: a modal to write the answer, run as `/ticket reply`.

A press of Reply is answered with the modal (a modal must be an interaction's first
answer, so the press runs nothing). Submitting it runs `reply <id> <answer>` as whoever
submitted, the same command agents type: the desk decides who may answer, and posts the
answer in the ticket's conversation (its thread, or the customer's direct messages).
"""

from __future__ import annotations

import discord

from bot.adapters.discord import replies
from bot.adapters.discord.comments import CommandModal
from bot.adapters.discord.replies import InteractionDesk

REPLY = "reply"


def reply_modal(desk: InteractionDesk, ticket_id: int) -> CommandModal:
    """One answer to the ticket's customer."""
    texts = desk.texts
    return CommandModal(
        desk,
        custom_id=f"deskbot:reply-form:{ticket_id}",
        command=f"{REPLY} {ticket_id}",
        title=texts.reply_title(),
        label=texts.reply_label(ticket_id),
        hint=texts.reply_hint(),
        field="answer",
        required=True,
    )


async def ask(interaction: discord.Interaction, ticket_id: int) -> None:
    """Answer a press of the card's Reply with the modal that takes the answer."""
    await interaction.response.send_modal(reply_modal(replies.desk_of(interaction), ticket_id))
