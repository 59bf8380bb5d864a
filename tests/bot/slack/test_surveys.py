"""The satisfaction survey on Slack: buttons in the ticket's thread, run as `/ticket rate`."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from handlers import timers
from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])


async def resolved_with_survey(d: SlackDesk) -> dict[str, Any]:
    """alice's ticket, claimed and resolved by bob; return the survey in its thread."""
    event = await d.open_ticket()
    await d.command(d.scene.bob, "claim 1")
    await d.command(d.scene.bob, "resolve 1 rebooted")
    await d.settle()
    return survey_message(d, event["ts"])


def survey_message(d: SlackDesk, thread: str) -> dict[str, Any]:
    (found,) = [
        message
        for message in d.slack.thread(d.scene.support.id, thread)
        if any(
            block.get("block_id", "").startswith("deskbot-survey-")
            for block in message.get("blocks", [])
        )
        or "How did we do" in message.get("text", "")
    ]
    return found


def score_button(survey: dict[str, Any], label: str) -> dict[str, Any]:
    (button,) = [e for e in survey["blocks"][-1]["elements"] if e["text"]["text"] == label]
    return payloads.button(button["action_id"], button["value"], text=label)


async def test_resolution_posts_score_buttons_in_the_thread(desk_on_slack: SlackDesk) -> None:
    """The survey in the ticket's thread offers 1 to 5, each running `rate 1 <score>`."""
    survey = await resolved_with_survey(desk_on_slack)
    buttons = survey["blocks"][-1]["elements"]
    assert [button["text"]["text"] for button in buttons] == ["1", "2", "3", "4", "5"]
    assert [button["value"] for button in buttons][-1] == "1 5"
    assert "/ticket rate 1 &lt;1-5&gt; [comment]" in survey["blocks"][0]["text"]["text"]


async def test_customer_click_rates_the_ticket(desk_on_slack: SlackDesk) -> None:
    """alice clicks 4: the rating is recorded and she alone is thanked."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    await d.click(d.scene.alice, survey["ts"], score_button(survey, "4"), channel=d.scene.support)
    assert await d.rows("SELECT score FROM surveys") == [(4,)]
    assert d.slack.response_url_posts[-1].body["text"] == "Thank you! You rated ticket #1 4/5."
    assert d.slack.response_url_posts[-1].body["response_type"] == "ephemeral"


async def test_someone_else_clicking_is_told_privately(desk_on_slack: SlackDesk) -> None:
    """bob (an agent) clicking the survey is told only the person who asked can rate it."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    d.scene.support.members.add(d.scene.bob.id)
    await d.click(d.scene.bob, survey["ts"], score_button(survey, "5"), channel=d.scene.support)
    post = d.slack.response_url_posts[-1].body
    assert post["text"] == "Only the person who asked can rate this."
    assert post["response_type"] == "ephemeral"
    assert await d.rows("SELECT score FROM surveys") == [(None,)]


async def test_second_click_changes_the_rating(desk_on_slack: SlackDesk) -> None:
    """A second click changes the rating: one survey, two audit events."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    for label in ("2", "5"):
        await d.click(
            d.scene.alice, survey["ts"], score_button(survey, label), channel=d.scene.support
        )
    assert await d.rows("SELECT score FROM surveys") == [(5,)]
    assert len(await d.rows("SELECT id FROM events WHERE kind = 'rated'")) == 2
    assert "is now 5/5 (it was 2/5)" in d.slack.response_url_posts[-1].body["text"]


async def fire_timers(d: SlackDesk) -> None:
    """Run the sweep at the clock's time, and wait for what it sent."""
    settings = d.desk.settings
    await d.store.transact(lambda tx: timers.fire_due(tx, d.clock.now(), settings))
    d.outbox.wake()
    await d.settle()


@BOTH_MODES
async def test_expired_survey_is_edited_in_place_without_buttons(
    desk_on_slack: SlackDesk,
) -> None:
    """When the survey expires, its message says it is closed and has no buttons left."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    posted = len(d.slack.thread(d.scene.support.id, survey["thread_ts"]))
    d.clock.advance(days=8)
    await fire_timers(d)
    edited = d.slack.message(d.scene.support.id, survey["ts"])
    assert edited is not None
    assert edited["text"] == "The survey for ticket #1 is closed."
    assert [block["type"] for block in edited["blocks"]] == ["section"]
    assert edited["blocks"][0]["text"]["text"] == "The survey for ticket #1 is closed."
    assert len(d.slack.thread(d.scene.support.id, survey["thread_ts"])) == posted


@BOTH_MODES
async def test_newer_survey_closes_the_older_one_in_place(desk_on_slack: SlackDesk) -> None:
    """A reopened ticket resolved again: the first survey is edited closed, the second asks."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    await d.click(d.scene.alice, survey["ts"], score_button(survey, "2"), channel=d.scene.support)
    await d.command(d.scene.bob, "reopen 1")
    await d.command(d.scene.bob, "resolve 1 replaced the toner")
    await d.settle()
    first = d.slack.message(d.scene.support.id, survey["ts"])
    assert first is not None
    assert first["text"] == "The survey for ticket #1 is closed. You rated it 2/5; thank you!"
    assert not any(block["type"] == "actions" for block in first["blocks"])
    asking = [
        message
        for message in d.slack.thread(d.scene.support.id, survey["thread_ts"])
        if message["ts"] != survey["ts"] and "How did we do" in message.get("text", "")
    ]
    assert [block["type"] for block in asking[0]["blocks"]] == ["section", "actions"]


async def rated_with_modal(d: SlackDesk, label: str = "4") -> tuple[dict[str, Any], str]:
    """alice clicks a score on the survey; return the survey and the comment modal it opened."""
    survey = await resolved_with_survey(d)
    await d.click(d.scene.alice, survey["ts"], score_button(survey, label), channel=d.scene.support)
    [modal] = d.slack.open_modals(d.scene.alice.id)
    return survey, str(modal.view["id"])


@BOTH_MODES
async def test_a_score_click_opens_the_comment_modal(desk_on_slack: SlackDesk) -> None:
    """After the rating, alice sees a modal with one optional comment field and its limit."""
    d = desk_on_slack
    await rated_with_modal(d)
    [modal] = d.slack.open_modals(d.scene.alice.id)
    [field] = modal.view["blocks"]
    assert modal.view["title"]["text"] == "Add a comment"
    assert field["optional"] is True
    assert field["label"]["text"] == "Anything to add about ticket #1?"
    assert field["element"]["max_length"] == 3000
    assert "up to 3000 characters" in field["hint"]["text"]
    assert d.slack.calls_to("views.open")[-1].response["ok"] is True


@BOTH_MODES
async def test_submitting_a_comment_records_it_with_the_rating(desk_on_slack: SlackDesk) -> None:
    """The comment joins the rating: one survey row, audited, the answer shown in the modal."""
    d = desk_on_slack
    _, view_id = await rated_with_modal(d, "2")
    ack = await d.submit(view_id, {"comment": "Took three days. @channel please hurry"})
    assert ack is not None and ack["response_action"] == "update"
    answer = ack["view"]["blocks"][0]["text"]["text"]
    assert answer == "Thank you! You rated ticket #1 2/5, with your comment."
    assert await d.rows("SELECT score, comment FROM surveys") == [
        (2, "Took three days. @channel please hurry")
    ]
    assert len(await d.rows("SELECT id FROM events WHERE kind = 'rated'")) == 2
    await d.settle()
    [*_, alert] = d.slack.messages(d.scene.leads.id)
    assert "Took three days. @\u200bchannel please hurry" in alert["text"]  # quoted: no ping


@BOTH_MODES
async def test_an_empty_comment_keeps_the_rating(desk_on_slack: SlackDesk) -> None:
    """Submitting the modal empty leaves the rating as the click made it, without a comment."""
    d = desk_on_slack
    _, view_id = await rated_with_modal(d)
    ack = await d.submit(view_id, {"comment": None})
    assert ack is not None
    assert ack["view"]["blocks"][0]["text"]["text"] == "You rated ticket #1 4/5 already."
    assert await d.rows("SELECT score, comment FROM surveys") == [(4, "")]
    assert len(await d.rows("SELECT id FROM events WHERE kind = 'rated'")) == 1


@BOTH_MODES
async def test_a_refused_comment_is_shown_on_the_field(desk_on_slack: SlackDesk) -> None:
    """The survey closed while the modal was open: the refusal shows under the comment."""
    d = desk_on_slack
    _, view_id = await rated_with_modal(d)
    d.clock.advance(days=8)
    ack = await d.submit(view_id, {"comment": "late"})
    assert ack is not None and ack["response_action"] == "errors"
    assert ack["errors"]["comment"].startswith("The survey for ticket #1 closed on ")
    [modal] = d.slack.open_modals(d.scene.alice.id)
    assert modal.errors == ack["errors"]
    assert await d.rows("SELECT comment FROM surveys") == [("",)]


async def test_someone_else_clicking_gets_no_modal(desk_on_slack: SlackDesk) -> None:
    """bob's click is refused privately and opens nothing."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    await d.click(d.scene.bob, survey["ts"], score_button(survey, "5"), channel=d.scene.support)
    assert d.slack.calls_to("views.open") == []
    assert d.slack.open_modals(d.scene.bob.id) == []


async def test_an_expired_trigger_keeps_the_rating_without_a_modal(
    desk_on_slack: SlackDesk,
) -> None:
    """Slack refuses a stale trigger id: the rating stands, and nothing else breaks."""
    d = desk_on_slack
    survey = await resolved_with_survey(d)
    seconds = itertools.count(step=10.0)  # each look at the clock is 10 s after the last
    d.slack.workspace.modals.clock = lambda: next(seconds)
    await d.click(d.scene.alice, survey["ts"], score_button(survey, "3"), channel=d.scene.support)
    assert d.slack.calls_to("views.open")[-1].response["error"] == "expired_trigger_id"
    assert await d.rows("SELECT score FROM surveys") == [(3,)]
    assert d.slack.response_url_posts[-1].body["text"] == "Thank you! You rated ticket #1 3/5."
