"""The fake Discord answers the unmodified discord.py as Discord would."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import aiohttp
import pytest

# Imported first: it imports discord.py with its `audioop` DeprecationWarning silenced.
from tests.fakes.discord import FakeDiscord, GuildRecord, discord_py_pointed_at, payloads

import discord  # isort: skip
from discord import app_commands  # isort: skip

T = TypeVar("T")
EVENT_TIMEOUT = 5.0


class DeskClient(discord.Client):
    """A plain discord.py client with the intents deskbot uses."""

    def __init__(self, *, message_content: bool = True, reactions: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = message_content
        intents.guild_reactions = reactions
        # on_ready waits guild_ready_timeout after the last GUILD_CREATE (2 s by default).
        super().__init__(intents=intents, guild_ready_timeout=0.05)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once; discord.py otherwise sleeps 5 s before every re-IDENTIFY."""


@dataclasses.dataclass
class World:
    """A guild with a support channel, a forum and a customer, served by a fake Discord."""

    fake: FakeDiscord
    guild: GuildRecord
    support: dict[str, Any]
    forum: dict[str, Any]
    alice: dict[str, Any]

    @property
    def alice_id(self) -> str:
        """Return the customer's user id."""
        return str(self.alice["user"]["id"])


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """Start a fake Discord with one guild and point discord.py at it."""
    async with FakeDiscord(heartbeat_interval=500) as fake:
        guild = fake.add_guild("Support")
        support = fake.add_text_channel(guild.id, "support")
        forum = fake.add_forum_channel(guild.id, "help", tags=["bug", "question"])
        alice = fake.add_member(guild.id, "alice")
        with discord_py_pointed_at(fake.api_url, fake.gateway_url):
            yield World(fake, guild, support, forum, alice)


@contextlib.asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Run a client against the fake until the block ends, then close it cleanly."""
    task = asyncio.create_task(client.start(fake.token))
    try:
        await fake.wait_until_identified()
        await within(client.wait_until_ready())
        yield client
    finally:
        await client.close()
        await task


@pytest.fixture
async def client(world: World) -> AsyncIterator[DeskClient]:
    """A connected and ready DeskClient."""
    desk = DeskClient()
    async with running(desk, world.fake):
        yield desk


async def within(awaitable: Awaitable[T]) -> T:
    """Await with the suite's event timeout."""
    return await asyncio.wait_for(awaitable, EVENT_TIMEOUT)


async def message_from(
    client: discord.Client, author_id: str, action: Awaitable[Any]
) -> discord.Message:
    """Run `action` and return the next message `on_message` gets from `author_id`."""
    waiter = client.wait_for("message", check=lambda m: str(m.author.id) == author_id)
    message: discord.Message
    message, _ = await within(asyncio.gather(waiter, action))
    return message


def text_channel(client: discord.Client, channel: dict[str, Any]) -> discord.TextChannel:
    """Return discord.py's cached text channel for a fake channel."""
    found = client.get_channel(int(channel["id"]))
    assert isinstance(found, discord.TextChannel)
    return found


# -- connecting ------------------------------------------------------------------------------


async def test_client_identifies_and_caches_the_guild_on_ready(
    world: World, client: DeskClient
) -> None:
    """IDENTIFY is answered with READY and GUILD_CREATE, so on_ready sees the guild."""
    guild = client.get_guild(int(world.guild.id))
    assert guild is not None
    assert {c.name for c in guild.channels} == {"support", "help"}
    assert world.fake.gateway.intents == client.intents.value


async def test_gateway_speaks_the_compression_discord_py_asks_for(
    world: World, client: DeskClient
) -> None:
    """discord.py asks for zlib-stream (or zstd-stream) transport compression and gets it."""
    connection = world.fake.gateway.connections[0]
    assert type(connection.encode).__name__ in ("ZlibStream", "ZstdStream")


async def test_heartbeats_are_acknowledged(world: World, client: DeskClient) -> None:
    """Heartbeats get HEARTBEAT_ACK, so discord.py measures a finite latency."""
    await world.fake.wait_for(lambda: client.latency < 1.0, "an acknowledged heartbeat")
    assert world.fake.gateway.heartbeats >= 1


async def test_bad_token_on_identify_closes_with_4004(world: World) -> None:
    """A wrong token in IDENTIFY closes the gateway with 4004 Authentication failed."""
    async with aiohttp.ClientSession() as session, session.ws_connect(world.fake.gateway_url) as ws:
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 513, "properties": {}}})
        closing = await ws.receive()
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert closing.data == 4004


# -- messages --------------------------------------------------------------------------------


async def test_user_message_reaches_on_message_with_content(
    world: World, client: DeskClient
) -> None:
    """A message posted as a user arrives in on_message with its content and author."""
    post = world.fake.post_as_user(world.support["id"], world.alice_id, "my printer is on fire")
    message = await message_from(client, world.alice_id, post)
    assert message.content == "my printer is on fire"
    assert message.channel.id == int(world.support["id"])


async def test_send_carries_allowed_mentions_to_the_fake(world: World, client: DeskClient) -> None:
    """`allowed_mentions=AllowedMentions.none()` reaches the fake and suppresses the mention."""
    channel = text_channel(client, world.support)
    await channel.send(f"<@{world.alice_id}> hi", allowed_mentions=discord.AllowedMentions.none())
    [sent] = world.fake.sent_messages(world.support["id"])
    assert sent.allowed_mentions == {"parse": []}
    assert sent.message["mentions"] == []


async def test_content_over_2000_characters_is_an_invalid_form_body(
    world: World, client: DeskClient
) -> None:
    """Sending 2001 characters fails with Discord's 50035 Invalid Form Body."""
    with pytest.raises(discord.HTTPException) as failure:
        await text_channel(client, world.support).send("x" * 2001)
    assert failure.value.status == 400
    assert failure.value.code == 50035


async def test_history_after_returns_only_later_messages(world: World, client: DeskClient) -> None:
    """`channel.history(after=...)` returns the messages after the marker, oldest first."""
    first = await world.fake.post_as_user(world.support["id"], world.alice_id, "one")
    for text in ("two", "three"):
        await world.fake.post_as_user(world.support["id"], world.alice_id, text)
    channel = text_channel(client, world.support)
    later = [m.content async for m in channel.history(after=discord.Object(int(first["id"])))]
    assert later == ["two", "three"]


async def test_other_users_content_is_empty_without_the_message_content_intent(
    world: World,
) -> None:
    """Without MESSAGE_CONTENT, a customer's message arrives with empty content, as on Discord."""
    client = DeskClient(message_content=False)
    async with running(client, world.fake):
        post = world.fake.post_as_user(world.support["id"], world.alice_id, "secret")
        assert (await message_from(client, world.alice_id, post)).content == ""


# -- reactions and downtime ------------------------------------------------------------------


async def test_reaction_reaches_on_raw_reaction_add_with_its_member(
    world: World, client: DeskClient
) -> None:
    """A user's reaction arrives as a raw reaction event naming the emoji, message and member."""
    message = await world.fake.post_as_user(world.support["id"], world.alice_id, "help")
    waiter = client.wait_for("raw_reaction_add")
    react = world.fake.react_as_user(world.support["id"], message["id"], world.alice_id, "🎫")
    event: discord.RawReactionActionEvent
    event, _ = await within(asyncio.gather(waiter, react))
    assert (event.emoji.name, event.message_id) == ("🎫", int(message["id"]))
    assert event.member is not None and event.member.id == int(world.alice_id)
    assert event.message_author_id == int(world.alice_id)


async def test_reactions_are_not_sent_without_the_reactions_intent(world: World) -> None:
    """Without GUILD_MESSAGE_REACTIONS the session never gets MESSAGE_REACTION_ADD."""
    async with running(DeskClient(reactions=False), world.fake):
        message = await world.fake.post_as_user(world.support["id"], world.alice_id, "help")
        await world.fake.react_as_user(world.support["id"], message["id"], world.alice_id, "🎫")
    assert [event for event, _ in world.fake.gateway.filtered] == ["MESSAGE_REACTION_ADD"]


async def test_the_same_reaction_again_sends_nothing_until_taken_back(
    world: World, client: DeskClient
) -> None:
    """Reacting twice adds one reaction and one event; taking it back lets it be added again."""
    support, alice = world.support["id"], world.alice_id
    message = await world.fake.post_as_user(support, alice, "help")
    for _ in range(2):
        await world.fake.react_as_user(support, message["id"], alice, "🎫")
    await world.fake.unreact_as_user(support, message["id"], alice, "🎫")
    await world.fake.react_as_user(support, message["id"], alice, "🎫")
    [session] = world.fake.gateway.sessions
    sent = [frame["t"] for frame in session.history if "REACTION" in str(frame["t"])]
    assert sent == ["MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_REACTION_ADD"]
    assert world.fake.state.message(support, message["id"])["reactions"][0]["count"] == 1


async def test_changes_while_no_client_is_connected_show_only_over_rest(world: World) -> None:
    """An edit and a deletion made between two runs reach no new session, only REST."""
    support, alice = world.support["id"], world.alice_id
    async with running(DeskClient(), world.fake):
        kept = await world.fake.post_as_user(support, alice, "first words")
        gone = await world.fake.post_as_user(support, alice, "regrettable")
    await world.fake.wait_until_disconnected()
    await world.fake.edit_as_user(support, kept["id"], "better words")
    await world.fake.delete_as_user(support, gone["id"])
    client = DeskClient()
    async with running(client, world.fake):
        channel = text_channel(client, world.support)
        edited = await channel.fetch_message(int(kept["id"]))
        with pytest.raises(discord.NotFound) as missing:
            await channel.fetch_message(int(gone["id"]))
    assert (edited.content, edited.edited_at is not None) == ("better words", True)
    assert missing.value.code == 10008
    first, second = world.fake.gateway.sessions
    assert [frame["t"] for frame in first.history[-2:]] == ["MESSAGE_UPDATE", "MESSAGE_DELETE"]
    assert {"MESSAGE_UPDATE", "MESSAGE_DELETE"}.isdisjoint(f["t"] for f in second.history)


# -- threads ---------------------------------------------------------------------------------


async def test_message_thread_takes_the_message_id(world: World, client: DeskClient) -> None:
    """`message.create_thread` makes a public thread whose id is the message's id."""
    message = await text_channel(client, world.support).send("ticket #1")
    thread = await message.create_thread(name="Ticket #1")
    assert thread.id == message.id
    assert world.fake.channel(thread.id)["parent_id"] == world.support["id"]


async def test_forum_post_creates_a_thread_with_its_starter_message(
    world: World, client: DeskClient
) -> None:
    """`ForumChannel.create_thread` makes a thread whose starter message shares its id."""
    forum = client.get_channel(int(world.forum["id"]))
    assert isinstance(forum, discord.ForumChannel)
    tag = forum.available_tags[0]
    post = await forum.create_thread(name="Printer", content="It is on fire", applied_tags=[tag])
    assert post.message.id == post.thread.id
    assert world.fake.messages(post.thread.id)[0]["content"] == "It is on fire"
    assert world.fake.channel(post.thread.id)["applied_tags"] == [str(tag.id)]


# -- application commands and components -----------------------------------------------------


async def test_command_tree_syncs_to_a_guild_with_put(world: World, client: DeskClient) -> None:
    """`CommandTree.sync(guild=...)` PUTs the guild's commands and gets ids back."""
    tree = app_commands.CommandTree(client)
    guild = discord.Object(int(world.guild.id))

    @tree.command(name="ticket", description="Work a ticket", guild=guild)
    async def ticket(interaction: discord.Interaction) -> None: ...

    synced = await tree.sync(guild=guild)
    [call] = world.fake.calls_to("PUT", "/applications/{app}/guilds/{guild}/commands")
    assert [c["name"] for c in call.json] == ["ticket"]
    assert [c.name for c in synced] == ["ticket"]
    assert synced[0].id > 0


async def test_slash_command_defers_then_sends_an_ephemeral_followup(
    world: World, client: DeskClient
) -> None:
    """A slash command that defers ephemerally and follows up shows the user one private reply."""
    tree = app_commands.CommandTree(client)
    guild = discord.Object(int(world.guild.id))

    @tree.command(name="ticket", description="Work a ticket", guild=guild)
    async def ticket(interaction: discord.Interaction, action: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"Done: {action}", ephemeral=True)

    await tree.sync(guild=guild)
    option = payloads.option("action", "claim")
    record = await world.fake.invoke_command(
        "ticket", user_id=world.alice_id, channel_id=world.support["id"], options=[option]
    )
    [reply] = await world.fake.wait_until_seen(record)
    assert record.callback_type == 5
    assert reply["content"] == "Done: claim"
    assert reply["flags"] & payloads.EPHEMERAL


async def test_persistent_view_button_click_reaches_its_callback(
    world: World, client: DeskClient
) -> None:
    """A click on a persistent view's button (custom_id, timeout=None) runs its callback."""
    clicked = asyncio.Event()

    class Triage(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Claim", custom_id="ticket:claim")
        async def claim(
            self, interaction: discord.Interaction, _: discord.ui.Button[Triage]
        ) -> None:
            clicked.set()
            await interaction.response.send_message("Claimed", ephemeral=True)

    client.add_view(Triage())
    card = await text_channel(client, world.support).send("Ticket #1", view=Triage())
    record = await world.fake.click(
        world.support["id"], card.id, "ticket:claim", user_id=world.alice_id
    )
    await within(clicked.wait())
    [reply] = await world.fake.wait_until_seen(record)
    assert reply["content"] == "Claimed"


# -- rate limits and faults ------------------------------------------------------------------


@pytest.mark.parametrize("global_", [False, True])
async def test_send_waits_out_a_429_and_retries(
    world: World, client: DeskClient, global_: bool
) -> None:
    """A 429 (per-route or global) with retry_after 0.3 s is waited out, then retried."""
    world.fake.fail("POST", "/channels/{id}/messages", retry_after=0.3, global_=global_)
    started = time.monotonic()
    await text_channel(client, world.support).send("after the limit")
    statuses = [c.status for c in world.fake.calls_to("POST", "/channels/{id}/messages")]
    assert statuses == [429, 200]
    assert time.monotonic() - started >= 0.3


async def test_a_route_limit_of_its_own_answers_429_beyond_it(world: World) -> None:
    """Two messages per second in a channel: the third is refused, with that bucket's headers;
    another channel has its own count."""
    world.fake.limit_route("POST", "/channels/{id}/messages", 2, 1.0)
    other = world.fake.add_text_channel(world.guild.id, "other")
    headers = {"Authorization": f"Bot {world.fake.token}"}
    statuses, remaining = [], []
    async with aiohttp.ClientSession() as session:
        for channel in (world.support, world.support, world.support, other):
            url = f"{world.fake.api_url}/channels/{channel['id']}/messages"
            async with session.post(url, headers=headers, json={"content": "hi"}) as response:
                statuses.append(response.status)
                remaining.append(response.headers.get("X-RateLimit-Remaining"))
    assert statuses == [200, 200, 429, 200]
    assert remaining == ["1", "0", "0", "1"]


async def test_send_retries_after_a_502(world: World, client: DeskClient) -> None:
    """A 502 Bad Gateway is retried (discord.py waits 1 s) and the send succeeds."""
    world.fake.fail("POST", "/channels/{id}/messages", status=502, times=1)
    await text_channel(client, world.support).send("after the outage")
    statuses = [c.status for c in world.fake.calls_to("POST", "/channels/{id}/messages")]
    assert statuses == [502, 200]


async def test_rate_limited_answer_has_discords_headers_and_body(world: World) -> None:
    """An injected 429 carries Retry-After, X-RateLimit-Scope and Discord's JSON body."""
    world.fake.fail("GET", "/users/@me", retry_after=0.3)
    headers = {"Authorization": f"Bot {world.fake.token}"}
    url = world.fake.api_url + "/users/@me"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        body = json.loads(await response.text())
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-RateLimit-Scope"] == "user"
    assert body == {"message": "You are being rate limited.", "retry_after": 0.3, "global": False}


@pytest.mark.parametrize(
    ("path", "token", "status", "body"),
    [
        ("/users/@me", "wrong", 401, {"message": "401: Unauthorized", "code": 0}),
        ("/no/such/route", None, 404, {"message": "404: Not Found", "code": 0}),
        ("/channels/1", None, 404, {"message": "Unknown Channel", "code": 10003}),
    ],
)
async def test_errors_have_discords_json_bodies(
    world: World, path: str, token: str | None, status: int, body: dict[str, Any]
) -> None:
    """Bad tokens, unknown routes and unknown channels answer Discord's JSON errors."""
    headers = {"Authorization": f"Bot {token or world.fake.token}"}
    url = world.fake.api_url + path
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == status
        assert json.loads(await response.text()) == body


@pytest.mark.parametrize(("denied", "code"), [("VIEW_CHANNEL", 50001), ("SEND_MESSAGES", 50013)])
async def test_denied_access_or_permission_answers_403_with_discords_code(
    world: World, client: DeskClient, denied: str, code: int
) -> None:
    """A hidden channel answers 50001 Missing Access; a denied permission 50013."""
    world.fake.deny_permission(world.support["id"], denied)
    with pytest.raises(discord.Forbidden) as failure:
        await text_channel(client, world.support).send("hello?")
    assert failure.value.code == code


# -- reconnecting ----------------------------------------------------------------------------


async def test_dropped_connection_resumes_and_replays_buffered_events_once(
    world: World, client: DeskClient
) -> None:
    """After a dropped connection discord.py RESUMEs and gets each missed event exactly once."""
    seen: list[str] = []
    client.event(_collect(seen))
    await world.fake.gateway.drop()
    await world.fake.wait_until_disconnected()
    await world.fake.post_as_user(world.support["id"], world.alice_id, "while you were away")
    await world.fake.wait_until_resumed()
    await message_from(
        client, world.alice_id, world.fake.post_as_user(world.support["id"], world.alice_id, "back")
    )
    assert seen == ["while you were away", "back"]
    assert (world.fake.identify_count, world.fake.resume_count) == (1, 1)


def _collect(seen: list[str]) -> Any:
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    return on_message


async def test_invalid_session_makes_the_client_identify_again(
    world: World, client: DeskClient
) -> None:
    """INVALID_SESSION (d=false) makes discord.py IDENTIFY anew and get READY again."""
    await world.fake.gateway.invalidate_session(resumable=False)
    await world.fake.wait_until_identified(count=2)
    assert world.fake.resume_count == 0
    post = world.fake.post_as_user(world.support["id"], world.alice_id, "still there?")
    assert (await message_from(client, world.alice_id, post)).content == "still there?"


async def test_reconnect_opcode_makes_the_client_resume(world: World, client: DeskClient) -> None:
    """RECONNECT (op 7) makes discord.py reconnect to resume_gateway_url and RESUME."""
    await world.fake.gateway.reconnect()
    await world.fake.wait_until_resumed()
    assert world.fake.gateway.connections[-1].path == "/gateway/resume"
