"""The leads' digest reaches Slack's leads channel with its chart."""

from __future__ import annotations

from bot.desk_settings import desk_settings
from bot.digest_job import DigestJob
from bot.leadership import Leadership
from tests.bot.slack.conftest import SlackDesk


async def test_digest_is_shared_with_its_chart_in_the_leads_channel(
    desk_on_slack: SlackDesk,
) -> None:
    """The digest text goes with the chart PNG, uploaded into the leads' channel."""
    d = desk_on_slack
    await d.open_ticket()
    d.clock.advance(hours=1)
    leadership = Leadership(d.store, d.clock)
    await leadership.renew()
    workspace = d.adapter.leads_workspace()
    assert workspace is not None
    job = DigestJob(
        d.store, d.clock, desk_settings(d.config), leadership, lambda: {"slack": workspace}
    )
    assert await job()
    await d.settle()
    (shared,) = d.slack.calls_to("files.completeUploadExternal")
    assert shared.args["channel_id"] == d.scene.leads.id
    assert "New 1" in shared.args["initial_comment"]
    assert await d.rows("SELECT status FROM outbox WHERE kind = 'digest'") == [("sent",)]
