"""The leads' CSV exports, streamed: tickets created in a period, and per-agent figures.

Tickets are read a batch at a time by id and written as they come, so an export of a
year holds one batch in memory. A cell that a spreadsheet would run as a formula (it starts
with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from aiohttp import web

from bot.web.parts import WebStore
from handlers.digest.figures import AgentLine, Period
from handlers.models import Ticket
from handlers.ports import Views

BATCH = 1000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TICKET_COLUMNS = (
    "id",
    "created",
    "status",
    "priority",
    "customer",
    "holder",
    "subject",
    "first_response",
    "resolved",
    "closed",
)
AGENT_COLUMNS = ("agent", "claimed", "resolved", "first_response_median_seconds", "open")


def cell(value: object) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _line(values: Iterable[object]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([cell(value) for value in values])
    return out.getvalue().encode("utf-8")


async def _start(request: web.Request, name: str, period: Period) -> web.StreamResponse:
    filename = f"deskbot-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
    )
    await response.prepare(request)
    return response


def ticket_line(ticket: Ticket, local: Callable[[datetime], str]) -> bytes:
    def when(at: datetime | None) -> str:
        return local(at) if at is not None else ""

    return _line(
        (
            ticket.id,
            when(ticket.created_at),
            ticket.status,
            ticket.priority,
            ticket.customer.name,
            ticket.assignee.name if ticket.assignee else "",
            ticket.subject,
            when(ticket.first_response_at),
            when(ticket.resolved_at),
            when(ticket.closed_at),
        )
    )


def _batch(workspace: str, period: Period, after: int, views: Views) -> list[Ticket]:
    return views.tickets_created(workspace, period.window, after, BATCH)


async def tickets(
    request: web.Request,
    store: WebStore,
    workspace: str,
    period: Period,
    local: Callable[[datetime], str],
) -> web.StreamResponse:
    """Stream the workspace's tickets created in the period, a batch at a time."""
    response = await _start(request, "tickets", period)
    await response.write(_line(TICKET_COLUMNS))
    after = 0
    while True:
        batch = await store.view(functools.partial(_batch, workspace, period, after))
        if batch:
            await response.write(b"".join(ticket_line(ticket, local) for ticket in batch))
            after = batch[-1].id
        if len(batch) < BATCH:
            break
    await response.write_eof()
    return response


async def agents(
    request: web.Request, lines: Sequence[AgentLine], period: Period
) -> web.StreamResponse:
    """Stream the period's per-agent figures."""
    response = await _start(request, "agents", period)
    await response.write(_line(AGENT_COLUMNS))
    for line in lines:
        median = "" if line.first_response_median is None else round(line.first_response_median)
        await response.write(_line((line.name, line.claimed, line.resolved, median, line.open)))
    await response.write_eof()
    return response
