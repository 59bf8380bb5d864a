"""A protocol-faithful fake Discord (REST API v10 + gateway) for running the real discord.py.

Shapes follow Discord's developer documentation; behaviours follow what discord.py 2.7 relies
on (read from its source). Everything runs in the test's event loop on 127.0.0.1.

Starting it and pointing discord.py at it
-----------------------------------------
    async with FakeDiscord(heartbeat_interval=500) as fake:
        guild = fake.add_guild("Support")
        support = fake.add_text_channel(guild.id, "support")
        alice = fake.add_member(guild.id, "alice")
        with discord_py_pointed_at(fake.api_url, fake.gateway_url):
            client = discord.Client(intents=intents, guild_ready_timeout=0.05)
            task = asyncio.create_task(client.start(fake.token))
            await fake.wait_until_identified()
            ...
            await client.close()
            await task

`fake.api_url` is `http://127.0.0.1:PORT/api/v10`, `fake.gateway_url` is
`ws://127.0.0.1:PORT/gateway`; READY's `resume_gateway_url` is `…/gateway/resume`.

discord.py has no per-client URL options. `point_discord_py_at(api_url, gateway_url)` sets
the two class attributes it reads, `discord.http.Route.BASE` (every REST route, interaction
callbacks and follow-up webhooks included) and `discord.gateway.DiscordWebSocket.
DEFAULT_GATEWAY` (where `Client.connect` opens its socket, and where it goes back after
INVALID_SESSION). They are process-global: the production adapter calls it once at startup
with `discord.api_url` / `discord.gateway_url` (it lives in `bot.adapters.discord.endpoints`
and `wiring` re-exports it); tests use the restoring `discord_py_pointed_at` context manager.
`Client` never calls `GET /gateway/bot` (`AutoShardedClient` does, and the fake answers it
with its own gateway URL).

Gateway wire format: discord.py connects with `?v=10&encoding=json&compress=zlib-stream`
(`zstd-stream` instead when `zstandard` is importable, or on Python 3.14). The fake speaks
both: one compression context per connection, flushed per message (zlib: Z_SYNC_FLUSH suffix).
It refuses `encoding=etf`. discord.py's IDENTIFY also says `compress: true` (payload
compression), which Discord ignores under transport compression; so does the fake.

Things discord.py does that tests must plan for:
- `on_ready` fires `guild_ready_timeout` (default 2 s) after the last GUILD_CREATE: pass
  `guild_ready_timeout=0.05` to the client in tests.
- Re-IDENTIFY after INVALID_SESSION awaits `Client.before_identify_hook`, which sleeps 5 s;
  a test client overrides it to return at once.
- 429s are retried after the body's `retry_after` only if the answer has a `Via` header (the
  fake always sends one); 500, 502, 504 and 524 are retried after 1 s, 3 s, …; 503 and other
  errors raise `DiscordServerError` / `HTTPException` at once.
- Without the MESSAGE_CONTENT intent, other users' guild messages arrive with empty content;
  without GUILD_PRESENCES, GUILD_CREATE lists only the bot as a member (as on Discord).

Building the world
------------------
`add_guild`, `add_role`, `add_member`, `add_text_channel`, `add_forum_channel`, `add_thread`,
`deny_access(channel)` (→ 403 50001) and `deny_permission(channel, "SEND_MESSAGES")`
(→ 403 50013), before the client connects (GUILD_CREATE carries them). After it connects,
dispatch the matching event yourself (`CHANNEL_CREATE`, `GUILD_MEMBER_ADD`, …).
Snowflakes grow monotonically from the clock; a thread started from a message has the
message's id, and a forum post's starter message has the thread's id.

Dispatching events and interactions
-----------------------------------
`post_as_user`, `edit_as_user`, `delete_as_user`, `forum_post_as_user`, `react_as_user`,
`unreact_as_user` store the change and dispatch MESSAGE_CREATE / UPDATE / DELETE,
THREAD_CREATE, MESSAGE_REACTION_ADD / REMOVE (a reaction already there sends nothing).
`dispatch(event, data)` sends anything else (build data with `payloads`). Events are filtered
by the session's intents and by whether the bot can see the channel; events sent while the
client is disconnected are replayed on RESUME, then RESUMED. A client that was stopped
IDENTIFYs anew on its next start, and a new session gets nothing from before it: a test
simulates downtime by changing messages between two runs of the client, and REST then shows
the edit (`edited_timestamp`) or answers 10008 Unknown Message for the deletion.
`invoke_command(name, user_id=, channel_id=, options=[payloads.option(...)])` and
`click(channel_id, message_id, custom_id, user_id=)` dispatch INTERACTION_CREATE and return
an `InteractionRecord`: `callback` (type and data), `original`, `followups`, and `seen` —
the messages the user saw (content, `flags & 64` for ephemeral, components).
`await fake.wait_until_seen(record)` waits for them. As Discord documents, the first
follow-up after a type-5 defer edits the deferred message rather than adding one.
Commands must be registered first (`CommandTree.sync` → PUT …/commands); `interact(payload)`
sends any hand-built interaction.

Faults and rate limits
----------------------
`fail("POST", "/channels/{id}/messages", status=429, retry_after=0.3, times=2,
global_=False)` answers Discord's 429 (`Retry-After`, `X-RateLimit-Scope`, body
`{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}`); any other
`status` answers `{"message": "502: Bad Gateway", "code": 0}` or the given `body`.
Successful answers carry `X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket`, counted per
route and top-level resource (`rate_limit` per `rate_limit_window`, 50 per second default);
`limit_route("POST", "/channels/{id}/messages", 5, 5.0)` gives one route its own limit, as
Discord's message create has (five per five seconds per channel, a thread being a channel).

Gateway controls: `gateway.drop()` (cut the TCP connection: the client RESUMEs),
`gateway.close(code)` (4004 and the other session-ending codes invalidate the session),
`gateway.reconnect()` (op 7), `gateway.invalidate_session(resumable)` (op 9),
`gateway.ack_heartbeats = False` (a zombie connection), `gateway.allowed_intents` (a mask;
IDENTIFY asking for more closes with 4014, discord.py raises PrivilegedIntentsRequired);
`identify_count`, `resume_count`, `wait_until_identified(n)`, `wait_until_resumed(n)`,
`wait_until_disconnected()`, `gateway.identifies` (what each IDENTIFY asked, intents included),
`gateway.filtered` (events a session did not get because of intents or visibility).
Every `wait_*` gives up after `FakeDiscord(wait_timeout=5.0)` seconds with a TimeoutError
naming what it waited for.

Inspecting calls
----------------
`calls` (method, path, route template, query, JSON or `payload_json`, files, status,
response), `calls_to("POST", "/channels/{id}/messages")`, `wait_for_call(...)`,
`sent_messages(channel_id)` (each with `.message`, `.body`, `.allowed_mentions`, `.files`),
`messages(channel_id)` (the channel as Discord stores it), `wait_for(predicate)`.
"""

from . import payloads
from .interactions import InteractionRecord
from .messages import SentMessage, UploadedFile
from .permissions import Permission
from .recording import Call
from .server import FakeDiscord
from .state import GuildRecord
from .wiring import DiscordPyEndpoints, discord_py_pointed_at, point_discord_py_at

__all__ = [
    "Call",
    "DiscordPyEndpoints",
    "FakeDiscord",
    "GuildRecord",
    "InteractionRecord",
    "Permission",
    "SentMessage",
    "UploadedFile",
    "discord_py_pointed_at",
    "payloads",
    "point_discord_py_at",
]
