"""`/ticket <verb>` slash commands: synced from the core's verbs, typed, answered privately."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import pytest
from discord import AppCommandOptionType

from bot.adapters.discord.commands import SUBCOMMANDS, ticket_group
from handlers.calls import Kind, Param, Verb
from handlers.commands import VERBS
from handlers.models import Role
from storage.store import SqliteStore
from tests.bot.discord.conftest import (
    FAST,
    Deskbot,
    Payload,
    World,
    running,
    ticket_id,
)
from tests.clock import FakeClock
from tests.fakes.discord import payloads

STRING, INTEGER, BOOLEAN, USER = 3, 4, 5, 6


def synced_ticket_command(world: World) -> Payload:
    [call] = world.fake.calls_to("PUT", "/applications/{app}/guilds/{guild}/commands")
    [ticket] = call.json
    return dict(ticket)


def options_of(world: World, verb: str) -> dict[str, Any]:
    subcommands = {sub["name"]: sub for sub in synced_ticket_command(world)["options"]}
    return {option["name"]: option for option in subcommands[verb].get("options", [])}


async def test_ticket_command_has_a_subcommand_for_every_core_verb(
    world: World, deskbot: Deskbot
) -> None:
    """Startup syncs `/ticket` to the configured guild with one subcommand per core verb."""
    ticket = synced_ticket_command(world)
    assert ticket["name"] == "ticket"
    assert [sub["name"] for sub in ticket["options"]] == list(VERBS)


@pytest.mark.parametrize(
    ("verb", "expected"),
    [
        ("claim", {"id": (INTEGER, False), "force": (BOOLEAN, False)}),
        ("assign", {"id": (INTEGER, False), "person": (USER, True)}),
        ("priority", {"id": (INTEGER, False), "priority": (STRING, True)}),
        ("note", {"id": (INTEGER, False), "text": (STRING, True)}),
        ("resolve", {"id": (INTEGER, False), "text": (STRING, False)}),
        (
            "list",
            {"status": (STRING, False), "whose": (STRING, False), "priority": (STRING, False)},
        ),
        ("mine", {}),
    ],
)
async def test_subcommand_options_are_typed_for_discord(
    world: World, deskbot: Deskbot, verb: str, expected: dict[str, tuple[int, bool]]
) -> None:
    """Options are typed (ticket number, user, choices); the id is never required."""
    found = options_of(world, verb)
    assert {name: (o["type"], o["required"]) for name, o in found.items()} == expected


async def test_a_new_verb_gets_its_discord_options_from_its_params(
    world: World, deskbot: Deskbot
) -> None:
    """A verb added to the registry appears as a typed subcommand with no adapter edit."""
    escalate = Verb(
        "escalate",
        (
            Param("id", Kind.TICKET),
            Param("tier", Kind.CHOICE, choices=("two", "three"), description="Where to"),
            Param("to", Kind.PERSON),
            Param("why", Kind.TEXT, required=False),
            Param("quietly", Kind.FLAG, required=False),
        ),
        "hand a ticket on",
        Role.AGENT,
        lambda call: "",
    )
    first = dict(list(VERBS.items())[: SUBCOMMANDS - 1])  # leave it room among Discord's 25
    group = ticket_group(deskbot.adapter.interaction_desk, {**first, "escalate": escalate})
    subcommand = group.get_command("escalate")
    assert subcommand is not None and subcommand.description == "hand a ticket on"
    found = {p.name: (p.type, p.required) for p in subcommand.parameters}  # type: ignore[union-attr]
    assert found == {
        "id": (AppCommandOptionType.integer, False),
        "tier": (AppCommandOptionType.string, True),
        "to": (AppCommandOptionType.user, True),
        "why": (AppCommandOptionType.string, False),
        "quietly": (AppCommandOptionType.boolean, False),
    }
    [tier] = [p for p in subcommand.parameters if p.name == "tier"]  # type: ignore[union-attr]
    assert [choice.value for choice in tier.choices] == ["two", "three"]
    assert escalate.usage == "escalate <id> <two|three> <@to> [why] [--quietly]"


async def test_verbs_past_discords_limit_are_typed_out_through_more(
    world: World, deskbot: Deskbot
) -> None:
    """Past 25 subcommands, the last verbs go through `/ticket more`, typed out."""
    extra = {name: Verb(name, (), "one more", Role.AGENT, lambda call: "") for name in ("x1", "x2")}
    group = ticket_group(deskbot.adapter.interaction_desk, {**VERBS, **extra})
    names = [command.name for command in group.commands]
    assert len(names) == SUBCOMMANDS and "more" in names
    assert "x2" not in names and "help" in names
    more = group.get_command("more")
    assert more is not None
    assert [p.name for p in more.parameters] == ["command"]  # type: ignore[union-attr]


async def test_priority_option_offers_the_priorities_as_choices(
    world: World, deskbot: Deskbot
) -> None:
    """`/ticket priority` offers urgent, high, normal and low to pick from."""
    choices = options_of(world, "priority")["priority"]["choices"]
    assert [choice["value"] for choice in choices] == ["urgent", "high", "normal", "low"]


async def test_slash_claim_claims_the_ticket_and_answers_privately(
    world: World, deskbot: Deskbot
) -> None:
    """An agent's `/ticket claim id:1` claims it, and only they see the answer."""
    await world.open_ticket()
    [answer] = (await world.slash(world.bob, world.triage["id"], "claim", ticket_id(1))).seen
    assert answer["content"] == "You claimed #1 printer on fire."
    assert answer["flags"] & payloads.EPHEMERAL
    assert await deskbot.rows("SELECT status, assignee_key FROM tickets") == [
        ("claimed", f"discord:{world.bob}")
    ]


async def test_slash_command_inside_the_ticket_thread_needs_no_id(
    world: World, deskbot: Deskbot
) -> None:
    """In the ticket's thread, `/ticket claim` with no id claims that ticket."""
    root = await world.open_ticket()
    [answer] = (await world.slash(world.bob, root["id"], "claim")).seen
    assert answer["content"].startswith("You claimed #1")


async def test_customer_cannot_claim(world: World, deskbot: Deskbot) -> None:
    """A member without an agent role is refused, and the ticket stays open."""
    await world.open_ticket()
    [answer] = (await world.slash(world.alice, world.support["id"], "claim", ticket_id(1))).seen
    assert answer["content"] == "/ticket claim is for agents."
    assert await deskbot.rows("SELECT status FROM tickets") == [("open",)]


async def test_assign_resolves_the_user_option_with_their_roles(
    world: World, deskbot: Deskbot
) -> None:
    """A lead assigns to bob; bob's Agents role comes with the user option, so he may hold it."""
    await world.open_ticket()
    person = payloads.option("person", world.bob, type=USER)
    [answer] = (
        await world.slash(world.carol, world.triage["id"], "assign", ticket_id(1), person)
    ).seen
    assert answer["content"] == "Ticket #1 is now assigned to bob."
    assert await deskbot.rows("SELECT assignee_key FROM tickets") == [(f"discord:{world.bob}",)]


async def test_priority_choice_changes_the_priority(world: World, deskbot: Deskbot) -> None:
    """`/ticket priority id:1 priority:urgent` makes the ticket urgent."""
    await world.open_ticket()
    urgent = payloads.option("priority", "urgent")
    await world.slash(world.bob, world.triage["id"], "priority", ticket_id(1), urgent)
    assert await deskbot.rows("SELECT priority FROM tickets") == [("urgent",)]


async def test_resolve_tells_the_customer_in_the_thread(world: World, deskbot: Deskbot) -> None:
    """`/ticket resolve` with a summary resolves the ticket and says so in its thread."""
    root = await world.open_ticket()
    await world.slash(world.bob, root["id"], "resolve", payloads.option("text", "new fuser"))
    [_, note] = await world.wait_for_message(root["id"], count=2)
    assert note.startswith("Ticket #1 was resolved by bob: new fuser")
    assert await deskbot.rows("SELECT status FROM tickets") == [("resolved",)]


async def test_slow_answer_is_deferred_then_followed_up(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """When the desk has not answered in time, the interaction is deferred, then answered."""
    async with running(world, store, clock, options=replace(FAST, defer_after=0.0)):
        await world.open_ticket()
        record = await world.slash(world.bob, world.triage["id"], "claim", ticket_id(1))
    [answer] = record.seen
    assert record.callback_type == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert answer["content"] == "You claimed #1 printer on fire."
    assert answer["flags"] & payloads.EPHEMERAL


async def test_interaction_delivered_twice_runs_once(
    world: World, deskbot: Deskbot, caplog: pytest.LogCaptureFixture
) -> None:
    """The same `/ticket note` interaction dispatched again adds no second note, no answer."""
    await world.open_ticket()
    text = payloads.option("text", "checked the toner", type=STRING)
    record = await world.slash(world.bob, world.triage["id"], "note", ticket_id(1), text)
    caplog.set_level(logging.INFO, logger="bot.adapters.discord.replies")
    await world.fake.interact(record.payload)
    async with asyncio.timeout(5):
        while True:
            if any("delivered again" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.01)  # the repeat shows nowhere else: it changes nothing
    assert await deskbot.rows("SELECT text FROM messages WHERE internal = 1") == [
        ("checked the toner",)
    ]
    assert len(record.seen) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_reply_from_triage_speaks_in_the_ticket_thread(
    world: World, deskbot: Deskbot
) -> None:
    """`/ticket reply id:1 text:…` in triage posts `bob: …` in the ticket's thread."""
    root = await world.open_ticket()
    text = payloads.option("text", "try the other tray", type=STRING)
    [answer] = (await world.slash(world.bob, world.triage["id"], "reply", ticket_id(1), text)).seen
    assert answer["content"] == "Your reply is posted in ticket #1's thread."
    [_, said] = await world.wait_for_message(root["id"], count=2)
    assert said == "bob: try the other tray"
    roles = await deskbot.rows("SELECT role FROM messages ORDER BY id")
    assert roles == [("customer",), ("bot",), ("agent",)]  # the ack, then bob's own words
