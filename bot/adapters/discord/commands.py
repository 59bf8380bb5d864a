"""`/ticket <verb> …` as Discord application commands, generated from the core's verb registry.

Each verb of `handlers.commands.VERBS` becomes a subcommand of `/ticket` whose options come
from the verb's typed arguments (`Param`: a ticket number, a user, a choice…), so Discord
offers typed fields and choices, and a new verb needs no edit here. The answer is the
core's: the options are put back into the `/ticket` text the core parses, and a user option
travels as `<@id>` with the member (and their roles) in `Command.mentions`.

Discord takes at most 25 subcommands in a group. Past that, the verbs at the end of the
registry are typed out through one more subcommand, `/ticket more command:<verb …>`, which
the core parses like any `/ticket` text (without Discord's typed fields for them).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.inbound import person
from bot.adapters.discord.replies import InteractionDesk
from handlers.calls import Kind, Param, Verb
from handlers.commands import VERBS
from handlers.models import Person
from handlers.texts import N_

COMMAND = "ticket"
DESCRIPTION = N_("Work support tickets")
SUBCOMMANDS = 25  # Discord's most subcommands in one group
MORE = "more"
MORE_DESCRIPTION = N_("Any other ticket command, typed out")
MORE_COMMAND = N_("The command and its words, e.g. forget @person")
# Discord's integer options stop at 2^53; ticket numbers never get near it.
_TICKET_ID = app_commands.Range[int, 1, 2**53]
_PARAMETER = inspect.Parameter

# Each kind of argument as a Discord option type, and how its value reads in `/ticket` text.
_ANNOTATIONS: dict[Kind, Any] = {
    Kind.TICKET: _TICKET_ID,
    Kind.PERSON: discord.User,
    Kind.TEXT: str,
    Kind.CHOICE: str,
    Kind.FLAG: bool,
}


def _word(param: Param, value: Any) -> str:
    if param.kind is Kind.TICKET:
        return f"#{value}"
    if param.kind is Kind.PERSON:
        return f"<@{value.id}>"
    if param.kind is Kind.FLAG:
        return f"--{param.name}" if value else ""
    return str(value)


def _required(param: Param) -> bool:
    # Inside the ticket's thread the id may be left out, so Discord never insists on it.
    return param.required and param.kind is not Kind.TICKET


def _parameter(param: Param) -> inspect.Parameter:
    default = _PARAMETER.empty if _required(param) else None
    return _PARAMETER(
        param.name, _PARAMETER.KEYWORD_ONLY, default=default, annotation=_ANNOTATIONS[param.kind]
    )


def command_text(verb: Verb, values: dict[str, Any]) -> str:
    """Put a subcommand's option values back into the `/ticket` text the core reads."""
    words = [verb.name]
    for param in verb.params:
        value = values.get(param.name)
        if value is not None:
            words.append(_word(param, value))
    return " ".join(word for word in words if word)


def mentioned(values: dict[str, Any]) -> tuple[Person, ...]:
    """The people the options name, with their roles (Discord resolves user options)."""
    users = [
        value for value in values.values() if isinstance(value, (discord.User, discord.Member))
    ]
    return tuple(person(user) for user in users)


def subcommand(verb: Verb, desk: InteractionDesk) -> app_commands.Command[Any, Any, None]:
    """The `/ticket <verb>` subcommand: typed options in, the core's answer out."""

    async def run(interaction: discord.Interaction[Any], /, **values: Any) -> None:
        await desk.run(interaction, command_text(verb, values), mentioned(values))

    # discord.py reads the options off the callback's signature; build it from the verb.
    first = _PARAMETER("interaction", _PARAMETER.POSITIONAL_OR_KEYWORD)
    parameters = [_parameter(param) for param in verb.params]
    run.__signature__ = inspect.Signature([first, *parameters])  # type: ignore[attr-defined]
    texts = desk.texts
    descriptions = {
        param.name: texts.gettext(param.description) if param.description else param.name
        for param in verb.params
    }
    run.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    run.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        param.name: [app_commands.Choice(name=value, value=value) for value in param.choices]
        for param in verb.params
        if param.choices
    }
    summary = texts.gettext(verb.summary)
    return app_commands.Command(name=verb.name, description=summary, callback=run)


def typed_out(desk: InteractionDesk) -> app_commands.Command[Any, Any, None]:
    """`/ticket more command:<verb …>`: the verbs past Discord's limit, as text."""

    async def run(interaction: discord.Interaction[Any], /, command: str) -> None:
        await desk.run(interaction, command, ())

    texts = desk.texts
    run.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        "command": texts.gettext(MORE_COMMAND)
    }
    return app_commands.Command(
        name=MORE, description=texts.gettext(MORE_DESCRIPTION), callback=run
    )


def ticket_group(desk: InteractionDesk, verbs: Mapping[str, Verb] = VERBS) -> app_commands.Group:
    """`/ticket` with one subcommand per verb of the core, as many as Discord takes."""
    description = desk.texts.gettext(DESCRIPTION)
    group = app_commands.Group(name=COMMAND, description=description, guild_only=True)
    listed = list(verbs.values())
    if len(listed) > SUBCOMMANDS:
        listed = listed[: SUBCOMMANDS - 1]
        group.add_command(typed_out(desk))
    for verb in listed:
        group.add_command(subcommand(verb, desk))
    return group
