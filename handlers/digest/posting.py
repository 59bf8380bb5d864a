"""The leads' daily digest, as the bot wires it in: build it, render it, post it.

The figures and how each is counted are in `figures`; their sentences are in `lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from handlers.digest import lines
from handlers.digest.figures import Digest, gather
from handlers.digest.rows import DigestRecord
from handlers.models import Notice, NoticeFile, NoticeKind, Place
from handlers.ports import ReportSource, Tx
from handlers.settings import DeskSettings, DigestSettings
from handlers.texts import Texts


async def build(
    store: ReportSource,
    settings: DigestSettings,
    now: datetime,
    since: datetime | None = None,
    workspace: str | None = None,
) -> Digest:
    """Read the digest for `[since, now)`; `since` defaults to the end of the last digest.

    With `workspace`, of that workspace's tickets alone (what `/ticket digest` shows): it
    starts where the last posted digest ended, but does not compare its standing figures
    with that digest's, which counted the whole desk.
    """
    return await store.report(
        lambda reports: gather(reports, settings, now, since, compare=workspace is None),
        workspace,
    )


def render(digest: Digest, texts: Texts) -> str:
    """The digest as plain text for chat and the console, within Discord's 2,000 characters."""
    return lines.fit(texts, digest)


def should_post(digest: Digest, settings: DigestSettings) -> bool:
    """Post unless there is nothing to say and the config says to skip then."""
    return not (settings.skip_when_empty and digest.is_empty)


def digest_notices(
    digest: Digest,
    settings: DeskSettings,
    workspaces: Mapping[str, str],
    chart: bytes | None = None,
) -> list[Notice]:
    """The digest for the leads' channel of each platform that has one.

    `workspaces` names the workspace each platform's leads channel is in (a platform name →
    `<platform>:<workspace id>`); a platform missing from it gets no notice. The chart goes
    along as a file where the platform's capabilities include files.
    """
    found = []
    for platform, places in sorted(settings.places.items()):
        workspace = workspaces.get(platform)
        if places.leads_channel is None or workspace is None:
            continue
        attach = chart is not None and settings.capabilities_of(platform).files
        file = NoticeFile(chart_name(digest), chart) if attach and chart is not None else None
        text = render(digest, settings.texts_for(platform))
        found.append(
            Notice(NoticeKind.DIGEST, Place(workspace, places.leads_channel), text, file=file)
        )
    return found


def post(tx: Tx, digest: Digest, notices: Iterable[Notice], now: datetime) -> None:
    """Queue the digest's notices and remember it was posted, in one transaction."""
    for notice in notices:
        tx.enqueue(notice, now)
    tx.record_digest(DigestRecord(digest.period.start, digest.period.end, now, digest.snapshot()))


def chart_name(digest: Digest) -> str:
    return f"deskbot-digest-{digest.now.astimezone(digest.timezone):%Y-%m-%d}.png"
