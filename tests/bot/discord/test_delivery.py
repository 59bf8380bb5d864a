"""The outbox's way into Discord: limits, mentions, rate limits and failures that name the fix."""

from __future__ import annotations

import pytest

from bot.sending import EditTargetGone, PermanentDeliveryError, TransientDeliveryError
from handlers.models import Mention, Notice, NoticeKind, Place
from storage.store import SqliteStore
from tests.bot.discord.conftest import Deskbot, World, running
from tests.clock import FakeClock


def notice(world: World, channel: str, text: str, **fields: object) -> Notice:
    place = Place(f"discord:{world.guild.id}", channel)
    return Notice(NoticeKind.THREAD, place, text, **fields)  # type: ignore[arg-type]


async def test_escalation_pings_exactly_its_mentions(world: World, deskbot: Deskbot) -> None:
    """A notice's mentions ping those roles and users, and nobody else (no @everyone)."""
    role, lead = world.agents_role["id"], world.carol
    mentions = (Mention("group", role), Mention("user", lead))
    escalation = notice(world, world.leads["id"], "#1 breached @everyone", mentions=mentions)
    await deskbot.adapter.deliver(escalation, None)
    [sent] = world.fake.sent_messages(world.leads["id"])
    assert sent.content == f"<@&{role}> <@{lead}> #1 breached @everyone"
    assert sent.allowed_mentions == {"parse": [], "users": [int(lead)], "roles": [int(role)]}
    assert (sent.message["mention_roles"], sent.message["mention_everyone"]) == ([role], False)


async def test_long_notice_is_split_into_messages_discord_accepts(
    world: World, deskbot: Deskbot
) -> None:
    """A notice longer than 2000 characters goes out as several messages, in order."""
    lines = [f"line {number:04d} " + "x" * 90 for number in range(50)]
    await deskbot.adapter.deliver(notice(world, world.leads["id"], "\n".join(lines)), None)
    sent = world.sent_texts(world.leads["id"])
    assert len(sent) == 3
    assert all(len(text) <= 2000 for text in sent)
    assert "\n".join(sent).splitlines() == lines


async def test_rate_limited_post_is_waited_out_and_delivered(
    world: World, deskbot: Deskbot
) -> None:
    """A 429 with Retry-After is waited out by discord.py; the ack still arrives once."""
    world.fake.fail("POST", "/channels/{id}/messages", retry_after=0.2)
    root = await world.open_ticket()
    statuses = [call.status for call in world.fake.calls_to("POST", "/channels/{id}/messages")]
    assert statuses[:2] == [429, 200]
    assert len(world.sent_texts(root["id"])) == 1


async def test_discord_outage_is_retried_later(world: World, deskbot: Deskbot) -> None:
    """A 503 from Discord is a transient failure: the outbox keeps the notice and retries."""
    world.fake.fail("POST", "/channels/{id}/messages", status=503)
    with pytest.raises(TransientDeliveryError):
        await deskbot.adapter.deliver(notice(world, world.leads["id"], "digest"), None)


async def test_unknown_channel_fails_naming_the_config_key(world: World, deskbot: Deskbot) -> None:
    """A channel that does not exist fails for good, saying which config key to check."""
    with pytest.raises(PermanentDeliveryError) as failure:
        await deskbot.adapter.deliver(notice(world, "1234", "hello"), None)
    assert str(failure.value) == (
        "there is no Discord channel 1234. Check discord.support_channels"
    )


async def test_card_whose_message_is_gone_is_posted_anew(world: World, deskbot: Deskbot) -> None:
    """Editing a card whose message was deleted says so, so the outbox posts a new one."""
    with pytest.raises(EditTargetGone):
        await deskbot.adapter.deliver(notice(world, world.triage["id"], "#1 · open"), "1234")


async def test_triage_channel_without_access_fails_the_card_loudly(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A card for a channel deskbot cannot see is marked failed with what to change."""
    world.fake.deny_access(world.triage["id"])
    async with running(world, store, clock) as bot:
        await world.open_ticket()
        [(error,)] = await bot.until(
            "SELECT last_error FROM outbox WHERE kind = 'card' AND status = 'failed'", bool
        )
    assert error == (
        f"deskbot can't see Discord channel {world.triage['id']} (Missing Access). Give"
        " deskbot's role View Channel there, or change discord.triage_channel"
    )


async def test_missing_thread_permission_fails_the_ack_naming_it(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Without Create Public Threads in #support the ack fails, naming that permission."""
    world.fake.deny_permission(world.support["id"], "CREATE_PUBLIC_THREADS")
    async with running(world, store, clock) as bot:
        await world.fake.post_as_user(world.support["id"], world.alice, "printer on fire")
        [(error,)] = await bot.until(
            "SELECT last_error FROM outbox WHERE kind = 'ack' AND status = 'failed'", bool
        )
    assert "Create Public Threads and Send Messages in Threads" in error
    assert error.endswith("or change discord.support_channels")


async def test_restart_resends_nothing_already_delivered(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """After a stop and a start, the ticket still has one ack and one card."""
    async with running(world, store, clock):
        root = await world.open_ticket()
        await world.wait_for_message(world.triage["id"])
    async with running(world, store, clock) as bot:
        await bot.outbox.drain()
    assert len(world.sent_texts(root["id"])) == 1
    assert len(world.sent_texts(world.triage["id"])) == 1
