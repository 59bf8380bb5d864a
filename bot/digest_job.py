"""The leads' daily digest: built, charted, queued for each leads' channel and recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from bot.chart import chart_png
from bot.leadership import Leadership
from handlers.digest import posting
from handlers.ports import Clock, Store
from handlers.settings import DeskSettings

log = logging.getLogger(__name__)


class DigestJob:
    """Run by the scheduler at `digest.cron`; only the lease holder posts, so once a day."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: DeskSettings,
        leadership: Leadership,
        workspaces: Callable[[], Mapping[str, str]],
        on_posted: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.leadership = leadership
        self.workspaces = workspaces
        self.on_posted = on_posted

    async def __call__(self) -> bool:
        """Post the digest for the period since the last one; False if skipped."""
        if not self.leadership.held:
            return False
        now = self.clock.now()
        made = await posting.build(self.store, self.settings.digest, now)
        if not posting.should_post(made, self.settings.digest):
            log.info("Nothing to say in the digest; skipped (digest.skip_when_empty)")
            return False
        # Drawing takes a noticeable fraction of a second: keep it off the event loop.
        chart = await asyncio.to_thread(chart_png, made)
        notices = posting.digest_notices(made, self.settings, self.workspaces(), chart)
        if not notices:
            log.warning("The digest has nowhere to go: set leads_channel for a platform")
        await self.store.transact(lambda tx: posting.post(tx, made, notices, now))
        self.on_posted()
        return True
