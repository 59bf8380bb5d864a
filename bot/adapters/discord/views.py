"""The triage card's components: buttons and a priority menu that survive restarts.

A component's custom id is the `/ticket` command it runs: `deskbot:claim:42` runs
`claim 42`, and the menu `deskbot:priority:42` runs `priority 42 <the choice>`. The class is
registered with the client at startup as a dynamic item, so a click on a card posted by an
earlier run of the bot still reaches the desk: nothing about a card is kept in memory.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord import answering, comments
from bot.adapters.discord.replies import desk_of
from handlers.models import Action, Card, Notice, Priority, Scale, SurveyView
from handlers.texts import Texts

_STYLES = {
    "claim": discord.ButtonStyle.primary,
    "resolve": discord.ButtonStyle.success,
}
Component = discord.ui.Button[Any] | discord.ui.Select[Any]


class CardAction(
    discord.ui.DynamicItem[Component],
    template=r"deskbot:(?P<verb>[a-z]+):(?P<ticket>[0-9]{1,18})(?: (?P<choice>[\w-]{1,40}))?$",
):
    """A component that runs `/ticket <verb> <id> [choice]` as whoever uses it; a button's
    own choice follows its ticket after a space, as in the command (`deskbot:incident:42 3`)."""

    def __init__(
        self, item: Component, verb: str, ticket_id: int, choice: str | None = None
    ) -> None:
        super().__init__(item)
        self.verb = verb
        self.ticket_id = ticket_id
        self.choice = choice

    @classmethod
    def button(cls, action: Action, ticket_id: int, texts: Texts) -> CardAction:
        verb, choice = action.verb, action.choice
        custom_id = f"deskbot:{verb}:{ticket_id}" + ("" if choice is None else f" {choice}")
        style = _STYLES.get(verb, discord.ButtonStyle.secondary)
        button = discord.ui.Button[Any](
            label=texts.button_label(action), style=style, custom_id=custom_id
        )
        return cls(button, verb, ticket_id, choice)

    @classmethod
    def priority_menu(
        cls, ticket_id: int, texts: Texts, current: Priority | None = None
    ) -> CardAction:
        # The label is what people read; the value is the word the command takes.
        options = [
            discord.SelectOption(
                label=texts.priority_name(priority),
                value=priority.value,
                default=priority is current,
            )
            for priority in Priority
        ]
        menu = discord.ui.Select[Any](
            custom_id=f"deskbot:priority:{ticket_id}",
            placeholder=texts.priority_placeholder(),
            options=options,
        )
        return cls(menu, "priority", ticket_id)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CardAction:
        verb, ticket_id = match["verb"], int(match["ticket"])
        texts = desk_of(interaction).texts
        if verb == "priority":
            return cls.priority_menu(ticket_id, texts)
        return cls.button(Action(verb, match["choice"]), ticket_id, texts)

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.verb == answering.REPLY:  # the answer is written in a modal first
            await answering.ask(interaction, self.ticket_id)
            return
        words = [self.verb, str(self.ticket_id)]
        if self.choice is not None:
            words.append(self.choice)
        if isinstance(self.item, discord.ui.Select):
            words += self.item.values[:1]
        await desk_of(interaction).run(interaction, " ".join(words))


def card_view(card: Card, texts: Texts) -> discord.ui.View:
    """The components of a card: one per action the ticket's status offers, and a link."""
    view = discord.ui.View(timeout=None)
    for action in card.actions:
        if action == "priority":
            view.add_item(CardAction.priority_menu(card.ticket_id, texts, card.priority))
        else:
            view.add_item(CardAction.button(Action(action), card.ticket_id, texts))
    if card.permalink:
        view.add_item(discord.ui.Button[Any](label=texts.open_thread_label(), url=card.permalink))
    if card.web_url:
        view.add_item(discord.ui.Button[Any](label=texts.web_page_label(), url=card.web_url))
    return view


_SCORE_LABELS = {Scale.FIVE: {n: str(n) for n in range(1, 6)}, Scale.THUMBS: {5: "👍", 1: "👎"}}


class SurveyScore(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"deskbot:rate:(?P<ticket>[0-9]{1,18}):(?P<score>[1-5])$",
):
    """A survey's score button: runs `/ticket rate <id> <score>` as whoever presses it, then
    asks the customer for a comment (`comments`)."""

    def __init__(self, ticket_id: int, score: int, label: str | None = None) -> None:
        button = discord.ui.Button[Any](
            label=label or str(score),
            style=discord.ButtonStyle.secondary,
            custom_id=f"deskbot:rate:{ticket_id}:{score}",
        )
        super().__init__(button)
        self.ticket_id = ticket_id
        self.score = score

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SurveyScore:
        return cls(int(match["ticket"]), int(match["score"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await comments.rate_and_ask(interaction, self.ticket_id, self.score)


def survey_view(survey: SurveyView) -> discord.ui.View:
    """A survey's buttons, one per score; none once it is closed."""
    view = discord.ui.View(timeout=None)
    if survey.closed:
        return view
    labels = _SCORE_LABELS[survey.scale]
    for score in sorted(labels, reverse=survey.scale is Scale.THUMBS):
        view.add_item(SurveyScore(survey.ticket_id, score, labels[score]))
    return view


def notice_view(notice: Notice, texts: Texts) -> discord.ui.View | None:
    """The buttons a notice other than a card offers (the ack's "This solved it"), if any."""
    if not notice.actions or notice.ticket_id is None:
        return None
    view = discord.ui.View(timeout=None)
    for action in notice.actions:
        view.add_item(CardAction.button(action, notice.ticket_id, texts))
    return view
