"""Incidents on Discord, on real discord.py: declare, link, update every thread, resolve all."""

from __future__ import annotations

from storage.store import SqliteStore
from tests.bot.discord.conftest import Payload, World, running
from tests.clock import FakeClock
from tests.fakes.discord import payloads


def _options(action: str, incident: str = "", text: str = "") -> list[Payload]:
    found = [payloads.option("action", action)]
    if incident:
        found.append(payloads.option("incident", incident))
    if text:
        found.append(payloads.option("text", text))
    return found


async def _incident(
    world: World, user: str, action: str, incident: str = "", text: str = ""
) -> str:
    """Run `/ticket incident` as `user` in triage; return the private answer."""
    record = await world.slash(
        user, world.triage["id"], "incident", *_options(action, incident, text)
    )
    [answer] = record.seen
    return str(answer["content"])


async def test_an_incident_runs_from_declaration_to_resolution_on_discord(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Both threads hear of the incident, get its update, and are resolved with it."""
    config = world.config(support_channels=[world.support["id"]])
    async with running(world, store, clock, config) as deskbot:
        first = await world.open_ticket("checkout returns 500")
        second = await world.open_ticket("checkout is broken")
        answer = await _incident(world, world.bob, "declare", text="Checkout returns 500")
        assert answer.startswith("Declared INC-1: Checkout returns 500.")
        answer = await _incident(world, world.bob, "link", "INC-1", "1 2")
        assert answer == "Linked 2 tickets to INC-1 (2 linked in all)."
        for root in (first, second):
            said = await world.wait_for_message(root["id"], count=2)
            assert said[-1].startswith("This is part of a known problem (INC-1:")
        banner = await world.wait_for_message(world.support["id"])
        assert banner[-1].startswith("⚠️ Known problem — INC-1: Checkout returns 500")

        await _incident(world, world.bob, "update", "INC-1", "Rolling back")
        for root in (first, second):
            said = await world.wait_for_message(root["id"], count=3)
            assert said[-1] == "Update on INC-1 (Checkout returns 500) from bob: Rolling back"

        answer = await _incident(world, world.bob, "resolve", "INC-1", "Fixed")
        assert answer.startswith("INC-1 is resolved:")
        await deskbot.until(
            "SELECT status FROM tickets ORDER BY id", lambda rows: rows == [("resolved",)] * 2
        )
        said = await world.wait_for_message(first["id"], count=5)
        assert "INC-1 (Checkout returns 500) is resolved. bob: Fixed" in said
        await deskbot.outbox.drain()
        [posted] = world.fake.sent_messages(world.support["id"])  # edited, never posted again
        banner_now = world.fake.state.message(world.support["id"], posted.message["id"])
        assert banner_now["content"] == "✅ Resolved — INC-1: Checkout returns 500. Fixed"


async def test_a_customer_is_refused_incident_commands_on_discord(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """alice may not declare; she is told so privately and nothing is stored."""
    async with running(world, store, clock) as deskbot:
        answer = await _incident(world, world.alice, "declare", text="Broken")
        assert answer == "/ticket incident is for agents."
        assert await deskbot.rows("SELECT count(*) FROM incidents") == [(0,)]


async def test_a_spike_alert_declares_its_incident_with_one_click_on_discord(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Five checkout reports: the alert in #leads has a button; bob's click declares INC-1."""
    async with running(world, store, clock) as deskbot:
        for n in range(5):
            await world.open_ticket(f"Checkout returns 500 on order {n}")
        [alert] = await world.wait_for_message(world.leads["id"])
        assert alert.startswith("Spike: 5 similar tickets within 15m")
        [posted] = world.fake.sent_messages(world.leads["id"])
        [row] = posted.message["components"]
        [button] = row["components"]
        assert (button["custom_id"], button["label"]) == ("deskbot:incident:1", "Declare incident")
        record = await world.fake.click(
            world.leads["id"], posted.message["id"], "deskbot:incident:1", user_id=world.bob
        )
        await world.fake.wait_until_seen(record)
        await deskbot.until(
            "SELECT count(*) FROM incident_links WHERE held = true", lambda rows: rows == [(5,)]
        )
        await deskbot.outbox.drain()
        now = world.fake.state.message(world.leads["id"], posted.message["id"])
        assert now["content"].endswith("declared as INC-1.")
        assert not now.get("components")


async def test_a_new_ticket_like_an_open_incident_is_linked_with_one_click_on_discord(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """bob presses **Link to INC-1** in triage: linked, and the suggestion loses its button;
    alice, a customer, pressing it first is refused privately."""
    config = world.config(support_channels=[world.support["id"]])
    async with running(world, store, clock, config) as deskbot:
        await _incident(world, world.bob, "declare", text="Checkout returns 500")
        await world.open_ticket("Getting a 500 at checkout")
        await deskbot.outbox.drain()
        [posted] = [
            p
            for p in world.fake.sent_messages(world.triage["id"])
            if "looks like part of INC-1" in p.message["content"]
        ]
        [row] = posted.message["components"]
        [button] = row["components"]
        assert (button["custom_id"], button["label"]) == ("deskbot:incident:1 1", "Link to INC-1")
        refused = await world.fake.click(
            world.triage["id"], posted.message["id"], button["custom_id"], user_id=world.alice
        )
        [answer] = await world.fake.wait_until_seen(refused)
        assert answer["content"] == "/ticket incident is for agents."
        assert await deskbot.rows("SELECT count(*) FROM incident_links") == [(0,)]
        record = await world.fake.click(
            world.triage["id"], posted.message["id"], button["custom_id"], user_id=world.bob
        )
        await world.fake.wait_until_seen(record)
        await deskbot.until(
            "SELECT ticket_id FROM incident_links WHERE held = true", lambda rows: rows == [(1,)]
        )
        await deskbot.outbox.drain()
        now = world.fake.state.message(world.triage["id"], posted.message["id"])
        assert now["content"] == "New ticket #1 was linked to INC-1 (Checkout returns 500) by bob."
        assert not now.get("components")


async def test_a_forum_support_channel_gets_the_banner_as_a_post_of_its_own(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A forum takes no plain message: the banner opens one post there, edited as the
    incident moves on, and the bot's own post opens no ticket."""
    async with running(world, store, clock, world.config()) as deskbot:
        await world.open_ticket("checkout returns 500")
        await _incident(world, world.bob, "declare", text="Checkout returns 500")
        await _incident(world, world.bob, "resolve", "INC-1", "Fixed")
        await deskbot.outbox.drain()
        posts = [
            channel
            for channel in world.fake.state.channels.values()
            if channel.get("parent_id") == world.forum["id"]
        ]
        [post] = posts
        assert post["name"].startswith("⚠️ Known problem — INC-1: Checkout returns 500")
        starter = world.fake.state.message(post["id"], post["id"])
        assert starter["content"] == "✅ Resolved — INC-1: Checkout returns 500. Fixed"
        assert await deskbot.rows("SELECT count(*) FROM outbox WHERE status = 'failed'") == [(0,)]
        assert await deskbot.rows("SELECT count(*) FROM tickets") == [(1,)]
