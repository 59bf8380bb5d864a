"""Posts to each channel are spaced by the platform's documented limit, counted from answers."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.outbound import SLACK_PACE, SlackSender
from bot.config import SlackConfig
from bot.pacing import FORGET_AFTER, Pacer
from bot.sending import ChannelPace, pace_of
from bot.web.meters import Meters
from handlers.models import Place
from handlers.texts import texts_in

SLACK = ChannelPace(posts=1, per=1.0)
DISCORD = ChannelPace(posts=5, per=5.0, per_thread=True)


class Stopwatch:
    """A monotonic clock that moves only when told or when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def watch() -> Stopwatch:
    return Stopwatch()


def pacer(pace: ChannelPace, watch: Stopwatch) -> Pacer:
    return Pacer(pace, monotonic=watch, sleep=watch.sleep)


async def post(pacer: Pacer, place: Place, watch: Stopwatch, answered_in: float = 0.0) -> None:
    async with pacer.turn(place):
        watch.now += answered_in


async def test_the_next_post_waits_a_full_window_after_the_last_was_answered(
    watch: Stopwatch,
) -> None:
    """One per second: a post answered after 0.3 s makes the next wait a second from then."""
    slack = pacer(SLACK, watch)
    here = Place("slack:T1", "C1", "1.1")
    await post(slack, here, watch, answered_in=0.3)
    await post(slack, here, watch)
    assert watch.slept == [1.0]


async def test_another_channel_does_not_wait(watch: Stopwatch) -> None:
    """Each channel has its own window."""
    slack = pacer(SLACK, watch)
    await post(slack, Place("slack:T1", "C1"), watch)
    await post(slack, Place("slack:T1", "C2"), watch)
    assert watch.slept == []


async def test_slack_threads_share_their_channels_window(watch: Stopwatch) -> None:
    """Thread replies count against their channel on Slack."""
    slack = pacer(SLACK, watch)
    await post(slack, Place("slack:T1", "C1", "1.1"), watch)
    await post(slack, Place("slack:T1", "C1", "2.2"), watch)
    assert watch.slept == [1.0]


async def test_five_in_five_seconds_go_at_once_and_the_sixth_waits(watch: Stopwatch) -> None:
    """Discord's window: five posts back to back, the sixth five seconds after the first."""
    discord = pacer(DISCORD, watch)
    here = Place("discord:1", "10")
    for _ in range(5):
        await post(discord, here, watch, answered_in=0.1)
    await post(discord, here, watch)
    assert watch.slept == [4.6]


async def test_discord_threads_are_channels_of_their_own(watch: Stopwatch) -> None:
    """A Discord thread has its own window, apart from its parent channel's."""
    discord = pacer(DISCORD, watch)
    for thread in range(6):
        await post(discord, Place("discord:1", "10", str(thread)), watch)
    assert watch.slept == []


async def test_a_failed_post_still_counts(watch: Stopwatch) -> None:
    """The platform may have counted a post it refused; the next one waits all the same."""
    slack = pacer(SLACK, watch)
    here = Place("slack:T1", "C1")
    with pytest.raises(RuntimeError):
        async with slack.turn(here):
            raise RuntimeError("Slack answered 500")
    await post(slack, here, watch)
    assert watch.slept == [1.0]


async def test_an_unpaced_platform_never_waits(watch: Stopwatch) -> None:
    """Without a declared limit, posts go as fast as the platform answers."""
    console = pacer(ChannelPace(posts=1, per=0.0), watch)
    for _ in range(3):
        await post(console, Place("console:local", "support"), watch)
    assert watch.slept == []


async def test_idle_rooms_are_forgotten(watch: Stopwatch) -> None:
    """Windows of threads long quiet are dropped; the busy one is kept."""
    discord = pacer(DISCORD, watch)
    for thread in range(FORGET_AFTER):
        await post(discord, Place("discord:1", "10", str(thread)), watch)
    watch.now += 10
    await post(discord, Place("discord:1", "10", "busy"), watch)
    await post(discord, Place("discord:1", "10", "new"), watch)
    assert discord.wait(Place("discord:1", "10", "0")) == 0
    assert len(discord._sent) <= 2


def test_a_metered_sender_keeps_the_platforms_pace() -> None:
    """Counting deliveries for /metrics does not make the outbox forget the limit."""
    metered = Meters().sender(SlackSender(AsyncWebClient(), SlackConfig(), texts_in("en")))
    assert pace_of(metered) == SLACK_PACE
