"""A protocol-faithful fake Slack, for running the unmodified slack-bolt and slack-sdk on loopback.

`FakeSlack` is an aiohttp server started inside the test's event loop on 127.0.0.1 (an
ephemeral port). It serves the Web API at `/api/<method>`, hands out Socket Mode websocket
URLs, hosts upload URLs and `response_url`s, and delivers signed Events API, slash command and
interactivity requests to an app's HTTP endpoint. Shapes and error codes follow Slack's docs.

Start it, and point Bolt at it
------------------------------
::

    async with FakeSlack() as slack:            # slack.api_url == "http://127.0.0.1:PORT/api/"
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client, signing_secret=slack.signing_secret)

`slack.bot_token` (`xoxb-`) is the only token Web API methods accept; `slack.app_token`
(`xapp-`) is the only one `apps.connections.open` accepts; `slack.signing_secret` signs HTTP
mode requests. `slack.identity` (an `AppIdentity`) holds the team, app, bot user and bot ids.
`FakeSlack(wait_timeout=5.0)` bounds every wait on the app (acks, connections, pings).

Socket Mode: Bolt's handler calls `apps.connections.open` through `app.client`, so the fake's
URL flows through on its own::

    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()           # not start_async(): that one sleeps forever
    await slack.socket_wait_connected()
    ...
    await handler.close_async()

HTTP mode: serve Bolt's own aiohttp app on loopback and give the fake its URL::

    runner = web.AppRunner(app.web_app(path="/slack/events"), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"

Set up the workspace
--------------------
`add_user(name, real_name=None, user_id=, is_bot=, bot_id=, is_admin=, email=)`,
`add_channel(name, members=[...], bot_member=True, is_private=False, channel_id=)`,
`add_usergroup(handle, [user ids], name=)` and `dm_channel(user_id)` (the bot's DM, App
Home's channel). Ids look like Slack's (`C…`, `U…`, `S…`, `D…`). `user_posts(channel, user,
text, thread_ts=None)` records a person's message and returns the `message` event announcing
it, so the bot can reply in its thread, react to it, link to it. A message recorded and never
delivered is one posted while the app was away: `conversations.history` (newest first, at
most 999 a page, thread replies left out) and `conversations.replies` (the parent first,
then the replies) show it, within `oldest`/`latest` (`inclusive` takes the ends in);
`conversations.list` with `types=im` lists the bot's DMs, so what was written there is found.

Deliver events
--------------
Build payloads with `payloads` (documented shapes; ts, event ids, trigger ids and envelope ids
generated): `message` (in a thread with `thread_ts`, from another app's bot with `bot_id`),
`thread_broadcast`, `file_share` + `file_object`, `bot_message`, `message_changed`,
`message_deleted`, `reaction_added`, `app_home_opened`, `app_mention`, `event_callback`,
`url_verification`, `slash_command`, `block_actions` with `button` / `static_select`, and the
Socket Mode envelopes `events_api_envelope`, `slash_commands_envelope`, `interactive_envelope`.
`slack.command(user, channel, text, command="/ticket")` and `slack.block_action(user,
channel, message_ts, action)` fill in names from the workspace, the clicked message as
stored, and a `response_url` the fake hosts (posts land in `slack.response_url_posts`;
`replace_original` / `delete_original` edit the stored message, `in_channel` posts, the
rest are recorded as ephemerals).

HTTP mode (each returns the app's `AppResponse`: status, body, headers, `.json()`)::

    await slack.post_event(url, event)                          # signed event_callback
    await slack.post_event(url, event, event_id=same_id, retry_num=1, retry_reason="http_timeout")
    await slack.post_event(url, event, forge_signature=True)    # Bolt answers 401
    await slack.post_event(url, event, timestamp=int(time.time()) - 600)   # stale: 401
    await slack.post_command(url, slack.command(agent, triage, "claim 42"))
    await slack.post_interaction(url, slack.block_action(agent, triage, card_ts, click))
    await slack.post_url_verification(url)

Socket Mode (each returns the envelope id; `socket_ack` waits for the client's next ack)::

    envelope_id = await slack.socket_send_event(event)      # or socket_send_command(fields),
    ack = await slack.socket_ack(envelope_id)               # socket_send_interaction(payload),
    await slack.socket_send(envelope)                       # any ready-made envelope
    await slack.socket_disconnect("refresh_requested")      # client reconnects via connections.open
    await slack.socket_wait_connected(connections_made=2)
    await slack.socket_wait_pings(3)                        # the client's keep-alive is answered

Modals
------
`command` and `block_action` register their trigger ids; `views.open` exchanges one once,
within 3 s (`invalid_trigger_id`, `expired_trigger_id`, `exchanged_trigger_id`; the clock is
`slack.workspace.modals.clock`). `slack.open_modals(user)` lists what a member sees;
`slack.view_submission(view_id, {action_id: value})` builds the `view_submission` to deliver
like any interaction, and `slack.view_acknowledged(view_id, ack)` applies the app's ack
(empty closes it; `response_action` `errors` / `update` / `clear`).

Inject faults
-------------
::

    slack.fail("chat.postMessage", status=429, retry_after=2, times=3)  # ratelimited + Retry-After
    slack.fail("chat.update", status=503)                    # the edge's HTML page; body="" empty
    slack.fail("chat.postMessage", error="channel_not_found", channel=triage)   # HTTP 200 ok:false
    slack.fail("apps.connections.open", status=500, times=None)   # until slack.clear_faults()

Slack's per-channel limit on `chat.postMessage` (about one post per second per channel) is
off until asked for; a post over it is answered 429 `ratelimited` with Retry-After::

    slack.limit_posts()                      # 1 per second per channel, Retry-After in seconds
    slack.limit_posts(interval=0.02)         # time-scaled: Retry-After in milliseconds
    slack.rate_limited_calls()               # how many posts were refused so far

Inspect
-------
`slack.calls` (every `ApiCall`: method, args as a dict with JSON strings such as `blocks`
decoded, HTTP status, response) and `slack.calls_to("chat.postMessage")`;
`slack.messages(channel)` (what the channel shows, oldest first), `slack.thread(channel, ts)`,
`slack.message(channel, ts)`, `slack.ephemerals(channel)`, `slack.home_view(user)`,
`slack.workspace.files`, `slack.socket_acks(envelope_id)`.

What Bolt does that an adapter must know (each pinned by a test in test_fake_slack.py)
-----------------------------------------------------------------------------------
- Bolt acks HTTP events before listeners run unless `process_before_response=True`; then the
  HTTP answer waits for the listener (Slack gives up after 3 s and retries the event).
- `ack(text)` becomes the HTTP body (plain text) or, in Socket Mode, the ack's `payload`
  `{"text": ...}`; a request no listener matches gets 404 in HTTP mode and no ack at all in
  Socket Mode (Slack will redeliver it).
- In HTTP mode Bolt parses a form body by looking for the substring `payload` anywhere in
  it; a slash command whose text (or channel or user name) contains "payload" is parsed as
  `{}`, logged as `Unhandled request ({'type': None})` and answered 404. Socket Mode is
  unaffected. The fake sends the body exactly as Slack does, so this reproduces.
- Neither Bolt nor slack_sdk dedupes: a redelivered envelope or event runs listeners again.
- slack_sdk warns (an error under `filterwarnings = error`) when `chat.postMessage` /
  `chat.update` / `chat.postEphemeral` get blocks without a top-level `text`.
- Retry handlers are opt-in: the default `AsyncWebClient` only retries connection errors.
  `AsyncRateLimitErrorRetryHandler` sleeps Retry-After plus up to a second of jitter;
  `AsyncServerErrorRetryHandler` retries 500 and 503 only. A 5xx HTML page surfaces as
  `SlackApiError` whose `response.data` is `{}`: classify by `response.status_code`, and read
  the code with `response.get("error")`, never `response["error"]`.
"""

from . import payloads
from .ids import DEFAULT_IDENTITY, AppIdentity, next_ts
from .records import ApiCall, AppResponse, ResponseUrlPost
from .server import FakeSlack

__all__ = [
    "DEFAULT_IDENTITY",
    "ApiCall",
    "AppIdentity",
    "AppResponse",
    "FakeSlack",
    "ResponseUrlPost",
    "next_ts",
    "payloads",
]
