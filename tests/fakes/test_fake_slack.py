"""Self-tests of the fake Slack, driven by the real slack_sdk and slack_bolt."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import FakeSlack
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
    bad = [{"type": "divider"}, {"type": "header", "text": {"type": "mrkdwn", "text": "x"}}]
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


async def test_fault_without_count_lasts_until_cleared(
    slack: FakeSlack, scene: Scene, client: AsyncWebClient
) -> None:
    """times=None keeps failing every call until clear_faults."""
    slack.fail("chat.postMessage", status=503, times=None)
    for _ in range(3):
        await api_error(client.chat_postMessage(channel=scene.support.id, text="x"))
    slack.clear_faults()
    await client.chat_postMessage(channel=scene.support.id, text="back")
