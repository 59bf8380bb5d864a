"""`/ticket <verb> …` as Discord application commands, generated from the core's verb registry.

Each verb of `handlers.commands.VERBS` becomes a subcommand of `/ticket` whose options are
read off the verb's usage (`<id> <@person>` → a ticket number and a user), so Discord offers
typed fields and choices. The answer is the core's: the options are put back into the
`/ticket` text the core parses, and a user option travels as `<@id>` with the member (and
their roles) in `Command.mentions`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.inbound import person
from bot.adapters.discord.replies import InteractionDesk
from handlers.commands import VERBS, Verb
from handlers.models import Person, Priority, Status

COMMAND = "ticket"
DESCRIPTION = "Work support tickets"
# Discord's integer options stop at 2^53; ticket numbers never get near it.
_TICKET_ID = app_commands.Range[int, 1, 2**53]
_ARGUMENT = re.compile(r"([<\[])([^>\]]+)[>\]]")
_PARAMETER = inspect.Parameter


@dataclass(frozen=True)
class Option:
    """One typed option of a subcommand, and how its value reads in `/ticket` text."""

    name: str
    annotation: Any
    description: str
    word: Callable[[Any], str] = str
    choices: tuple[str, ...] = ()
    always_optional: bool = False

    def parameter(self, required: bool) -> inspect.Parameter:
        default = _PARAMETER.empty if required and not self.always_optional else None
        return _PARAMETER(
            self.name, _PARAMETER.KEYWORD_ONLY, default=default, annotation=self.annotation
        )


def _choice(name: str, values: list[str], description: str) -> Option:
    return Option(name, str, description, choices=tuple(values))


_PRIORITIES = [priority.value for priority in Priority]

# The usage words of `VERBS` and the option each one is on Discord. A verb whose usage has a
# word missing here fails at startup (and in the tests), not when someone types it.
OPTIONS: dict[str, Option] = {
    "id": Option(
        "id",
        _TICKET_ID,
        "Ticket number (leave it out inside the ticket's thread)",
        word=lambda value: f"#{value}",
        always_optional=True,
    ),
    "--force": Option(
        "force",
        bool,
        "Leads only: take the ticket over from whoever holds it",
        word=lambda value: "--force" if value else "",
    ),
    "@person": Option(
        "person", discord.User, "The agent who should hold the ticket", word=lambda u: f"<@{u.id}>"
    ),
    "urgent|high|normal|low": _choice("priority", _PRIORITIES, "The new priority"),
    "text": Option("text", str, "What to write"),
    "status|all": _choice(
        "status", [status.value for status in Status] + ["active", "all"], "Which tickets"
    ),
    "mine|unassigned": _choice("whose", ["mine", "unassigned"], "Yours, or nobody's"),
    "priority": _choice("priority", _PRIORITIES, "Only tickets of this priority"),
}


def options_of(verb: Verb) -> list[tuple[Option, bool]]:
    """The options of a verb's subcommand, each with whether Discord should require it."""
    return [(OPTIONS[word], bracket == "<") for bracket, word in _ARGUMENT.findall(verb.args)]


def command_text(verb: Verb, values: dict[str, Any]) -> str:
    """Put a subcommand's option values back into the `/ticket` text the core reads."""
    words = [verb.name]
    for option, _ in options_of(verb):
        value = values.get(option.name)
        if value is not None:
            words.append(option.word(value))
    return " ".join(word for word in words if word)


def mentioned(values: dict[str, Any]) -> tuple[Person, ...]:
    """The people the options name, with their roles (Discord resolves user options)."""
    users = [
        value for value in values.values() if isinstance(value, (discord.User, discord.Member))
    ]
    return tuple(person(user) for user in users)


def subcommand(verb: Verb, desk: InteractionDesk) -> app_commands.Command[Any, Any, None]:
    """The `/ticket <verb>` subcommand: typed options in, the core's answer out."""
    options = options_of(verb)

    async def run(interaction: discord.Interaction[Any], /, **values: Any) -> None:
        await desk.run(interaction, command_text(verb, values), mentioned(values))

    # discord.py reads the options off the callback's signature; build it from the verb.
    first = _PARAMETER("interaction", _PARAMETER.POSITIONAL_OR_KEYWORD)
    parameters = [option.parameter(required) for option, required in options]
    run.__signature__ = inspect.Signature([first, *parameters])  # type: ignore[attr-defined]
    descriptions = {option.name: option.description for option, _ in options}
    run.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    run.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        option.name: [app_commands.Choice(name=value, value=value) for value in option.choices]
        for option, _ in options
        if option.choices
    }
    return app_commands.Command(name=verb.name, description=verb.summary, callback=run)


def ticket_group(desk: InteractionDesk) -> app_commands.Group:
    """`/ticket` with one subcommand per verb of the core."""
    group = app_commands.Group(name=COMMAND, description=DESCRIPTION, guild_only=True)
    for verb in VERBS.values():
        group.add_command(subcommand(verb, desk))
    return group
