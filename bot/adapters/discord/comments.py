"""The comment after a survey's score button: a modal that runs `/ticket rate` once more.

A press of a score button is rated at once; when the desk took it, the press is answered
with a modal asking for an optional comment (the modal is the press's one answer, so
Discord shows no message for it). Submitting the modal runs `rate <id> <score> <comment>`,
the same command the buttons and people type, and its answer is the private confirmation.
A refusal (someone else's press, a closed survey) is answered privately, with no modal.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.adapters.discord import replies
from bot.adapters.discord.inbound import PLATFORM, person
from bot.adapters.discord.replies import InteractionDesk, place_of
from handlers import texts as wording
from handlers.models import Command, Reply

log = logging.getLogger(__name__)

TITLE = 45  # characters in a modal's title
LABEL = 45  # a label's text
DESCRIPTION = 100  # a label's description
TEXT_INPUT = 4000  # what a text input takes at most
MODAL_TIMEOUT = 15 * 60.0  # seconds a comment modal is listened for


class CommandModal(discord.ui.Modal):
    """One paragraph to write; submitting it runs `command` followed by what was written, as
    whoever submitted (a rating's comment, a card's Reply)."""

    def __init__(
        self,
        desk: InteractionDesk,
        *,
        custom_id: str,
        command: str,
        title: str,
        label: str,
        hint: str,
        field: str,
        required: bool,
    ) -> None:
        super().__init__(
            title=wording.shorten(title, TITLE), timeout=MODAL_TIMEOUT, custom_id=custom_id
        )
        self.desk = desk
        self.command = command
        self.text = discord.ui.TextInput[Any](
            style=discord.TextStyle.paragraph,
            custom_id=field,
            required=required,
            max_length=TEXT_INPUT,
        )
        self.add_item(
            discord.ui.Label[Any](
                text=wording.shorten(label, LABEL),
                description=wording.shorten(hint, DESCRIPTION),
                component=self.text,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.desk.run(interaction, f"{self.command} {self.text.value or ''}".rstrip())


def comment_modal(desk: InteractionDesk, ticket_id: int, score: int) -> CommandModal:
    """One optional comment on the rating just given."""
    texts = desk.texts
    return CommandModal(
        desk,
        custom_id=f"deskbot:comment:{ticket_id}:{score}",
        command=f"rate {ticket_id} {score}",
        title=texts.comment_title(),
        label=texts.comment_label(ticket_id),
        hint=texts.comment_hint(TEXT_INPUT),
        field="comment",
        required=False,
    )


async def rate_and_ask(interaction: discord.Interaction, ticket_id: int, score: int) -> None:
    """Rate for the person who pressed; answer a taken rating with the comment modal."""
    desk = replies.desk_of(interaction)
    key = f"{PLATFORM}:interaction:{interaction.id}"
    text = f"rate {ticket_id} {score}"
    command = Command(person(interaction.user), place_of(interaction), text, dedupe_key=key)
    work = asyncio.ensure_future(desk.desk.execute(command))
    done, _ = await asyncio.wait({work}, timeout=desk.defer_after)
    if done and work.exception() is None and _taken(work.result()):
        await interaction.response.send_modal(comment_modal(desk, ticket_id, score))
        return
    # Slow, refused or failed: the answer in words (a modal must be the first answer).
    await replies.answer(interaction, work, desk.defer_after, desk.texts)


def _taken(reply: Reply) -> bool:
    return reply.ok and not reply.repeated
