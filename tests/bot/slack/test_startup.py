"""Starting on Slack: a refused token stops deskbot; a missing channel or group is named."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.slack.outbound import TOKEN_FIX
from bot.adapters.slack.startup import SlackStartupError
from bot.config import Config
from handlers.models import Person, Place
from storage.store import SqliteStore
from tests.bot.slack.conftest import Scene, SlackDesk, make_config
from tests.builders import message
from tests.clock import FakeClock
from tests.fakes.slack import FakeSlack


async def start(config: Config, slack: FakeSlack, scene: Scene, store: SqliteStore) -> SlackDesk:
    running = SlackDesk(slack, scene, config, store, FakeClock())
    await running.start()
    return running


@pytest.mark.parametrize(
    ("mode", "token", "named"),
    [("socket", "bot_token", "slack.bot_token"), ("http", "bot_token", "slack.bot_token"),
     ("socket", "app_token", "slack.app_token")],
)  # fmt: skip
async def test_refused_token_stops_startup_naming_the_key(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path,
    mode: str, token: str, named: str,
) -> None:  # fmt: skip
    """A token Slack refuses stops deskbot with the key to fix, and nothing stays open."""
    config = make_config(slack, scene, db_path, mode, {token: "xoxb-not-the-token"})
    running = SlackDesk(slack, scene, config, store, FakeClock())
    with pytest.raises(SlackStartupError, match=rf"^Slack refused {named} \(invalid_auth\)\."):
        await running.start()
    assert slack.socket_open_connections == 0


async def test_notices_wait_while_slack_refuses_the_token(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path
) -> None:
    """Notices queued while the token is refused stay queued for the next start, not failed."""
    config = make_config(slack, scene, db_path, "socket", {"bot_token": "xoxb-revoked"})
    running = SlackDesk(slack, scene, config, store, FakeClock())
    with pytest.raises(SlackStartupError):
        await running.start()
    customer = Person("slack", scene.alice.id, "alice")
    support = Place(f"slack:{slack.identity.team_id}", scene.support.id)
    await running.desk.receive(message(customer, "Printer on fire", place=support))
    await running.outbox.deliver_due()
    assert await running.rows("SELECT DISTINCT status, last_error FROM outbox") == [
        ("pending", "Slack is not connected (Slack refused slack.bot_token (invalid_auth)."
         " " + TOKEN_FIX + ".)")
    ]  # fmt: skip
    assert [call.method for call in slack.calls if call.method.startswith("chat.")] == []


async def test_channel_without_the_bot_is_named_precisely(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """The bot missing from the triage channel is logged with the key and the /invite fix."""
    scene.triage.members.discard(slack.identity.bot_user_id)
    with caplog.at_level(logging.ERROR):
        running = await start(make_config(slack, scene, db_path, "socket"), slack, scene, store)
        await running.stop()
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"Slack set-up: slack.triage_channel: the bot is not in #triage ({scene.triage.id});"
        " in Slack, type /invite @deskbot there"
    ]


PROBLEMS = {
    "unknown support channel": (
        {"support_channels": ["C0NOWHERE1"]},
        "slack.support_channels: C0NOWHERE1 not found (channel_not_found)",
    ),
    "unknown leads channel": (
        {"leads_channel": "C0NOWHERE2"},
        "slack.leads_channel: C0NOWHERE2 not found (channel_not_found)",
    ),
}


@pytest.mark.parametrize(("overrides", "problem"), PROBLEMS.values(), ids=PROBLEMS.keys())
async def test_unknown_channel_is_named_with_its_key(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path,
    caplog: pytest.LogCaptureFixture, overrides: dict[str, object], problem: str,
) -> None:  # fmt: skip
    """A channel id Slack does not know is logged under the key it came from."""
    with caplog.at_level(logging.ERROR):
        config = make_config(slack, scene, db_path, "socket", overrides)
        running = await start(config, slack, scene, store)
        await running.stop()
    (logged,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.startswith(f"Slack set-up: {problem}")


async def test_unknown_user_group_is_named_with_its_key(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """A configured user group Slack does not know is logged under its roles key."""
    del slack.workspace.usergroups[scene.agents.id]
    with caplog.at_level(logging.ERROR):
        running = await start(make_config(slack, scene, db_path, "socket"), slack, scene, store)
        await running.stop()
    (logged,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert logged == (
        f"Slack set-up: roles.agents.slack_usergroups: user group {scene.agents.id} not found"
        " (no_such_subteam)"
    )


async def test_api_url_is_honoured(desk_on_slack: SlackDesk) -> None:
    """Every Web API call, the socket's connections.open included, goes to slack.api_url."""
    methods = {call.method for call in desk_on_slack.slack.calls}
    assert {"auth.test", "conversations.info", "apps.connections.open"} <= methods


async def test_http_port_in_use_stops_startup_naming_the_key(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path
) -> None:
    """HTTP mode on a port something else holds stops deskbot, naming slack.http."""
    config = make_config(slack, scene, db_path, "http")
    first = await start(config, slack, scene, store)
    port = int(first.url.split(":")[2].split("/")[0])
    taken = config.slack.http.model_copy(update={"port": port})
    second = config.model_copy(update={"slack": config.slack.model_copy(update={"http": taken})})
    with pytest.raises(SlackStartupError, match=rf"^slack.http: cannot listen on 127.0.0.1:{port}"):
        await start(second, slack, scene, store)
    await first.stop()


async def test_notices_queued_before_start_go_out_once_connected(
    slack: FakeSlack, scene: Scene, store: SqliteStore, db_path: Path
) -> None:
    """Notices left from the last run are delivered as soon as Slack is connected, first try."""
    running = SlackDesk(
        slack, scene, make_config(slack, scene, db_path, "socket"), store, FakeClock()
    )
    customer = Person("slack", scene.alice.id, "alice")
    support = Place(f"slack:{slack.identity.team_id}", scene.support.id)
    await running.desk.receive(message(customer, "Printer on fire", place=support))
    await running.start()
    await running.settle()
    await running.stop()
    assert await running.rows("SELECT status, attempts FROM outbox") == [("sent", 1), ("sent", 1)]
