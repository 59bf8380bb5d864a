"""Tickets read back: `/ticket why`, status, lists, history and the home view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.models import (
    ClockKind,
    SlaClock,
    Status,
    Survey,
    Ticket,
)
from handlers.sla.calendar import ALWAYS_OPEN, BusinessCalendar
from handlers.texts.words import (
    Speaking,
    business_time,
    quote,
    score_text,
    ticket_ref,
)


class ReadingTexts(Speaking):
    """Tickets read back: `/ticket why`, status, lists, history and the home view."""

    # -- /ticket why: the clocks in words ----------------------------------------------------

    def why_header(self, ticket: Ticket) -> str:
        return self.say(
            "{ticket}: {priority} priority, {status}",
            ticket=ticket_ref(ticket),
            priority=self.priority_name(ticket.priority),
            status=self.status_name(ticket.status),
        )

    def clock_line(
        self, clock: SlaClock, used: timedelta, zone: ZoneInfo, status: Status, answered: bool
    ) -> str:
        """One clock: what it promises, where it stands, and why."""
        head = self.say(
            "{clock} ({promise}, counting on {calendar}):",
            clock=self.clock_title(clock.kind),
            promise=self.promise(clock),
            calendar=clock.calendar,
        )
        spent = self._spent(clock, used)
        if clock.stopped_at is not None:
            return self._stopped(clock, head, spent, used, zone)
        started = self.when(clock.started_at, zone)
        if clock.running_since is None:
            return self.say(
                "{head} started {started}; paused because {reason}; {spent}.",
                head=head,
                started=started,
                reason=self._paused_because(clock, status, answered),
                spent=spent,
            )
        due = self.say("; due {at}", at=self.when(clock.due_at, zone)) if clock.due_at else ""
        return self.say(
            "{head} started {started}; running since {since}; {spent}{due}{late}.",
            head=head,
            started=started,
            since=self.when(clock.running_since, zone),
            spent=spent,
            due=due,
            late=self.say(" (already broken)") if clock.breached_at else "",
        )

    def _stopped(
        self, clock: SlaClock, head: str, spent: str, used: timedelta, zone: ZoneInfo
    ) -> str:
        assert clock.stopped_at is not None
        verdict = ""
        if clock.target is not None:
            verdict = self.say("; kept") if used <= clock.target else self.say("; broken")
        at = self.when(clock.stopped_at, zone)
        if clock.kind is ClockKind.RESOLUTION:
            stopped = self.say("resolved {at}", at=at)
        else:
            stopped = self.say("answered {at}", at=at)
        return self.say(
            "{head} {stopped}, {spent}{verdict}.",
            head=head,
            stopped=stopped,
            spent=spent,
            verdict=verdict,
        )

    def _paused_because(self, clock: SlaClock, status: Status, answered: bool) -> str:
        if answered and clock.kind is ClockKind.FIRST_RESPONSE:
            return self.say("answered")
        if status is Status.WAITING:
            return self.say("the ticket waits on the customer")
        return self.say("the ticket is {status}", status=self.status_name(status))

    def _spent(self, clock: SlaClock, used: timedelta) -> str:
        """Business time used and, while the promise stands, how much is left (or over)."""
        written = business_time(used)
        if clock.target is None or clock.stopped_at is not None:
            return self.say("{used} of business time used", used=written)
        over = used - clock.target
        if over > timedelta():
            return self.say(
                "{used} of business time used, {over} over", used=written, over=business_time(over)
            )
        return self.say(
            "{used} of business time used, {left} left", used=written, left=business_time(-over)
        )

    def promise(self, clock: SlaClock) -> str:
        """A clock's promise in the units it was written in: `promise 3 working days`."""
        if clock.target is None:
            return self.say("no promise")
        target = business_time(clock.target)
        if clock.promise is None or not clock.promise.days:
            return self.say("promise {time} of business time", time=target)
        business = clock.calendar != ALWAYS_OPEN
        written = self.span(clock.promise.days, clock.promise.rest, business=business)
        if not business:
            return self.say("promise {span}", span=written)
        return self.say(
            "promise {span}, {time} of business time from its start", span=written, time=target
        )

    def calendar_line(self, name: str, calendar: BusinessCalendar) -> str:
        if calendar.is_always_open:
            return self.say(
                "Calendar {name}: always open, so business time is plain time.", name=name
            )
        hours = calendar.opening_hours(self.language.weekdays())
        if calendar.holidays:
            hours = self.say_plural(
                "{hours}, {n} holiday", "{hours}, {n} holidays", len(calendar.holidays), hours=hours
            )
        return self.say(
            "Calendar {name}: {description}. Business time counts only while it is open.",
            name=name,
            description=hours,
        )

    # -- status and lists --------------------------------------------------------------------

    def status(self, ticket: Ticket, messages: int, zone: ZoneInfo) -> str:
        lines = [
            ticket_ref(ticket),
            self.say(
                "Status: {status} · {holder} · priority {priority}",
                status=self.status_name(ticket.status),
                holder=self.assignee_phrase(ticket),
                priority=self.priority_name(ticket.priority),
            ),
            self.say(
                "Customer: {name} · opened {opened} · {messages}",
                name=quote(ticket.customer.name),
                opened=self.when(ticket.created_at, zone),
                messages=self.say_plural("{n} message", "{n} messages", messages),
            ),
        ]
        if ticket.first_response_at:
            at = self.when(ticket.first_response_at, zone)
            lines.append(self.say("First response: {at}", at=at))
        if ticket.permalink:
            lines.append(self.say("Link: {link}", link=ticket.permalink))
        return "\n".join(lines)

    def ticket_list(self, tickets: list[Ticket], total: int, description: str) -> str:
        """A queue: `description` says which tickets (`active`, `all`, `mine urgent`)."""
        if not tickets:
            return self.say("No tickets ({description}).", description=description)
        heading = self.say_plural(
            "{n} ticket ({description}):",
            "{n} tickets ({description}):",
            total,
            description=description,
        )
        lines = [heading, *(self.ticket_line(ticket) for ticket in tickets)]
        if total > len(tickets):
            lines.append(
                self.say(
                    "…and {more} more. Narrow it down: /ticket list"
                    " <status|mine|unassigned|priority>.",
                    more=self.number(total - len(tickets)),
                )
            )
        return "\n".join(lines)

    def customer_tickets(
        self,
        name: str,
        tickets: list[Ticket],
        total: int,
        zone: ZoneInfo,
        ratings: Mapping[int, Survey],
    ) -> str:
        """`/ticket history`: a customer's tickets, each with when it was opened and ended."""
        if not tickets:
            return self.say("{name} has no tickets here.", name=quote(name))
        heading = self.say_plural(
            "{name}: {n} ticket", "{name}: {n} tickets", total, name=quote(name)
        )
        lines = [heading, *(self._history_line(ticket, zone, ratings) for ticket in tickets)]
        if total > len(tickets):
            lines.append(self.say("…and {more} older.", more=self.number(total - len(tickets))))
        return "\n".join(lines)

    def _history_line(self, ticket: Ticket, zone: ZoneInfo, ratings: Mapping[int, Survey]) -> str:
        opened = self.say("opened {at}", at=self.when(ticket.created_at, zone))
        parts = [f"#{ticket.id}", self.status_name(ticket.status), quote(ticket.subject), opened]
        ended = ticket.resolved_at or ticket.closed_at
        if ended is not None and ticket.status in (Status.RESOLVED, Status.CLOSED):
            parts.append(self.say("ended {at}", at=self.when(ended, zone)))
        rated = ratings.get(ticket.id)
        if rated is not None and rated.score is not None:
            parts.append(self.say("rated {score}", score=score_text(rated.scale, rated.score)))
        return " · ".join(parts)

    def active_tickets(self) -> str:
        """What `/ticket list` shows when not told otherwise."""
        return self.say("active")

    def yours_active(self) -> str:
        return self.say("yours, active")

    def none_of_yours(self) -> str:
        return self.say("You have no active tickets.")

    # -- a person's own dashboard (Slack's App Home) -----------------------------------------

    def home_heading(self, name: str) -> str:
        return self.say("deskbot · {name}", name=quote(name))

    def home_hint(self) -> str:
        return self.say(
            "Post in a support channel to open a ticket; an agent answers in its thread."
            " /ticket help lists what you can do."
        )

    def home_requests(self) -> str:
        return self.say("Your open requests")

    def home_assigned(self) -> str:
        return self.say("Tickets you hold")

    def home_unclaimed(self) -> str:
        return self.say("Unclaimed tickets")

    def home_empty(self, title: str) -> str:
        return self.say("{title}: none right now.", title=title)

    def home_more(self, count: int) -> str:
        return self.say("…and {more} more. /ticket list shows them all.", more=self.number(count))
