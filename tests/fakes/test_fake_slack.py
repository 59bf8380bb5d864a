"""Self-tests of the fake Slack, driven by the real slack_sdk and slack_bolt."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import DEFAULT_IDENTITY, FakeSlack, payloads
from tests.fakes.slack.ids import next_ts
from tests.fakes.slack.state import Channel, User

WAIT = 5.0


@dataclass(frozen=True)
class Scene:
    """A small workspace: a support channel with a customer and an agent, and strangers."""

    support: Channel
    elsewhere: Channel
    customer: User
    agent: User
    stranger: User


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def scene(slack: FakeSlack) -> Scene:
    customer, agent, stranger = (
        slack.add_user("carol"),
        slack.add_user("ada"),
        slack.add_user("sam"),
    )
    return Scene(
        support=slack.add_channel("support", members=[customer.id, agent.id]),
        elsewhere=slack.add_channel("random", members=[stranger.id], bot_member=False),
        customer=customer,
        agent=agent,
        stranger=stranger,
    )


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


async def api_error(call: Any) -> SlackApiError:
    """Await a Web API call that must fail and return its error."""
    with pytest.raises(SlackApiError) as failure:
        await call
    return failure.value


# -- Web API: messages ------------------------------------------------------------------------


async def test_post_message_is_stored_and_recorded(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A posted message appears in the channel and in the call record."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ticket #1*"}}]
    answer = await client.chat_postMessage(
        channel=scene.support.id, text="Ticket #1", blocks=blocks
    )
    assert answer["channel"] == scene.support.id
    assert slack.messages(scene.support.id)[-1]["blocks"] == blocks
    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == blocks


async def test_post_message_answer_has_slack_ts_and_bot_identity(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """The answer carries a Slack-format ts and the bot's user, bot and app ids."""
    answer = await client.chat_postMessage(channel=scene.support.id, text="hi")
    seconds, _, fraction = answer["ts"].partition(".")
    assert seconds.isdigit()
    assert len(fraction) == 6
    message = answer["message"]
    assert (message["user"], message["bot_id"], message["app_id"]) == (
        slack.identity.bot_user_id,
        slack.identity.bot_id,
        slack.identity.api_app_id,
    )


async def test_thread_replies_are_tracked_on_the_parent(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A reply lands in the thread and the parent counts it."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "my printer is on fire")
    await client.chat_postMessage(channel=scene.support.id, text="Ticket #7", thread_ts=event["ts"])
    parent, reply = slack.thread(scene.support.id, event["ts"])
    assert parent["reply_count"] == 1
    assert parent["reply_users"] == [slack.identity.bot_user_id]
    assert reply["thread_ts"] == event["ts"]
    assert reply["parent_user_id"] == scene.customer.id


async def test_broadcast_reply_shows_in_the_channel(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A reply with reply_broadcast is also a channel message of subtype thread_broadcast."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "help")
    await client.chat_postMessage(
        channel=scene.support.id, text="Resolved", thread_ts=event["ts"], reply_broadcast=True
    )
    assert slack.messages(scene.support.id)[-1]["subtype"] == "thread_broadcast"


async def test_post_to_a_user_id_lands_in_their_dm(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """Posting to a user id opens the bot's DM with them and answers its D id."""
    answer = await client.chat_postMessage(channel=scene.agent.id, text="You have 3 tickets")
    assert answer["channel"] == slack.dm_channel(scene.agent.id).id
    assert answer["channel"].startswith("D")


async def test_update_edits_text_and_keeps_blocks_when_not_given(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """chat.update replaces the text, keeps absent blocks and marks the message edited."""
    blocks = [{"type": "divider"}]
    posted = await client.chat_postMessage(channel=scene.support.id, text="open", blocks=blocks)
    await client.chat_update(channel=scene.support.id, ts=posted["ts"], text="claimed")
    message = slack.message(scene.support.id, posted["ts"])
    assert message is not None
    assert (message["text"], message["blocks"]) == ("claimed", blocks)
    assert message["edited"]["user"] == slack.identity.bot_user_id


async def test_update_of_a_persons_message_is_cant_update_message(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """The bot may not edit what a person wrote."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "hello")
    failure = await api_error(
        client.chat_update(channel=scene.support.id, ts=event["ts"], text="x")
    )
    assert failure.response["error"] == "cant_update_message"


async def test_update_of_unknown_ts_is_message_not_found(
    scene: Scene, client: AsyncWebClient
) -> None:
    """Editing a message that does not exist fails with message_not_found."""
    failure = await api_error(client.chat_update(channel=scene.support.id, ts="1.000001", text="x"))
    assert failure.response["error"] == "message_not_found"


async def test_ephemeral_is_shown_to_a_channel_member(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """chat.postEphemeral answers a message_ts and records what the member saw."""
    answer = await client.chat_postEphemeral(
        channel=scene.support.id, user=scene.agent.id, text="You claimed #3"
    )
    assert slack.ephemerals(scene.support.id)[0]["message_ts"] == answer["message_ts"]


async def test_ephemeral_to_a_non_member_is_user_not_in_channel(
    scene: Scene, client: AsyncWebClient
) -> None:
    """An ephemeral for someone outside the channel fails with user_not_in_channel."""
    failure = await api_error(
        client.chat_postEphemeral(channel=scene.support.id, user=scene.stranger.id, text="psst")
    )
    assert failure.response["error"] == "user_not_in_channel"


async def test_permalink_of_a_reply_names_its_thread(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """chat.getPermalink links a reply through its thread."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "hello")
    reply = await client.chat_postMessage(
        channel=scene.support.id, text="hi", thread_ts=event["ts"]
    )
    answer = await client.chat_getPermalink(channel=scene.support.id, message_ts=reply["ts"])
    domain, digits = slack.identity.team_domain, reply["ts"].replace(".", "")
    assert answer["permalink"] == (
        f"https://{domain}.slack.com/archives/{scene.support.id}/p{digits}"
        f"?thread_ts={event['ts']}&cid={scene.support.id}"
    )


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"channel": "C0NOWHERE", "text": "x"}, "channel_not_found"),
        ({"channel": "elsewhere", "text": "x"}, "not_in_channel"),
        ({"channel": "support", "text": ""}, "no_text"),
        ({"channel": "support", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "support", "text": 42}, "invalid_arguments"),
        ({"channel": "support", "text": "x", "thread_ts": 1.5}, "invalid_arguments"),
        (
            {"channel": "support", "text": "x", "blocks": [{"type": "divider"}] * 51},
            "invalid_blocks",
        ),
        ({"channel": "support", "text": "x", "blocks": [{"type": "section"}]}, "invalid_blocks"),
        ({"channel": "support", "text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
    ],
)
async def test_post_message_refusals(
    scene: Scene, client: AsyncWebClient, arguments: dict[str, Any], error: str
) -> None:
    """chat.postMessage refuses bad input with Slack's error codes, as SlackApiError."""
    channels = {"support": scene.support.id, "elsewhere": scene.elsewhere.id}
    arguments = {**arguments, "channel": channels.get(arguments["channel"], arguments["channel"])}
    # api_call sends the JSON as is; chat_postMessage would warn (an error here) about no text.
    failure = await api_error(client.api_call("chat.postMessage", json=arguments))
    assert (failure.response.status_code, failure.response["error"]) == (200, error)


async def test_invalid_blocks_answer_names_the_broken_block(
    scene: Scene, client: AsyncWebClient
) -> None:
    """invalid_blocks carries Slack's json-pointer messages in response_metadata."""
    bad: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "mrkdwn", "text": "x"}},
    ]
    failure = await api_error(
        client.chat_postMessage(channel=scene.support.id, text="x", blocks=bad)
    )
    assert failure.response["response_metadata"]["messages"] == [
        "[ERROR] must be a valid enum value [json-pointer:/blocks/1/text/type]"
    ]


async def test_form_encoded_call_is_read_like_json(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A form-encoded call with blocks as a JSON string is understood and recorded decoded."""
    blocks = [{"type": "divider"}]
    await client.api_call(
        "chat.postMessage",
        data={"channel": scene.support.id, "text": "form", "blocks": json.dumps(blocks)},
    )
    assert slack.messages(scene.support.id)[-1]["blocks"] == blocks
    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == blocks


async def test_reacting_twice_is_already_reacted(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """reactions.add records the bot's reaction once and refuses a second identical one."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "help")
    await client.reactions_add(channel=scene.support.id, timestamp=event["ts"], name="ticket")
    failure = await api_error(
        client.reactions_add(channel=scene.support.id, timestamp=event["ts"], name="ticket")
    )
    assert failure.response["error"] == "already_reacted"
    message = slack.message(scene.support.id, event["ts"])
    assert message is not None
    assert message["reactions"][0]["count"] == 1


# -- Web API: conversations, users, groups, App Home, files -----------------------------------


async def test_history_pages_newest_first_with_cursor(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.history pages newest first and hands out a cursor until the end."""
    for text in ("one", "two", "three"):
        slack.user_posts(scene.support.id, scene.customer.id, text)
    first = await client.conversations_history(channel=scene.support.id, limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    second = await client.conversations_history(channel=scene.support.id, limit=2, cursor=cursor)
    assert [m["text"] for m in first["messages"] + second["messages"]] == ["three", "two", "one"]
    assert (first["has_more"], second["has_more"]) == (True, False)


async def test_history_window_excludes_its_ends_unless_inclusive(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """oldest and latest bound conversations.history; inclusive takes the ends in too."""
    posted = [slack.user_posts(scene.support.id, scene.customer.id, t) for t in "abcde"]
    window = {"oldest": posted[1]["ts"], "latest": posted[3]["ts"]}
    strict = await client.conversations_history(channel=scene.support.id, **window)
    ends = await client.conversations_history(channel=scene.support.id, inclusive=True, **window)
    after = await client.conversations_history(channel=scene.support.id, oldest=posted[3]["ts"])
    assert [m["text"] for m in strict["messages"]] == ["c"]
    assert [m["text"] for m in ends["messages"]] == ["d", "c", "b"]
    assert [m["text"] for m in after["messages"]] == ["e"]


async def test_history_after_oldest_pages_newest_first(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """Paging a window hands out the newest first, then older pages, until has_more is false."""
    first = slack.user_posts(scene.support.id, scene.customer.id, "seen")
    for n in range(5):
        slack.user_posts(scene.support.id, scene.customer.id, f"new {n}")
    texts, cursor, pages = [], None, 0
    while True:
        page = await client.conversations_history(
            channel=scene.support.id, oldest=first["ts"], limit=2, cursor=cursor
        )
        texts += [m["text"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            break
    assert texts == ["new 4", "new 3", "new 2", "new 1", "new 0"]
    assert (pages, cursor) == (3, "")


async def test_history_leaves_thread_replies_out(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.history lists a thread's parent (with its reply summary), not its replies."""
    root = slack.user_posts(scene.support.id, scene.customer.id, "help")
    reply = slack.user_posts(scene.support.id, scene.agent.id, "on it", thread_ts=root["ts"])
    answer = await client.conversations_history(channel=scene.support.id)
    (parent,) = answer["messages"]
    assert (parent["ts"], parent["reply_count"], parent["latest_reply"]) == (
        root["ts"],
        1,
        reply["ts"],
    )


async def test_history_page_is_at_most_999(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A limit of 1000 or more is served as 999, with a cursor for the rest."""
    for n in range(1000):
        slack.workspace.add_message(scene.support.id, scene.customer.id, f"m{n}")
    answer = await client.conversations_history(channel=scene.support.id, limit=5000)
    assert (len(answer["messages"]), answer["has_more"]) == (999, True)


@pytest.mark.parametrize("argument", ["oldest", "latest"])
async def test_history_refuses_a_timestamp_that_is_not_one(
    scene: Scene, client: AsyncWebClient, argument: str
) -> None:
    """A non-numeric oldest or latest is invalid_ts_oldest / invalid_ts_latest."""
    call = client.conversations_history(channel=scene.support.id, **{argument: "yesterday"})
    assert (await api_error(call)).response["error"] == f"invalid_ts_{argument}"


async def test_replies_lead_with_the_parent_then_replies_after_oldest(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.replies with oldest: the parent first, then only the newer replies."""
    root = slack.user_posts(scene.support.id, scene.customer.id, "help")
    seen = slack.user_posts(scene.support.id, scene.agent.id, "on it", thread_ts=root["ts"])
    slack.user_posts(scene.support.id, scene.customer.id, "thanks", thread_ts=root["ts"])
    answer = await client.conversations_replies(
        channel=scene.support.id, ts=root["ts"], oldest=seen["ts"]
    )
    assert [m["text"] for m in answer["messages"]] == ["help", "thanks"]
    assert answer["has_more"] is False


async def test_replies_of_a_reply_are_the_whole_thread(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """Naming a reply's ts in conversations.replies answers with its whole thread."""
    root = slack.user_posts(scene.support.id, scene.customer.id, "help")
    reply = slack.user_posts(scene.support.id, scene.agent.id, "on it", thread_ts=root["ts"])
    answer = await client.conversations_replies(channel=scene.support.id, ts=reply["ts"])
    assert [m["ts"] for m in answer["messages"]] == [root["ts"], reply["ts"]]


async def test_replies_pages_carry_the_parent_only_first(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A long thread pages with a cursor; the parent leads the first page only."""
    root = slack.user_posts(scene.support.id, scene.customer.id, "help")
    for n in range(3):
        slack.user_posts(scene.support.id, scene.agent.id, f"r{n}", thread_ts=root["ts"])
    first = await client.conversations_replies(channel=scene.support.id, ts=root["ts"], limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    second = await client.conversations_replies(
        channel=scene.support.id, ts=root["ts"], limit=2, cursor=cursor
    )
    assert [m["text"] for m in first["messages"]] == ["help", "r0"]
    assert [m["text"] for m in second["messages"]] == ["r1", "r2"]
    assert (first["has_more"], second["has_more"]) == (True, False)


async def test_replies_of_an_unknown_ts_is_thread_not_found(
    scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.replies for a ts the channel never had fails with thread_not_found."""
    failure = await api_error(client.conversations_replies(channel=scene.support.id, ts="1.000001"))
    assert failure.response["error"] == "thread_not_found"


async def test_history_of_a_channel_without_the_bot_is_not_in_channel(
    scene: Scene, client: AsyncWebClient
) -> None:
    """Reading a public channel the bot has not joined fails with not_in_channel."""
    failure = await api_error(client.conversations_history(channel=scene.elsewhere.id))
    assert failure.response["error"] == "not_in_channel"


async def test_join_makes_the_bot_a_member(scene: Scene, client: AsyncWebClient) -> None:
    """conversations.join adds the bot, and conversations.info then says is_member."""
    await client.conversations_join(channel=scene.elsewhere.id)
    answer = await client.conversations_info(channel=scene.elsewhere.id)
    assert answer["channel"]["is_member"] is True


async def test_members_and_user_conversations_agree(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.members lists members; users.conversations lists the bot's channels."""
    members = await client.conversations_members(channel=scene.support.id)
    mine = await client.users_conversations()
    assert slack.identity.bot_user_id in members["members"]
    assert [c["id"] for c in mine["channels"]] == [scene.support.id]


async def test_conversations_list_of_ims_names_the_bots_dms_with_their_people(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.list with types=im lists the bot's DMs only, each with its person."""
    dm = slack.dm_channel(scene.customer.id)
    ims = await client.conversations_list(types="im")
    channels = await client.conversations_list()
    assert [(c["id"], c["is_im"], c["user"]) for c in ims["channels"]] == [
        (dm.id, True, scene.customer.id)
    ]
    assert {c["id"] for c in channels["channels"]} == {scene.support.id, scene.elsewhere.id}


async def test_unknown_user_is_user_not_found(client: AsyncWebClient) -> None:
    """users.info of an unknown id fails with user_not_found."""
    failure = await api_error(client.users_info(user="U0NOBODY"))
    assert failure.response["error"] == "user_not_found"


async def test_usergroups_list_their_members(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """usergroups.list (with include_users) and usergroups.users.list name the members."""
    group = slack.add_usergroup("support-leads", [scene.agent.id])
    listed = await client.usergroups_list(include_users=True)
    members = await client.usergroups_users_list(usergroup=group.id)
    assert listed["usergroups"][0]["users"] == members["users"] == [scene.agent.id]


async def test_home_view_is_published_for_the_user(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """views.publish stores a home view and answers it with an id and a hash."""
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    answer = await client.views_publish(user_id=scene.agent.id, view=view)
    assert slack.home_view(scene.agent.id) == answer["view"]
    assert answer["view"]["id"].startswith("V")
    assert answer["view"]["hash"]


@pytest.mark.parametrize(
    "view",
    [
        {"type": "modal", "blocks": []},
        {"type": "home", "blocks": [{"type": "divider"}] * 101},
    ],
)
async def test_home_view_refusals_are_invalid_arguments(
    scene: Scene, client: AsyncWebClient, view: dict[str, Any]
) -> None:
    """views.publish refuses a non-home view or more than 100 blocks with invalid_arguments."""
    failure = await api_error(client.views_publish(user_id=scene.agent.id, view=view))
    assert failure.response["error"] == "invalid_arguments"


async def test_file_upload_v2_shares_the_file_into_a_thread(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """files_upload_v2 runs the three-step flow and posts the file in the thread."""
    event = slack.user_posts(scene.support.id, scene.customer.id, "logs please")
    answer = await client.files_upload_v2(
        channel=scene.support.id,
        thread_ts=event["ts"],
        filename="digest.csv",
        content="ticket,status\n1,open\n",
        initial_comment="Here is the digest",
    )
    reply = slack.thread(scene.support.id, event["ts"])[-1]
    assert reply["files"][0]["id"] == answer["file"]["id"]
    assert slack.workspace.files[answer["file"]["id"]].content == b"ticket,status\n1,open\n"
    assert [c.method for c in slack.calls][-2:] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


# -- Web API: authentication and routing ------------------------------------------------------


@pytest.mark.parametrize(("token", "error"), [(None, "not_authed"), ("xoxb-bogus", "invalid_auth")])
async def test_bad_credentials_are_refused(slack: FakeSlack, token: str | None, error: str) -> None:
    """Calls without a token, or with an unknown one, fail like Slack."""
    stranger = AsyncWebClient(token=token, base_url=slack.api_url)
    failure = await api_error(stranger.auth_test())
    assert failure.response["error"] == error


async def test_connections_open_needs_the_app_token(client: AsyncWebClient) -> None:
    """apps.connections.open with the bot token fails with not_allowed_token_type."""
    failure = await api_error(client.api_call("apps.connections.open"))
    assert failure.response["error"] == "not_allowed_token_type"


async def test_unknown_method_is_unknown_method(client: AsyncWebClient) -> None:
    """A method the fake does not serve answers unknown_method."""
    failure = await api_error(client.api_call("pins.add", params={"channel": "C1"}))
    assert failure.response["error"] == "unknown_method"


# -- fault injection ----------------------------------------------------------------------------


async def test_rate_limit_is_waited_out_by_the_retry_handler(
    slack: FakeSlack, scene: Scene
) -> None:
    """A 429 with Retry-After: 1 is retried by slack_sdk after waiting at least a second."""
    slack.fail("chat.postMessage", status=429, retry_after=1)
    client = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    started = time.monotonic()
    await client.chat_postMessage(channel=scene.support.id, text="after the storm")
    assert time.monotonic() - started >= 1.0
    assert [(c.status, c.error) for c in slack.calls_to("chat.postMessage")] == [
        (429, "ratelimited"),
        (200, None),
    ]


async def test_rate_limit_without_handler_surfaces_429_and_retry_after(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """Without a retry handler the 429 reaches the caller with its Retry-After header."""
    slack.fail("chat.postMessage", status=429, retry_after=7)
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    assert failure.response.status_code == 429
    assert failure.response.headers["Retry-After"] == "7"
    assert failure.response["error"] == "ratelimited"


async def test_post_limit_refuses_a_second_post_to_a_channel_within_the_second(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """Over one post per second in a channel Slack answers 429 ratelimited, Retry-After: 1."""
    slack.limit_posts()
    await client.chat_postMessage(channel=scene.support.id, text="first")
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="second"))
    assert (failure.response.status_code, failure.response["error"]) == (429, "ratelimited")
    assert failure.response.headers["Retry-After"] == "1"
    assert [m["text"] for m in slack.messages(scene.support.id)] == ["first"]
    assert slack.rate_limited_calls() == 1


async def test_post_limit_counts_each_channel_on_its_own(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A post in one channel does not use up another channel's allowance."""
    slack.limit_posts()
    dm = slack.dm_channel(scene.agent.id)
    await client.chat_postMessage(channel=scene.support.id, text="here")
    await client.chat_postMessage(channel=dm.id, text="there")
    assert slack.rate_limited_calls() == 0


async def test_scaled_post_limit_allows_the_next_post_after_its_interval(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A time-scaled limit says Retry-After in milliseconds; after it, the post goes through."""
    slack.limit_posts(interval=0.05)
    await client.chat_postMessage(channel=scene.support.id, text="first")
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="second"))
    wait = float(failure.response.headers["Retry-After"])
    assert 0 < wait <= 0.05
    await asyncio.sleep(wait)
    await client.chat_postMessage(channel=scene.support.id, text="second")
    assert [m["text"] for m in slack.messages(scene.support.id)] == ["first", "second"]


async def test_post_limit_lets_a_burst_through_then_refuses(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """With a burst of three, three posts go at once and the fourth waits."""
    slack.limit_posts(burst=3)
    for number in range(3):
        await client.chat_postMessage(channel=scene.support.id, text=f"post {number}")
    await api_error(client.chat_postMessage(channel=scene.support.id, text="one too many"))
    assert slack.rate_limited_calls() == 1


@pytest.mark.parametrize(("status", "body"), [(500, None), (503, "")])
async def test_server_error_is_retried_by_the_server_error_handler(
    slack: FakeSlack, scene: Scene, status: int, body: str | None
) -> None:
    """A 5xx from the edge (HTML or empty body) is retried and the post succeeds."""
    slack.fail("chat.postMessage", status=status, body=body)
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[handler])
    await client.chat_postMessage(channel=scene.support.id, text="second time lucky")
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [status, 200]


async def test_edge_error_reaches_the_caller_without_an_error_code(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A 5xx HTML page surfaces as SlackApiError with empty data: classify it by status."""
    slack.fail("chat.postMessage", status=503)
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    assert (failure.response.status_code, failure.response.data) == (503, {})


async def test_error_fault_answers_http_200_ok_false(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """An injected error code answers HTTP 200 with ok:false."""
    slack.fail("chat.postMessage", error="channel_not_found")
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    assert (failure.response.status_code, failure.response["error"]) == (200, "channel_not_found")


async def test_fault_for_one_channel_spares_the_others(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A fault filtered by channel leaves calls for other channels alone."""
    dm = slack.dm_channel(scene.agent.id)
    slack.fail("chat.postMessage", error="not_in_channel", channel=scene.support.id)
    await client.chat_postMessage(channel=dm.id, text="fine")
    failure = await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    assert failure.response["error"] == "not_in_channel"


async def test_rate_limited_history_says_how_long_to_wait(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """conversations.history can be throttled like any method: 429 with Retry-After."""
    slack.fail("conversations.history", status=429, retry_after=30, channel=scene.support.id)
    failure = await api_error(client.conversations_history(channel=scene.support.id))
    assert (failure.response.status_code, failure.response.headers["Retry-After"]) == (429, "30")
    assert (await client.conversations_history(channel=scene.support.id))["ok"] is True


async def test_fault_without_count_lasts_until_cleared(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """times=None keeps failing every call until clear_faults."""
    slack.fail("chat.postMessage", status=503, times=None)
    for _ in range(3):
        await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    slack.clear_faults()
    await client.chat_postMessage(channel=scene.support.id, text="back")


# -- HTTP mode with a real Bolt app -------------------------------------------------------------


def bolt_app(slack: FakeSlack, **options: Any) -> AsyncApp:
    """A Bolt app whose Web API client talks to the fake."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    return AsyncApp(client=client, signing_secret=slack.signing_secret, **options)


@contextlib.asynccontextmanager
async def served(app: AsyncApp) -> AsyncIterator[str]:
    """Serve a Bolt app over HTTP on loopback (Bolt's own aiohttp app) and yield its URL."""
    runner = web.AppRunner(app.web_app(path="/slack/events"), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


async def settled(flag: asyncio.Event) -> None:
    """Wait for a listener to run (Bolt runs listeners after acking, in the background)."""
    async with asyncio.timeout(WAIT):
        await flag.wait()


async def test_signed_event_reaches_the_bolt_listener(slack: FakeSlack, scene: Scene) -> None:
    """A signed event_callback is accepted (200) and dispatched to the message listener."""
    app, seen = bolt_app(slack), asyncio.Event()
    received: list[dict[str, Any]] = []

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        received.append(event)
        seen.set()

    event = slack.user_posts(scene.support.id, scene.customer.id, "my order is late")
    async with served(app) as url:
        answer = await slack.post_event(url, event)
        await settled(seen)
    assert answer.status == 200
    assert received[0]["text"] == "my order is late"


@pytest.mark.parametrize("forgery", [{"forge_signature": True}, {"timestamp": 1_000_000_000}])
async def test_bad_signature_or_stale_timestamp_is_refused(
    slack: FakeSlack, scene: Scene, forgery: dict[str, Any]
) -> None:
    """Bolt answers 401 to a forged signature or a timestamp older than five minutes."""
    app = bolt_app(slack)
    event = slack.user_posts(scene.support.id, scene.customer.id, "hi")
    async with served(app) as url:
        answer = await slack.post_event(url, event, **forgery)
    assert answer.status == 401


async def test_url_verification_is_answered_with_the_challenge(slack: FakeSlack) -> None:
    """Bolt echoes the url_verification challenge."""
    async with served(bolt_app(slack)) as url:
        answer = await slack.post_url_verification(url, challenge="3eZbrw1aBm2rZgRNFdxV2595E9C")
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9C"}


async def test_retry_headers_reach_the_listener(slack: FakeSlack, scene: Scene) -> None:
    """A redelivery carries X-Slack-Retry-Num and X-Slack-Retry-Reason to Bolt."""
    app, seen = bolt_app(slack), asyncio.Event()
    headers: list[dict[str, Any]] = []

    @app.event("message")
    async def on_message(request: Any) -> None:
        headers.append(dict(request.headers))
        seen.set()

    event = slack.user_posts(scene.support.id, scene.customer.id, "again?")
    async with served(app) as url:
        await slack.post_event(url, event, retry_num=1, retry_reason="http_timeout")
        await settled(seen)
    assert (headers[0]["x-slack-retry-num"], headers[0]["x-slack-retry-reason"]) == (
        ["1"],
        ["http_timeout"],
    )


async def test_slash_command_ack_is_the_http_answer(slack: FakeSlack, scene: Scene) -> None:
    """A slash command reaches Bolt as a signed form post and ack(text) is the response body."""
    app = bolt_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any, command: dict[str, str]) -> None:
        await ack(f"Claimed: {command['text']}")

    async with served(app) as url:
        answer = await slack.post_command(
            url, slack.command(scene.agent.id, scene.support.id, "42")
        )
    assert (answer.status, answer.body) == (200, "Claimed: 42")


async def test_respond_posts_to_the_hosted_response_url(slack: FakeSlack, scene: Scene) -> None:
    """respond() from a command listener lands on the fake's response URL as an ephemeral."""
    app = bolt_app(slack, process_before_response=True)

    @app.command("/ticket")
    async def on_ticket(ack: Any, respond: Any) -> None:
        await ack()
        await respond("Only you can see this")

    async with served(app) as url:
        await slack.post_command(url, slack.command(scene.agent.id, scene.support.id, "list"))
    assert slack.response_url_posts[0].body["text"] == "Only you can see this"
    assert slack.ephemerals(scene.support.id)[0]["text"] == "Only you can see this"


async def test_button_click_reaches_bolt_and_replaces_the_card(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A block_actions click is acked and respond(replace_original) rewrites the clicked card."""
    app = bolt_app(slack, process_before_response=True)

    @app.action("claim")
    async def on_claim(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"Claimed by <@{body['user']['id']}>", replace_original=True)

    card = await client.chat_postMessage(channel=scene.support.id, text="Ticket #5", blocks=CARD)
    click = payloads.button("claim", "5", text="Claim", block_id="ticket-5")
    payload = slack.block_action(scene.agent.id, scene.support.id, card["ts"], click)
    async with served(app) as url:
        answer = await slack.post_interaction(url, payload)
    assert answer.status == 200
    message = slack.message(scene.support.id, card["ts"])
    assert message is not None
    assert message["text"] == f"Claimed by <@{scene.agent.id}>"


async def test_static_select_choice_reaches_the_action_listener(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """A static_select choice arrives with its selected option."""
    app, seen = bolt_app(slack), asyncio.Event()
    chosen: list[str] = []

    @app.action("priority")
    async def on_priority(ack: Any, action: dict[str, Any]) -> None:
        await ack()
        chosen.append(action["selected_option"]["value"])
        seen.set()

    card = await client.chat_postMessage(channel=scene.support.id, text="Ticket #6", blocks=CARD)
    choice = payloads.static_select("priority", "urgent", text="Urgent")
    payload = slack.block_action(scene.agent.id, scene.support.id, card["ts"], choice)
    async with served(app) as url:
        await slack.post_interaction(url, payload)
        await settled(seen)
    assert chosen == ["urgent"]


async def test_slash_command_mentioning_payload_is_lost_in_bolt_http_mode(
    slack: FakeSlack, scene: Scene
) -> None:
    """Bolt's HTTP body parser drops a command whose text says "payload": 404, no listener."""
    app, called = bolt_app(slack), []

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        called.append(True)
        await ack()

    fields = slack.command(scene.agent.id, scene.support.id, "note the payload was empty")
    async with served(app) as url:
        answer = await slack.post_command(url, fields)
    assert (answer.status, called) == (404, [])


CARD: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Ticket #5*"}},
    {
        "type": "actions",
        "block_id": "ticket-5",
        "elements": [
            {
                "type": "button",
                "action_id": "claim",
                "value": "5",
                "text": {"type": "plain_text", "text": "Claim"},
            },
            {
                "type": "static_select",
                "action_id": "priority",
                "placeholder": {"type": "plain_text", "text": "Priority"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"},
                ],
            },
        ],
    },
]


# -- Socket Mode with a real AsyncSocketModeHandler ---------------------------------------------


@contextlib.asynccontextmanager
async def connected(slack: FakeSlack, app: AsyncApp, **options: Any) -> AsyncIterator[Any]:
    """Connect Bolt's AsyncSocketModeHandler to the fake and wait for the socket."""
    handler = AsyncSocketModeHandler(app, slack.app_token, **options)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await slack.socket_wait_connected()
        yield handler
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def test_socket_event_is_delivered_and_acked(slack: FakeSlack, scene: Scene) -> None:
    """An events_api envelope reaches the listener and Bolt acks its envelope id."""
    app, seen = bolt_app(slack), asyncio.Event()

    @app.event("message")
    async def on_message() -> None:
        seen.set()

    async with connected(slack, app):
        event = slack.user_posts(scene.support.id, scene.customer.id, "hello over the socket")
        envelope_id = await slack.socket_send_event(event)
        assert await slack.socket_ack(envelope_id) == {"envelope_id": envelope_id}
        await settled(seen)


async def test_socket_hello_names_the_app(slack: FakeSlack) -> None:
    """The socket opens with Slack's hello message carrying the app id."""
    client = AsyncWebClient(token=slack.app_token, base_url=slack.api_url)
    url = (await client.apps_connections_open(app_token=slack.app_token))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        hello = await socket.receive_json()
    assert hello["type"] == "hello"
    assert hello["connection_info"] == {"app_id": slack.identity.api_app_id}
    assert hello["num_connections"] == 1


async def test_socket_url_works_only_once(slack: FakeSlack) -> None:
    """A connections.open URL admits one websocket; reusing it is refused."""
    client = AsyncWebClient(token=slack.app_token, base_url=slack.api_url)
    url = (await client.apps_connections_open(app_token=slack.app_token))["url"]
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url):
            pass
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)


async def test_socket_client_pings_are_answered_so_it_never_goes_stale(slack: FakeSlack) -> None:
    """Pings get pongs: past four ping intervals the client still holds its first session."""
    async with connected(slack, bolt_app(slack), ping_interval=0.05) as handler:
        await slack.socket_wait_pings(12)
        assert handler.client.last_ping_pong_time is not None
        assert await handler.client.is_connected()
    assert slack.socket_connections_made == 1


async def test_socket_disconnect_makes_the_client_reconnect(slack: FakeSlack, scene: Scene) -> None:
    """After a disconnect message the client opens a new URL and events flow again."""
    app, seen = bolt_app(slack), asyncio.Event()

    @app.event("message")
    async def on_message() -> None:
        seen.set()

    async with connected(slack, app):
        await slack.socket_disconnect(reason="refresh_requested")
        await slack.socket_wait_connected(connections_made=2)
        event = slack.user_posts(scene.support.id, scene.customer.id, "still there?")
        await slack.socket_ack(await slack.socket_send_event(event))
        await settled(seen)
    assert len(slack.calls_to("apps.connections.open")) == 2


async def test_socket_duplicate_envelope_is_delivered_twice(slack: FakeSlack, scene: Scene) -> None:
    """Bolt does not dedupe: the same envelope sent twice runs the listener twice."""
    app, runs = bolt_app(slack), []
    twice = asyncio.Event()

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        runs.append(event["ts"])
        if len(runs) == 2:
            twice.set()

    event = slack.user_posts(scene.support.id, scene.customer.id, "once, I hope")
    callback = payloads.event_callback(event)
    envelope = payloads.events_api_envelope(callback)
    async with connected(slack, app):
        for _ in range(2):
            await slack.socket_send(envelope)
        await settled(twice)
    assert runs == [event["ts"], event["ts"]]
    assert len(slack.socket_acks(envelope["envelope_id"])) == 2


async def test_socket_command_ack_carries_the_response(slack: FakeSlack, scene: Scene) -> None:
    """A slash_commands envelope is acked with ack()'s text as the payload."""
    app = bolt_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack("Ticket #9 claimed")

    async with connected(slack, app):
        fields = slack.command(scene.agent.id, scene.support.id, "claim 9")
        ack = await slack.socket_ack(await slack.socket_send_command(fields))
    assert ack["payload"] == {"text": "Ticket #9 claimed"}


async def test_socket_command_mentioning_payload_is_handled(slack: FakeSlack, scene: Scene) -> None:
    """Over Socket Mode the "payload" text bug does not bite: the listener runs."""
    app = bolt_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any, command: dict[str, str]) -> None:
        await ack(command["text"])

    async with connected(slack, app):
        fields = slack.command(scene.agent.id, scene.support.id, "note the payload was empty")
        ack = await slack.socket_ack(await slack.socket_send_command(fields))
    assert ack["payload"] == {"text": "note the payload was empty"}


async def test_socket_button_click_is_acked(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """An interactive envelope with block_actions reaches the action listener and is acked."""
    app, seen = bolt_app(slack), asyncio.Event()

    @app.action("claim")
    async def on_claim(ack: Any) -> None:
        await ack()
        seen.set()

    card = await client.chat_postMessage(channel=scene.support.id, text="Ticket #5", blocks=CARD)
    click = payloads.button("claim", "5", text="Claim", block_id="ticket-5")
    async with connected(slack, app):
        payload = slack.block_action(scene.agent.id, scene.support.id, card["ts"], click)
        envelope_id = await slack.socket_send_interaction(payload)
        assert await slack.socket_ack(envelope_id) == {"envelope_id": envelope_id}
        await settled(seen)


async def test_socket_envelope_no_listener_handles_is_not_acked() -> None:
    """Bolt sends no ack for an unhandled envelope, so Slack would redeliver it."""
    async with FakeSlack(wait_timeout=0.2) as slack, connected(slack, bolt_app(slack)):
        envelope_id = await slack.socket_send_event(payloads.message("C1", "U1", "anyone?"))
        with pytest.raises(TimeoutError):
            await slack.socket_ack(envelope_id)


async def test_bolt_ignores_events_from_its_own_bot_user(slack: FakeSlack, scene: Scene) -> None:
    """The bot's own messages come back as events, and Bolt drops them before listeners."""
    app, received = bolt_app(slack, process_before_response=True), []

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        received.append(event)

    identity = slack.identity
    echo = payloads.message(
        scene.support.id, identity.bot_user_id, "Ticket #1", bot_id=identity.bot_id
    )
    async with served(app) as url:
        answer = await slack.post_event(url, echo)
    assert (answer.status, received) == (200, [])


async def test_slack_sdk_warns_about_blocks_without_text(
    scene: Scene, client: AsyncWebClient
) -> None:
    """slack_sdk warns when blocks come without a top-level text (an error in this suite)."""
    with pytest.warns(UserWarning, match="top-level `text` argument is missing"):
        await client.chat_postMessage(channel=scene.support.id, blocks=[{"type": "divider"}])


# -- payload builders -------------------------------------------------------------------------

BOT_ELSEWHERE = "B0OTHERBOT"
EVENT_BUILDERS: dict[str, tuple[Any, dict[str, Any]]] = {
    "message": (
        lambda sc: payloads.message(sc.support.id, sc.customer.id, "hi"),
        {"type": "message", "subtype": None},
    ),
    "thread reply": (
        lambda sc: payloads.message(sc.support.id, sc.customer.id, "re", thread_ts=next_ts()),
        {"type": "message", "subtype": None},
    ),
    "message from another app's bot": (
        lambda sc: payloads.message(sc.support.id, "U0OTHERBOT", "hi", bot_id=BOT_ELSEWHERE),
        {"type": "message", "subtype": None},
    ),
    "thread_broadcast": (
        lambda sc: payloads.thread_broadcast(sc.support.id, sc.customer.id, "fyi", next_ts()),
        {"type": "message", "subtype": "thread_broadcast"},
    ),
    "file_share": (
        lambda sc: payloads.file_share(
            sc.support.id, sc.customer.id, "see", [payloads.file_object("a.png", sc.customer.id)]
        ),
        {"type": "message", "subtype": "file_share"},
    ),
    "bot_message": (
        lambda sc: payloads.bot_message(sc.support.id, "beep", BOT_ELSEWHERE),
        {"type": "message", "subtype": "bot_message"},
    ),
    "message_changed": (
        lambda sc: payloads.message_changed(payloads.message(sc.support.id, "U1", "a"), "b"),
        {"type": "message", "subtype": "message_changed"},
    ),
    "message_deleted": (
        lambda sc: payloads.message_deleted(payloads.message(sc.support.id, "U1", "a")),
        {"type": "message", "subtype": "message_deleted"},
    ),
    "reaction_added": (
        lambda sc: payloads.reaction_added(sc.agent.id, "ticket", sc.support.id, next_ts()),
        {"type": "reaction_added"},
    ),
    "app_home_opened": (
        lambda sc: payloads.app_home_opened(sc.agent.id, "D0AGENTDM1"),
        {"type": "app_home_opened"},
    ),
    "app_mention": (
        lambda sc: payloads.app_mention(sc.support.id, sc.customer.id, "<@U0DESKBOT1> help"),
        {"type": "app_mention"},
    ),
}


@pytest.mark.parametrize("kind", EVENT_BUILDERS)
async def test_built_event_reaches_the_bolt_listener_for_its_type(
    slack: FakeSlack, scene: Scene, kind: str
) -> None:
    """Each event builder's output is routed by Bolt to the listener for its type/subtype."""
    build, matcher = EVENT_BUILDERS[kind]
    event, received = build(scene), []
    app = bolt_app(slack, process_before_response=True)

    @app.event(matcher)
    async def on_event(event: dict[str, Any]) -> None:
        received.append(event)

    async with served(app) as url:
        await slack.post_event(url, event)
    assert received == [event]


def test_event_callback_carries_the_documented_envelope() -> None:
    """event_callback wraps an event with Slack's envelope fields and this app's ids."""
    callback = payloads.event_callback(payloads.app_mention("C1", "U1", "hi"))
    assert set(callback) >= {
        "token", "team_id", "api_app_id", "event", "type", "event_id", "event_time",
        "authorizations", "is_ext_shared_channel", "event_context",
    }  # fmt: skip
    assert callback["authorizations"][0]["user_id"] == DEFAULT_IDENTITY.bot_user_id
    assert callback["event_id"].startswith("Ev")


def test_generated_timestamps_increase_in_slack_format() -> None:
    """Generated ts values are `seconds.microseconds` strings that always increase."""
    stamps = [next_ts() for _ in range(1000)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == len(stamps)
    assert all(len(ts.partition(".")[2]) == 6 for ts in stamps)
