"""The web view's pages: sign-in, the queue, a ticket, an incident, the leads' metrics and
exports.

Every page of a workspace lives under `/w/<workspace>/`, where its session cookie is scoped.
Who the viewer is comes from that cookie; what they may see from their role, asked of
`DeskSettings.role_of` on every request, and the rules in `handlers.access` — the same the
chat commands follow. A ticket that does not exist, is another workspace's, or is not the
viewer's to see gets the same 404. Query parameters are read from closed sets; anything else
is a 400.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from yarl import URL

from bot.web import charts, export, incident_page
from bot.web.parts import WebParts
from bot.web.templates import Templates
from handlers import access, metrics, signin
from handlers.commands import VERBS
from handlers.digest.figures import Period
from handlers.incidents.values import Incident
from handlers.models import (
    ACTIVE_STATUSES,
    ClockKind,
    Message,
    Person,
    Priority,
    Role,
    SlaClock,
    Status,
    Survey,
)
from handlers.signin import Pass, PassRefused, Purpose
from handlers.sla import promises
from handlers.texts import score_text, texts_in
from handlers.views import After, QueueQuery, QueueRow, QueueSort

log = logging.getLogger(__name__)

SESSION_COOKIE = "deskbot_session"
ZONE_COOKIE = "deskbot_timezone"
ZONE_KEPT = 365 * 86400
PAGE_SIZE = 50
_STATUSES: dict[str, frozenset[Status]] = {
    "active": ACTIVE_STATUSES,
    "all": frozenset(Status),
    **{status.value: frozenset({status}) for status in Status},
}
_QUEUE_PARAMS = frozenset({"status", "priority", "holder", "sort", "after"})
_METRICS_PARAMS = frozenset({"period", "from", "to"})
_HOLDERS = ("", "me", "nobody")
_CUSTOMER_HIDDEN = frozenset({"note", "reminder"})  # audit events only staff see


@dataclass(frozen=True)
class Viewer:
    """Who is looking, in which workspace, and what their role lets them see."""

    person: Person
    role: Role
    workspace: str
    zone: ZoneInfo  # the times shown: the viewer's choice, else the desk's timezone

    @property
    def staff(self) -> bool:
        return access.sees_every_ticket(self.role)

    @property
    def lead(self) -> bool:
        # The figures are what `/ticket digest` shows: whoever may run it sees them here.
        return access.sees_figures(self.role) and VERBS["digest"].allows(self.role)

    @property
    def base(self) -> str:
        return signin.workspace_path(self.workspace)


class Refused(Exception):
    """A request this viewer may not make, answered with a plain page and `status`."""

    def __init__(self, status: int, template: str) -> None:
        super().__init__(template)
        self.status = status
        self.template = template


class Pages:
    def __init__(self, parts: WebParts, templates: Templates) -> None:
        self.parts = parts
        self.templates = templates
        self.links = parts.settings.web

    # -- answering ---------------------------------------------------------------------

    async def page(self, template: str, status: int = 200, **values: Any) -> web.Response:
        # Rendering a long transcript is CPU work: off the event loop, which serves the chats.
        text = await asyncio.to_thread(self.templates.render, template, **values)
        return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")

    async def refused(self, refusal: Refused) -> web.Response:
        return await self.page(refusal.template, refusal.status)

    # -- who is looking ----------------------------------------------------------------

    def viewer(self, request: web.Request) -> Viewer:
        """The signed-in viewer of this workspace; refused without a valid session."""
        workspace = request.match_info["workspace"]
        signed = request.cookies.get(SESSION_COOKIE)
        if self.links is None or signed is None:
            raise Refused(401, "signed_out.html")
        try:
            session = signin.verify(signed, Purpose.SESSION, self.links.secret, self.now())
        except PassRefused:
            raise Refused(401, "signed_out.html") from None
        if session.workspace != workspace:
            raise Refused(401, "signed_out.html")
        role = self.parts.settings.role_of(session.person)
        zone = _zone(request.cookies.get(ZONE_COOKIE, "")) or self.parts.settings.timezone
        return Viewer(session.person, role, workspace, zone)

    def now(self) -> datetime:
        return self.parts.clock.now()

    # -- sign-in -----------------------------------------------------------------------

    async def sign_in_page(self, request: web.Request) -> web.Response:
        """Show a valid link's sign-in button; opening the link uses nothing up.

        Chat platforms fetch the links people are sent to preview them: a GET that used the
        link up would sign the previewer in and leave the person an expired link. Signing in
        is the button's POST, which no previewer sends.
        """
        workspace = request.match_info["workspace"]
        link = await self._valid_link(request.match_info["signed"], workspace)
        if link is None:
            return await self.page("expired.html", 403)
        return await self.page("sign_in.html", person=link.person.name, action=request.path)

    async def sign_in(self, request: web.Request) -> web.Response:
        """Use a sign-in link once: set the session cookie and go to the queue."""
        if not self._same_origin(request):
            return await self.page("bad_request.html", 403)
        workspace = request.match_info["workspace"]
        link = await self._use_link(request.match_info["signed"], workspace)
        if link is None or self.links is None:
            return await self.page("expired.html", 403)
        session = signin.session_for(link, self.now(), self.links)
        response = _see_other(signin.workspace_path(workspace))
        response.set_cookie(
            SESSION_COOKIE,
            signin.sign(session, self.links.secret),
            path=signin.workspace_path(workspace),
            max_age=int(self.links.session.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=self.links.base_url.startswith("https://"),
        )
        return response

    async def _valid_link(self, signed: str, workspace: str) -> Pass | None:
        """The link's pass if it is ours, unexpired, this workspace's and not used before."""
        if self.links is None:
            return None
        try:
            link = signin.verify(signed, Purpose.SIGN_IN, self.links.secret, self.now())
        except PassRefused:
            return None
        if link.workspace != workspace:
            return None
        used = await self.parts.store.view(lambda views: views.remembered(link.once_key))
        return None if used else link

    async def _use_link(self, signed: str, workspace: str) -> Pass | None:
        """The link's pass if it is valid, now used up; None if not (or used meanwhile)."""
        link = await self._valid_link(signed, workspace)
        if link is None:
            return None
        now = self.now()
        first_use = await self.parts.store.transact(lambda tx: tx.remember(link.once_key, now))
        return link if first_use else None

    async def timezone(self, request: web.Request) -> web.Response:
        """Remember the viewer's timezone (a cookie), then go back to the page they were on."""
        try:
            viewer = self.viewer(request)
        except Refused as refusal:
            return await self.refused(refusal)
        if not self._same_origin(request):
            return await self.page("bad_request.html", 403, viewer=viewer)
        form = await request.post()
        zone = _zone(str(form.get("tz", "")).strip())
        back = str(form.get("back", ""))
        if zone is None or set(form) - {"tz", "back"}:
            return await self.page("bad_request.html", 400, viewer=viewer)
        if not back.startswith(viewer.base) or "//" in back:
            back = viewer.base
        response = _see_other(back)
        response.set_cookie(
            ZONE_COOKIE,
            zone.key,
            path=viewer.base,
            max_age=ZONE_KEPT,
            httponly=True,
            samesite="Lax",
            secure=self.links is not None and self.links.base_url.startswith("https://"),
        )
        return response

    def _same_origin(self, request: web.Request) -> bool:
        """Whether a form was sent from our own pages (browsers name the origin of a POST)."""
        origin = request.headers.get("Origin")
        if origin is None or self.links is None:
            return True  # not a browser's form: a browser always says where a POST is from
        # A cross-site form says its site, or "null" under our Referrer-Policy: both refused.
        ours = URL(self.links.base_url).origin()
        return origin in (str(ours), str(request.url.origin()))

    async def sign_out(self, request: web.Request) -> web.Response:
        if not self._same_origin(request):
            return await self.page("bad_request.html", 403)
        workspace = request.match_info["workspace"]
        response = _see_other(signin.workspace_path(workspace) + "signed-out")
        response.del_cookie(SESSION_COOKIE, path=signin.workspace_path(workspace))
        return response

    async def signed_out(self, request: web.Request) -> web.Response:
        return await self.page("signed_out.html")

    async def front(self, request: web.Request) -> web.Response:
        return await self.page("signed_out.html")

    # -- the queue ---------------------------------------------------------------------

    async def queue(self, request: web.Request) -> web.Response:
        try:
            viewer = self.viewer(request)
            query, chosen = self._queue_query(request, viewer)
        except Refused as refusal:
            return await self.refused(refusal)
        found = await self.parts.store.view(lambda views: views.queue(query))
        more = len(found) > PAGE_SIZE
        shown = found[:PAGE_SIZE]
        following = _after_text(shown[-1].after(query.sort)) if more else None
        held = await self._part_of([row.ticket.id for row in shown]) if viewer.staff else {}
        return await self.page(
            "queue.html",
            viewer=viewer,
            rows=[self._queue_row(row, viewer.zone, held.get(row.ticket.id)) for row in shown],
            chosen=chosen,
            following=following,
            statuses=list(_STATUSES),
            priorities=[priority.value for priority in Priority],
            sorts=[sort.value for sort in QueueSort],
            holders=_HOLDERS,
        )

    def _queue_query(
        self, request: web.Request, viewer: Viewer
    ) -> tuple[QueueQuery, dict[str, str]]:
        """Read the queue's filters from their closed sets; anything else is a 400."""
        params = request.query
        if set(params) - _QUEUE_PARAMS or any(len(params.getall(k)) > 1 for k in params):
            raise Refused(400, "bad_request.html")
        chosen = {name: params.get(name, "") for name in _QUEUE_PARAMS}
        status, priority = chosen["status"] or "active", chosen["priority"]
        sort, holder = chosen["sort"] or QueueSort.OLDEST.value, chosen["holder"]
        if (
            status not in _STATUSES
            or (priority and priority not in Priority.__members__.values())
            or sort not in QueueSort.__members__.values()
            or holder not in _HOLDERS
        ):
            raise Refused(400, "bad_request.html")
        query = QueueQuery(
            viewer.workspace,
            _STATUSES[status],
            QueueSort(sort),
            Priority(priority) if priority else None,
            assignee_key=viewer.person.key if holder == "me" else None,
            unassigned=holder == "nobody",
            customer_key=None if viewer.staff else viewer.person.key,
            after=_read_after(chosen["after"], QueueSort(sort)),
            limit=PAGE_SIZE + 1,
        )
        return query, {**chosen, "status": status, "sort": sort}

    async def _part_of(self, ticket_ids: list[int]) -> dict[int, Incident]:
        """The incident each of these tickets is part of, for those that are (one read)."""
        return await self.parts.store.read(lambda tx: tx.part_of(ticket_ids))

    def _queue_row(
        self, row: QueueRow, zone: ZoneInfo, incident: Incident | None = None
    ) -> dict[str, Any]:
        now, settings = self.now(), self.parts.settings
        due = row.due_at
        state = ""
        if due is not None and (row.breached or due <= now):
            state = "breached"
        elif due is not None and due <= now + settings.digest.at_risk_within:
            state = "at-risk"
        return {
            "ticket": row.ticket,
            "age": _age(now - row.ticket.created_at),
            "due": _local(due, zone) if due else "",
            "due_state": state,
            "incident": incident,
        }

    # -- a ticket ----------------------------------------------------------------------

    async def ticket(self, request: web.Request) -> web.Response:
        try:
            viewer = self.viewer(request)
        except Refused as refusal:
            return await self.refused(refusal)
        wanted = request.match_info["ticket"]
        page = None
        if wanted.isdigit() and len(wanted) <= 18:
            notes = access.sees_notes(viewer.role)
            page = await self.parts.store.view(
                lambda views: views.ticket_page(int(wanted), include_internal=notes)
            )
        if page is None or not access.can_see(
            viewer.role, viewer.person, viewer.workspace, page.ticket
        ):
            return await self.page("not_found.html", 404, viewer=viewer)
        events = [
            event for event in page.events if viewer.staff or event.kind not in _CUSTOMER_HIDDEN
        ]
        survey = await self.parts.store.read(lambda tx: tx.latest_survey(page.ticket.id))
        part_of = await self._part_of([page.ticket.id])
        return await self.page(
            "ticket.html",
            viewer=viewer,
            ticket=page.ticket,
            incident=part_of.get(page.ticket.id),
            rating=_rating(survey, viewer.zone),
            messages=[self._message(message, viewer.zone) for message in page.messages],
            events=[{"at": _local(event.at, viewer.zone), "entry": event} for event in events],
            clocks=self._clocks(page.clocks.values(), viewer.zone) if viewer.staff else [],
            opened=_local(page.ticket.created_at, viewer.zone),
            zone=viewer.zone.key,
            back=request.path,
        )

    def _message(self, message: Message, zone: ZoneInfo) -> dict[str, Any]:
        return {
            "message": message,
            "at": _local(message.created_at, zone),
            "links": [
                attachment
                for attachment in message.attachments
                if attachment.url.startswith(("https://", "http://"))
            ],
        }

    def _clocks(self, clocks: Iterable[SlaClock], zone: ZoneInfo) -> list[dict[str, Any]]:
        now, settings = self.now(), self.parts.settings
        found = []
        order = list(ClockKind)
        for clock in sorted(clocks, key=lambda clock: order.index(clock.kind)):
            used = promises.used(clock, now, settings)
            found.append(
                {
                    "clock": clock,
                    "used": _business(used),
                    "target": _business(clock.target) if clock.target is not None else "",
                    "due": _local(clock.due_at, zone) if clock.due_at else "",
                    "state": _clock_state(clock, now),
                }
            )
        return found

    # -- an incident -------------------------------------------------------------------

    async def incident(self, request: web.Request) -> web.Response:
        """An incident's page, for staff; anyone else gets the 404 a missing one gets."""
        try:
            viewer = self.viewer(request)
        except Refused as refusal:
            return await self.refused(refusal)
        wanted = request.match_info["incident"]
        found = None
        if viewer.staff and wanted.isdigit() and len(wanted) <= 9:
            found = await self.parts.store.read(
                lambda tx: incident_page.read(tx, int(wanted), viewer.workspace)
            )
        if found is None:
            return await self.page("not_found.html", 404, viewer=viewer)
        texts = texts_in(self.parts.settings.locale)
        shown = incident_page.values(found, texts, viewer.zone, _local)
        return await self.page(
            "incident.html", viewer=viewer, zone=viewer.zone.key, back=request.path, **shown
        )

    # -- the leads' metrics and exports ------------------------------------------------

    def _lead(self, request: web.Request) -> Viewer:
        viewer = self.viewer(request)
        if not viewer.lead:
            raise Refused(404, "not_found.html")
        return viewer

    def _period(self, request: web.Request) -> tuple[Period, dict[str, str]]:
        params = request.query
        if set(params) - _METRICS_PARAMS or any(len(params.getall(k)) > 1 for k in params):
            raise Refused(400, "bad_request.html")
        chosen = {name: params.get(name, "") for name in _METRICS_PARAMS}
        span = chosen["period"] or metrics.Span.WEEK.value
        if span not in metrics.Span.__members__.values():
            raise Refused(400, "bad_request.html")
        zone = self.parts.settings.digest.timezone
        try:
            first = date.fromisoformat(chosen["from"]) if chosen["from"] else None
            last = date.fromisoformat(chosen["to"]) if chosen["to"] else None
            period = metrics.period_of(metrics.Span(span), self.now(), zone, first, last)
        except ValueError:
            raise Refused(400, "bad_request.html") from None
        return period, {**chosen, "period": span}

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            viewer = self._lead(request)
            period, chosen = self._period(request)
        except Refused as refusal:
            return await self.refused(refusal)
        found = await metrics.gather(
            self.parts.store, self.parts.settings.digest, period, self.now(), viewer.workspace
        )
        zone = self.parts.settings.digest.timezone
        return await self.page(
            "metrics.html",
            viewer=viewer,
            chosen=chosen,
            spans=[span.value for span in metrics.Span],
            found=found,
            charts=charts.for_metrics(found),
            start=period.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            end=period.end.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            zone=zone.key,
            hours=_hours,
            percent=_percent,
            export_query=request.query_string,
        )

    async def export_tickets(self, request: web.Request) -> web.StreamResponse:
        try:
            viewer = self._lead(request)
            period, _ = self._period(request)
        except Refused as refusal:
            return await self.refused(refusal)
        store = self.parts.store
        zone = viewer.zone
        local = functools.partial(_local, zone=zone)
        return await export.tickets(request, store, viewer.workspace, period, local)

    async def export_agents(self, request: web.Request) -> web.StreamResponse:
        try:
            viewer = self._lead(request)
            period, _ = self._period(request)
        except Refused as refusal:
            return await self.refused(refusal)
        found = await metrics.gather(
            self.parts.store, self.parts.settings.digest, period, self.now(), viewer.workspace
        )
        return await export.agents(request, found.agents, period)

    async def stylesheet(self, request: web.Request) -> web.Response:
        css = resources.files("bot.web").joinpath("static", "style.css").read_bytes()
        response = web.Response(body=css, content_type="text/css", charset="utf-8")
        response.headers["Cache-Control"] = "max-age=3600"
        return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _read_after(text: str, sort: QueueSort) -> After | None:
    """Read the `after` parameter: `<key>~<id>`, the key an integer or a time by the sort."""
    if not text:
        return None
    key, tilde, ticket = text.rpartition("~")
    if not tilde or not ticket.isdigit() or len(ticket) > 18:
        raise Refused(400, "bad_request.html")
    if sort is QueueSort.UPDATED:
        try:
            at = datetime.fromisoformat(key)
        except ValueError:
            raise Refused(400, "bad_request.html") from None
        if at.tzinfo is None:  # every stored time is UTC; a time without a zone is no key
            raise Refused(400, "bad_request.html")
        return After(at.isoformat(), int(ticket))
    if not key.isdigit() or len(key) > 18:
        raise Refused(400, "bad_request.html")
    return After(int(key), int(ticket))


def _after_text(after: After) -> str:
    return f"{after.key}~{after.id}"


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _zone(name: str) -> ZoneInfo | None:
    """An IANA timezone by name, or None for anything else (never a path on disk)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}", name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // 1440}d"


def _business(span: timedelta) -> str:
    seconds = round(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m"


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f}h"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _clock_state(clock: SlaClock, now: datetime) -> str:
    if clock.stopped_at is not None:
        return "stopped"
    if clock.breached_at is not None or (clock.due_at is not None and clock.due_at <= now):
        return "breached"
    return "running" if clock.running else "paused"


def add_routes(app: web.Application, parts: WebParts, templates: Templates) -> None:
    """Add the web view's pages to `app`."""
    pages = Pages(parts, templates)
    workspace = "/w/{workspace:[A-Za-z0-9_.:-]{1,100}}/"
    app.router.add_get("/", pages.front)
    app.router.add_get("/static/style.css", pages.stylesheet)
    app.router.add_get(workspace, pages.queue)
    app.router.add_get(workspace + "sign-in/{signed}", pages.sign_in_page)
    app.router.add_post(workspace + "sign-in/{signed}", pages.sign_in)
    app.router.add_post(workspace + "sign-out", pages.sign_out)
    app.router.add_post(workspace + "timezone", pages.timezone)
    app.router.add_get(workspace + "signed-out", pages.signed_out)
    app.router.add_get(workspace + "tickets/{ticket}", pages.ticket)
    app.router.add_get(workspace + "incidents/{incident}", pages.incident)
    app.router.add_get(workspace + "metrics", pages.metrics)
    app.router.add_get(workspace + "export/tickets.csv", pages.export_tickets)
    app.router.add_get(workspace + "export/agents.csv", pages.export_agents)


def _rating(survey: Survey | None, zone: ZoneInfo) -> dict[str, str] | None:
    """The customer's rating of the ticket's latest resolution, as the page shows it."""
    if survey is None or survey.score is None or survey.answered_at is None:
        return None
    score = score_text(survey.scale, survey.score)
    return {"score": score, "comment": survey.comment, "at": _local(survey.answered_at, zone)}
