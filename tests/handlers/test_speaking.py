"""The desk answers in the language of the platform it speaks on."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from handlers.desk import Desk
from handlers.errors import Unchanged
from handlers.lifecycle import claim
from handlers.models import Status
from handlers.settings import DeskSettings
from handlers.texts import ENGLISH, texts_in
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, open_ticket, rows, run
from tests.handlers.test_lifecycle import ticket

CHINESE = texts_in("zh_CN")


@pytest.fixture
def settings() -> DeskSettings:
    """The console desk, speaking Simplified Chinese."""
    return builders.settings(locale="zh_CN")


async def queued_texts(store: SqliteStore) -> list[str]:
    found = await rows(store, "SELECT payload FROM outbox ORDER BY id")
    return [json.loads(str(payload))["text"] for (payload,) in found]


async def test_the_ack_and_the_card_are_in_the_desks_language(
    desk: Desk, store: SqliteStore
) -> None:
    """A new ticket is acknowledged and carded in Chinese."""
    await open_ticket(desk, ALICE, "打印机着火了")
    ack, card = await queued_texts(store)
    assert ack.startswith("谢谢，alice！这是工单 #1。客服会在 4 小时内在这里回复您（")
    assert card == "#1 · 打印机着火了 · 待处理 · 普通 · 来自 alice · 未认领"


async def test_answers_and_thread_notes_are_in_the_desks_language(
    desk: Desk, store: SqliteStore
) -> None:
    """A claim is answered in Chinese, and the customer is told in Chinese in the thread."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "claim 1")
    assert reply.text == "你认领了 #1 printer on fire。"
    assert (await queued_texts(store))[-1] == "bob 已接手工单 #1。"


async def test_a_refusal_is_rendered_in_the_askers_language(desk: Desk) -> None:
    """The lifecycle decides the refusal; the desk says it in the platform's language."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    again = await run(desk, BOB, "claim 1")
    assert (again.text, again.ok) == ("你已经负责工单 #1 了。", True)


async def test_a_malformed_command_gets_its_usage_in_the_desks_language(desk: Desk) -> None:
    """What was wrong and the usage line are both said in Chinese."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "priority 1 huge")
    assert reply.text == (
        "优先级必须是 urgent|high|normal|low 之一。"
        "用法：/ticket priority <id> <urgent|high|normal|low>"
    )


async def test_an_unknown_ticket_is_refused_in_the_desks_language(desk: Desk) -> None:
    """`No ticket #9` is a sentence in the asker's language too."""
    assert (await run(desk, BOB, "status 9")).text == "本工作区没有工单 #9。"


async def test_help_lists_the_verbs_in_the_desks_language(desk: Desk) -> None:
    """Help translates each verb's summary; the verbs and their arguments stay as typed."""
    text = (await run(desk, ALICE, "help")).text
    assert text.splitlines()[0] == "/ticket 命令（在工单的讨论串中可以省略编号）："
    assert "  /ticket status <id> — 查看你的工单" in text


def test_a_refusal_reads_in_english_in_the_logs() -> None:
    """`str()` of a desk error is its English sentence, whoever it was for."""
    held = replace(ticket(Status.CLAIMED, assignee=BOB), id=1)
    with pytest.raises(Unchanged) as refused:
        claim(held, BOB, held.created_at, force=False)
    assert str(refused.value) == "You already hold ticket #1."
    assert refused.value.message(CHINESE) == "你已经负责工单 #1 了。"


def test_a_platform_may_speak_its_own_language() -> None:
    """`locale` sets the desk's language; a platform's own `locale` wins on that platform."""
    settings = builders.settings(locale="zh_CN", locales={"slack": "en"})
    assert settings.texts_for("slack") is ENGLISH
    assert settings.texts_for("console") is CHINESE
    assert settings.texts_for("discord") is CHINESE
