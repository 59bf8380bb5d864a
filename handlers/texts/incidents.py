"""Incidents: declaring, linking, updates in every linked thread, banners, the postmortem."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.digest.rows import IncidentRow
from handlers.incidents.values import Delivery, Entry, Incident, IncidentStatus, Moment, Spike
from handlers.texts.words import N_, Speaking, duration, quote, shorten

_STATUSES = {
    IncidentStatus.INVESTIGATING: N_("investigating"),
    IncidentStatus.IDENTIFIED: N_("identified"),
    IncidentStatus.MONITORING: N_("monitoring"),
    IncidentStatus.RESOLVED: N_("resolved"),
}


class IncidentTexts(Speaking):
    """Incidents: declaring, linking, updates in every linked thread, banners, the postmortem."""

    def incident_status(self, status: IncidentStatus) -> str:
        return self.gettext(_STATUSES[status])

    def incident_name(self, incident: Incident) -> str:
        """`INC-3: Checkout returns 500`, as cards and lists name it."""
        return f"{incident.ref}: {quote(incident.title)}"

    # -- refusals and usage -----------------------------------------------------------------

    def incident_actions(self) -> str:
        return self.say(
            "Say what to do: declare, link, unlink, status, update, resolve, show or list."
        )

    def which_incident(self) -> str:
        return self.say("Name the incident, like INC-3.")

    def no_such_incident(self, word: str) -> str:
        return self.say("There is no incident {word} here.", word=quote(shorten(word, 20)))

    def incident_title_empty(self) -> str:
        return self.say("Give the incident a title: what is broken, in a few words.")

    def incident_is_resolved(self, incident: Incident) -> str:
        return self.say("{ref} is resolved already.", ref=incident.ref)

    def which_tickets_to_link(self) -> str:
        return self.say("Name the tickets by number.")

    def incident_status_must_be(self, choices: str) -> str:
        return self.say(
            "The status must be one of {choices}; /ticket incident resolve ends the incident.",
            choices=choices,
        )

    def incident_update_empty(self) -> str:
        return self.say("The update is empty: write what customers should know.")

    # -- answers to the person who asked ---------------------------------------------------

    def incident_declared(self, incident: Incident) -> str:
        return self.say(
            "Declared {ref}: {title}. Link its tickets with /ticket incident link {ref} <id…>"
            " and post updates with /ticket incident update {ref} <text>.",
            ref=incident.ref,
            title=quote(incident.title),
        )

    def incident_linked(self, incident: Incident, n: int, total: int) -> str:
        return self.say_plural(
            "Linked {n} ticket to {ref} ({total} linked in all).",
            "Linked {n} tickets to {ref} ({total} linked in all).",
            n,
            ref=incident.ref,
            total=self.number(total),
        )

    def incident_unlinked(self, incident: Incident, n: int, total: int) -> str:
        return self.say_plural(
            "Unlinked {n} ticket from {ref} ({total} still linked).",
            "Unlinked {n} tickets from {ref} ({total} still linked).",
            n,
            ref=incident.ref,
            total=self.number(total),
        )

    def held_elsewhere(self, ticket_id: int, other: Incident) -> str:
        return self.say("#{id} is linked to {ref} already.", id=ticket_id, ref=other.ref)

    def not_linkable(self, ticket_id: int) -> str:
        return self.say("#{id} is closed: it cannot be linked.", id=ticket_id)

    def not_linked(self, ticket_id: int, incident: Incident) -> str:
        return self.say("#{id} is not linked to {ref}.", id=ticket_id, ref=incident.ref)

    def no_ticket_here(self, word: str) -> str:
        return self.say("There is no ticket {word} here.", word=quote(shorten(word, 20)))

    def incident_status_set(self, incident: Incident) -> str:
        return self.say(
            "{ref} is now {status}.",
            ref=incident.ref,
            status=self.incident_status(incident.status),
        )

    def incident_update_queued(self, incident: Incident, n: int) -> str:
        return self.say_plural(
            "The update on {ref} is on its way to {n} ticket; /ticket incident show {ref}"
            " says how far it got.",
            "The update on {ref} is on its way to {n} tickets; /ticket incident show {ref}"
            " says how far it got.",
            n,
            ref=incident.ref,
        )

    def incident_resolved(self, incident: Incident, told: int, resolved: int) -> str:
        return self.say_plural(
            "{ref} is resolved: the final update is on its way to {n} ticket, and {resolved}"
            " linked tickets are resolved with it.",
            "{ref} is resolved: the final update is on its way to {n} tickets, and {resolved}"
            " linked tickets are resolved with it.",
            told,
            ref=incident.ref,
            resolved=self.number(resolved),
        )

    def incident_list(self, incidents: list[tuple[Incident, int]]) -> str:
        if not incidents:
            return self.say("No incident is open.")
        lines = [self.say("Open incidents:")]
        for incident, linked in incidents:
            lines.append(
                self.say_plural(
                    "{name} — {status}, {n} ticket linked, owner {owner}",
                    "{name} — {status}, {n} tickets linked, owner {owner}",
                    linked,
                    name=self.incident_name(incident),
                    status=self.incident_status(incident.status),
                    owner=quote(incident.owner.name),
                )
            )
        return "\n".join(lines)

    # -- what customers and channels read --------------------------------------------------

    def incident_linked_note(self, incident: Incident) -> str:
        """Told in a linked ticket's thread at once."""
        return self.say(
            "This is part of a known problem ({ref}: {title}). We will post updates here.",
            ref=incident.ref,
            title=quote(incident.title),
        )

    def incident_update_note(self, incident: Incident, author: str, text: str) -> str:
        """An update as it reaches each linked ticket's thread."""
        return self.say(
            "Update on {ref} ({title}) from {name}: {text}",
            ref=incident.ref,
            title=quote(incident.title),
            name=quote(author),
            text=quote(text),
        )

    def incident_final_note(self, incident: Incident, author: str, text: str) -> str:
        return self.say(
            "{ref} ({title}) is resolved. {name}: {text}",
            ref=incident.ref,
            title=quote(incident.title),
            name=quote(author),
            text=quote(text),
        )

    def incident_banner(self, incident: Incident, latest: str | None) -> str:
        """The status banner in each support channel, edited as the incident moves on."""
        if incident.status is IncidentStatus.RESOLVED:
            return self.say(
                "✅ Resolved — {ref}: {title}. {text}",
                ref=incident.ref,
                title=quote(incident.title),
                text=quote(latest or ""),
            ).rstrip()
        if latest is None:
            return self.say(
                "⚠️ Known problem — {ref}: {title} ({status}). We are on it; updates follow"
                " in your ticket's thread.",
                ref=incident.ref,
                title=quote(incident.title),
                status=self.incident_status(incident.status),
            )
        return self.say(
            "⚠️ Known problem — {ref}: {title} ({status}). Latest: {text}",
            ref=incident.ref,
            title=quote(incident.title),
            status=self.incident_status(incident.status),
            text=quote(latest),
        )

    def incident_card_line(self, name: str) -> str:
        """On a linked ticket's card, instead of asking for it to be claimed."""
        return self.say("Part of {incident}", incident=name)

    # -- the incident's own SLA ------------------------------------------------------------

    def incident_reminder(self, incident: Incident, quiet: timedelta) -> str:
        return self.say(
            "{ref} ({title}) has had no update for {span}: post one with /ticket incident"
            " update {ref} <text>.",
            ref=incident.ref,
            title=quote(incident.title),
            span=duration(quiet),
        )

    def incident_escalation(self, incident: Incident, quiet: timedelta) -> str:
        return self.say(
            "{ref} ({title}) has had no update for {span}, and its owner {owner} was reminded.",
            ref=incident.ref,
            title=quote(incident.title),
            span=duration(quiet),
            owner=quote(incident.owner.name),
        )

    # -- show and the postmortem -------------------------------------------------------------

    def incident_heading(self, incident: Incident, linked: int, zone: ZoneInfo) -> str:
        return self.say_plural(
            "{name} — {status}, owner {owner}, started {when}, {n} ticket linked",
            "{name} — {status}, owner {owner}, started {when}, {n} tickets linked",
            linked,
            name=self.incident_name(incident),
            status=self.incident_status(incident.status),
            owner=quote(incident.owner.name),
            when=self.when(incident.started_at, zone),
        )

    def timeline_line(self, entry: Entry, zone: ZoneInfo) -> str:
        """One line of the timeline, after its time."""
        who = quote(entry.actor.name) if entry.actor else "deskbot"
        when = self.when(entry.at, zone)
        said = self._moment(entry, who)
        return f"{when} — {said}"

    def _moment(self, entry: Entry, who: str) -> str:
        kind = entry.kind
        if kind is Moment.DETECTED:
            return self.say("a spike of similar tickets was detected")
        if kind is Moment.DECLARED:
            return self.say("declared by {name}", name=who)
        if kind is Moment.LINKED:
            return self.say_plural(
                "{name} linked {n} ticket ({total} in all)",
                "{name} linked {n} tickets ({total} in all)",
                entry.count,
                name=who,
                total=self.number(entry.total),
            )
        if kind is Moment.UNLINKED:
            return self.say_plural(
                "{name} unlinked {n} ticket ({total} left)",
                "{name} unlinked {n} tickets ({total} left)",
                entry.count,
                name=who,
                total=self.number(entry.total),
            )
        if kind is Moment.STATUS:
            assert entry.status is not None  # a status line names the status
            return self.say(
                "{name} set the status to {status}",
                name=who,
                status=self.incident_status(entry.status),
            )
        if kind is Moment.REMINDED:
            if entry.count > 1:
                return self.say("no update in time: escalated to the leads")
            return self.say("no update in time: the owner was reminded")
        if kind is Moment.RESOLVED:
            return self.say_plural(
                "resolved by {name}, final update to {n} ticket: {text}",
                "resolved by {name}, final update to {n} tickets: {text}",
                entry.count,
                name=who,
                text=quote(entry.text),
            )
        return self.say_plural(
            "update by {name} to {n} ticket: {text}",
            "update by {name} to {n} tickets: {text}",
            entry.count,
            name=who,
            text=quote(entry.text),
        )

    def delivery_line(self, delivery: Delivery) -> str:
        """How far one update got: `delivered to 120 of 340 tickets`."""
        said = self.say_plural(
            "delivered to {delivered} of {n} ticket",
            "delivered to {delivered} of {n} tickets",
            delivery.total,
            delivered=self.number(delivery.delivered),
        )
        if delivery.failed:
            said += self.say(", {failed} failed", failed=self.number(delivery.failed))
        return said

    def postmortem_title(self, incident: Incident) -> str:
        return self.say("Postmortem: {name}", name=self.incident_name(incident))

    def postmortem_summary(self) -> str:
        return self.say("Summary")

    def postmortem_timeline(self) -> str:
        return self.say("Timeline")

    def postmortem_fill_in(self) -> str:
        return self.say("What happened, why, and what we change — to be written.")

    def time_to_declare(self, span: timedelta | None) -> str:
        if span is None:
            return self.say("Time to declare: declared without a detected spike")
        return self.say("Time to declare: {span}", span=duration(span))

    def time_to_first_update(self, span: timedelta | None) -> str:
        if span is None:
            return self.say("Time to first update: no update yet")
        return self.say("Time to first update: {span}", span=duration(span))

    def incident_duration(self, span: timedelta, ongoing: bool) -> str:
        if ongoing:
            return self.say("Duration: {span} so far", span=duration(span))
        return self.say("Duration: {span}", span=duration(span))

    def tickets_affected(self, n: int) -> str:
        return self.say_plural("Tickets affected: {n}", "Tickets affected: {n}", n)

    def linked_satisfaction(self, rated: int, positive: int) -> str:
        if not rated:
            return self.say("Satisfaction of linked tickets: no rating yet")
        share = round(100 * positive / rated)
        return self.say_plural(
            "Satisfaction of linked tickets: {share}% positive, of {n} rating",
            "Satisfaction of linked tickets: {share}% positive, of {n} ratings",
            rated,
            share=share,
        )

    # -- the digest ------------------------------------------------------------------------

    def digest_incidents_heading(self) -> str:
        return self.say("Incidents:")

    def digest_incident(self, row: IncidentRow) -> str:
        """One incident of the period: resolved after how long, or its status; its tickets."""
        name = f"INC-{row.number}: {quote(row.title)}"
        if row.resolved_at is not None:
            return self.say_plural(
                "{name} — resolved after {span}, {n} ticket",
                "{name} — resolved after {span}, {n} tickets",
                row.tickets,
                name=name,
                span=duration(row.resolved_at - row.started_at),
            )
        return self.say_plural(
            "{name} — {status}, {n} ticket",
            "{name} — {status}, {n} tickets",
            row.tickets,
            name=name,
            status=self.incident_status(IncidentStatus(row.status)),
        )

    def as_of(self, at: datetime, zone: ZoneInfo) -> str:
        return self.say("As of {when}.", when=self.when(at, zone))

    # -- spikes ----------------------------------------------------------------------------

    def spike_alert(self, spike: Spike, window: timedelta) -> str:
        """The leads' alert: the tickets alike, their common words, how to declare."""
        shown = ", ".join(f"#{ticket}" for ticket in spike.first)
        if spike.size > len(spike.first):
            shown += ", …"
        return self.say_plural(
            "Spike: {n} similar ticket within {window} ({tickets}), about “{words}”. Declare"
            " an incident for them with the button or /ticket incident {first} (title:"
            " {title}).",
            "Spike: {n} similar tickets within {window} ({tickets}), about “{words}”. Declare"
            " an incident for them with the button or /ticket incident {first} (title:"
            " {title}).",
            spike.size,
            window=duration(window),
            tickets=shown,
            words=quote(" ".join(spike.words)),
            first=spike.first[0],
            title=quote(spike.title),
        )

    def spike_declared(self, spike: Spike, ref: str) -> str:
        return self.say_plural(
            "Spike of {n} similar ticket about “{words}”: declared as {ref}.",
            "Spike of {n} similar tickets about “{words}”: declared as {ref}.",
            spike.size,
            words=quote(" ".join(spike.words)),
            ref=ref,
        )

    def no_spike(self, ticket_id: int) -> str:
        return self.say(
            "Ticket #{id} is part of no spike to declare an incident from.", id=ticket_id
        )

    def link_to_incident(self, ref: str) -> str:
        """The button under a new ticket alike an open incident."""
        return self.say("Link to {ref}", ref=ref)

    def linked_from_suggestion(self, ticket_id: int, ref: str, title: str, name: str) -> str:
        """The suggestion once someone pressed its button: the button goes."""
        return self.say(
            "New ticket #{id} was linked to {ref} ({title}) by {name}.",
            id=ticket_id,
            ref=ref,
            title=quote(title),
            name=quote(name),
        )

    def spike_declared_already(self, number: int) -> str:
        return self.say("That spike was declared already, as INC-{n}.", n=number)

    def looks_like_incident(self, ticket_id: int, ref: str, title: str) -> str:
        """A new ticket alike an open incident, told to the agents."""
        return self.say(
            "New ticket #{id} looks like part of {ref} ({title}): /ticket incident link {ref}"
            " {id} links it.",
            id=ticket_id,
            ref=ref,
            title=quote(title),
        )
